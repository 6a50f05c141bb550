package signapi

import (
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"cosgate/shared/apierr"
	"cosgate/shared/contenttype"
	"cosgate/shared/cossign"
	"cosgate/shared/identity"
	"cosgate/shared/objkey"
)

// operation is a checked request: the COS action it is, its key and what
// the signature will cover.
type operation struct {
	action   string // COS's name, e.g. UploadPart
	key      string
	uploadID string
	part     int   // partNumber of an UploadPart
	size     int64 // Content-Length; -1 when absent
	request  cossign.Request
}

// Query parameters each action may carry, beyond which nothing is signed:
// a sub-resource (acl, tagging, …) makes another action of the same
// method, so an unknown one is refused rather than signed blind.
var (
	multipartParams = []string{"uploadId", "partNumber", "max-parts", "part-number-marker", "encoding-type"}
	readParams      = []string{
		"response-content-type", "response-content-language", "response-expires", "response-cache-control",
		"response-content-disposition", "response-content-encoding", "versionId",
	}
	listUploadParams = []string{"uploads", "prefix", "delimiter", "encoding-type", "key-marker", "upload-id-marker",
		"max-uploads"}
	// paramsOf is the parameters each action takes; the rest take none.
	paramsOf = map[string][]string{
		"ListMultipartUploads":    slices.Concat(listUploadParams, multipartParams),
		"InitiateMultipartUpload": slices.Concat([]string{"uploads"}, multipartParams),
		"UploadPart":              multipartParams,
		"ListParts":               multipartParams,
		"CompleteMultipartUpload": multipartParams,
		"AbortMultipartUpload":    multipartParams,
		"GetObject":               readParams,
		"HeadObject":              {"versionId"},
	}
)

// plan reads what the SDK is about to send and checks it against the
// caller's grant and the deployment's rules.
func (h *Handler) plan(c identity.Caller, req Request) (operation, error) {
	op := operation{size: -1}
	if req.Bucket != "" && req.Bucket != h.Bucket || req.Region != "" && req.Region != h.Region {
		return op, apierr.New(apierr.Forbidden, "this deployment signs for bucket %s in %s only", h.Bucket, h.Region)
	}
	method := strings.ToUpper(req.Method)
	query, err := pairs("query parameter", req.Query)
	if err != nil {
		return op, err
	}
	headers, err := pairs("header", req.Headers)
	if err != nil {
		return op, err
	}
	op.key = req.Key
	if req.Pathname != "" && req.Pathname != "/"+req.Key {
		return op, apierr.New(apierr.InvalidRequest, "Pathname must be / followed by Key")
	}
	q := func(name string) (string, bool) {
		i := slices.IndexFunc(query, func(p cossign.Pair) bool { return p.Name == name })
		if i < 0 {
			return "", false
		}
		return query[i].Value, true
	}
	hdr := func(name string) (string, bool) {
		i := slices.IndexFunc(headers, func(p cossign.Pair) bool { return strings.EqualFold(p.Name, name) })
		if i < 0 {
			return "", false
		}
		return headers[i].Value, true
	}
	if v, ok := hdr("content-length"); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return op, apierr.New(apierr.InvalidRequest, "Content-Length must be a number of bytes")
		}
		op.size = n
	}
	_, hasUpload := q("uploadId")
	copySource, isCopy := hdr("x-cos-copy-source")
	switch {
	case op.key == "" && method == http.MethodGet && has(query, "uploads"):
		op.action = "ListMultipartUploads"
	case op.key == "":
		return op, apierr.New(apierr.Forbidden, "only object requests and listing your multipart uploads are signed here")
	case method == http.MethodPut && hasUpload && isCopy:
		// A copied part's size is the source range's, which the request
		// does not state: the upload's running total could not bound it.
		return op, apierr.New(apierr.Forbidden, "Upload Part - Copy is not signed here: its size cannot be bounded")
	case method == http.MethodPut && hasUpload:
		op.action = "UploadPart"
	case method == http.MethodPut && isCopy:
		op.action = "PutObject" // PUT Object - Copy writes the destination as an upload does
	case method == http.MethodPut:
		op.action = "PutObject"
	case method == http.MethodPost && has(query, "uploads"):
		op.action = "InitiateMultipartUpload"
	case method == http.MethodPost && hasUpload:
		op.action = "CompleteMultipartUpload"
	case method == http.MethodGet && hasUpload:
		op.action = "ListParts"
	case method == http.MethodDelete && hasUpload:
		op.action = "AbortMultipartUpload"
	case method == http.MethodGet:
		op.action = "GetObject"
	case method == http.MethodHead:
		op.action = "HeadObject"
	case method == http.MethodDelete:
		op.action = "DeleteObject"
	default:
		return op, apierr.New(apierr.Forbidden, "%.10s requests are not signed here", method)
	}
	op.uploadID, _ = q("uploadId")

	// Only the parameters the action takes: another would make it another
	// action (?acl is PutObjectACL, ?tagging PutObjectTagging, …).
	allowed := paramsOf[op.action]
	for _, p := range query {
		if !slices.Contains(allowed, p.Name) {
			return op, apierr.New(apierr.Forbidden, "the query parameter %.40q is not signed for %s", p.Name, op.action)
		}
	}
	if !slices.Contains(h.Actions, "name/cos:"+op.action) {
		return op, apierr.New(apierr.Forbidden, "%s is not in this deployment's grant (STS_ALLOW_ACTIONS)", op.action)
	}

	// Headers COS acts on that a caller may never set: a public ACL, grants.
	for _, p := range headers {
		name := strings.ToLower(p.Name)
		if strings.HasPrefix(name, "x-cos-grant-") {
			return op, apierr.New(apierr.Forbidden, "%s headers are not signed: objects stay private", p.Name)
		}
		if name == "x-cos-acl" && p.Value != "private" && p.Value != "default" {
			return op, apierr.New(apierr.Forbidden, "x-cos-acl %.20q is not signed: objects stay private", p.Value)
		}
	}

	mine := h.Prefix.For(c)
	switch op.action {
	case "ListMultipartUploads":
		prefix, _ := q("prefix")
		if !strings.HasPrefix(prefix, mine) {
			return op, apierr.New(apierr.Forbidden, "list uploads with a prefix under yours, %q", mine)
		}
	case "GetObject", "HeadObject":
		if err := objkey.Validate(op.key); err != nil {
			return op, err
		}
		if !h.Reads.Hold(c, op.key) {
			return op, apierr.New(apierr.Forbidden, "you may not read this key")
		}
		if err := h.readHeaders(op.key, query); err != nil {
			return op, err
		}
	default:
		if err := objkey.Validate(op.key); err != nil {
			return op, err
		}
		if !strings.HasPrefix(op.key, mine) {
			return op, apierr.New(apierr.Forbidden, "key must start with your prefix %q", mine)
		}
	}
	switch op.action {
	case "PutObject", "InitiateMultipartUpload":
		if err := h.uploadType(op.key, hdr); err != nil && !isCopy {
			return op, err
		}
	}
	switch op.action {
	case "PutObject":
		if isCopy {
			if err := h.copyFrom(c, copySource); err != nil {
				return op, err
			}
			break
		}
		switch {
		case op.size < 0:
			return op, apierr.New(apierr.InvalidRequest, "a single upload is signed with its Content-Length")
		case op.size > h.MaxBytes:
			return op, apierr.New(apierr.TooLarge, "the file is %d bytes; at most %d are allowed", op.size, h.MaxBytes)
		}
	case "UploadPart":
		if op.size <= 0 {
			return op, apierr.New(apierr.InvalidRequest, "each part is signed with its Content-Length")
		}
		n, _ := q("partNumber")
		if op.part, err = strconv.Atoi(n); err != nil || op.part < 1 || op.part > 10000 {
			return op, apierr.New(apierr.InvalidRequest, "partNumber must be a number from 1 to 10000")
		}
	}
	op.request = cossign.Request{Method: method, Path: "/" + op.key, Params: query, Headers: headers}
	return op, nil
}

func has(ps []cossign.Pair, name string) bool {
	return slices.ContainsFunc(ps, func(p cossign.Pair) bool { return p.Name == name })
}

// uploadType: the key's extension is allowed, and a signed Content-Type,
// which COS keeps and serves, is the one for it. cos-js-sdk-v5 and
// cos-wx-sdk-v5 leave Content-Type out of what they sign (they drop it from
// getAuthorization's Headers and send it unsigned), so its absence is
// accepted: the type is then the client's, as COS takes an unsigned one,
// and reads through /download sign the extension's type regardless.
func (h *Handler) uploadType(key string, hdr func(string) (string, bool)) error {
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(key), "."))
	want, ok := h.Types[ext]
	if !ok || ext == "" {
		return apierr.New(apierr.ExtensionNotAllowed, "%.20q files may not be uploaded", ext)
	}
	got, signed := hdr("content-type")
	if signed && !contenttype.Same(got, want) {
		return apierr.New(apierr.ContentTypeMismatch, "a .%s file is uploaded with Content-Type %s, not %.60q", ext, want, got)
	}
	return nil
}

// copyFrom: the copy's source is in this bucket and readable by the caller.
func (h *Handler) copyFrom(c identity.Caller, source string) error {
	host, raw, _ := strings.Cut(source, "/")
	bucketHost := h.Bucket + ".cos." + h.Region + ".myqcloud.com"
	key, err := url.PathUnescape(raw)
	if err != nil || !strings.EqualFold(host, bucketHost) || strings.Contains(raw, "?") {
		return apierr.New(apierr.Forbidden, "copy only from %s/<key>", bucketHost)
	}
	if err := objkey.Validate(key); err != nil {
		return err
	}
	if !h.Reads.Hold(c, key) || !slices.Contains(h.Actions, "name/cos:GetObject") {
		return apierr.New(apierr.Forbidden, "you may not read the copy's source")
	}
	return nil
}

// readHeaders: a read may not have COS serve the object as another type
// than its extension's, nor inline what the download function would not
// show inline (a page from the bucket's domain).
func (h *Handler) readHeaders(key string, query []cossign.Pair) error {
	want := h.Types[strings.ToLower(strings.TrimPrefix(path.Ext(key), "."))]
	for _, p := range query {
		switch p.Name {
		case "response-content-type":
			if want == "" || !contenttype.Same(p.Value, want) {
				return apierr.New(apierr.Forbidden, "response-content-type may only be the key's own type")
			}
		case "response-content-disposition":
			if !strings.HasPrefix(strings.ToLower(strings.TrimSpace(p.Value)), "attachment") {
				return apierr.New(apierr.Forbidden, "response-content-disposition may only be attachment")
			}
		}
	}
	return nil
}
