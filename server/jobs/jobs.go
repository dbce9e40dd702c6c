// Package jobs runs the server's background work: each job at its interval, one run at
// a time per kind, errors logged, all stopped on shutdown.
package jobs

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Job is one kind of background work.
type Job struct {
	Name  string
	Every time.Duration
	Run   func(ctx context.Context) error
}

// Leases let one of several instances run a job: Claim returns true for the instance
// that holds the job's lease until ttl has passed (its own, renewed, or a lapsed one).
type Leases interface {
	Claim(ctx context.Context, job string, ttl time.Duration) (bool, error)
}

// Runner runs jobs until Stop.
type Runner struct {
	log    *slog.Logger
	leases Leases
	jobs   []Job
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New returns a runner with no jobs. With leases, each run of a job first claims it, so
// that N instances run it once per interval between them; nil: this instance runs
// every job.
func New(log *slog.Logger, leases Leases) *Runner {
	if log == nil {
		log = slog.Default()
	}
	return &Runner{log: log, leases: leases}
}

// Add registers a job; call before Start.
func (r *Runner) Add(j Job) { r.jobs = append(r.jobs, j) }

// Start runs every job once now and then at its interval, each in its own goroutine,
// so that a slow job delays only later runs of itself.
func (r *Runner) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	for _, j := range r.jobs {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			t := time.NewTicker(j.Every)
			defer t.Stop()
			for {
				r.run(ctx, j)
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		}()
	}
}

func (r *Runner) run(ctx context.Context, j Job) {
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("job panicked", "job", j.Name, "err", p)
		}
	}()
	if r.leases != nil {
		// A little under the interval, so that the holder's next tick renews it.
		ok, err := r.leases.Claim(ctx, j.Name, j.Every*9/10)
		if err != nil {
			if ctx.Err() == nil {
				r.log.Error("job lease", "job", j.Name, "err", err)
			}
			return
		}
		if !ok {
			return // another instance holds it
		}
	}
	start := time.Now()
	if err := j.Run(ctx); err != nil && ctx.Err() == nil {
		r.log.Error("job failed", "job", j.Name, "err", err, "ms", time.Since(start).Milliseconds())
	}
}

// Stop cancels running jobs and waits for them to return.
func (r *Runner) Stop() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.wg.Wait()
}
