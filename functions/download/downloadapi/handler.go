package downloadapi

import (
	"context"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"cosgate/shared/apierr"
	"cosgate/shared/campolicy"
	"cosgate/shared/contenttype"
	"cosgate/shared/cossign"
	"cosgate/shared/gate"
	"cosgate/shared/httpapi"
	"cosgate/shared/identity"
	"cosgate/shared/limits"
	"cosgate/shared/objkey"
	"cosgate/shared/scopedkey"
)

// Handler serves GET and HEAD /download?key=… (and /download/<key>).
type Handler struct {
	Auth     identity.Authenticator
	Prefixes identity.Prefixes // what the caller may read
	Expires  time.Duration
	Process  []string          // image-processing operations callers may ask for
	Types    contenttype.Table // the allowed extensions and the type each is served as
	Endpoint cossign.Endpoint
	// Keys mints the temporary keys downloads are signed with. New always
	// sets it; only when it is nil (tests of what happens before signing)
	// is Creds used.
	Keys  *ReadKeys
	Creds cossign.Credentials
	Guard *limits.Guard
	Now   func() time.Time
}

// JSONResponse answers ?format=json: for wx.downloadFile, or to show an
// image without following a redirect.
type JSONResponse struct {
	URL         string `json:"url"`
	Key         string `json:"key"`
	ExpiredTime int64  `json:"expiredTime"`
}

// inline are the types a browser may display rather than save: images and
// videos it renders as media, never as a document (no SVG, no HTML).
var inline = map[string]bool{
	"image/jpeg":      true,
	"image/png":       true,
	"image/gif":       true,
	"image/webp":      true,
	"image/bmp":       true,
	"image/heic":      true,
	"image/heif":      true,
	"video/mp4":       true,
	"video/quicktime": true,
	"video/webm":      true,
	"video/x-m4v":     true,
}

// params are the query parameters the function understands.
var params = []string{"key", "format", "filename", "process"}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { httpapi.Serve(w, r, h.serve) }

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) error {
	caller, err := gate.Admit(r, h.Auth, h.Guard, "download")
	if err != nil {
		return err
	}
	d, err := h.plan(caller, r)
	if err != nil {
		return err
	}
	if err := h.Guard.ObjectAllowed(r.Context(), d.key); err != nil {
		return httpapi.Refused(err, caller.UID, "download", slog.String("key", d.key))
	}
	// A HEAD that follows the redirect is signed as a HEAD.
	method := http.MethodGet
	if r.Method == http.MethodHead && !d.asJSON {
		method = http.MethodHead
	}
	creds, keyEnd := h.Creds, int64(0)
	if h.Keys != nil {
		if creds, keyEnd, err = h.Keys.For(r.Context(), caller, h.Prefixes.For(caller)); err != nil {
			return err
		}
	}
	window := cossign.NewWindow(h.Now(), cossign.Backdate, h.Expires)
	if keyEnd != 0 && keyEnd < window.End {
		window.End = keyEnd // a URL never outlives the key that signed it
	}
	target := cossign.PresignURL(creds, h.Endpoint, cossign.Presign{
		Method: method,
		Key:    d.key,
		Params: d.signed,
		Window: window,
	})

	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	httpapi.AddLogAttrs(r.Context(), slog.String("key", d.key), slog.Int64("expired_time", window.End))
	httpapi.Audit(r, slog.String("uid", caller.UID), slog.String("action", "download"), slog.String("key", d.key),
		slog.String("expires", time.Unix(window.End, 0).UTC().Format(time.RFC3339)), slog.String("decision", "allow"))
	if d.asJSON {
		httpapi.WriteJSON(w, http.StatusOK, JSONResponse{URL: target, Key: d.key, ExpiredTime: window.End})
		return nil
	}
	w.Header().Set("Location", target)
	w.WriteHeader(http.StatusFound)
	return nil
}

// download is a checked request.
type download struct {
	key    string
	signed []cossign.Pair // response-* and processing parameters the URL signs
	asJSON bool
}

// plan checks the query and the caller's right to the key.
func (h *Handler) plan(c identity.Caller, r *http.Request) (download, error) {
	var d download
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return d, apierr.New(apierr.InvalidRequest, "the query string is not valid")
	}
	for name, vs := range q {
		if !slices.Contains(params, name) {
			return d, apierr.New(apierr.InvalidRequest,
				"unknown query parameter %.40q; use %s", name, strings.Join(params, ", "))
		}
		if len(vs) > 1 {
			return d, apierr.New(apierr.InvalidRequest, "query parameter %s given twice", name)
		}
	}

	d.key = q.Get("key")
	if _, rest, ok := strings.Cut(r.URL.Path, "/download/"); ok && d.key == "" {
		d.key = rest
	}
	if d.key == "" {
		return d, apierr.New(apierr.InvalidRequest, "name the object: /download?key=<key> or /download/<key>")
	}
	if err := objkey.Validate(d.key); err != nil {
		return d, err
	}
	if !h.Prefixes.Hold(c, d.key) {
		return d, apierr.New(apierr.Forbidden, "you may not read this key")
	}

	// The type and disposition are always signed, so a holder of the URL
	// cannot add a response-content-type of text/html (COS applies unsigned
	// response-* parameters too) and have the bucket serve a page.
	typ := h.Types[strings.ToLower(strings.TrimPrefix(path.Ext(d.key), "."))]
	if typ == "" {
		typ = "application/octet-stream"
	}
	disp := "attachment"
	if inline[typ] {
		disp = "inline"
	}
	if name, ok := q["filename"]; ok {
		var err error
		if disp, err = Disposition(name[0]); err != nil {
			return d, err
		}
	}
	d.signed = append(d.signed,
		cossign.Pair{Name: "response-content-type", Value: typ},
		cossign.Pair{Name: "response-content-disposition", Value: disp})
	if p, ok := q["process"]; ok {
		if !slices.Contains(h.Process, p[0]) {
			return d, apierr.New(apierr.InvalidRequest, "image processing %.60q is not offered here", p[0])
		}
		d.signed = append(d.signed, cossign.Pair{Name: p[0]}) // COS reads "?imageMogr2/thumbnail/200x/"
	}
	if f := q.Get("format"); f != "" && f != "json" {
		return d, apierr.New(apierr.InvalidRequest, `format must be "json"`)
	}
	d.asJSON = q.Get("format") == "json" || acceptsJSON(r.Header.Get("Accept"))
	return d, nil
}

// ReadKeys mints the short-lived keys downloads are signed with: one per
// caller, from STS, whose policy allows only GetObject and HeadObject
// (campolicy.ReadOnly) under the caller's readable prefixes. COS judges
// whatever a holder appends to a signed URL against that policy: &acl is
// GetObjectACL, and a ci-process operation that needs a ci: action (such as
// AISuperResolution, ci:CreateSuperResolutionJob) is refused; the
// permanent key, which may do anything, allowed both.
//
// One key per caller, not per object: the URL's signature already binds
// the key (the path is signed) and the secret never leaves the function,
// so a policy naming the exact key would narrow nothing a URL holder can
// reach, and would cost an STS call (tens to hundreds of milliseconds, and
// STS's 600 calls a second per account) on every download instead of one
// per caller per half key life.
type ReadKeys scopedkey.Source

// For returns the key c's downloads are signed with, and when it expires
// (Unix seconds).
func (k *ReadKeys) For(ctx context.Context, c identity.Caller, prefixes []string) (cossign.Credentials, int64, error) {
	return (*scopedkey.Source)(k).Get(ctx, c, strings.Join(prefixes, "\x00"), func(b campolicy.Bucket) (campolicy.Policy, error) {
		return campolicy.ReadOnly(b, prefixes, false)
	})
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
		return "", apierr.New(apierr.InvalidRequest,
			"filename must be 1 to 255 bytes of UTF-8, without control characters or slashes")
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
