package kv

import (
	"context"
	"fmt"
)

// Request is one transaction waiting for an engine's writer.
type Request struct {
	Ctx   context.Context
	Fn    func(Tx) error
	reply chan error // buffered: the writer never blocks on a caller that gave up
}

// Reply answers the request's caller; call it once per request.
func (r *Request) Reply(err error) { r.reply <- err }

// Writer runs an engine's transactions on one goroutine, in groups: it takes every
// request that is waiting (up to max) and hands them to commit together, so that they
// share one commit (group commit). Both engines use it.
type Writer struct {
	reqs chan *Request // unbuffered: a sent request is owned by the writer
	quit chan struct{}
	done chan struct{}
}

// NewWriter starts a writer; commit must answer every request of a group.
func NewWriter(max int, commit func([]*Request)) *Writer {
	w := &Writer{reqs: make(chan *Request), quit: make(chan struct{}), done: make(chan struct{})}
	go w.run(max, commit)
	return w
}

// Submit queues fn and waits for its group to commit. If ctx ends first, Submit returns
// ctx's error; the transaction may then still commit.
func (w *Writer) Submit(ctx context.Context, fn func(Tx) error) error {
	r := &Request{Ctx: ctx, Fn: fn, reply: make(chan error, 1)}
	select {
	case w.reqs <- r:
	case <-w.quit:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-r.reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stop fails the requests not yet taken and waits for a group being committed.
func (w *Writer) Stop() {
	close(w.quit)
	<-w.done
}

func (w *Writer) run(max int, commit func([]*Request)) {
	defer close(w.done)
	group := make([]*Request, 0, max)
	for {
		select {
		case <-w.quit:
			return
		case r := <-w.reqs:
			group = append(group[:0], r)
		}
	fill:
		for len(group) < max {
			select {
			case r := <-w.reqs:
				group = append(group, r)
			default:
				break fill
			}
		}
		commit(group)
		clear(group) // drop references to finished requests
	}
}

// Call runs fn on tx, turning a panic into an error so that one bad transaction cannot
// stop the writer every other caller waits on.
func Call(fn func(Tx) error, tx Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("kv: transaction panicked: %v", p)
		}
	}()
	return fn(tx)
}
