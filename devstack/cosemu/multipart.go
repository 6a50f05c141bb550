package cosemu

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Multipart limits, as COS documents them.
const (
	minPartBytes = 1 << 20 // every part but the last
	maxParts     = 10000
)

// upload is one multipart upload in progress. Uploads live in memory: a
// restart of the emulator aborts them.
type upload struct {
	id, key   string
	initiated time.Time
	meta      Object
	forbid    bool

	mu    sync.Mutex
	parts map[int]part
}

type part struct {
	etag     string // quoted
	md5      []byte
	size     int64
	modified time.Time
}

func (s *Server) spoolID(id string, n int) string { return id + "/" + strconv.Itoa(n) }

// findUpload returns the upload named by ?uploadId= for this key.
func (s *Server) findUpload(rc *reqContext) (*upload, *apiError) {
	v, ok := s.uploads.Load(rc.query.Get("uploadId"))
	if !ok || v.(*upload).key != rc.key {
		return nil, errNoSuchUpload
	}
	return v.(*upload), nil
}

func (s *Server) initiate(w http.ResponseWriter, r *http.Request, rc *reqContext, p principal) {
	if e := checkKey(rc.key); e != nil {
		writeError(w, r, rc, e)
		return
	}
	if e := s.authorize(p, "InitiateMultipartUpload", rc.key, values(r, rc, nil)); e != nil {
		writeError(w, r, rc, e)
		return
	}
	meta, e := objectMeta(rc.key, r.Header.Get, metaNames(r.Header))
	if e != nil {
		writeError(w, r, rc, e)
		return
	}
	u := &upload{
		id:        fmt.Sprintf("%d%s", rc.now.Unix(), newID()),
		key:       rc.key,
		initiated: rc.now,
		meta:      meta,
		forbid:    forbidOverwrite(r.Header.Get("x-cos-forbid-overwrite")),
		parts:     map[int]part{},
	}
	s.uploads.Store(u.id, u)
	writeXML(w, http.StatusOK, struct {
		XMLName  xml.Name `xml:"InitiateMultipartUploadResult"`
		Bucket   string
		Key      string
		UploadID string `xml:"UploadId"`
	}{Bucket: s.cfg.Bucket, Key: rc.key, UploadID: u.id})
}

func (s *Server) uploadPart(w http.ResponseWriter, r *http.Request, rc *reqContext, p principal) {
	fail := func(e *apiError) { drain(r); writeError(w, r, rc, e) }
	n, err := strconv.Atoi(rc.query.Get("partNumber"))
	if err != nil || n < 1 || n > maxParts {
		fail(errInvalidArgument.with("partNumber must be an integer from 1 to 10000."))
		return
	}
	u, e := s.findUpload(rc)
	if e != nil {
		fail(e)
		return
	}
	if e := s.preparePut(r, rc, p, "UploadPart"); e != nil {
		fail(e)
		return
	}
	want, _ := contentMD5(r.Header.Get("Content-MD5"))
	id := s.spoolID(u.id, n)
	sp, err := s.cfg.Store.Spool(id, uploadBody(w, r, rc))
	if err == nil {
		err = bodyCheck(r.ContentLength, want, nil)(sp.Size, sp.MD5)
	}
	if err != nil {
		s.cfg.Store.Drop(id)
		writeError(w, r, rc, storeError(err))
		return
	}
	pt := part{etag: `"` + hex.EncodeToString(sp.MD5) + `"`, md5: sp.MD5, size: sp.Size, modified: rc.now}
	u.mu.Lock()
	u.parts[n] = pt
	u.mu.Unlock()
	w.Header().Set("ETag", pt.etag)
	w.Header().Set("x-cos-hash-crc64ecma", strconv.FormatUint(sp.CRC64, 10))
	w.WriteHeader(http.StatusOK)
}

type completeRequest struct {
	XMLName xml.Name `xml:"CompleteMultipartUpload"`
	Parts   []struct {
		PartNumber int
		ETag       string
	} `xml:"Part"`
}

func (s *Server) complete(w http.ResponseWriter, r *http.Request, rc *reqContext, p principal) {
	u, e := s.findUpload(rc)
	if e != nil {
		drain(r)
		writeError(w, r, rc, e)
		return
	}
	if e := s.authorize(p, "CompleteMultipartUpload", rc.key, values(r, rc, nil)); e != nil {
		drain(r)
		writeError(w, r, rc, e)
		return
	}
	var req completeRequest
	if err := xml.NewDecoder(io.LimitReader(r.Body, 4<<20)).Decode(&req); err != nil || len(req.Parts) == 0 {
		writeError(w, r, rc, errMalformedXML)
		return
	}
	for i := 1; i < len(req.Parts); i++ {
		if req.Parts[i].PartNumber <= req.Parts[i-1].PartNumber {
			writeError(w, r, rc, errInvalidPartOrder)
			return
		}
	}
	u.mu.Lock()
	parts := make([]part, len(req.Parts))
	for i, rp := range req.Parts {
		pt, ok := u.parts[rp.PartNumber]
		if !ok || strings.Trim(rp.ETag, `"`) != strings.Trim(pt.etag, `"`) {
			e = errInvalidPart
			break
		}
		parts[i] = pt
	}
	for _, pt := range parts[:len(parts)-1] {
		if e == nil && pt.size < minPartBytes {
			e = errPartTooSmall
		}
	}
	u.mu.Unlock()
	if e != nil {
		writeError(w, r, rc, e)
		return
	}
	// The ETag of a multipart object is the MD5 of its parts' MD5s and the
	// part count.
	all := md5.New()
	readers := make([]io.Reader, len(parts))
	for i, pt := range parts {
		all.Write(pt.md5)
		rd, err := s.cfg.Store.Unspool(s.spoolID(u.id, req.Parts[i].PartNumber))
		if err != nil {
			writeError(w, r, rc, errInvalidPart)
			return
		}
		defer rd.Close()
		readers[i] = rd
	}
	o := u.meta
	o.Modified = rc.now
	o.ETag = fmt.Sprintf(`"%s-%d"`, hex.EncodeToString(all.Sum(nil)), len(parts))
	forbid := u.forbid || forbidOverwrite(r.Header.Get("x-cos-forbid-overwrite"))
	o, err := s.cfg.Store.Put(o, io.MultiReader(readers...), nil, forbid)
	if err != nil {
		writeError(w, r, rc, storeError(err))
		return
	}
	s.dropUpload(u)
	w.Header().Set("x-cos-hash-crc64ecma", strconv.FormatUint(o.CRC64, 10))
	writeXML(w, http.StatusOK, struct {
		XMLName  xml.Name `xml:"CompleteMultipartUploadResult"`
		Location string
		Bucket   string
		Key      string
		ETag     string
	}{Location: r.Host + rc.base + "/" + rc.key, Bucket: s.cfg.Bucket, Key: rc.key, ETag: o.ETag})
}

func (s *Server) dropUpload(u *upload) {
	s.uploads.Delete(u.id)
	u.mu.Lock()
	defer u.mu.Unlock()
	for n := range u.parts {
		s.cfg.Store.Drop(s.spoolID(u.id, n))
	}
}

func (s *Server) abort(w http.ResponseWriter, r *http.Request, rc *reqContext, p principal) {
	u, e := s.findUpload(rc)
	if e == nil {
		e = s.authorize(p, "AbortMultipartUpload", rc.key, values(r, rc, nil))
	}
	if e != nil {
		writeError(w, r, rc, e)
		return
	}
	s.dropUpload(u)
	w.WriteHeader(http.StatusNoContent)
}

type owner struct {
	ID          string
	DisplayName string
}

func (s *Server) owner() owner {
	return owner{ID: "qcs::cam::uin/" + s.appID + ":uin/" + s.appID, DisplayName: s.appID}
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func (s *Server) listParts(w http.ResponseWriter, r *http.Request, rc *reqContext, p principal) {
	u, e := s.findUpload(rc)
	if e == nil {
		e = s.authorize(p, "ListParts", rc.key, values(r, rc, nil))
	}
	if e != nil {
		writeError(w, r, rc, e)
		return
	}
	marker, _ := strconv.Atoi(rc.query.Get("part-number-marker"))
	maxN, err := strconv.Atoi(rc.query.Get("max-parts"))
	if err != nil || maxN < 1 || maxN > 1000 {
		maxN = 1000
	}
	type xmlPart struct {
		PartNumber   int
		LastModified string
		ETag         string
		Size         int64
	}
	out := struct {
		XMLName              xml.Name `xml:"ListPartsResult"`
		Bucket               string
		EncodingType         string `xml:"Encoding-type"`
		Key                  string
		UploadID             string `xml:"UploadId"`
		Initiator            owner
		Owner                owner
		PartNumberMarker     int
		Parts                []xmlPart `xml:"Part"`
		NextPartNumberMarker int
		StorageClass         string
		MaxParts             int
		IsTruncated          bool
	}{
		Bucket:           s.cfg.Bucket,
		Key:              rc.key,
		UploadID:         u.id,
		Initiator:        s.owner(),
		Owner:            s.owner(),
		PartNumberMarker: marker,
		StorageClass:     "STANDARD",
		MaxParts:         maxN,
	}
	u.mu.Lock()
	nums := make([]int, 0, len(u.parts))
	for n := range u.parts {
		if n > marker {
			nums = append(nums, n)
		}
	}
	sort.Ints(nums)
	for i, n := range nums {
		if i == maxN {
			out.IsTruncated = true
			break
		}
		pt := u.parts[n]
		out.Parts = append(out.Parts, xmlPart{n, isoTime(pt.modified), pt.etag, pt.size})
		out.NextPartNumberMarker = n
	}
	u.mu.Unlock()
	writeXML(w, http.StatusOK, out)
}

// listUploads is List Multipart Uploads. The policy is asked about the
// bucket resource joined with ?prefix=, so a key limited to a prefix may
// list its own uploads (as the JS SDKs do before resuming one).
func (s *Server) listUploads(w http.ResponseWriter, r *http.Request, rc *reqContext, p principal) {
	prefix := rc.query.Get("prefix")
	if e := s.authorize(p, "ListMultipartUploads", prefix, values(r, rc, nil)); e != nil {
		writeError(w, r, rc, e)
		return
	}
	type xmlUpload struct {
		Key          string
		UploadID     string `xml:"UploadId"`
		StorageClass string
		Initiator    owner
		Owner        owner
		Initiated    string
	}
	var ups []*upload
	s.uploads.Range(func(_, v any) bool {
		if u := v.(*upload); strings.HasPrefix(u.key, prefix) {
			ups = append(ups, u)
		}
		return true
	})
	sort.Slice(ups, func(i, j int) bool {
		if ups[i].key != ups[j].key {
			return ups[i].key < ups[j].key
		}
		return ups[i].initiated.Before(ups[j].initiated)
	})
	out := struct {
		XMLName            xml.Name `xml:"ListMultipartUploadsResult"`
		Bucket             string
		EncodingType       string `xml:"Encoding-Type"`
		KeyMarker          string
		UploadIDMarker     string `xml:"UploadIdMarker"`
		NextKeyMarker      string
		NextUploadIDMarker string `xml:"NextUploadIdMarker"`
		MaxUploads         int
		IsTruncated        bool
		Prefix             string
		Delimiter          string
		Uploads            []xmlUpload `xml:"Upload"`
	}{Bucket: s.cfg.Bucket, MaxUploads: 1000, Prefix: prefix}
	for _, u := range ups {
		out.Uploads = append(out.Uploads, xmlUpload{u.key, u.id, "STANDARD", s.owner(), s.owner(), isoTime(u.initiated)})
	}
	writeXML(w, http.StatusOK, out)
}
