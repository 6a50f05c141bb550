package downloadapi

import (
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"cosgate/shared/cossign"
	"cosgate/shared/httpapi"
	"cosgate/shared/identity"
	"cosgate/shared/objkey"
)

// Backdate starts every signature this far in the past (see presign).
const Backdate = 60 * time.Second

// Handler serves GET and HEAD /download?key=… (and /download/<key>).
type Handler struct {
	Auth     identity.Authenticator
	Prefixes []identity.Template // what the caller may read
	Expires  time.Duration
	Process  []string // image-processing operations callers may ask for
	Endpoint cossign.Endpoint
	Creds    cossign.Credentials
	Now      func() time.Time
	Logger   *slog.Logger
}

// JSONResponse answers ?format=json: for wx.downloadFile, or to show an
// image without following a redirect.
type JSONResponse struct {
	URL         string `json:"url"`
	Key         string `json:"key"`
	ExpiredTime int64  `json:"expiredTime"`
}

// params are the query parameters the function understands.
var params = []string{"key", "format", "filename", "process"}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	caller, ok := identity.Require(w, r, h.Auth)
	if !ok {
		return
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		httpapi.WriteError(w, r, httpapi.Errorf(httpapi.CodeInvalidRequest, "the query string is not valid"))
		return
	}
	for name, vs := range q {
		if !slices.Contains(params, name) {
			httpapi.WriteError(w, r, httpapi.Errorf(httpapi.CodeInvalidRequest, "unknown query parameter %.40q; use %s", name, strings.Join(params, ", ")))
			return
		}
		if len(vs) > 1 {
			httpapi.WriteError(w, r, httpapi.Errorf(httpapi.CodeInvalidRequest, "query parameter %s given twice", name))
			return
		}
	}

	key := q.Get("key")
	if _, rest, ok := strings.Cut(r.URL.Path, "/download/"); ok && key == "" {
		key = rest
	}
	if key == "" {
		httpapi.WriteError(w, r, httpapi.Errorf(httpapi.CodeInvalidRequest, "name the object: /download?key=<key> or /download/<key>"))
		return
	}
	if err := objkey.Validate(key); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if !h.mayRead(caller, key) {
		httpapi.WriteError(w, r, httpapi.Errorf(httpapi.CodeForbidden, "you may not read this key"))
		return
	}

	var signed []cossign.Pair
	if name, ok := q["filename"]; ok {
		d, err := Disposition(name[0])
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		signed = append(signed, cossign.Pair{Name: "response-content-disposition", Value: d})
	}
	if p, ok := q["process"]; ok {
		if !slices.Contains(h.Process, p[0]) {
			httpapi.WriteError(w, r, httpapi.Errorf(httpapi.CodeInvalidRequest, "image processing %.60q is not offered here", p[0]))
			return
		}
		signed = append(signed, cossign.Pair{Name: p[0]}) // COS reads "?imageMogr2/thumbnail/200x/"
	}

	asJSON := q.Get("format") == "json" || acceptsJSON(r.Header.Get("Accept"))
	if f := q.Get("format"); f != "" && f != "json" {
		httpapi.WriteError(w, r, httpapi.Errorf(httpapi.CodeInvalidRequest, `format must be "json"`))
		return
	}
	// A HEAD that follows the redirect is signed as a HEAD.
	method := http.MethodGet
	if r.Method == http.MethodHead && !asJSON {
		method = http.MethodHead
	}
	window := cossign.NewWindow(h.Now(), Backdate, h.Expires)
	target := cossign.PresignURL(h.Creds, h.Endpoint, cossign.Presign{Method: method, Key: key, Params: signed, Window: window})

	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	httpapi.AddLogAttrs(r.Context(), slog.String("key", key), slog.Int64("expired_time", window.End))
	if asJSON {
		httpapi.WriteJSON(w, http.StatusOK, JSONResponse{URL: target, Key: key, ExpiredTime: window.End})
		return
	}
	w.Header().Set("Location", target)
	w.WriteHeader(http.StatusFound)
}

// mayRead: the key lies under one of the caller's readable prefixes.
func (h *Handler) mayRead(c identity.Caller, key string) bool {
	for _, t := range h.Prefixes {
		if strings.HasPrefix(key, t.For(c)) {
			return true
		}
	}
	return false
}

func acceptsJSON(accept string) bool {
	for part := range strings.SplitSeq(accept, ",") {
		if mt, params, err := mime.ParseMediaType(part); err == nil && mt == "application/json" && params["q"] != "0" {
			return true
		}
	}
	return false
}

// Disposition is an attachment Content-Disposition for name, safe for any
// UTF-8 name (RFC 6266, with RFC 5987's filename*): an ASCII fallback in
// filename, the exact name in filename*.
func Disposition(name string) (string, error) {
	if name == "" || len(name) > 255 || !utf8.ValidString(name) ||
		strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '/' || r == '\\' }) {
		return "", httpapi.Errorf(httpapi.CodeInvalidRequest, "filename must be 1 to 255 bytes of UTF-8, without control characters or slashes")
	}
	var fallback, ext strings.Builder
	for _, r := range name {
		if r < 0x80 && r != '"' && r != '%' {
			fallback.WriteRune(r)
		} else {
			fallback.WriteByte('_')
		}
	}
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			ext.WriteByte(c)
		} else {
			ext.WriteString("%" + string(hex[c>>4]) + string(hex[c&15]))
		}
	}
	return `attachment; filename="` + fallback.String() + `"; filename*=UTF-8''` + ext.String(), nil
}
