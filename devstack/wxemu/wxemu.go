// Package wxemu is a WeChat API emulator on loopback, serving the one call
// cosgate makes: auth.code2Session, GET /sns/jscode2session
// (developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-login/code2Session.html).
//
// What it models, and from where:
//   - the parameters appid, secret, js_code and grant_type=authorization_code,
//     each required; a wrong AppID answers 40013, a wrong AppSecret 40125, a
//     missing one 41002/41004, a missing code 41008 (WeChat's global error
//     codes page);
//   - a code works once: a second use answers 40163 "code been used" (the
//     code2Session page: a code is valid once, for five minutes);
//   - success is {"session_key","openid"} plus "unionid" when the mini
//     program is bound to an Open Platform account (Config.UnionID); errors
//     are {"errcode","errmsg"}, the errmsg ending in ", rid: <id>" as
//     WeChat's do;
//   - always HTTP 200. The Content-Type is not documented; the emulator sends
//     text/plain, so a client that insisted on application/json fails here
//     first.
//
// Codes: dev-<openid> (openid 1–64 of A-Z a-z 0-9 _ -) signs that openid
// in, once; dev-<openid>.<n> (n 1–32 letters or digits) is another code
// for the same user, as each wx.login() call gives one. Reserved codes drive each failure: fail-40029, fail-40163,
// fail-45011, fail-40226 answer that errcode; fail-busy answers -1 (system
// busy) every time; busy-once-<openid> answers -1 the first time and signs
// in the second; fail-slow does not answer until the caller gives up;
// fail-garbage answers an HTML page; fail-http-502 a gateway error. Any
// other code answers 40029 (invalid code).
package wxemu

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"cosgate/devstack/trace"
	"cosgate/shared/httpapi"
)

// Config describes the emulated mini program.
type Config struct {
	AppID, AppSecret string
	// UnionID makes sign-ins carry a unionid ("union-" and the openid), as
	// for a mini program bound to an Open Platform account.
	UnionID bool
	Logger  *slog.Logger    // discarded when nil
	Trace   *trace.Recorder // every call; off when nil
}

// Server is the emulator; it is an http.Handler.
type Server struct {
	cfg Config

	mu          sync.Mutex
	used        map[string]bool // codes that signed in
	busy        map[string]bool // busy-once codes already answered -1
	sessionKeys []string
}

// New checks cfg and returns a server.
func New(cfg Config) (*Server, error) {
	if cfg.AppID == "" || cfg.AppSecret == "" {
		return nil, errors.New("wxemu: an AppID and an AppSecret are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Server{cfg: cfg, used: map[string]bool{}, busy: map[string]bool{}}, nil
}

// SessionKeys lists every session_key issued, for tests that check none
// escapes.
func (s *Server) SessionKeys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.sessionKeys...)
}

// devCode is dev-<openid> or busy-once-<openid>, with an optional .<n>.
var devCode = regexp.MustCompile(`^(dev|busy-once)-([A-Za-z0-9_-]{1,64})(\.[A-Za-z0-9]{1,32})?$`)

// Errcodes and their errmsgs, as WeChat words them.
var errmsgs = map[int]string{
	-1:    "system error",
	40002: "invalid grant_type",
	40013: "invalid appid",
	40029: "invalid code",
	40125: "invalid appsecret",
	40163: "code been used",
	40226: "high risk user",
	41002: "appid missing",
	41004: "appsecret missing",
	41008: "missing code",
	45011: "api minute-quota reach limit  mustslower  retry next minute",
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/sns/jscode2session" {
		http.NotFound(w, r)
		return
	}
	start := time.Now()
	errcode, openid := s.answer(r)
	// The query holds the AppSecret: only the outcome is logged.
	s.cfg.Logger.Info("jscode2session", "method", r.Method, "errcode", errcode)
	sw := &httpapi.StatusRecorder{ResponseWriter: w}
	w = sw
	defer func() {
		ex := trace.Exchange{Time: start, Service: "wechat", Method: r.Method, Path: r.URL.Path,
			Millis: float64(time.Since(start).Microseconds()) / 1000}
		ex.Status = sw.Status()
		if errcode != 0 && errcode < slow {
			ex.Code = strconv.Itoa(errcode)
			ex.Reason = &trace.Reason{Kind: trace.KindRequest, Detail: errmsgs[errcode]}
		}
		s.cfg.Trace.Record(ex, 0)
	}()
	switch errcode {
	case slow:
		select {
		case <-r.Context().Done():
		case <-time.After(time.Minute):
		}
		return
	case garbage:
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html><body>Service temporarily unavailable</body></html>"))
		return
	case gateway:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		w.Write([]byte("<html><body>502 Bad Gateway</body></html>"))
		return
	}
	var body any
	if errcode != 0 {
		body = struct {
			ErrCode int    `json:"errcode"`
			ErrMsg  string `json:"errmsg"`
		}{errcode, errmsgs[errcode] + ", rid: " + rid()}
	} else {
		key := make([]byte, 16) // a session_key is 16 random bytes, base64
		rand.Read(key)
		reply := struct {
			SessionKey string `json:"session_key"`
			OpenID     string `json:"openid"`
			UnionID    string `json:"unionid,omitempty"`
		}{SessionKey: base64.StdEncoding.EncodeToString(key), OpenID: openid}
		if s.cfg.UnionID {
			reply.UnionID = "union-" + openid
		}
		s.mu.Lock()
		s.sessionKeys = append(s.sessionKeys, reply.SessionKey)
		s.mu.Unlock()
		body = reply
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "text/plain")
	w.Write(b)
}

// Outcomes that are not an errcode.
const (
	slow    = 1_000_001
	garbage = 1_000_002
	gateway = 1_000_003
)

// answer decides the outcome of a request: an errcode (0 for success, with
// the openid) or one of the outcomes above.
func (s *Server) answer(r *http.Request) (errcode int, openid string) {
	q := r.URL.Query()
	code := q.Get("js_code")
	switch {
	case r.Method != http.MethodGet:
		return 40029, "" // WeChat reads the query whatever the method; a POST carries none here
	case q.Get("appid") == "":
		return 41002, ""
	case q.Get("secret") == "":
		return 41004, ""
	case code == "":
		return 41008, ""
	case q.Get("grant_type") != "authorization_code":
		return 40002, ""
	case q.Get("appid") != s.cfg.AppID:
		return 40013, ""
	case q.Get("secret") != s.cfg.AppSecret:
		return 40125, ""
	}
	if rest, ok := strings.CutPrefix(code, "fail-"); ok {
		switch rest {
		case "busy":
			return -1, ""
		case "slow":
			return slow, ""
		case "garbage":
			return garbage, ""
		case "http-502":
			return gateway, ""
		}
		if n, err := strconv.Atoi(rest); err == nil && errmsgs[n] != "" {
			return n, ""
		}
		return 40029, ""
	}
	m := devCode.FindStringSubmatch(code)
	if m == nil {
		return 40029, ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if m[1] == "busy-once" && !s.busy[code] {
		s.busy[code] = true
		return -1, ""
	}
	openid = m[2]
	if s.used[code] {
		return 40163, ""
	}
	s.used[code] = true
	return 0, openid
}

func rid() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}
