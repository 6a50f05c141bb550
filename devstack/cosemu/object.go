package cosemu

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// MaxPutBytes is COS's limit on a single PUT (5 GiB); larger objects go
// in parts.
const MaxPutBytes = 5 << 30

// storedHeaders are the request headers an object keeps and serves back.
var storedHeaders = []string{"Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires"}

// maxMetaBytes is COS's limit on an object's user metadata (x-cos-meta-*
// names and values together).
const maxMetaBytes = 2 << 10

// objectMeta reads an object's type, kept headers and ACL from an upload's
// headers (or form fields, through get).
func objectMeta(key string, get func(string) string, metaNames []string) (Object, *apiError) {
	acl, e := parseACL(get)
	if e != nil {
		return Object{}, e
	}
	o := Object{Key: key, ContentType: get("Content-Type"), Headers: map[string]string{}, ACL: acl}
	if o.ContentType == "" {
		o.ContentType = defaultContentType(key) // contenttype.go
	}
	for _, h := range storedHeaders {
		if v := get(h); v != "" {
			o.Headers[h] = v
		}
	}
	size := 0
	for _, name := range metaNames {
		if v := get(name); v != "" {
			o.Headers[strings.ToLower(name)] = v
			size += len(name) + len(v)
		}
	}
	if size > maxMetaBytes {
		return o, errMetaTooLarge
	}
	return o, nil
}

func metaNames(h http.Header) []string {
	var names []string
	for name := range h {
		if strings.HasPrefix(strings.ToLower(name), "x-cos-meta-") {
			names = append(names, name)
		}
	}
	return names
}

// contentMD5 reads a Content-MD5 value: nil when absent.
func contentMD5(v string) ([]byte, *apiError) {
	if v == "" {
		return nil, nil
	}
	sum, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(sum) != md5.Size {
		return nil, errInvalidDigest
	}
	return sum, nil
}

// bodyCheck is the Check for an upload of declared length with an optional
// digest.
func bodyCheck(length int64, want []byte, then func(size int64) *apiError) Check {
	return func(size int64, sum []byte) error {
		if length >= 0 && size != length {
			return errIncompleteBody
		}
		if want != nil && !bytes.Equal(want, sum) {
			return errBadDigest
		}
		if then != nil {
			if e := then(size); e != nil {
				return e
			}
		}
		return nil
	}
}

// storeError maps what Store.Put returns.
func storeError(err error) *apiError {
	var e *apiError
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, errTaken):
		return errExists
	case errors.Is(err, errNotFound):
		return errNoSuchKey
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errIncompleteBody
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return errTooLarge
	}
	return errInternal
}

func forbidOverwrite(v string) bool { return strings.EqualFold(v, "true") }

func (s *Server) putObject(w http.ResponseWriter, r *http.Request, rc *reqContext, p principal) {
	if e := s.preparePut(r, rc, p, "PutObject"); e != nil {
		drain(r)
		writeError(w, r, rc, e)
		return
	}
	want, _ := contentMD5(r.Header.Get("Content-MD5")) // checked by preparePut
	forbid := forbidOverwrite(r.Header.Get("x-cos-forbid-overwrite"))
	if forbid && s.cfg.Store.Exists(rc.key) {
		drain(r)
		writeError(w, r, rc, errExists)
		return
	}
	o, e := objectMeta(rc.key, r.Header.Get, metaNames(r.Header))
	if e != nil {
		drain(r)
		writeError(w, r, rc, e)
		return
	}
	o.Modified = rc.now
	o, err := s.cfg.Store.Put(o, uploadBody(w, r, rc), bodyCheck(r.ContentLength, want, nil), forbid)
	if err != nil {
		writeError(w, r, rc, storeError(err))
		return
	}
	w.Header().Set("ETag", o.ETag)
	w.Header().Set("x-cos-hash-crc64ecma", strconv.FormatUint(o.CRC64, 10))
	w.WriteHeader(http.StatusOK)
}

// preparePut runs the checks a PUT of an object or a part passes before
// its body is read: key rules, Content-Length, Content-MD5, the traffic
// limit and the policy. A body without Content-Length (Transfer-Encoding:
// chunked, as the SDKs send streams) is accepted, as COS accepts it; it is
// bounded while it is read (uploadBody), and a policy condition on
// cos:content-length then has no value to match.
func (s *Server) preparePut(r *http.Request, rc *reqContext, p principal, action string) *apiError {
	if e := checkKey(rc.key); e != nil {
		return e
	}
	if r.ContentLength > MaxPutBytes {
		return errTooLarge
	}
	if _, e := contentMD5(r.Header.Get("Content-MD5")); e != nil {
		return e
	}
	if _, e := requestTrafficLimit(r, rc); e != nil {
		return e
	}
	return s.authorize(p, action, rc.key, values(r, rc, nil))
}

// uploadBody is a PUT's body as the store reads it: at most MaxPutBytes
// (a chunked body has no declared length to refuse early), paced to the
// request's x-cos-traffic-limit, which preparePut has checked.
func uploadBody(w http.ResponseWriter, r *http.Request, rc *reqContext) io.Reader {
	rate, _ := requestTrafficLimit(r, rc)
	return paceBody(r, http.MaxBytesReader(w, r.Body, MaxPutBytes), rate)
}

func (s *Server) getObject(w http.ResponseWriter, r *http.Request, rc *reqContext, p principal) {
	action := "GetObject"
	if r.Method == http.MethodHead {
		action = "HeadObject"
	}
	if e := s.authorize(p, action, rc.key, values(r, rc, nil)); e != nil {
		writeError(w, r, rc, e)
		return
	}
	if e := s.authorizeProcessing(r, rc, p); e != nil { // process.go
		writeError(w, r, rc, e)
		return
	}
	s.serveObject(w, r, rc)
}

// serveObject answers a GET or HEAD of rc.key that has been allowed.
func (s *Server) serveObject(w http.ResponseWriter, r *http.Request, rc *reqContext) {
	rate, e := requestTrafficLimit(r, rc)
	if e != nil {
		writeError(w, r, rc, e)
		return
	}
	w = paceWriter(w, r, rate)
	o, body, err := s.cfg.Store.Open(rc.key)
	if errors.Is(err, errNotFound) {
		writeError(w, r, rc, errNoSuchKey)
		return
	}
	if err != nil {
		writeError(w, r, rc, errInternal)
		return
	}
	defer body.Close()
	h := w.Header()
	h.Set("Content-Type", o.ContentType)
	// COS answers object reads with nosniff (observed on real responses;
	// a guess for the emulator's purposes): a browser then trusts
	// Content-Type rather than sniffing HTML out of an image.
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", o.ETag)
	h.Set("Last-Modified", o.Modified.UTC().Format(http.TimeFormat))
	h.Set("x-cos-hash-crc64ecma", strconv.FormatUint(o.CRC64, 10))
	for name, v := range o.Headers {
		h.Set(name, v)
	}
	// A signed GET may override response headers.
	kept := []string{
		"Content-Type", "Content-Language", "Expires", "Cache-Control", "Content-Disposition", "Content-Encoding",
	}
	for _, name := range kept {
		if v, ok := rc.query["response-"+strings.ToLower(name)]; ok && len(v) > 0 {
			h.Set(name, v[0])
		}
	}
	// Image-processing parameters (?imageMogr2/…) and allowed ci-process
	// operations are accepted and the original bytes served: the emulator
	// has no image engine (process.go says what each needs).
	http.ServeContent(w, r, "", o.Modified, body)
}

func (s *Server) deleteObject(w http.ResponseWriter, r *http.Request, rc *reqContext, p principal) {
	if e := s.authorize(p, "DeleteObject", rc.key, values(r, rc, nil)); e != nil {
		writeError(w, r, rc, e)
		return
	}
	if err := s.cfg.Store.Delete(rc.key); err != nil {
		writeError(w, r, rc, errInternal)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) headBucket(w http.ResponseWriter, r *http.Request, rc *reqContext, p principal) {
	if e := s.authorize(p, "HeadBucket", "", values(r, rc, nil)); e != nil {
		writeError(w, r, rc, e)
		return
	}
	w.WriteHeader(http.StatusOK)
}
