package smoke

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// junkCode is the sign-in code the login check sends: well formed, so the
// function passes it on to WeChat, and made up, so WeChat refuses it. It
// matches none of the local WeChat emulator's dev- or fail- codes.
const junkCode = "cosgate-smoke-not-a-real-code"

// maxBody caps what is read of any answer: the checks need a JSON object
// or a tiny file, and a misrouted URL may answer a large page.
const maxBody = 1 << 20

// answer is a response, read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// send makes one request; the error is a network failure or a timeout.
func (r *run) send(method, target string, header http.Header, body []byte) (*answer, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(r.ctx, method, target, rd)
	if err != nil {
		return nil, err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	return &answer{status: resp.StatusCode, header: resp.Header, body: raw}, nil
}

// apiError is the functions' error shape (shared/httpapi).
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	RequestID string `json:"requestId"`
}

// errorCode is the error code of a functions' JSON answer, "" for another.
func (a *answer) errorCode() string {
	var e apiError
	if json.Unmarshal(a.body, &e) != nil {
		return ""
	}
	return e.Error.Code
}

// describe is an unexpected answer in a line: the status and what its body
// says, read by shape. Bodies are never quoted raw: a JSON body may hold
// credentials, so only an error's code, message and request id are shown;
// COS's XML error likewise.
func (a *answer) describe() string {
	s := fmt.Sprintf("%d %s", a.status, http.StatusText(a.status))
	ct, _, _ := mime.ParseMediaType(a.header.Get("Content-Type"))
	var e apiError
	var x struct {
		Code, Message, RequestId string
	}
	switch {
	case json.Unmarshal(a.body, &e) == nil && e.Error.Code != "":
		s += fmt.Sprintf(`: {"error":{"code":%q,"message":%q}}`, e.Error.Code, e.Error.Message)
		if e.RequestID != "" {
			s += ", requestId " + e.RequestID
		}
	case strings.HasSuffix(ct, "xml") && xml.Unmarshal(a.body, &x) == nil && x.Code != "":
		s += fmt.Sprintf(": COS error %s (%s)", x.Code, x.Message)
		if x.RequestId != "" {
			s += ", RequestId " + x.RequestId
		}
	case len(a.body) == 0:
		s += ", empty body"
	case ct == "application/json":
		s += fmt.Sprintf(", %d bytes of JSON (not an error; not shown)", len(a.body))
	default:
		s += fmt.Sprintf(", %d bytes of %s", len(a.body), orUnknown(ct))
	}
	if id := a.header.Get("X-Request-Id"); id != "" && !strings.Contains(s, id) {
		s += ", X-Request-Id " + id
	}
	return s
}

func orUnknown(ct string) string {
	if ct == "" {
		return "no Content-Type"
	}
	return ct
}

// pathOf is the path and query of target as a line shows it; the header
// lists the full URLs.
func pathOf(target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return target
	}
	return u.RequestURI()
}

// hostOf is the scheme and host of a URL: where an upload goes.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(an unparsable URL)"
	}
	return u.Scheme + "://" + u.Host
}

func bearer(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}}
}

func jsonHeader(h http.Header) http.Header {
	if h == nil {
		h = http.Header{}
	}
	h.Set("Content-Type", "application/json")
	return h
}

// preflights send each function the OPTIONS a browser sends before a
// cross-origin call.
func (r *run) preflights() {
	if r.cfg.Origin == "" {
		r.add(Result{Check: "cors", Status: Skip,
			Got: "no -origin: preflights not checked (mini programs send no Origin and need no CORS)"})
		return
	}
	t := r.cfg.Targets
	for _, f := range []struct{ name, url, method, headers string }{
		{"sts", t.STS, http.MethodPost, "authorization, content-type"},
		{"presign", t.Presign, http.MethodPost, "authorization, content-type"},
		{"download", t.Download, http.MethodGet, "authorization"},
		{"sign", t.Sign, http.MethodPost, "authorization, content-type"},
		{"login", t.Login, http.MethodPost, "content-type"},
	} {
		if f.url == "" {
			r.add(Result{Check: "cors " + f.name, Status: Skip, Got: "no " + f.name + " URL given"})
			continue
		}
		r.add(r.preflight(f.name, f.url, f.method, f.headers))
	}
}

func (r *run) preflight(name, target, method, headers string) Result {
	res := Result{Check: "cors " + name, Status: Fail,
		Sent: fmt.Sprintf("OPTIONS %s, Origin %s, asking for %s with %s", pathOf(target), r.cfg.Origin, method, headers)}
	a, err := r.send(http.MethodOptions, target, http.Header{
		"Origin":                         {r.cfg.Origin},
		"Access-Control-Request-Method":  {method},
		"Access-Control-Request-Headers": {headers},
	}, nil)
	if err != nil {
		res.Got = netError(err)
		return res
	}
	allowOrigin := a.header.Get("Access-Control-Allow-Origin")
	switch {
	case a.status == http.StatusForbidden && a.errorCode() == "Forbidden":
		res.Got = a.describe() + "; this origin is not in CORS_ALLOW_ORIGINS: list your site there (or *)," +
			" rerun with -origin <a listed origin>, or with -origin '' when only mini programs call"
	case a.status != http.StatusNoContent && a.status != http.StatusOK:
		res.Got = a.describe() + "; a preflight must answer 204 or 200"
	case allowOrigin != "*" && allowOrigin != r.cfg.Origin:
		res.Got = fmt.Sprintf("%d without Access-Control-Allow-Origin for this origin (got %q)", a.status, allowOrigin)
	case !listed(a.header.Get("Access-Control-Allow-Methods"), method):
		res.Got = fmt.Sprintf("%d, Access-Control-Allow-Methods %q lacks %s", a.status,
			a.header.Get("Access-Control-Allow-Methods"), method)
	case !allListed(a.header.Get("Access-Control-Allow-Headers"), headers):
		res.Got = fmt.Sprintf("%d, Access-Control-Allow-Headers %q lacks one of %s", a.status,
			a.header.Get("Access-Control-Allow-Headers"), headers)
	default:
		res.Status = OK
		res.Got = fmt.Sprintf("%d, Access-Control-Allow-Origin %s, -Methods %s", a.status, allowOrigin,
			a.header.Get("Access-Control-Allow-Methods"))
	}
	return res
}

// listed reports whether a comma-separated header value names v, in any
// letter case, or is "*".
func listed(list, v string) bool {
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "*" || strings.EqualFold(item, v) {
			return true
		}
	}
	return false
}

func allListed(list, want string) bool {
	for _, w := range strings.Split(want, ",") {
		if !listed(list, strings.TrimSpace(w)) {
			return false
		}
	}
	return true
}

// noToken checks that /sts refuses a caller without a token: a deployment
// that hands out keys to anyone fails here.
func (r *run) noToken() {
	res := Result{Check: "sts without token", Status: Fail, Sent: fmt.Sprintf("POST %s {} (no Authorization)",
		pathOf(r.cfg.Targets.STS))}
	a, err := r.send(http.MethodPost, r.cfg.Targets.STS, jsonHeader(nil), []byte("{}"))
	switch {
	case err != nil:
		res.Got = netError(err)
	case a.status == http.StatusOK:
		res.Got = "200: a temporary key for a caller without a token (not shown); is AUTH_MODE none?"
	case a.status == http.StatusUnauthorized && a.errorCode() == "Unauthorized":
		res.Status = OK
		res.Got = `401 {"error":{"code":"Unauthorized"}}: refused, as it must be`
	default:
		res.Got = a.describe() + `; expected 401 {"error":{"code":"Unauthorized"}}`
	}
	r.add(res)
}

// login sends a made-up code. The function passes a well-formed code to
// WeChat's jscode2session with WX_APPID and WX_APPSECRET; WeChat checks
// those first (40013/40125, which the function answers 500
// ServiceMisconfigured) and only then the code (40029, answered 400
// InvalidLoginCode). So InvalidLoginCode proves WeChat was reached and took
// the deployment's AppID and AppSecret, without signing anyone in.
func (r *run) login() {
	if r.cfg.Targets.Login == "" {
		r.add(Result{Check: "login", Status: Skip,
			Got: "no login URL given (add login=https://… to -urls to check that WeChat accepts WX_APPID)"})
		return
	}
	body := fmt.Sprintf(`{"code":%q}`, junkCode)
	res := Result{Check: "login reaches WeChat", Status: Fail, Sent: fmt.Sprintf("POST %s %s (a made-up code)",
		pathOf(r.cfg.Targets.Login), body)}
	a, err := r.send(http.MethodPost, r.cfg.Targets.Login, jsonHeader(nil), []byte(body))
	if err != nil {
		res.Got = netError(err)
		r.add(res)
		return
	}
	switch code := a.errorCode(); {
	case a.status == http.StatusBadRequest && code == "InvalidLoginCode":
		res.Status = OK
		res.Got = "400 InvalidLoginCode: WeChat was reached and refused only the made-up code, so it accepted" +
			" WX_APPID and WX_APPSECRET (a refused one answers 500 ServiceMisconfigured)"
	case code == "ServiceMisconfigured":
		res.Got = a.describe() + "; WeChat refused the deployment's own credentials: check WX_APPID and WX_APPSECRET"
	case code == "UpstreamError" || code == "UpstreamTimeout" || code == "UpstreamUnavailable":
		res.Got = a.describe() + "; the function could not get an answer from WeChat (network, WX_API_ENDPOINT, WX_TIMEOUT)"
	case a.status == http.StatusOK:
		res.Got = "200: a made-up code signed someone in (token not shown); is WX_API_ENDPOINT a test double?"
	default:
		res.Got = a.describe() + "; expected 400 InvalidLoginCode"
	}
	r.add(res)
}

// stsAnswer is what /sts answers; the credentials are read only to check
// they are there and to keep them out of the output.
type stsAnswer struct {
	Credentials struct {
		TmpSecretID  string `json:"tmpSecretId"`
		TmpSecretKey string `json:"tmpSecretKey"`
		SessionToken string `json:"sessionToken"`
	} `json:"credentials"`
	ExpiredTime int64    `json:"expiredTime"`
	Bucket      string   `json:"bucket"`
	Region      string   `json:"region"`
	AllowPrefix []string `json:"allowPrefix"`
}

// presignAnswer is /presign's answer for a PUT.
type presignAnswer struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Key     string            `json:"key"`
	Headers map[string]string `json:"headers"`
}

// withToken runs the checks a signed-in client makes: a temporary key,
// then an upload and its download, each step needing the one before.
func (r *run) withToken() {
	if r.cfg.Token == "" {
		r.add(Result{Check: "token checks", Status: Skip,
			Got: "no -token: /sts with a token, /presign, the upload to COS and the download not checked"})
		return
	}
	r.stsWithToken()
	p, data, ok := r.presign()
	if !ok {
		r.add(Result{Check: "upload", Status: Skip, Got: "needs the presign check above"})
		r.add(Result{Check: "download", Status: Skip, Got: "needs an upload"})
		return
	}
	if !r.upload(p, data) {
		r.add(Result{Check: "download", Status: Skip, Got: "needs the upload above"})
		return
	}
	location, ok := r.download(p.Key)
	if !ok {
		r.add(Result{Check: "download object", Status: Skip, Got: "needs the download redirect above"})
	} else {
		r.fetch(location, data)
	}
	r.printf("\nnote: the uploaded file stays in the bucket at %s (the functions cannot delete it);"+
		" remove it, or let a lifecycle rule\n", p.Key)
}

// refusedToken explains a 401 to a request that carried the token.
func refusedToken(a *answer) string {
	return a.describe() + "; the token was refused: expired, or not signed with this deployment's" +
		" AUTH_JWT_SECRET / AUTH_JWT_PUBLIC_KEY (or its AUTH_JWT_ISSUER/AUDIENCE)"
}

func (r *run) stsWithToken() {
	res := Result{Check: "sts with token", Status: Fail,
		Sent: fmt.Sprintf("POST %s {} (Authorization: Bearer %s)", pathOf(r.cfg.Targets.STS), hidden)}
	a, err := r.send(http.MethodPost, r.cfg.Targets.STS, jsonHeader(bearer(r.cfg.Token)), []byte("{}"))
	if err != nil {
		res.Got = netError(err)
		r.add(res)
		return
	}
	var s stsAnswer
	if a.status == http.StatusOK && json.Unmarshal(a.body, &s) == nil {
		c := s.Credentials
		r.secrets.add(c.TmpSecretID, c.TmpSecretKey, c.SessionToken)
	}
	switch {
	case a.status == http.StatusUnauthorized:
		res.Got = refusedToken(a)
	case a.status != http.StatusOK:
		res.Got = a.describe()
	case s.Credentials.TmpSecretID == "" || s.Credentials.TmpSecretKey == "" || s.Credentials.SessionToken == "":
		res.Got = "200 without tmpSecretId, tmpSecretKey and sessionToken in credentials"
	case s.ExpiredTime <= time.Now().Unix():
		res.Got = fmt.Sprintf("200 with a key that expired at %s (is this machine's clock right?)",
			time.Unix(s.ExpiredTime, 0).UTC().Format(time.RFC3339))
	default:
		res.Status = OK
		res.Got = fmt.Sprintf("200: a temporary key for %s on %s (%s) until %s; tmpSecretId, tmpSecretKey, sessionToken not shown",
			strings.Join(s.AllowPrefix, ", "), s.Bucket, s.Region, time.Unix(s.ExpiredTime, 0).UTC().Format(time.RFC3339))
	}
	r.add(res)
}

func (r *run) presign() (presignAnswer, []byte, bool) {
	data := sample(r.cfg.Ext)
	body, _ := json.Marshal(map[string]any{"ext": r.cfg.Ext, "size": len(data)})
	res := Result{Check: "presign", Status: Fail,
		Sent: fmt.Sprintf("POST %s %s (Authorization: Bearer %s)", pathOf(r.cfg.Targets.Presign), body, hidden)}
	var p presignAnswer
	a, err := r.send(http.MethodPost, r.cfg.Targets.Presign, jsonHeader(bearer(r.cfg.Token)), body)
	if err != nil {
		res.Got = netError(err)
		r.add(res)
		return p, nil, false
	}
	if a.status == http.StatusOK && json.Unmarshal(a.body, &p) == nil {
		r.secrets.addURL(p.URL)
	}
	switch {
	case a.status == http.StatusUnauthorized:
		res.Got = refusedToken(a)
	case a.status == http.StatusBadRequest && a.errorCode() == "ExtensionNotAllowed":
		res.Got = a.describe() + fmt.Sprintf("; %s is not in UPLOAD_ALLOWED_EXT: rerun with -ext and one that is", r.cfg.Ext)
	case a.status != http.StatusOK:
		res.Got = a.describe()
	case p.Method != http.MethodPut || p.URL == "" || p.Key == "":
		res.Got = "200 without method PUT, url and key"
	case p.Headers["Content-Length"] != strconv.Itoa(len(data)):
		res.Got = fmt.Sprintf("200 signing Content-Length %q for a %d-byte file", p.Headers["Content-Length"], len(data))
	default:
		res.Status = OK
		res.Got = fmt.Sprintf("200: a signed PUT to %s, key %s, %d headers to send", hostOf(p.URL), p.Key, len(p.Headers))
	}
	r.add(res)
	return p, data, res.Status == OK
}

// upload PUTs the file with exactly the headers /presign returned: the
// signature covers each of them, so COS refuses any other value.
func (r *run) upload(p presignAnswer, data []byte) bool {
	names := make([]string, 0, len(p.Headers))
	for k := range p.Headers {
		names = append(names, k)
	}
	slices.Sort(names)
	h := http.Header{}
	shown := make([]string, 0, len(names))
	for _, k := range names {
		shown = append(shown, k+": "+p.Headers[k])
		if http.CanonicalHeaderKey(k) == "Content-Length" {
			continue // the request's length, set from the body
		}
		h.Set(k, p.Headers[k])
	}
	res := Result{Check: "upload", Status: Fail,
		Sent: fmt.Sprintf("PUT %s, %d bytes, %s", showURL(p.URL), len(data), strings.Join(shown, ", "))}
	a, err := r.send(http.MethodPut, p.URL, h, data)
	switch {
	case err != nil:
		res.Got = netError(err)
	case a.status != http.StatusOK:
		res.Got = a.describe()
	default:
		res.Status = OK
		res.Got = "200"
		if etag := a.header.Get("ETag"); etag != "" {
			res.Got += ", ETag " + etag
		}
	}
	r.add(res)
	return res.Status == OK
}

// download asks for the key without following the redirect, as a client
// that wants the signed URL sees it.
func (r *run) download(key string) (string, bool) {
	target := r.cfg.Targets.Download + "?key=" + url.QueryEscape(key)
	res := Result{Check: "download", Status: Fail,
		// The key is shown unescaped, as it reads; it is sent escaped.
		Sent: fmt.Sprintf("GET %s?key=%s (Authorization: Bearer %s; redirect not followed)",
			pathOf(r.cfg.Targets.Download), key, hidden)}
	a, err := r.send(http.MethodGet, target, bearer(r.cfg.Token), nil)
	if err != nil {
		res.Got = netError(err)
		r.add(res)
		return "", false
	}
	location := a.header.Get("Location")
	r.secrets.addURL(location)
	switch {
	case a.status == http.StatusUnauthorized:
		res.Got = refusedToken(a)
	case a.status != http.StatusFound:
		res.Got = a.describe() + "; expected 302 with a Location"
	case location == "":
		res.Got = "302 without a Location"
	default:
		if u, err := url.Parse(target); err == nil {
			if l, err := u.Parse(location); err == nil {
				location = l.String() // a relative Location, resolved as a client does
			}
		}
		res.Status = OK
		res.Got = "302, Location " + showURL(location)
	}
	r.add(res)
	return location, res.Status == OK
}

// fetch GETs the signed URL as wx.downloadFile or a browser does: no
// token, the URL alone.
func (r *run) fetch(location string, want []byte) {
	res := Result{Check: "download object", Status: Fail, Sent: "GET " + showURL(location) + " (the Location)"}
	a, err := r.send(http.MethodGet, location, nil, nil)
	switch {
	case err != nil:
		res.Got = netError(err)
	case a.status != http.StatusOK:
		res.Got = a.describe()
	case !bytes.Equal(a.body, want):
		res.Got = fmt.Sprintf("200 with %d bytes that differ from the %d uploaded", len(a.body), len(want))
	default:
		res.Status = OK
		res.Got = fmt.Sprintf("200, %d bytes, the same as uploaded (Content-Type %s)", len(a.body),
			orUnknown(a.header.Get("Content-Type")))
	}
	r.add(res)
}
