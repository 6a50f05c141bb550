package presignapi

import (
	"encoding/base32"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"cosgate/shared/apierr"
	"cosgate/shared/contenttype"
	"cosgate/shared/cossign"
	"cosgate/shared/gate"
	"cosgate/shared/httpapi"
	"cosgate/shared/identity"
	"cosgate/shared/limits"
	"cosgate/shared/objkey"
)

// fileField is the multipart field name the POST form expects the file in.
const fileField = "file"

// Handler serves POST /presign.
type Handler struct {
	Auth       identity.Authenticator
	Prefix     identity.Template // where the caller's keys go
	Types      contenttype.Table // allowed extensions and their types
	MaxBytes   int64
	Expires    time.Duration
	ClientKeys bool // callers may name their key (under Prefix)
	Endpoint   cossign.Endpoint
	Bucket     string
	Keys       *UploadKeys // the per-caller keys uploads are signed with
	Guard      *limits.Guard
	Now        func() time.Time
	Rand       io.Reader // crypto/rand in production
}

// request is the body of POST /presign.
type request struct {
	Ext         string `json:"ext"`
	Filename    string `json:"filename"`
	ContentType string `json:"contentType"`
	Method      string `json:"method"`
	Key         string `json:"key"`
	Size        *int64 `json:"size"`
}

// PutResponse tells the client where to PUT and which headers to send:
// exactly these, since they are signed.
type PutResponse struct {
	Method      string     `json:"method"`
	URL         string     `json:"url"`
	Key         string     `json:"key"`
	Headers     PutHeaders `json:"headers"`
	StartTime   int64      `json:"startTime"`
	ExpiredTime int64      `json:"expiredTime"`
}

// PutHeaders are the signed headers a PUT must carry.
type PutHeaders struct {
	ContentType        string `json:"Content-Type"`
	ContentLength      string `json:"Content-Length"`
	ForbidOverwrite    string `json:"x-cos-forbid-overwrite"`
	ACL                string `json:"x-cos-acl"`
	CacheControl       string `json:"Cache-Control"`
	ContentDisposition string `json:"Content-Disposition"`
}

// What cosgate chooses for every upload, pinned by the signature (PUT) or
// by the policy (POST), so an uploader cannot choose otherwise:
const (
	// uploadACL keeps the object private whatever the bucket's ACL.
	uploadACL = "private"
	// uploadCacheControl keeps shared caches (a CDN in front of the bucket)
	// from keeping a copy of a private object.
	uploadCacheControl = "private"
	// uploadDisposition makes a browser that opens the object directly save
	// it rather than render it; downloads sign their own.
	uploadDisposition = "attachment"
)

// PostResponse is a form for wx.uploadFile: formData plus the file under
// fileField, posted to url.
type PostResponse struct {
	Method      string            `json:"method"`
	URL         string            `json:"url"`
	Key         string            `json:"key"`
	FileField   string            `json:"fileField"`
	FormData    map[string]string `json:"formData"`
	StartTime   int64             `json:"startTime"`
	ExpiredTime int64             `json:"expiredTime"`
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { httpapi.Serve(w, r, h.serve) }

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) error {
	caller, err := gate.Admit(r, h.Auth, h.Guard, "presign")
	if err != nil {
		return err
	}
	var req request
	present, err := httpapi.DecodeJSON(r, &req)
	if err == nil && !present {
		err = apierr.New(apierr.InvalidRequest, `send a JSON body such as {"ext":"jpg","size":12345}`)
	}
	if err != nil {
		return err
	}
	u, err := h.plan(caller, req)
	if err != nil {
		return err
	}

	creds, err := h.Keys.For(r.Context(), caller, u.prefix)
	if err != nil {
		return err
	}
	// The quota is charged the most the upload may be (COS enforces the
	// signed size), and only once nothing can fail before the URL is
	// handed out: signing is pure.
	action := "presign:" + strings.ToLower(u.method)
	if err := h.Guard.Upload(r.Context(), caller.UID, u.maxSize); err != nil {
		return httpapi.Refused(err, caller.UID, action, slog.String("key", u.key), slog.Int64("bytes", u.maxSize))
	}
	now := h.Now()
	window := cossign.NewWindow(now, cossign.Backdate, h.Expires)
	w.Header().Set("Cache-Control", "no-store")
	if u.method == http.MethodPost {
		httpapi.WriteJSON(w, http.StatusOK, h.signPOST(creds, u, now, window))
	} else {
		httpapi.WriteJSON(w, http.StatusOK, h.signPUT(creds, u, now, window))
	}
	httpapi.AddLogAttrs(r.Context(),
		slog.String("upload_method", u.method),
		slog.String("key", u.key),
		slog.String("content_type", u.contentType),
		slog.Int64("max_bytes", u.maxSize),
		slog.Int64("expired_time", window.End),
	)
	httpapi.Audit(r, slog.String("uid", caller.UID), slog.String("action", action),
		slog.String("key", u.key), slog.Int64("bytes", u.maxSize),
		slog.String("expires", time.Unix(window.End, 0).UTC().Format(time.RFC3339)), slog.String("decision", "allow"))
	return nil
}

// signPOST is the form for a POST upload of u.
func (h *Handler) signPOST(creds cossign.Credentials, u upload, now time.Time, window cossign.Window) PostResponse {
	form := cossign.SignPostUpload(creds, cossign.PostUpload{
		Bucket:     h.Bucket,
		Key:        u.key,
		MinSize:    1,
		MaxSize:    u.maxSize,
		Expiration: time.Unix(window.End, 0),
		Window:     window,
		// Each field is pinned by an eq condition. An empty
		// success_action_redirect pins "no redirect": COS answers
		// success_action_status instead of a 303 to a host the uploader
		// picked. The ACL is pinned under both its names: acl, the form
		// field COS documents, and x-cos-acl, the header's name, which COS
		// does not document for forms and whose precedence over acl it
		// does not say. A form carrying x-cos-acl with any other value
		// fails the policy, so whichever COS reads, it reads private.
		Fields: []cossign.Pair{
			{Name: "Content-Type", Value: u.contentType},
			{Name: "success_action_status", Value: "200"},
			{Name: "success_action_redirect", Value: ""},
			{Name: "x-cos-forbid-overwrite", Value: "true"},
			{Name: "acl", Value: uploadACL},
			{Name: "x-cos-acl", Value: uploadACL},
			{Name: "Cache-Control", Value: uploadCacheControl},
			{Name: "Content-Disposition", Value: uploadDisposition},
		},
	})
	return PostResponse{
		Method:      u.method,
		URL:         h.Endpoint.BucketURL(),
		Key:         u.key,
		FileField:   fileField,
		FormData:    form.Fields.Map(),
		StartTime:   now.Unix(),
		ExpiredTime: window.End,
	}
}

// signPUT is the URL and headers for a PUT upload of u.
func (h *Handler) signPUT(creds cossign.Credentials, u upload, now time.Time, window cossign.Window) PutResponse {
	ph := PutHeaders{
		ContentType:        u.contentType,
		ContentLength:      strconv.FormatInt(u.size, 10),
		ForbidOverwrite:    "true",
		ACL:                uploadACL,
		CacheControl:       uploadCacheControl,
		ContentDisposition: uploadDisposition,
	}
	url := cossign.PresignURL(creds, h.Endpoint, cossign.Presign{
		Method: http.MethodPut,
		Key:    u.key,
		Headers: []cossign.Pair{
			{Name: "content-type", Value: ph.ContentType},
			{Name: "content-length", Value: ph.ContentLength},
			{Name: "x-cos-forbid-overwrite", Value: ph.ForbidOverwrite},
			{Name: "x-cos-acl", Value: ph.ACL},
			{Name: "cache-control", Value: ph.CacheControl},
			{Name: "content-disposition", Value: ph.ContentDisposition},
		},
		Window: window,
	})
	return PutResponse{
		Method:      u.method,
		URL:         url,
		Key:         u.key,
		Headers:     ph,
		StartTime:   now.Unix(),
		ExpiredTime: window.End,
	}
}

// upload is a checked request.
type upload struct {
	method, key, contentType string
	prefix                   string // the caller's, which the key lies under
	size, maxSize            int64
}

// plan checks the request and decides the key, type and size limits.
func (h *Handler) plan(c identity.Caller, req request) (upload, error) {
	u := upload{method: strings.ToUpper(req.Method)}
	switch u.method {
	case "":
		u.method = http.MethodPut
	case http.MethodPut, http.MethodPost:
	default:
		return u, apierr.New(apierr.InvalidRequest, `method must be "PUT" or "POST"`)
	}

	ext, err := h.extension(req)
	if err != nil {
		return u, err
	}
	u.contentType = h.Types[ext]
	if req.ContentType != "" && !contenttype.Same(req.ContentType, u.contentType) {
		return u, apierr.New(
			apierr.ContentTypeMismatch,
			"a .%s file is uploaded as %s, not %.60q",
			ext,
			u.contentType,
			req.ContentType,
		)
	}

	u.maxSize = h.MaxBytes
	switch {
	case req.Size == nil && u.method == http.MethodPut:
		return u, apierr.New(apierr.InvalidRequest, "size (the file's length in bytes) is required for PUT")
	case req.Size == nil:
	case *req.Size <= 0:
		return u, apierr.New(apierr.InvalidRequest, "size must be a positive number of bytes")
	case *req.Size > h.MaxBytes:
		return u, apierr.New(apierr.TooLarge, "the file is %d bytes; at most %d are allowed", *req.Size, h.MaxBytes)
	default:
		u.size, u.maxSize = *req.Size, *req.Size // a declared size is the limit
	}

	u.prefix = h.Prefix.For(c)
	mine := u.prefix
	if req.Key == "" {
		u.key, err = newKey(mine, h.Now(), ext, h.Rand)
		return u, err
	}
	if !h.ClientKeys {
		return u, apierr.New(apierr.InvalidRequest, "this deployment chooses keys itself; leave out key")
	}
	// The rules /sts holds scopes to: among them no ${ (COS expands form
	// variables such as ${filename} in a POST's key, so a policy pinning
	// the literal key would admit any name) and no CAM wildcard.
	if err := objkey.ValidateKey(req.Key); err != nil {
		return u, err
	}
	if !strings.HasPrefix(req.Key, mine) {
		return u, apierr.New(apierr.Forbidden, "key must start with your prefix %q", mine)
	}
	u.key = req.Key
	return u, nil
}

// extension takes the extension from ext, filename or key (they must
// agree) and checks it against the allow-list.
func (h *Handler) extension(req request) (string, error) {
	var found []string
	if req.Ext != "" {
		found = append(found, strings.ToLower(strings.TrimPrefix(req.Ext, ".")))
	}
	if req.Filename != "" {
		if len(req.Filename) > 255 || !utf8.ValidString(req.Filename) ||
			strings.ContainsFunc(req.Filename, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return "", apierr.New(
				apierr.InvalidRequest,
				"filename must be valid UTF-8, at most 255 bytes, without control characters",
			)
		}
		found = append(found, extOf(req.Filename))
	}
	if req.Key != "" {
		found = append(found, extOf(req.Key))
	}
	if len(found) == 0 {
		return "", apierr.New(apierr.InvalidRequest, `send ext (such as "jpg") or filename`)
	}
	for _, e := range found[1:] {
		if e != found[0] {
			return "", apierr.New(
				apierr.InvalidRequest,
				"ext, filename and key name different extensions (%.20q, %.20q)",
				found[0],
				e,
			)
		}
	}
	if _, ok := h.Types[found[0]]; !ok || found[0] == "" {
		return "", apierr.New(
			apierr.ExtensionNotAllowed,
			"%.20q files may not be uploaded; allowed: %s",
			found[0],
			h.allowed(),
		)
	}
	return found[0], nil
}

func extOf(name string) string {
	return strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
}

func (h *Handler) allowed() string {
	var exts []string
	for e := range h.Types {
		exts = append(exts, e)
	}
	slices.Sort(exts)
	return strings.Join(exts, ", ")
}

// keyID encodes 128 random bits as 26 lower-case base32 characters: safe
// in URLs, in keys and in case-insensitive file systems.
var keyID = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newKey is <prefix><yyyy>/<mm>/<dd>/<128 random bits>.<ext>, dated by the
// server's UTC clock.
func newKey(prefix string, now time.Time, ext string, rnd io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(rnd, b[:]); err != nil {
		return "", fmt.Errorf("reading randomness: %w", err)
	}
	k := make([]byte, 0, len(prefix)+11+26+1+len(ext))
	k = now.UTC().AppendFormat(append(k, prefix...), "2006/01/02/")
	k = keyID.AppendEncode(k, b[:])
	key := string(append(append(k, '.'), ext...))
	if err := objkey.Validate(key); err != nil {
		return "", err
	}
	return key, nil
}
