// Package console is the local stack's web page: every request through the
// functions and the emulators as it happens, the reason behind each
// refusal with its likely cause and fix, the bucket's objects, a
// development-token minter, an upload form through /presign, small charts
// per function, and the "why 403?" explainer. It serves loopback only and
// is never part of a function binary.
package console

import (
	"cmp"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"cosgate/devstack/cosemu"
	"cosgate/devstack/explain"
	"cosgate/devstack/trace"
	"cosgate/shared/apierr"
	"cosgate/shared/httpapi"
)

//go:embed page
var page embed.FS

// Config is what the console shows and acts on.
type Config struct {
	FunctionsURL, COSURL string
	Bucket, Region       string
	Trace                *trace.Recorder
	Store                cosemu.Store
	// Mint returns a development token for uid.
	Mint func(uid string, ttl time.Duration) (string, error)
	Now  func() time.Time // time.Now when nil
}

// Handler serves the console.
func Handler(c Config) http.Handler {
	if c.Now == nil {
		c.Now = time.Now
	}
	s := &server{c}
	mux := http.NewServeMux()
	static, _ := fs.Sub(page, "page") // embedded at build time: cannot fail
	mux.Handle("GET /", http.FileServerFS(static))
	mux.HandleFunc("GET /api/config", s.config)
	mux.HandleFunc("GET /api/exchanges", s.exchanges)
	mux.HandleFunc("GET /api/events", s.events)
	mux.HandleFunc("GET /api/objects", s.objects)
	mux.HandleFunc("GET /api/stats", s.stats)
	mux.HandleFunc("POST /api/token", s.token)
	mux.HandleFunc("POST /api/explain", s.explain)
	return sameOrigin(mux)
}

// sameOrigin lets only the console's own page act. A request naming
// another page's origin is refused whatever it asks: the API reads the
// exchanges and mints tokens, and no other page has any business there. A
// state-changing request must be JSON: a form or text/plain POST is one
// another page can send without a preflight (and a browser may omit Origin
// on it), so JSON, which needs a preflight cross-origin, is the proof it
// came from the console's own script. (The stack refuses a foreign Host
// before this.)
func sameOrigin(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" && o != "http://"+r.Host {
			httpapi.WriteError(w, r, apierr.New(apierr.Forbidden,
				"the console answers only its own page, not %.100q", o))
			return
		}
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
		default:
			if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
				httpapi.WriteError(w, r, apierr.New(apierr.Forbidden,
					"the console's API takes only Content-Type: application/json"))
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

type server struct{ c Config }

// Row is an exchange as the page shows it: with the cause and fix of a
// refusal, and, for a COS request, the call that minted its signature.
type Row struct {
	trace.Exchange
	Advice *explain.Advice `json:"advice,omitempty"`
	Mint   *Mint           `json:"mint,omitempty"`
}

// Mint names the function call whose answer handed out a COS request's
// signature and, when COS refused the request as not matching it, the
// first difference between what that answer told the client to send and
// what COS received. The minted URL itself is a secret and stays out.
type Mint struct {
	Seq      uint64        `json:"seq"`
	Function string        `json:"function"`
	Method   string        `json:"method"`
	Diff     *explain.Diff `json:"diff,omitempty"`
}

func row(e trace.Exchange) Row {
	r := Row{Exchange: e, Mint: mintOf(e)}
	if e.Reason != nil || e.Code != "" {
		if a, ok := explain.ForReason(e.Code, e.Reason); ok {
			r.Advice = &a
		}
	}
	return r
}

// mintOf compares a COS request with its mint. Only a mismatch carries
// the FormatString COS computed from what it received; other refusals
// (a CAM denial, an expired window) are not about the request's shape.
func mintOf(e trace.Exchange) *Mint {
	m, ok := e.Minted()
	if !ok {
		return nil
	}
	out := &Mint{Seq: m.Seq, Function: m.Function, Method: m.Method}
	if e.Reason != nil && e.Reason.FormatString != "" {
		out.Diff = explain.CompareMint(
			explain.Minted{Function: m.Function, Method: m.Method, URL: m.URL, Header: m.Header},
			e.Reason.FormatString,
		)
		if d := out.Diff; d != nil {
			// The first difference may be the token or SecretId itself.
			d.Signed, d.Received, d.Words = trace.Mask(d.Signed), trace.Mask(d.Received), trace.Mask(d.Words)
		}
	}
	return out
}

func (s *server) config(w http.ResponseWriter, r *http.Request) {
	httpapi.WriteJSON(w, http.StatusOK, struct {
		Functions string `json:"functions"`
		COS       string `json:"cos"`
		Bucket    string `json:"bucket"`
		Region    string `json:"region"`
	}{s.c.FunctionsURL, s.c.COSURL, s.c.Bucket, s.c.Region})
}

// exchanges answers the recorded exchanges, newest first.
func (s *server) exchanges(w http.ResponseWriter, r *http.Request) {
	all := s.c.Trace.Snapshot()
	out := make([]Row, 0, len(all))
	for _, e := range all {
		out = append(out, row(e))
	}
	// A function call is numbered when it arrives and recorded when it ends,
	// so the ring's order is not the numbering's.
	slices.SortFunc(out, func(a, b Row) int { return cmp.Compare(b.Seq, a.Seq) })
	httpapi.WriteJSON(w, http.StatusOK, out)
}

// events streams each new exchange as a server-sent event.
func (s *server) events(w http.ResponseWriter, r *http.Request) {
	ch, stop := s.c.Trace.Subscribe()
	defer stop()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	rc := http.NewResponseController(w)
	fmt.Fprint(w, ": connected\n\n")
	rc.Flush()
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case e := <-ch:
			b, _ := json.Marshal(row(e))
			fmt.Fprintf(w, "data: %s\n\n", b)
		}
		if rc.Flush() != nil {
			return
		}
	}
}

// Object is one object as the page lists it.
type Object struct {
	Key      string    `json:"key"`
	Size     int64     `json:"size"`
	Type     string    `json:"type"`
	ACL      string    `json:"acl"`
	Modified time.Time `json:"modified"`
}

func (s *server) objects(w http.ResponseWriter, r *http.Request) {
	objs, err := s.c.Store.List(500)
	if err != nil {
		httpapi.WriteError(w, r, apierr.New(apierr.Internal, "the bucket cannot be listed"))
		return
	}
	out := make([]Object, 0, len(objs))
	for _, o := range objs {
		out = append(out, Object{o.Key, o.Size, o.ContentType, aclText(o.ACL), o.Modified})
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
}

// aclText says who may read an object: its canned ACL, its grants, and
// whether anyone on the Internet may.
func aclText(a cosemu.ACL) string {
	parts := []string{cmp.Or(a.Canned, "default")}
	for _, perm := range slices.Sorted(maps.Keys(a.Grants)) {
		parts = append(parts, perm+": "+strings.Join(a.Grants[perm], ", "))
	}
	if a.PublicRead() {
		parts = append(parts, "PUBLIC")
	}
	return strings.Join(parts, "; ")
}

type tokenRequest struct {
	UID string `json:"uid"`
	TTL string `json:"ttl"` // a Go duration; 1h when empty
}

type tokenResponse struct {
	Token     string `json:"token"`
	UID       string `json:"uid"`
	ExpiresAt int64  `json:"expiresAt"`
}

// token mints a development token. The page keeps it to call the functions
// and shows only its beginning.
func (s *server) token(w http.ResponseWriter, r *http.Request) {
	var req tokenRequest
	if !decode(w, r, &req) {
		return
	}
	ttl := time.Hour
	if req.TTL != "" {
		d, err := time.ParseDuration(req.TTL)
		if err != nil || d < time.Minute || d > 7*24*time.Hour {
			httpapi.WriteError(
				w,
				r,
				apierr.New(apierr.InvalidRequest, "ttl must be a duration from 1m to 168h"),
			)
			return
		}
		ttl = d
	}
	if req.UID == "" || len(req.UID) > 128 || strings.ContainsAny(req.UID, "/\\ \t\r\n") {
		httpapi.WriteError(w, r, apierr.New(apierr.InvalidRequest,
			"uid must be 1 to 128 characters without slashes or spaces"))
		return
	}
	tok, err := s.c.Mint(req.UID, ttl)
	if err != nil {
		httpapi.WriteError(w, r, apierr.New(apierr.InvalidRequest, "%s", err.Error()))
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, tokenResponse{tok, req.UID, s.c.Now().Add(ttl).Unix()})
}

type explainRequest struct {
	Texts     []string          `json:"texts"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers"`
	SecretKey string            `json:"secretKey"` // used, never logged or answered
}

func (s *server) explain(w http.ResponseWriter, r *http.Request) {
	var req explainRequest
	if !decode(w, r, &req) {
		return
	}
	h := http.Header{}
	for k, v := range req.Headers {
		h.Set(k, v)
	}
	rep, err := explain.Explain(explain.Input{Texts: req.Texts, Method: req.Method, URL: req.URL, Header: h,
		SecretKey: req.SecretKey, Now: s.c.Now()})
	if err != nil {
		httpapi.WriteError(w, r, apierr.New(apierr.InvalidRequest, "%s", err.Error()))
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, rep)
}

// decode reads a JSON body of at most 1 MiB into dst, answering the error
// itself when it cannot.
func decode(w http.ResponseWriter, r *http.Request, dst any) bool {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	present, err := httpapi.DecodeJSON(r, dst)
	if err == nil && !present {
		err = apierr.New(apierr.InvalidRequest, "send a JSON body")
	}
	if err != nil {
		httpapi.WriteError(w, r, err)
		return false
	}
	return true
}
