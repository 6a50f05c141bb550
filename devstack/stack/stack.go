// Package stack runs cosgate locally: the four functions on one port and,
// beside them, the COS, STS and WeChat emulators they are pointed at. make
// dev and the end-to-end tests both start it.
package stack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"cosgate/devstack/console"
	"cosgate/devstack/cosemu"
	"cosgate/devstack/stsemu"
	"cosgate/devstack/tempkeys"
	"cosgate/devstack/trace"
	"cosgate/devstack/wxemu"
	"cosgate/functions/download/downloadapi"
	"cosgate/functions/login/loginapi"
	"cosgate/functions/presign/presignapi"
	"cosgate/functions/sign/signapi"
	"cosgate/functions/sts/stsapi"
	"cosgate/shared/config"
	"cosgate/shared/httpapi"
	"cosgate/shared/logging"
	"cosgate/shared/platform"
)

// LoopbackOrigins admit a page served from this machine on any port (the
// console, a test page, a dev server) and nothing else: the functions'
// default CORS_ALLOW_ORIGINS and the COS emulator's default CORS rule. The
// port pattern is the local stack's own (see portPatterns).
const LoopbackOrigins = "http://localhost:*,http://127.0.0.1:*,http://[::1]:*"

// Defaults is the development configuration: a made-up account, bucket
// and mini program, keys that exist only in the emulators, and an HS256
// secret and uid secret for development JWTs. None of it is valid
// anywhere else.
func Defaults() map[string]string {
	return map[string]string{
		"COS_BUCKET":         "devbucket-1250000000",
		"COS_REGION":         "ap-guangzhou",
		"COS_SECRET_ID":      "AKIDcosgateDEVELOPMENTonly0000000000",
		"COS_SECRET_KEY":     "cosgateDevelopmentOnlySecretKey000",
		"AUTH_MODE":          "jwt",
		"AUTH_JWT_SECRET":    "cosgate-development-hs256-secret-not-for-production",
		"CORS_ALLOW_ORIGINS": LoopbackOrigins,
		"WX_APPID":           "wxc05ga7ede7000000",
		"WX_APPSECRET":       "cosgateDevelopmentAppSecret00000",
		"LOGIN_UID_SECRET":   "cosgate-development-uid-secret-not-for-production",
		// The walkthrough uploads a text file.
		"UPLOAD_ALLOWED_EXT": "jpg,jpeg,png,gif,webp,heic,heif,bmp,mp4,mov,m4v,webm,txt",
	}
}

// DevelopmentKey is the emulated account's root key when it is Defaults'
// development one, valid only in the emulators and no secret: make dev
// prints it for cosgate-dev explain -secret-key-file. ok is false when the
// environment supplied COS_SECRET_ID or COS_SECRET_KEY: then the key may be
// real and must not be shown.
func (s *Stack) DevelopmentKey() (id, key string, ok bool) {
	d := Defaults()
	if s.Env["COS_SECRET_ID"] != d["COS_SECRET_ID"] || s.Env["COS_SECRET_KEY"] != d["COS_SECRET_KEY"] {
		return "", "", false
	}
	return d["COS_SECRET_ID"], d["COS_SECRET_KEY"], true
}

// LimitsStore says where the functions' limits count: "memory", or
// "Redis at <host:port>" (with ", TLS" for rediss://) from LIMITS_REDIS_URL,
// never its user or password.
func (s *Stack) LimitsStore() string {
	raw := s.Env["LIMITS_REDIS_URL"]
	if raw == "" {
		return "memory"
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User == nil && strings.Contains(raw, "@") {
		// Unparsable, or a password holding / ? or # that would read as the host:
		// never quote it.
		return "Redis (LIMITS_REDIS_URL)"
	}
	if u.Scheme == "rediss" {
		return "Redis at " + u.Host + ", TLS"
	}
	return "Redis at " + u.Host
}

// Options configures Start. Zero values listen on free loopback ports and
// keep objects in memory.
type Options struct {
	// Env holds production variables (config.Variables) that override
	// Defaults; COS_SECRET_ID/COS_SECRET_KEY become the emulated account's
	// root key, WX_APPID/WX_APPSECRET the emulated mini program's.
	// COS_ENDPOINT, STS_ENDPOINT and WX_API_ENDPOINT are always the emulators.
	// Env is taken as given, signing keys included: a caller reading the
	// process environment filters it first (FromEnvironment).
	Env map[string]string
	// SecretsFromEnv says Env's signing variables came from the environment
	// (COSGATE_DEV_SECRETS=env): Start then refuses any listener off
	// loopback.
	SecretsFromEnv bool
	// COSCORSOrigins is the COS emulator's CORS rule: the origins it admits
	// ("*" for any, "http://localhost:*" for any port). Real COS keeps CORS
	// per bucket; LoopbackOrigins when empty.
	COSCORSOrigins []string
	// Listen addresses; "127.0.0.1:0" when empty. The console is the local
	// web page that shows every request and explains each refusal.
	FunctionsAddr, COSAddr, STSAddr, WeChatAddr, ConsoleAddr string
	DataDir                                                  string           // objects on disk here; in memory when empty
	Now                                                      func() time.Time // the emulators' clock; time.Now when nil
	Logger                                                   *slog.Logger     // discarded when nil
}

// Stack is a running local stack.
type Stack struct {
	FunctionsURL, COSURL, STSURL, WeChatURL, ConsoleURL string
	// Env is the environment the functions were built with.
	Env map[string]string
	// Keys are the temporary keys STS issued, as COS enforces them.
	Keys   *tempkeys.Registry
	Store  cosemu.Store
	WeChat *wxemu.Server
	// Trace records every request through the functions and the emulators,
	// for the console.
	Trace *trace.Recorder
	// SecretsFromEnv is Options.SecretsFromEnv.
	SecretsFromEnv bool

	servers []*http.Server
	done    []chan struct{}
}

// Start listens, builds the emulators and the functions, and serves them
// until Close.
func Start(o Options) (*Stack, error) {
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	env := Defaults()
	for k, v := range o.Env {
		env[k] = v
	}
	var lns []net.Listener
	closeAll := func() {
		for _, ln := range lns {
			ln.Close()
		}
	}
	for _, addr := range []string{o.FunctionsAddr, o.COSAddr, o.STSAddr, o.WeChatAddr, o.ConsoleAddr} {
		if addr == "" {
			addr = "127.0.0.1:0"
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("listen on %s: %w", addr, err)
		}
		lns = append(lns, ln)
	}
	if o.SecretsFromEnv {
		if err := allLoopback(lns); err != nil {
			closeAll()
			return nil, err
		}
	}
	lns[0] = httpapi.Listener(lns[0]) // the functions answer net/http's own errors as a deployment does
	s := &Stack{
		FunctionsURL: "http://" + lns[0].Addr().String(),
		COSURL:       "http://" + lns[1].Addr().String(),
		STSURL:       "http://" + lns[2].Addr().String(),
		WeChatURL:    "http://" + lns[3].Addr().String(),
		ConsoleURL:   "http://" + lns[4].Addr().String(),
		Env:          env,
		Keys:         tempkeys.New(),
		Trace:        trace.New(2000),

		SecretsFromEnv: o.SecretsFromEnv,
	}
	env["COS_ENDPOINT"], env["STS_ENDPOINT"], env["WX_API_ENDPOINT"] = s.COSURL, s.STSURL, s.WeChatURL

	handlers, err := s.build(env, o, now, logger)
	if err != nil {
		closeAll()
		return nil, err
	}
	// The functions and the console act for whoever holds this machine: a
	// page elsewhere reaching them by DNS rebinding is refused by its Host.
	for _, i := range []int{0, 4} {
		handlers[i] = LoopbackOnly(lns[i], handlers[i])
	}
	for i, ln := range lns {
		srv := &http.Server{
			Handler:           handlers[i],
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       120 * time.Second,
			ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		}
		if i == len(lns)-1 {
			// The console's event streams never end on their own: Close
			// ends them rather than waiting out its timeout.
			streams, end := context.WithCancel(context.Background())
			srv.BaseContext = func(net.Listener) context.Context { return streams }
			srv.RegisterOnShutdown(end)
		}
		done := make(chan struct{})
		s.servers, s.done = append(s.servers, srv), append(s.done, done)
		go func() {
			defer close(done)
			srv.Serve(ln)
		}()
	}
	return s, nil
}

// build makes the handlers: functions, COS, STS, WeChat, console.
func (s *Stack) build(
	env map[string]string,
	o Options,
	now func() time.Time,
	logger *slog.Logger,
) ([]http.Handler, error) {
	cosCfg, err := config.Load[config.COS](env)
	if err != nil {
		return nil, err
	}
	key, err := config.Load[config.Key](env)
	if err != nil || !key.Present() {
		return nil, errors.New("the emulated account needs a root key: COS_SECRET_ID and COS_SECRET_KEY")
	}
	if o.DataDir != "" {
		if s.Store, err = cosemu.NewDiskStore(o.DataDir); err != nil {
			return nil, fmt.Errorf("data folder: %w", err)
		}
	} else {
		s.Store = cosemu.NewMemoryStore()
	}
	rootID, rootKey := key.SecretID.Reveal(), key.SecretKey.Reveal()
	cosCORS := o.COSCORSOrigins
	if len(cosCORS) == 0 {
		// "null" too: a browser following /download's redirect to COS
		// sends Origin: null, and the answer must name it.
		cosCORS = append(strings.Split(LoopbackOrigins, ","), "null")
	}
	cos, err := cosemu.New(cosemu.Config{
		Bucket:  cosCfg.Bucket,
		Region:  cosCfg.Region,
		RootID:  rootID,
		RootKey: rootKey,
		Keys:    s.Keys,
		Store:   s.Store,
		Now:     now,
		Logger:  logger.With("service", "cos"),
		Trace:   s.Trace,
		CORS:    cosCORS,
	})
	if err != nil {
		return nil, err
	}
	sts, err := stsemu.New(stsemu.Config{
		AppID:    cosCfg.AppID(),
		Keys:     map[string]string{rootID: rootKey},
		Registry: s.Keys,
		Now:      now,
		Logger:   logger.With("service", "sts"),
		Trace:    s.Trace,
	})
	if err != nil {
		return nil, err
	}
	if s.WeChat, err = wxemu.New(wxemu.Config{
		AppID:     env["WX_APPID"],
		AppSecret: env["WX_APPSECRET"],
		UnionID:   true,
		Logger:    logger.With("service", "wechat"),
		Trace:     s.Trace,
	}); err != nil {
		return nil, err
	}
	fns, err := Functions(env, logger)
	if err != nil {
		return nil, err
	}
	con := console.Handler(console.Config{
		FunctionsURL: s.FunctionsURL, COSURL: s.COSURL, Bucket: cosCfg.Bucket, Region: cosCfg.Region,
		Trace: s.Trace, Store: s.Store, Now: now,
		Mint: func(uid string, ttl time.Duration) (string, error) { return Token(env, uid, now(), ttl) },
	})
	// The functions' answers and COS's requests pass through the recorder,
	// which links each COS request to the call that minted its signature.
	fns = portPatterns(strings.Split(env["CORS_ALLOW_ORIGINS"], ","), fns)
	return []http.Handler{s.Trace.Functions(fns), s.Trace.COS(cos), sts, s.WeChat, con}, nil
}

// Functions builds the functions, as their binaries would from env, on
// one mux: /sts, /presign, /download and /download/<key>, /sign, and /login when
// WX_APPID is set. Each function is given only the variables it reads, as a
// deployment gives them.
func Functions(env map[string]string, logger *slog.Logger) (http.Handler, error) {
	mux := http.NewServeMux()
	for _, f := range []struct {
		name, path string
		build      platform.Builder
		config     any
	}{
		{"sts", "/sts", stsapi.Build, &config.STSFunction{}},
		{"presign", "/presign", presignapi.Build, &config.PresignFunction{}},
		{"download", "/download", downloadapi.Build, &config.DownloadFunction{}},
		{"sign", "/sign", signapi.Build, &config.SignFunction{}},
		{"login", "/login", loginapi.Build, &config.LoginFunction{}},
	} {
		if f.name == "login" && env["WX_APPID"] == "" {
			continue // no mini program to sign users in for
		}
		own := map[string]string{}
		for _, v := range append(config.VariablesOf(f.config), config.VariablesOf(&config.Runtime{})...) {
			// As a deploy does: a LIMIT_* another function applies is not
			// handed to this one, which would refuse to start with it.
			if val, ok := env[v]; ok && config.LimitApplies(f.name, v) {
				own[v] = val
			}
		}
		h, err := platform.Handler(
			platform.Env{Function: f.name, Platform: platform.HTTP, Logger: logger, Environ: own},
			f.build,
		)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		mux.Handle(f.path, h)
		if f.name == "download" {
			mux.Handle("/download/", h)
		}
	}
	return mux, nil
}

// Close stops the servers, letting requests in flight finish.
func (s *Stack) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var errs []error
	for i, srv := range s.servers {
		errs = append(errs, srv.Shutdown(ctx))
		<-s.done[i]
	}
	return errors.Join(errs...)
}

// Token mints a development JWT for uid with the stack's HS256 secret (and
// issuer and audience, when configured).
func (s *Stack) Token(uid string, ttl time.Duration) (string, error) {
	return Token(s.Env, uid, time.Now(), ttl)
}

// Token mints an HS256 JWT for uid from a configuration's AUTH_* values.
func Token(env map[string]string, uid string, now time.Time, ttl time.Duration) (string, error) {
	if env["AUTH_MODE"] != "" && env["AUTH_MODE"] != "jwt" {
		return "", fmt.Errorf("AUTH_MODE is %s, not jwt", env["AUTH_MODE"])
	}
	// During a rotation AUTH_JWT_SECRET lists secrets, newest first: sign
	// with the one login signs with.
	secrets := config.Auth{JWTSecret: logging.Secret(env["AUTH_JWT_SECRET"])}.JWTSecrets()
	if len(secrets) == 0 {
		return "", errors.New("AUTH_JWT_SECRET is not set (an RS256/ES256 key cannot be used to mint development tokens)")
	}
	secret := secrets[0]
	claims := jwt.MapClaims{"sub": uid, "iat": now.Unix(), "exp": now.Add(ttl).Unix()}
	if iss := env["AUTH_JWT_ISSUER"]; iss != "" {
		claims["iss"] = iss
	}
	if aud := env["AUTH_JWT_AUDIENCE"]; aud != "" {
		claims["aud"] = aud
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(secret))
}
