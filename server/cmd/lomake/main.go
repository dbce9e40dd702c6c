// Command lomake runs the e-services portal: pages, API and storage in one process.
//
//	PORT                        port to listen on (default 8080)
//	DATA_DIR                    LevelDB directory (default ./data)
//	LOMAKE_PRODUCTION=1         a real deployment: refuses the test identification service
//	LOMAKE_TEST_IDENTIFICATION=1  the built-in test identification service (make run sets it)
//	OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URL, OIDC_SCOPES,
//	OIDC_IDENTITY_CLAIM         identification through an OpenID provider
//	LOMAKE_ADMIN_TOKEN          bearer token of the admin API (announcements); unset: no admin API
//	LOMAKE_RELEASE              a name for this deploy: a new one makes installed apps update
package main

import (
	"context"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/lomake/lomake/server"
	"github.com/lomake/lomake/server/identity"
)

func main() {
	start := time.Now()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	port := envOr("PORT", "8080")
	dataDir := envOr("DATA_DIR", "./data")

	cfg := server.Config{
		DataDir:            dataDir,
		Log:                log,
		Production:         envBool("LOMAKE_PRODUCTION"),
		TestIdentification: envBool("LOMAKE_TEST_IDENTIFICATION"),
		AdminToken:         os.Getenv("LOMAKE_ADMIN_TOKEN"),
		Release:            os.Getenv("LOMAKE_RELEASE"),
	}
	if oidc, ok := identity.OIDCConfigFromEnv(); ok {
		cfg.OIDC = &oidc
	}
	srv, err := server.New(cfg)
	if err != nil {
		log.Error("cannot start", "err", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", ":"+port)
	if err != nil {
		log.Error("cannot listen", "port", port, "err", err)
		os.Exit(1)
	}
	log.Info("serving", "url", "http://localhost:"+port, "data", dataDir,
		"services", len(srv.Services.Services()), "startup", time.Since(start).Round(time.Millisecond).String())

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		log.Error("server stopped", "err", err)
		os.Exit(1)
	case <-stop:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		log.Error("shutdown", "err", err)
		os.Exit(1)
	}
}

func envBool(key string) bool {
	v, _ := strconv.ParseBool(os.Getenv(key))
	return v
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
