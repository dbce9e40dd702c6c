// Command lomake runs the e-services portal: pages, API and storage in one process.
//
//	PORT                        port to listen on (default 8080)
//	LISTEN_ADDR                 address to listen on (default 127.0.0.1:$PORT: this machine only)
//	DATA_DIR                    LevelDB directory (default ./data)
//	DATABASE_URL                postgres://… : keep everything in PostgreSQL instead, shared by several instances
//	LOMAKE_PUBLIC_URL           the address residents use, e.g. https://asiointi.example.fi
//	LOMAKE_TRUSTED_PROXIES      proxies (addresses, CIDR ranges) whose X-Forwarded-* are believed
//	LOMAKE_OFFICIALS            JSON file of officials: {"<identity code>": {"roles": [...], "services": [...]}}
//	LOMAKE_COOKIE_KEY           hex key (32+ bytes) that signs cookies; unset: made once, kept in the store
//	LOMAKE_ALLOW_TEST_IDENTIFICATION_ON_NETWORK=1  let the test identification service listen beyond loopback
//	LOMAKE_PRODUCTION=1         a real deployment: refuses the test identification service
//	LOMAKE_TEST_IDENTIFICATION=1  the built-in test identification service (make run sets it)
//	OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URL, OIDC_SCOPES,
//	OIDC_IDENTITY_CLAIM         identification through an OpenID provider
//	LOMAKE_ADMIN_TOKEN          bearer token of the admin API (announcements); unset: no admin API
//	LOMAKE_RELEASE              a name for this deploy: a new one makes installed apps update
//	LOMAKE_SCHEMAS              a folder of service schemas to serve and follow (make run: schemas):
//	                            a saved file serves at once, with previews at /{lang}/preview/{service}
package main

import (
	"context"
	"encoding/hex"
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
	if len(os.Args) > 1 && os.Args[1] == "store" {
		os.Exit(storeCommand(os.Args[2:], os.Stdout, os.Stderr))
	}
	start := time.Now()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	port := envOr("PORT", "8080")
	addr := envOr("LISTEN_ADDR", "127.0.0.1:"+port)
	dataDir := envOr("DATA_DIR", "./data")
	testID := envBool("LOMAKE_TEST_IDENTIFICATION")
	if err := server.CheckListen(addr, testID, envBool("LOMAKE_ALLOW_TEST_IDENTIFICATION_ON_NETWORK")); err != nil {
		log.Error("cannot start", "err", err)
		os.Exit(1)
	}
	var key []byte
	if k := os.Getenv("LOMAKE_COOKIE_KEY"); k != "" {
		var err error
		if key, err = hex.DecodeString(k); err != nil || len(key) < 32 {
			log.Error("LOMAKE_COOKIE_KEY must be at least 32 bytes in hex (64 hex digits)")
			os.Exit(1)
		}
	}

	cfg := server.Config{
		DataDir:            dataDir,
		DatabaseURL:        os.Getenv("DATABASE_URL"),
		Log:                log,
		Production:         envBool("LOMAKE_PRODUCTION"),
		TestIdentification: testID,
		AdminToken:         os.Getenv("LOMAKE_ADMIN_TOKEN"),
		Release:            os.Getenv("LOMAKE_RELEASE"),
		PublicURL:          os.Getenv("LOMAKE_PUBLIC_URL"),
		TrustedProxies:     os.Getenv("LOMAKE_TRUSTED_PROXIES"),
		CookieKey:          key,
		OfficialsFile:      os.Getenv("LOMAKE_OFFICIALS"),
		SchemaDir:          os.Getenv("LOMAKE_SCHEMAS"),
	}
	if oidc, ok := identity.OIDCConfigFromEnv(); ok {
		cfg.OIDC = &oidc
	}
	srv, err := server.New(cfg)
	if err != nil {
		log.Error("cannot start", "err", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		srv.Shutdown(context.Background())
		log.Error("cannot listen", "addr", addr, "err", err)
		os.Exit(1)
	}
	url := "http://" + ln.Addr().String()
	if server.Loopback(addr) {
		url = "http://localhost:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	}
	data := dataDir
	if cfg.DatabaseURL != "" {
		data = "PostgreSQL (DATABASE_URL)"
	}
	log.Info("serving", "url", url, "listen", ln.Addr().String(), "data", data,
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
