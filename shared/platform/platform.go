// Package platform runs one function binary wherever it is deployed: it
// detects the platform from the environment, builds the function's
// handler, puts it behind the shared middleware and serves it through the
// matching adapter. Build tags leave out the adapters a zip's platform
// does not run (adapters.go).
package platform

import (
	"context"
	"errors"
	"io"
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

	"cosgate/shared/apierr"
	"cosgate/shared/config"
	"cosgate/shared/httpapi"
	"cosgate/shared/logging"
)

// Kind is where the binary runs.
type Kind string

const (
	SCFEvent  Kind = "scf-event"  // Tencent SCF event function (function URL or API Gateway events)
	SCFWeb    Kind = "scf-web"    // Tencent SCF web function (scf_bootstrap, port 9000)
	AWSLambda Kind = "aws-lambda" // AWS Lambda, provided.al2023
	HTTP      Kind = "http"       // anywhere else: a plain HTTP server
)

// Detect tells the platform from the environment, in this order:
//
//   - COSGATE_PLATFORM, when set, names the kind. scripts/scf_bootstrap sets
//     scf-web: SCF starts a web function by running that file (SCF "Web
//     function startup file" page, tencentyun/intlcloud-documents
//     yehe_doc/微服务和Serverless/无服务器云函数/操作指南/Web 函数管理/启动文件说明),
//     so the binary knows for certain rather than by elimination.
//   - AWS_LAMBDA_RUNTIME_API: AWS sets it for every custom runtime
//     (docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html).
//   - TENCENTCLOUD_RUNENV=SCF, SCF_RUNTIME or SCF_FUNCTIONNAME: SCF sets them
//     in every function (SCF "Environment Variables" page, intlcloud-documents
//     yehe_doc/…/开发指南/环境变量). The Go1 event runtime then runs the binary
//     itself and hands scf-go-lib its port in _LAMBDA_SERVER_PORT, the one
//     variable scf-go-lib reads (cloudfunction/entry.go); without it, the
//     function was started some other way: a web function whose bootstrap
//     predates COSGATE_PLATFORM.
func Detect(getenv func(string) string) Kind {
	switch k := Kind(getenv("COSGATE_PLATFORM")); {
	case k == SCFEvent || k == SCFWeb || k == AWSLambda || k == HTTP:
		return k
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

// Service is what a Builder makes: the function's handler and how the
// shared middleware serves it.
type Service struct {
	Handler http.Handler
	// Methods the handler serves; others get 405 (see httpapi.Options).
	Methods []string
	// HTTP is the function's CORS and body-limit configuration.
	HTTP config.HTTP
}

// Builder constructs a function's service, reading its configuration once.
type Builder func(Env) (Service, error)

// Handler builds the function and puts it behind the shared middleware:
// what every platform serves.
func Handler(env Env, build Builder) (http.Handler, error) {
	s, err := build(env)
	if err != nil {
		return nil, err
	}
	return httpapi.Middleware(s.Handler, httpapi.Options{
		Function:     env.Function,
		Platform:     string(env.Platform),
		Logger:       env.Logger,
		Methods:      s.Methods,
		AllowOrigins: s.HTTP.AllowOrigins,
		MaxBodyBytes: s.HTTP.MaxBodyBytes,
		// SCF's proxy is a web function's only peer; its X-Forwarded-For
		// entry is the gateway's view of the client (httpapi.ClientAddr).
		PeerIsProxy:    env.Platform == SCFWeb,
		TrustedProxies: s.HTTP.Proxies(),
	}), nil
}

// Run serves the function named function on the detected platform until
// SIGTERM or SIGINT. It is the process's edge: it exits with status 1 when
// the function cannot start.
func Run(function string, build Builder) {
	ctx, stop := context.WithCancel(context.Background())
	p := Process{Function: function, Build: build, Stdout: os.Stdout, Listening: func() { go stopOnSignal(stop) }}
	err := p.Run(ctx)
	stop()
	if err != nil {
		os.Exit(1) // the reason is already in the log
	}
}

// Process is one run of a function binary, with what it reads from the
// operating system passed in.
type Process struct {
	Function string
	Build    Builder
	// Environ is the environment; nil means the process's own.
	Environ map[string]string
	Stdout  io.Writer
	// Listening, when set, is called once the HTTP server (plain or SCF
	// web) listens, from a goroutine that runs beside the server.
	Listening func()
}

// stopOnSignal calls stop at the first SIGTERM or SIGINT; a second one ends
// the process at once. Run starts it in its own goroutine once the server
// listens. Catching signals takes an OS thread of its own (os/signal), and
// registering them at start-up, or on the goroutine that goes on to serve,
// made the first answer 0.5-1.1 ms later than this (coldstart.Interleaved,
// 201 starts each, same run). Until it runs, a signal has its default
// effect: in that first moment of serving it could cut a first request
// short, and the platforms do not stop a process they have just started.
// The event runtimes, which never drain, keep the defaults throughout.
func stopOnSignal(stop func()) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	signal.Stop(sig)
	stop()
}

// Run serves until ctx ends (a plain HTTP server or an SCF web function,
// which then drain) or forever (the event runtimes). It returns an error,
// after logging why, when the function cannot start.
func (p Process) Run(ctx context.Context) error {
	rt, rtErr := config.Load[config.Runtime](p.Environ)
	level := map[string]slog.Level{"debug": slog.LevelDebug, "warn": slog.LevelWarn, "error": slog.LevelError}[rt.LogLevel]
	logger := logging.New(p.Stdout, level)
	slog.SetDefault(logger) // libraries and early errors log as JSON too
	env := Env{Function: p.Function, Platform: Detect(p.getenv), Logger: logger, Environ: p.Environ}
	// One line tells how the start went: "listening" (a server), "starting"
	// (an event runtime) or "cannot start", each naming the function, the
	// platform and Go. A server writes it from a goroutine once it listens,
	// beside its first request rather than ahead of it: every line written
	// ahead of the first answer made that answer later (two lines instead
	// of one, 0.9-1.2 ms; this one ahead rather than beside, 0.8-1.0 ms;
	// coldstart.Interleaved, 151-201 starts each, same run).
	start := startLine{logger, []slog.Attr{slog.String("function", p.Function), slog.String("platform", string(env.Platform)),
		slog.String("go", runtime.Version())}}
	if rtErr != nil {
		return start.failed(rtErr)
	}

	switch env.Platform {
	case SCFEvent:
		if !hasSCFEvent {
			return start.failed(missingAdapter(p.Function, env.Platform))
		}
		start.log("starting")
		// scf-go-lib may deliver the environment with the first invocation,
		// so the configuration is read then, once.
		startSCFEvent(&lazy{env: env, build: build(p.Build)})
		return nil
	case AWSLambda:
		if !hasAWSLambda {
			return start.failed(missingAdapter(p.Function, env.Platform))
		}
		h, err := Handler(env, p.Build)
		if err != nil {
			return start.failed(err)
		}
		start.log("starting")
		startAWSLambda(h)
		return nil
	}
	h, err := Handler(env, p.Build)
	if err != nil {
		return start.failed(err)
	}
	if env.Platform == SCFWeb {
		h = scfRequestID(h)
	}
	return serve(ctx, start, listenAddr(rt, env.Platform), h, p.Listening)
}

// startLine writes the one line that tells how a start went, through
// logging.Write: the logger never reports a call site, so none is looked up.
type startLine struct {
	logger *slog.Logger
	attrs  []slog.Attr // function, platform, go
}

func (s startLine) log(msg string, more ...slog.Attr) {
	logging.Write(context.Background(), s.logger, slog.LevelInfo, msg, s.attrs, more)
}

// failed logs why the function cannot start and returns err. Configuration
// errors name variables, never values.
func (s startLine) failed(err error) error {
	logging.Write(context.Background(), s.logger, slog.LevelError, "cannot start", s.attrs, []slog.Attr{slog.String("error", err.Error())})
	return err
}

func (p Process) getenv(key string) string {
	return Env{Environ: p.Environ}.Getenv(key)
}

func build(b Builder) func(Env) (http.Handler, error) {
	return func(env Env) (http.Handler, error) { return Handler(env, b) }
}

// listenAddr: SCF requires a web function to listen on 0.0.0.0:9000;
// elsewhere the default is 0.0.0.0:8080. PORT and LISTEN_HOST override
// either (the tests bind loopback).
func listenAddr(rt config.Runtime, kind Kind) string {
	host, port := "0.0.0.0", 8080
	if kind == SCFWeb {
		port = 9000
	}
	if rt.ListenHost != "" {
		host = rt.ListenHost
	}
	if rt.Port != 0 {
		port = rt.Port
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// scfRequestID uses the id SCF gives each request of a web function.
func scfRequestID(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := r.Header.Get("X-Scf-Request-Id"); id != "" {
			r = r.WithContext(httpapi.WithRequestID(r.Context(), id))
		}
		h.ServeHTTP(w, r)
	})
}

// lazy builds the handler on first use; a failed build is logged once and
// answered with 500 ServiceMisconfigured from then on.
type lazy struct {
	env   Env
	build func(Env) (http.Handler, error)
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
		httpapi.Unserved(w, r, apierr.New(apierr.Misconfigured, "the function is misconfigured; its log says how"))
		return
	}
	l.h.ServeHTTP(w, r)
}

// serve runs an HTTP server until ctx ends, then drains it. listening, if
// not nil, is called once the listener is open, beside the server.
func serve(ctx context.Context, start startLine, addr string, h http.Handler, listening func()) error {
	logger := start.logger
	srv := &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return start.failed(err)
	}
	ln = httpapi.Listener(ln) // net/http's own 400s in the JSON shape too
	// Off the path to the first request, which may already be waiting:
	// the start line and whatever the caller starts (see Process.Run).
	go func(addr string) {
		if listening != nil {
			listening()
		}
		start.log("listening", slog.String("addr", addr))
	}(ln.Addr().String())
	// The drain waits on ctx without a goroutine of its own until ctx ends.
	drained := make(chan struct{})
	stopDrain := context.AfterFunc(ctx, func() {
		defer close(drained)
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	})
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		stopDrain()
		return start.failed(err)
	}
	<-drained // Serve returns when Shutdown begins; wait for in-flight requests
	logger.Info("stopped")
	return nil
}
