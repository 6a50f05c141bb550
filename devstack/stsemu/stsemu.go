// Package stsemu is a Tencent Cloud STS emulator (API 3.0, version
// 2018-08-13) on loopback. It verifies TC3-HMAC-SHA256 signatures with
// shared/tc3, issues temporary keys with GetFederationToken and AssumeRole,
// validates their policies as STS does (appid, duration caps), and records
// each key with its policy in the registry the COS emulator enforces.
package stsemu

import (
	"cmp"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"cosgate/devstack/cam"
	"cosgate/devstack/tempkeys"
	"cosgate/devstack/trace"
	"cosgate/shared/tc3"
)

// Version is the only API version STS serves for these actions.
const Version = "2018-08-13"

// Duration caps: GetFederationToken for a root account, AssumeRole.
const (
	MaxFederationSeconds = 7200
	MaxRoleSeconds       = 43200
)

// Config describes the emulated account.
type Config struct {
	AppID string
	// Keys are the account's permanent keys (SecretId -> SecretKey).
	Keys     map[string]string
	Registry *tempkeys.Registry
	Now      func() time.Time // time.Now when nil
	Logger   *slog.Logger     // discarded when nil
	Trace    *trace.Recorder  // every call and each refusal's reason; off when nil
}

// Server is the emulator; it is an http.Handler.
type Server struct{ cfg Config }

// New checks cfg and returns a server.
func New(cfg Config) (*Server, error) {
	if cfg.AppID == "" || len(cfg.Keys) == 0 || cfg.Registry == nil {
		return nil, errors.New("stsemu: appid, a permanent key and a registry are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Server{cfg: cfg}, nil
}

// apiError is an STS error: STS answers them with HTTP 200.
type apiError struct{ Code, Message string }

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// call is what one request tells the trace besides its answer.
type call struct {
	secretID string // who signed
	kind     string // the trace.Kind behind a refusal, when its code does not say
}

// tc3Kinds names the decision behind each signature error.
var tc3Kinds = map[string]string{
	tc3.CodeInvalidAuthorization: trace.KindMalformed,
	tc3.CodeSecretIDNotFound:     trace.KindUnknownKey,
	tc3.CodeSignatureExpire:      trace.KindExpired,
	tc3.CodeSignatureFailure:     trace.KindMismatch,
	"AuthFailure":                trace.KindMalformed,
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rid := requestID()
	action := r.Header.Get("X-TC-Action")
	code := ""
	var c call
	out, e := s.serve(r, action, &c)
	var why *trace.Reason
	if e != nil {
		code = e.Code
		out = map[string]any{"Error": map[string]string{"Code": e.Code, "Message": e.Message}}
		why = &trace.Reason{Kind: cmp.Or(c.kind, tc3Kinds[e.Code], trace.KindRequest), Detail: e.Message}
	}
	out["RequestId"] = rid
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-TC-RequestId", rid)
	json.NewEncoder(w).Encode(map[string]any{"Response": out})
	s.cfg.Logger.LogAttrs(r.Context(), slog.LevelInfo, "sts",
		slog.String("action", action), slog.String("code", code), slog.String("request_id", rid))
	ex := trace.Exchange{
		Time: start, Service: "sts-api", Method: r.Method, Path: "/" + action, Status: http.StatusOK,
		Millis: float64(time.Since(start).Microseconds()) / 1000, RequestID: rid, Code: code,
		SecretID: c.secretID, Reason: why,
	}
	if cred, ok := out["Credentials"].(map[string]string); ok {
		ex.Keys = []string{cred["TmpSecretId"]} // later COS requests signed with it link back here
	}
	s.cfg.Trace.Record(ex, 0)
}

func (s *Server) serve(r *http.Request, action string, c *call) (map[string]any, *apiError) {
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		return nil, &apiError{
			"UnsupportedProtocol",
			"The emulator serves API 3.0 calls: POST with a JSON body, signed with TC3-HMAC-SHA256.",
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 10<<20))
	if err != nil {
		return nil, &apiError{"InvalidParameter", "The request body could not be read."}
	}
	now := s.cfg.Now()
	in := tc3.Incoming{Method: r.Method, RawQuery: r.URL.RawQuery, Header: r.Header, Host: r.Host, Body: body}
	v, err := tc3.Verify(in, s.lookup, "sts", now)
	if err != nil {
		var te *tc3.Error
		if errors.As(err, &te) {
			return nil, &apiError{te.Code, te.Message}
		}
		return nil, &apiError{"AuthFailure", "The signature could not be checked."}
	}
	c.secretID = v.SecretID
	temporary := false
	if _, ok := s.cfg.Keys[v.SecretID]; !ok {
		k, _ := s.cfg.Registry.Get(v.SecretID)
		switch token := r.Header.Get("X-TC-Token"); {
		case token == "":
			c.kind = trace.KindTokenMissing
		case token != k.Token:
			c.kind = trace.KindTokenMismatch
		case now.After(k.Expires):
			c.kind = trace.KindTokenExpired
		}
		if c.kind != "" {
			return nil, &apiError{"AuthFailure.TokenFailure", "The X-TC-Token is missing, wrong or expired."}
		}
		temporary = true
	}
	if r.Header.Get("X-TC-Version") != Version {
		return nil, &apiError{"NoSuchVersion", "The API version is not " + Version + "."}
	}
	switch action {
	case "GetFederationToken":
		if temporary {
			return nil, &apiError{"FailedOperation.TempKeyNotAllowed", "GetFederationToken must be called with a permanent key."}
		}
		return s.federationToken(body, now)
	case "AssumeRole":
		return s.assumeRole(body, now)
	default:
		return nil, &apiError{"InvalidAction", fmt.Sprintf("The action %.40q is not emulated.", action)}
	}
}

// lookup knows the permanent keys and the temporary keys it issued
// (AssumeRole accepts either).
func (s *Server) lookup(id string) (string, bool) {
	if k, ok := s.cfg.Keys[id]; ok {
		return k, true
	}
	k, ok := s.cfg.Registry.Get(id)
	return k.SecretKey, ok
}

func (s *Server) federationToken(body []byte, now time.Time) (map[string]any, *apiError) {
	var p struct {
		Name            *string
		Policy          *string
		DurationSeconds *int64
	}
	if e := decode(body, &p); e != nil {
		return nil, e
	}
	if p.Name == nil || *p.Name == "" {
		return nil, &apiError{"MissingParameter", "The request is missing a required parameter `Name`."}
	}
	if p.Policy == nil || *p.Policy == "" {
		return nil, &apiError{"MissingParameter", "The request is missing a required parameter `Policy`."}
	}
	dur, e := duration(p.DurationSeconds, 1800, MaxFederationSeconds)
	if e != nil {
		return nil, e
	}
	pol, e := s.policy(*p.Policy)
	if e != nil {
		return nil, e
	}
	return s.issue(*p.Name, pol, now, dur), nil
}

var sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]{2,128}$`)
var roleARNRE = regexp.MustCompile(`^qcs::cam::uin/[0-9]+:(roleName/[\w+=,.@-]+|role/[0-9]+)$`)

func (s *Server) assumeRole(body []byte, now time.Time) (map[string]any, *apiError) {
	var p struct {
		RoleArn         *string
		RoleSessionName *string
		Policy          *string
		DurationSeconds *int64
	}
	if e := decode(body, &p); e != nil {
		return nil, e
	}
	if p.RoleArn == nil || !roleARNRE.MatchString(*p.RoleArn) {
		return nil, &apiError{
			"InvalidParameter.ParamError",
			"RoleArn must be qcs::cam::uin/<uin>:roleName/<name> or …:role/<id>.",
		}
	}
	if p.RoleSessionName == nil || !sessionNameRE.MatchString(*p.RoleSessionName) {
		return nil, &apiError{"InvalidParameter.ParamError", "RoleSessionName must be 2 to 128 characters of [\\w+=,.@-]."}
	}
	dur, e := duration(p.DurationSeconds, 7200, MaxRoleSeconds)
	if e != nil {
		return nil, e
	}
	// The emulated role may use the whole account; a session policy
	// narrows it, as on the real service.
	pol := cam.Policy{Statements: []cam.Statement{{
		Effect:    "allow",
		Actions:   []string{"name/cos:*"},
		Resources: []string{"qcs::cos:*:uid/" + s.cfg.AppID + ":*"},
	}}}
	if p.Policy != nil && *p.Policy != "" {
		if pol, e = s.policy(*p.Policy); e != nil {
			return nil, e
		}
	}
	return s.issue(*p.RoleSessionName, pol, now, dur), nil
}

func decode(body []byte, v any) *apiError {
	if err := json.Unmarshal(body, v); err != nil {
		return &apiError{"InvalidParameter", "The request body is not the action's JSON parameters."}
	}
	return nil
}

func duration(v *int64, def, limit int64) (time.Duration, *apiError) {
	d := def
	if v != nil {
		d = *v
	}
	if d < 1 {
		return 0, &apiError{"InvalidParameterValue", "DurationSeconds must be positive."}
	}
	if d > limit {
		return 0, &apiError{
			"InvalidParameter.OverTimeError",
			fmt.Sprintf("DurationSeconds %d is over the limit of %d.", d, limit),
		}
	}
	return time.Duration(d) * time.Second, nil
}

// policy URL-decodes and checks a policy as STS does: well-formed, and
// about this account's resources only.
func (s *Server) policy(encoded string) (cam.Policy, *apiError) {
	doc, err := url.QueryUnescape(encoded)
	if err != nil {
		return cam.Policy{}, &apiError{"InvalidParameter.StrategyFormatError", "Policy is not URL-encoded."}
	}
	pol, err := cam.Parse([]byte(doc))
	if err != nil {
		return cam.Policy{}, &apiError{"InvalidParameter.StrategyFormatError", err.Error()}
	}
	for _, st := range pol.Statements {
		for _, res := range st.Resources {
			if e := s.checkResource(res); e != nil {
				return cam.Policy{}, e
			}
		}
	}
	return pol, nil
}

func (s *Server) checkResource(res string) *apiError {
	if res == "*" {
		return nil
	}
	parts := strings.SplitN(res, ":", 6) // qcs, "", service, region, account, resource
	if len(parts) != 6 || parts[0] != "qcs" {
		return &apiError{"InvalidParameter.ResouceError", "[QC_STS] resource error"}
	}
	account, ok := strings.CutPrefix(parts[4], "uid/")
	if !ok || account != s.cfg.AppID {
		return &apiError{"InvalidParameter.GrantOtherResource", "[QC_STS] cant grant other resource"}
	}
	if rest, ok := strings.CutPrefix(parts[5], "prefix//"); ok && !strings.HasPrefix(rest, s.cfg.AppID+"/") {
		return &apiError{"InvalidParameter.GrantOtherResource", "[QC_STS] cant grant other resource"}
	}
	return nil
}

func (s *Server) issue(name string, pol cam.Policy, now time.Time, dur time.Duration) map[string]any {
	exp := now.Add(dur)
	k := tempkeys.Key{
		SecretID:  "AKID" + rand.Text(),
		SecretKey: rand.Text() + rand.Text(),
		// URL-safe, so the JS SDKs can append it to a URL unescaped.
		Token:   base64.RawURLEncoding.EncodeToString(randomBytes(96)),
		Policy:  pol,
		Expires: exp,
		Name:    name,
	}
	s.cfg.Registry.Add(k)
	return map[string]any{
		"Credentials": map[string]string{"Token": k.Token, "TmpSecretId": k.SecretID, "TmpSecretKey": k.SecretKey},
		"ExpiredTime": exp.Unix(),
		"Expiration":  exp.UTC().Format(time.RFC3339),
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func requestID() string {
	b := randomBytes(16)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
