// Package platform runs one function binary unchanged wherever it is
// deployed: it detects the platform from the environment, builds the
// function's handler and serves it through the matching adapter.
package platform

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"

	"cosgate/shared/config"
	"cosgate/shared/httpapi"
	"cosgate/shared/logging"
	"cosgate/shared/platform/awslambda"
	"cosgate/shared/platform/scf"
)

// Kind is where the binary runs.
type Kind string

const (
	SCFEvent  Kind = "scf-event"  // Tencent SCF event function, API Gateway trigger
	SCFWeb    Kind = "scf-web"    // Tencent SCF web function (scf_bootstrap, port 9000)
	AWSLambda Kind = "aws-lambda" // AWS Lambda, provided.al2023
	HTTP      Kind = "http"       // anywhere else: a plain HTTP server
)

// Detect tells the platform from the environment. AWS sets
// AWS_LAMBDA_RUNTIME_API. SCF sets TENCENTCLOUD_RUNENV=SCF (and SCF_RUNTIME,
// SCF_FUNCTIONNAME); its Go1 event runtime also sets _LAMBDA_SERVER_PORT,
// the port scf-go-lib listens on, which web functions lack.
func Detect(getenv func(string) string) Kind {
	switch {
	case getenv("AWS_LAMBDA_RUNTIME_API") != "":
		return AWSLambda
	case getenv("TENCENTCLOUD_RUNENV") == "SCF" || getenv("SCF_RUNTIME") != "" || getenv("SCF_FUNCTIONNAME") != "":
		if getenv("_LAMBDA_SERVER_PORT") != "" {
			return SCFEvent
		}
		return SCFWeb
	}
	return HTTP
}

// Env is what a function's Builder receives.
type Env struct {
	Function string
	Platform Kind
	Logger   *slog.Logger
	// Environ is the configuration source; nil means the process
	// environment. Tests and the local stack pass maps.
	Environ map[string]string
}

// Getenv reads a variable from Environ, or from the process when Environ
// is nil. For values the platform rotates (a role's key), read at use.
func (e Env) Getenv(key string) string {
	if e.Environ != nil {
		return e.Environ[key]
	}
	return os.Getenv(key)
}

// Middleware puts h behind the shared HTTP middleware, configured from hc.
func (e Env) Middleware(h http.Handler, hc config.HTTP, methods ...string) http.Handler {
	return httpapi.Middleware(h, httpapi.Options{
		Function: e.Function, Platform: string(e.Platform), Logger: e.Logger,
		Methods: methods, AllowOrigins: hc.AllowOrigins, MaxBodyBytes: hc.MaxBodyBytes,
	})
}

// Builder constructs a function's handler, middleware included, reading its
// configuration once.
type Builder func(Env) (http.Handler, error)

// Run serves the function named function on the detected platform. It
// returns only by exiting the process.
func Run(function string, build Builder) {
	rt, rtErr := config.Load[config.Runtime](nil)
	level := map[string]slog.Level{"debug": slog.LevelDebug, "warn": slog.LevelWarn, "error": slog.LevelError}[rt.LogLevel]
	logger := logging.New(os.Stdout, level)
	slog.SetDefault(logger) // libraries and early errors log as JSON too
	kind := Detect(os.Getenv)
	env := Env{Function: function, Platform: kind, Logger: logger}
	logger.Info("starting", "function", function, "platform", string(kind), "go", runtime.Version())
	if rtErr != nil {
		fatal(logger, rtErr)
	}

	switch kind {
	case SCFEvent:
		// scf-go-lib may deliver the environment with the first invocation,
		// so the configuration is read then, once.
		scf.Start(&lazy{env: env, build: build})
	case AWSLambda:
		awslambda.Start(mustBuild(env, build))
	case SCFWeb:
		h := mustBuild(env, build)
		// SCF requires 0.0.0.0:9000; PORT and LISTEN_HOST override it only
		// when set (the tests bind loopback).
		host, port := "0.0.0.0", "9000"
		if v := os.Getenv("LISTEN_HOST"); v != "" {
			host = v
		}
		if os.Getenv("PORT") != "" {
			port = strconv.Itoa(rt.Port)
		}
		serve(logger, net.JoinHostPort(host, port), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// The platform names each request; use its id.
			if id := r.Header.Get("X-Scf-Request-Id"); id != "" {
				r = r.WithContext(httpapi.WithRequestID(r.Context(), id))
			}
			h.ServeHTTP(w, r)
		}))
	default:
		serve(logger, net.JoinHostPort(rt.ListenHost, strconv.Itoa(rt.Port)), mustBuild(env, build))
	}
}

func mustBuild(env Env, build Builder) http.Handler {
	h, err := build(env)
	if err != nil {
		fatal(env.Logger, err)
	}
	return h
}

// fatal logs why the function cannot start and exits. Configuration errors
// name variables, never values.
func fatal(logger *slog.Logger, err error) {
	logger.Error("cannot start", "error", err.Error())
	os.Exit(1)
}

// lazy builds the handler on first use; a failed build is logged once and
// answered with 500 ServiceMisconfigured from then on.
type lazy struct {
	env   Env
	build Builder
	once  sync.Once
	h     http.Handler
	err   error
}

func (l *lazy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.once.Do(func() {
		l.h, l.err = l.build(l.env)
		if l.err != nil {
			l.env.Logger.Error("cannot start", "error", l.err.Error())
		}
	})
	if l.err != nil {
		w.Header().Set("X-Request-Id", httpapi.RequestID(r.Context()))
		httpapi.WriteError(w, r, httpapi.Errorf(httpapi.CodeMisconfigured, "the function is misconfigured; its log says how"))
		return
	}
	l.h.ServeHTTP(w, r)
}

// serve runs an HTTP server until SIGTERM or SIGINT, then drains it.
func serve(logger *slog.Logger, addr string, h http.Handler) {
	srv := &http.Server{
		Addr: addr, Handler: h,
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second,
		IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fatal(logger, err)
	}
	logger.Info("listening", "addr", ln.Addr().String())
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fatal(logger, err)
	}
	<-drained // Serve returns when Shutdown begins; wait for in-flight requests
	logger.Info("stopped")
	os.Exit(0)
}
