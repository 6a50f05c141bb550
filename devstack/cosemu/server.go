// Package cosemu is a COS XML API emulator for one bucket on loopback. It
// is faithful where the official SDKs and cosgate can tell: it verifies
// every signature with cossign's verifier, checks temporary keys' tokens
// and enforces their CAM policies, honours the upload-pinning headers, and
// answers COS's XML errors with COS's codes, Date and x-cos-request-id.
package cosemu

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"cosgate/devstack/cam"
	"cosgate/devstack/tempkeys"
	"cosgate/devstack/trace"
	"cosgate/shared/cosverify"
	"cosgate/shared/httpapi"
)

// Config describes the emulated account and bucket.
type Config struct {
	Bucket string // <name>-<appid>
	Region string
	// RootID and RootKey are the account's permanent key: it may do
	// anything, as an owner's key can.
	RootID, RootKey string
	Keys            *tempkeys.Registry // temporary keys issued by STS
	Store           Store
	Now             func() time.Time // the server clock; time.Now when nil
	Logger          *slog.Logger     // one line per request; discarded when nil
	Trace           *trace.Recorder  // every request and each refusal's reason; off when nil
	// CORS is the bucket's CORS rule: the origins it admits, any method.
	// An entry is "*" (any origin), an origin, or an origin ending ":*"
	// (any port: http://localhost:*). Real COS keeps such a rule per
	// bucket; nil admits any origin.
	CORS []string
}

// Server is the emulator; it is an http.Handler.
type Server struct {
	cfg     Config
	appID   string
	uploads sync.Map // upload id -> *upload
}

// New checks cfg and returns a server.
func New(cfg Config) (*Server, error) {
	i := strings.LastIndexByte(cfg.Bucket, '-')
	if i <= 0 || i == len(cfg.Bucket)-1 {
		return nil, fmt.Errorf("cosemu: bucket %q is not <name>-<appid>", cfg.Bucket)
	}
	if cfg.Region == "" || cfg.RootID == "" || cfg.RootKey == "" || cfg.Store == nil {
		return nil, errors.New("cosemu: region, root key and store are required")
	}
	if cfg.Keys == nil {
		cfg.Keys = tempkeys.New()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Server{cfg: cfg, appID: cfg.Bucket[i+1:]}, nil
}

// reqContext is what one request carries through the handlers.
type reqContext struct {
	id, trace string
	now       time.Time
	code      string // the error code answered, for the log
	secretID  string
	query     url.Values
	key       string
	base      string // the path prefix before the key: "" or "/<bucket>"
	reason    *trace.Reason
}

func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc := &reqContext{id: newID(), trace: newID(), now: s.cfg.Now()}
	start := time.Now()
	h := w.Header()
	h.Set("Server", "tencent-cos")
	h.Set("Date", rc.now.UTC().Format(http.TimeFormat))
	h.Set("x-cos-request-id", rc.id)
	if o := r.Header.Get("Origin"); o != "" && s.corsAllows(o) {
		// The emulated bucket has one CORS rule: its origins, any method.
		h.Set("Access-Control-Allow-Origin", o)
		h.Set(
			"Access-Control-Expose-Headers",
			"ETag, Content-Length, Date, Location, x-cos-request-id, x-cos-hash-crc64ecma, x-cos-version-id",
		)
		h.Add("Vary", "Origin")
	}
	sw := &httpapi.StatusRecorder{ResponseWriter: w}
	s.serve(sw, r, rc)
	took := time.Since(start)
	// Never the query or headers: they hold signatures and tokens.
	s.cfg.Logger.LogAttrs(r.Context(), slog.LevelInfo, "cos",
		slog.String("method", r.Method), slog.String("key", clip(rc.key)),
		slog.Int("status", sw.Status()), slog.String("code", rc.code),
		slog.String("key_id", trace.ShortID(rc.secretID)), slog.String("request_id", rc.id),
		slog.Duration("took", took))
	ex := trace.Exchange{
		Time: start, Service: "cos", Method: r.Method, Path: r.URL.Path, Status: sw.Status(),
		Millis: float64(took.Microseconds()) / 1000, RequestID: rc.id, Code: rc.code,
		SecretID: rc.secretID, Reason: rc.reason,
	}
	if rc.secretID != "" {
		ex.Keys = []string{rc.secretID}
	}
	s.cfg.Trace.Record(ex, 0)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, rc *reqContext) {
	if r.Method == http.MethodOptions {
		s.preflight(w, r, rc)
		return
	}
	q, err := cosverify.ParseQuery(r.URL.RawQuery)
	if err != nil {
		writeError(w, r, rc, errInvalidArgument.with("The query string is not valid percent-encoding."))
		return
	}
	rc.query = q
	if !s.locate(r, rc) {
		writeError(w, r, rc, errNoSuchBucket)
		return
	}
	for _, sub := range unsupported {
		if _, ok := q[sub]; ok {
			writeError(w, r, rc, errNotImplemented)
			return
		}
	}
	if r.Method == http.MethodPost && rc.key == "" &&
		strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		s.postObject(w, r, rc)
		return
	}
	if anonymous(r, q) && rc.key != "" && (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
		!has(q, "uploadId") && !has(q, "acl") {
		s.anonymousRead(w, r, rc)
		return
	}
	p, apiErr := s.authenticate(r, rc, tokenOf(r.Header, q))
	if apiErr != nil {
		drain(r)
		writeError(w, r, rc, apiErr)
		return
	}
	_, hasUploadID := q["uploadId"]
	switch {
	case rc.key == "":
		switch {
		case r.Method == http.MethodGet && has(q, "uploads"):
			s.listUploads(w, r, rc, p)
		case r.Method == http.MethodHead:
			s.headBucket(w, r, rc, p)
		case r.Method == http.MethodGet:
			s.listObjects(w, r, rc, p) // list.go
		default:
			writeError(w, r, rc, errNotImplemented)
		}
	case r.Method == http.MethodGet && has(q, "acl"):
		s.getObjectACL(w, r, rc, p)
	case r.Method == http.MethodPut && has(q, "acl"):
		s.putObjectACL(w, r, rc, p)
	case r.Method == http.MethodPut && hasUploadID && r.Header.Get("x-cos-copy-source") != "":
		s.uploadPartCopy(w, r, rc, p) // copy.go
	case r.Method == http.MethodPut && hasUploadID:
		s.uploadPart(w, r, rc, p)
	case r.Method == http.MethodPut && r.Header.Get("x-cos-copy-source") != "":
		s.copyObject(w, r, rc, p) // copy.go
	case r.Method == http.MethodPut:
		s.putObject(w, r, rc, p)
	case r.Method == http.MethodPost && has(q, "uploads"):
		s.initiate(w, r, rc, p)
	case r.Method == http.MethodPost && hasUploadID:
		s.complete(w, r, rc, p)
	case r.Method == http.MethodGet && hasUploadID:
		s.listParts(w, r, rc, p)
	case r.Method == http.MethodDelete && hasUploadID:
		s.abort(w, r, rc, p)
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		s.getObject(w, r, rc, p)
	case r.Method == http.MethodDelete:
		s.deleteObject(w, r, rc, p)
	default:
		writeError(w, r, rc, errMethod)
	}
}

// unsupported are sub-resources the emulator does not implement; it says so
// rather than treating them as plain object requests.
var unsupported = []string{
	"tagging",
	"restore",
	"append",
	"select",
	"torrent",
	"cors",
	"policy",
	"lifecycle",
	"versioning",
	"versions",
	"delete",
	"website",
	"referer",
	"logging",
}

func has(q url.Values, name string) bool { _, ok := q[name]; return ok }

// anonymous reports whether a request carries no signature in any form.
func anonymous(r *http.Request, q url.Values) bool {
	return r.Header.Get("Authorization") == "" && !has(q, "sign") && !has(q, "q-signature")
}

// anonymousRead serves an unsigned GET or HEAD: only a public object is
// readable; anything else is refused as COS refuses an unsigned request.
func (s *Server) anonymousRead(w http.ResponseWriter, r *http.Request, rc *reqContext) {
	o, body, err := s.cfg.Store.Open(rc.key)
	if err != nil || !o.ACL.PublicRead() {
		if err == nil {
			body.Close()
		}
		writeError(w, r, rc, errSignatureEmpty.because(&trace.Reason{
			Kind:   trace.KindMissing,
			Detail: "an unsigned request may only read a public-read object; this one is private or absent",
		}))
		return
	}
	body.Close()
	s.serveObject(w, r, rc)
}

// locate finds the bucket and the key, and reports whether the bucket is
// the emulated one. The bucket is addressed by host (<bucket>.anything, as
// COS's own domains are), by path (/<bucket>/key, as a client configured
// with a path-style endpoint sends), or implicitly (one bucket per port, as
// the JS SDKs send with a Domain of http://127.0.0.1:9000). A host label or
// a first path segment shaped like a bucket name (bucketShaped) names a
// bucket; any other bucket than the emulated one does not exist: COS
// answers 404 NoSuchBucket
// (https://cloud.tencent.com/document/product/436/7730).
func (s *Server) locate(r *http.Request, rc *reqContext) bool {
	path := r.URL.Path
	if path == "" {
		path = "/"
	}
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		host = r.Host
	}
	if name, _, ok := strings.Cut(host, "."); ok && (name == s.cfg.Bucket || bucketShaped(name)) {
		// Virtual-hosted: the host names the bucket.
		rc.key = path[1:]
		return name == s.cfg.Bucket
	}
	first, rest, _ := strings.Cut(path[1:], "/")
	if first == s.cfg.Bucket || bucketShaped(first) {
		rc.base, rc.key = "/"+first, rest
		return first == s.cfg.Bucket
	}
	rc.key = path[1:]
	return true
}

// bucketShaped reports whether name has the form of a COS bucket name,
// <name>-<APPID>: lower-case letters, digits and hyphens, at most 50
// characters in all, ending in a hyphen and a ten-digit APPID
// (https://cloud.tencent.com/document/product/436/13312). A key whose first
// segment has that shape cannot be addressed implicitly: it reads as a
// path-style bucket.
func bucketShaped(name string) bool {
	i := strings.LastIndexByte(name, '-')
	if i < 1 || len(name) > 50 || len(name)-i-1 != 10 || name[0] == '-' {
		return false
	}
	for j := 0; j < len(name); j++ {
		c := name[j]
		if !(c >= '0' && c <= '9' || j < i && (c >= 'a' && c <= 'z' || c == '-') || j == i) {
			return false
		}
	}
	return true
}

// checkKey applies COS's object-name rules to a key being written.
func checkKey(key string) *apiError {
	switch {
	case len(key) > 850:
		return errKeyTooLong
	case !utf8.ValidString(key), strings.HasPrefix(key, "/"), strings.HasPrefix(key, `\`):
		return errObjectName
	}
	for i := 0; i < len(key); i++ {
		if key[i] >= 24 && key[i] <= 27 {
			return errObjectName
		}
	}
	return nil
}

// principal is who signed: the root key, or a temporary key and its policy.
type principal struct {
	root bool
	key  tempkeys.Key
}

func (s *Server) lookup(id string) (string, bool) {
	if id == s.cfg.RootID {
		return s.cfg.RootKey, true
	}
	k, ok := s.cfg.Keys.Get(id)
	return k.SecretKey, ok
}

func tokenOf(h http.Header, q url.Values) string {
	if t := h.Get("x-cos-security-token"); t != "" {
		return t
	}
	return q.Get("x-cos-security-token")
}

// authenticate verifies a header, q-* query or sign= signature, and the
// session token of a temporary key.
func (s *Server) authenticate(r *http.Request, rc *reqContext, token string) (principal, *apiError) {
	in := cosverify.Incoming{Method: r.Method, Path: r.URL.Path, Query: rc.query, Header: r.Header, Host: r.Host}
	return s.verified(rc, in, token)
}

// verified runs the verifier on in and then checks the token; the POST form
// paths use it with their own Incoming.
func (s *Server) verified(rc *reqContext, in cosverify.Incoming, token string) (principal, *apiError) {
	v, err := cosverify.Verify(in, s.lookup, rc.now)
	if err != nil {
		e := verifyError(rc, err)
		if e.reason != nil && e.reason.Kind == trace.KindMismatch && s.cfg.Trace != nil {
			s.signedAs(in, e.reason)
		}
		return principal{}, e
	}
	return s.principal(rc, v.Auth.SecretID, token)
}

func (s *Server) principal(rc *reqContext, secretID, token string) (principal, *apiError) {
	rc.secretID = secretID
	if secretID == s.cfg.RootID {
		return principal{root: true}, nil
	}
	k, _ := s.cfg.Keys.Get(secretID)
	switch {
	case token == "":
		return principal{}, errTokenMissing.because(&trace.Reason{
			Kind:   trace.KindTokenMissing,
			Detail: "temporary key " + trace.ShortID(secretID) + " signed it, but no x-cos-security-token came",
		})
	case token != k.Token:
		return principal{}, errTokenMismatch.because(&trace.Reason{
			Kind:   trace.KindTokenMismatch,
			Detail: "the x-cos-security-token was issued with another key than " + trace.ShortID(secretID),
		})
	case rc.now.After(k.Expires):
		return principal{}, errExpiredToken.because(&trace.Reason{
			Kind:   trace.KindTokenExpired,
			Detail: "temporary key " + trace.ShortID(secretID) + " expired",
			End:    k.Expires.Unix(),
			Server: rc.now.Unix(),
		})
	}
	return principal{key: k}, nil
}

// verifyError maps a verifier failure to COS's answer, with the decision
// behind it.
func verifyError(rc *reqContext, err error) *apiError {
	var v *cosverify.VerifyError
	if !errors.As(err, &v) {
		var pv *cosverify.PolicyViolation
		if errors.As(err, &pv) {
			return &apiError{Status: pv.Status, Code: pv.Code, Message: pv.Message,
				reason: &trace.Reason{Kind: trace.KindPolicy, Detail: pv.Message}}
		}
		return errInternal
	}
	rc.secretID = v.SecretID
	why := &trace.Reason{Detail: v.Detail, Start: v.Window.Start, End: v.Window.End, Server: rc.now.Unix()}
	switch v.Reason {
	case cosverify.ReasonMissing:
		why.Kind = trace.KindMissing
		return errSignatureEmpty.because(why)
	case cosverify.ReasonUnknownKey:
		why.Kind = trace.KindUnknownKey
		why.Detail = "SecretId " + trace.ShortID(v.SecretID) + " is neither the account's key nor one STS issued"
		return errUnknownKey.because(why)
	case cosverify.ReasonExpired:
		why.Kind = trace.KindExpired
		return errRequestExpired.because(why)
	case cosverify.ReasonSkewed:
		why.Kind = trace.KindSkewed
		return errTooSkewed.because(why)
	case cosverify.ReasonMismatch:
		why.Kind = trace.KindMismatch
		why.StringToSign, why.FormatString = v.StringToSign, v.FormatString
		why.HeaderList, why.ParamList = v.HeaderList, v.ParamList
		return &apiError{
			Status:       403,
			Code:         "SignatureDoesNotMatch",
			Message:      "The Signature you specified is invalid.",
			StringToSign: v.StringToSign,
			FormatString: v.FormatString,
			reason:       why,
		}
	default: // malformed
		why.Kind = trace.KindMalformed
		return &apiError{Status: 403, Code: "AccessDenied", Message: "The Authorization is not valid: " + v.Detail,
			reason: why}
	}
}

// authorize applies a temporary key's policy to one action on one key.
func (s *Server) authorize(p principal, action, key string, value func(string) (string, bool)) *apiError {
	if p.root {
		return nil
	}
	req := cam.Request{Action: "name/cos:" + action, Resource: s.resource(key), Value: value}
	if p.key.Policy.Allows(req) {
		return nil
	}
	return errDenied.because(s.denial(p.key.Policy, req, key))
}

// denial explains a CAM refusal: the deny that matched, or why each allow
// statement did not apply, and the key prefixes the grant does allow for
// this action (the COS FAQ's "allowPrefix" mismatch).
func (s *Server) denial(pol cam.Policy, req cam.Request, key string) *trace.Reason {
	d := pol.Decide(req)
	den := &trace.Denial{Action: req.Action, Resource: req.Resource, Key: key, Deny: d.Deny, Misses: d.Misses}
	for _, st := range pol.Statements {
		if st.Effect == "allow" &&
			slices.ContainsFunc(st.Actions, func(a string) bool { return cam.Glob(a, req.Action) }) {
			den.Prefixes = append(den.Prefixes, trace.Prefixes(st.Resources, s.resource(""))...)
		}
	}
	detail := "no statement allows " + req.Action + " on " + key
	switch {
	case d.Deny != nil:
		detail = d.Deny.Detail
	case len(den.Prefixes) == 0:
		detail = "the grant does not include the action " + req.Action
	default:
		for _, m := range d.Misses {
			if m.Part == "resource" {
				detail = "key " + key + " is outside the grant's prefixes for " + req.Action + ": " +
					strings.Join(den.Prefixes, ", ")
				break
			}
		}
		for _, m := range d.Misses {
			if m.Part == "condition" {
				detail = "statement " + strconv.Itoa(m.Statement) + ": " + m.Detail
				break
			}
		}
	}
	return &trace.Reason{Kind: trace.KindDenied, Detail: detail, Denial: den}
}

// resource is the CAM resource of a key in this bucket.
func (s *Server) resource(key string) string {
	return "qcs::cos:" + s.cfg.Region + ":uid/" + s.appID + ":" + s.cfg.Bucket + "/" + key
}

// values answers policy condition keys from the request; extra (form
// fields, a POST file's size) takes precedence.
func values(r *http.Request, rc *reqContext, extra map[string]string) func(string) (string, bool) {
	return func(key string) (string, bool) {
		if v, ok := extra[strings.ToLower(key)]; ok {
			return v, true
		}
		switch key = strings.ToLower(key); key {
		case "qcs:ip":
			host, _, err := net.SplitHostPort(r.RemoteAddr)
			return host, err == nil
		case "cos:secure-transport":
			return strconv.FormatBool(r.TLS != nil), true
		case "cos:content-length":
			if r.ContentLength < 0 {
				return "", false
			}
			return strconv.FormatInt(r.ContentLength, 10), true
		}
		name, ok := strings.CutPrefix(key, "cos:")
		if !ok {
			return "", false
		}
		if strings.HasPrefix(name, "response-") || name == "prefix" || name == "delimiter" {
			vs, ok := rc.query[name]
			if !ok || len(vs) == 0 {
				return "", false
			}
			return vs[0], true
		}
		vs := r.Header.Values(name)
		if len(vs) == 0 {
			return "", false
		}
		return vs[0], true
	}
}

func (s *Server) preflight(w http.ResponseWriter, r *http.Request, rc *reqContext) {
	if r.Header.Get("Origin") == "" || r.Header.Get("Access-Control-Request-Method") == "" {
		writeError(w, r, rc, errInvalidArgument.with("A CORS preflight needs Origin and Access-Control-Request-Method."))
		return
	}
	if o := r.Header.Get("Origin"); !s.corsAllows(o) {
		// COS refuses a preflight its bucket's CORS rule does not admit; the
		// browser then never sends the request.
		writeError(w, r, rc, errDenied.with("CORSResponse: This CORS request is not allowed.").because(&trace.Reason{
			Kind:   trace.KindRequest,
			Detail: fmt.Sprintf("the bucket's CORS rule does not admit the origin %.100q (cosgate-dev -cos-cors)", o),
		}))
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", "GET, PUT, POST, DELETE, HEAD")
	if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
		h.Set("Access-Control-Allow-Headers", req)
	}
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusOK)
}

// corsAllows reports whether the bucket's CORS rule admits origin.
func (s *Server) corsAllows(origin string) bool {
	if s.cfg.CORS == nil {
		return true
	}
	for _, o := range s.cfg.CORS {
		o = strings.TrimSuffix(strings.TrimSpace(o), "/")
		switch {
		case o == "*", strings.EqualFold(o, origin):
			return true
		case strings.HasSuffix(o, ":*"):
			if strings.EqualFold(origin, o[:len(o)-2]) {
				return true // the scheme's default port
			}
			i := strings.LastIndexByte(origin, ':')
			port := origin[i+1:]
			if i > 0 && strings.EqualFold(origin[:i], o[:len(o)-2]) && port != "" &&
				strings.Trim(port, "0123456789") == "" {
				return true
			}
		}
	}
	return false
}

// drain reads a little of an unread body so the connection can be reused
// after an early error, without accepting a large upload.
func drain(r *http.Request) {
	buf := make([]byte, 32<<10)
	for i := 0; i < 64; i++ {
		if _, err := r.Body.Read(buf); err != nil {
			return
		}
	}
}

func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}
