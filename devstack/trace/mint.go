package trace

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
)

// Mint is a request a function's answer told the client to send: a
// presigned URL with the headers to send along, a POST form, or a /download
// redirect. COS requests are linked to their mint by the signature they
// carry, which is exact where the signing key is not: presign and download
// may sign every caller's requests with one key.
//
// A Mint holds a signature (and, in a URL, perhaps a session token): it
// stays in this process, is never encoded, and prints without its URL.
type Mint struct {
	Seq      uint64 // the function call that handed it out
	Function string // that function: presign, download, sign
	Method   string
	URL      string      // as handed out, signature included
	Header   http.Header // what the answer told the client to send
	Form     bool        // a POST form: its policy is signed, not a request
}

// String names the mint without its secrets.
func (m Mint) String() string {
	return fmt.Sprintf("#%d %s %s", m.Seq, m.Function, m.Method)
}

// GoString keeps %#v from printing the URL.
func (m Mint) GoString() string { return "trace.Mint{" + m.String() + "}" }

// minted is one signature an answer handed out, with the answer as it
// was. A function call only scans its answer for signatures (cheap, on
// every call); the answer is decoded into a Mint when someone asks.
type minted struct {
	seq       uint64
	function  string
	signature string
	location  string // the answer's Location header
	body      []byte // the answer's body (its first 64 KiB)
}

// String and GoString keep fmt from printing the answer.
func (m *minted) String() string   { return fmt.Sprintf("minted by #%d %s", m.seq, m.function) }
func (m *minted) GoString() string { return m.String() }

// mint decodes the answer into what it told the client to send.
func (m *minted) mint() Mint {
	out := Mint{Seq: m.seq, Function: m.function}
	if querySignature(m.location) == m.signature {
		out.Method, out.URL = http.MethodGet, m.location // a redirect is followed with GET
		return out
	}
	var a answer
	json.Unmarshal(m.body, &a)
	out.Method, out.URL, out.Form = strings.ToUpper(a.Method), a.URL, a.FormData != nil
	if out.Method == "" && out.URL != "" {
		out.Method = http.MethodGet // download's JSON: a URL to GET
	}
	// /sign's answer is an Authorization alone: the request it covers was
	// the caller's, so URL and Method stay empty.
	if len(a.Headers) > 0 {
		out.Header = http.Header{}
		for k, v := range a.Headers {
			out.Header.Set(k, v)
		}
	}
	return out
}

// answer is what a function's JSON answer may hand out: presign's PUT
// (url, headers) and POST (url, formData), download's ?format=json (url).
type answer struct {
	Method   string            `json:"method"`
	URL      string            `json:"url"`
	Headers  map[string]string `json:"headers"`
	FormData map[string]string `json:"formData"`
}

// mintBook finds mints by signature and forgets the oldest once it holds
// as many as the ring has exchanges.
type mintBook struct {
	bySig map[string]*minted
	order []*minted
	next  int
}

func newMintBook(size int) mintBook {
	return mintBook{bySig: map[string]*minted{}, order: make([]*minted, size)}
}

func (b *mintBook) add(m *minted) {
	if old := b.order[b.next]; old != nil && b.bySig[old.signature] == old {
		delete(b.bySig, old.signature)
	}
	// The same signature minted twice (one object, one second, one key)
	// links to the latest call.
	b.order[b.next] = m
	b.bySig[m.signature] = m
	b.next = (b.next + 1) % len(b.order)
}

func (b *mintBook) find(sig string) *minted { return b.bySig[sig] }

// mintsIn finds the signatures a successful answer hands out, in its
// Location (download's redirect) and its body (presign's URL or form,
// download's JSON), without decoding it.
func mintsIn(status int, location string, body []byte) []*minted {
	if status >= 400 {
		return nil
	}
	var out []*minted
	for _, sig := range signaturesIn([]byte(location), nil) {
		out = append(out, &minted{signature: sig, location: location})
	}
	if len(out) > 0 {
		return out // a redirect's body, if any, only repeats its Location
	}
	for _, sig := range signaturesIn(body, nil) {
		out = append(out, &minted{signature: sig, body: body})
	}
	return out
}

var qSignature = []byte("q-signature")

// signaturesIn appends the q-signature values in b: URL parameters
// (q-signature=…, also inside a form's Signature field) and form fields
// ("q-signature":"…"). Signatures are hex, so a value ends at the first
// other character: &, a quote, or a JSON escape.
func signaturesIn(b []byte, out []string) []string {
	for {
		i := bytes.Index(b, qSignature)
		if i < 0 {
			return out
		}
		b = b[i+len(qSignature):]
		switch {
		case bytes.HasPrefix(b, []byte("=")):
			b = b[1:]
		case bytes.HasPrefix(b, []byte(`":"`)):
			b = b[3:]
		default:
			continue
		}
		n := 0
		for n < len(b) && isAlnum(b[n]) {
			n++
		}
		if n > 0 {
			out = append(out, string(b[:n]))
		}
		b = b[n:]
	}
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// fieldOf reads a form field whatever its case: COS matches names so.
func fieldOf(fields map[string]string, name string) string {
	for k, v := range fields {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// formSignature is a POST form's signature: q-signature beside its policy,
// or the one inside a Signature field (an Authorization value, as
// cos-wx-sdk-v5 sends it).
func formSignature(field func(string) string) string {
	if sig := field("q-signature"); sig != "" {
		return sig
	}
	return paramSignature(field("Signature"))
}

// querySignature is the q-signature of a URL's query (or of a sign=
// parameter holding an Authorization value).
func querySignature(rawURL string) string {
	_, query, ok := strings.Cut(rawURL, "?")
	if !ok {
		return ""
	}
	if sig := paramSignature(query); sig != "" {
		return sig
	}
	if sign := param(query, "sign"); sign != "" {
		return paramSignature(sign)
	}
	return ""
}

// paramSignature reads q-signature from an Authorization value or a query.
func paramSignature(s string) string { return param(s, "q-signature") }

// param reads one parameter of an &-separated list, unescaped, without
// parsing the whole list.
func param(s, name string) string {
	for s != "" {
		var part string
		part, s, _ = strings.Cut(s, "&")
		if k, v, ok := strings.Cut(part, "="); ok && strings.EqualFold(k, name) {
			if u, err := url.QueryUnescape(v); err == nil {
				return u
			}
			return v
		}
	}
	return ""
}

// requestSignature is the signature a COS request carries: in its query,
// its Authorization header, or, for a POST form, among the fields before
// the file. The form's head is read and put back for the emulator.
func requestSignature(r *http.Request) string {
	if sig := querySignature("?" + r.URL.RawQuery); sig != "" {
		return sig
	}
	if sig := paramSignature(r.Header.Get("Authorization")); sig != "" {
		return sig
	}
	if r.Method == http.MethodPost {
		return peekFormSignature(r)
	}
	return ""
}

// formPeek is how much of a POST form is read for its signature: COS
// wants the file last, so the fields come well within it.
const formPeek = 64 << 10

func peekFormSignature(r *http.Request) string {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" || r.Body == nil {
		return ""
	}
	head, err := io.ReadAll(io.LimitReader(r.Body, formPeek))
	r.Body = replayed{io.MultiReader(bytes.NewReader(head), errReader{err}, r.Body), r.Body}
	fields := map[string]string{}
	mr := multipart.NewReader(bytes.NewReader(head), params["boundary"])
	for {
		part, err := mr.NextPart()
		if err != nil || part.FileName() != "" || strings.EqualFold(part.FormName(), "file") {
			break
		}
		v, _ := io.ReadAll(io.LimitReader(part, 8<<10))
		fields[part.FormName()] = string(v)
	}
	return formSignature(func(name string) string { return fieldOf(fields, name) })
}

// replayed reads the peeked head, then the rest, and closes the original.
type replayed struct {
	io.Reader
	io.Closer
}

// errReader hands on a read error met while peeking, at the point it met
// it; nothing when there was none.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	return 0, io.EOF
}

// COS wraps the COS emulator so that each request's signature is known
// when the emulator records it: the signature is noted under the request
// id the emulator answers with, as soon as it starts answering, and the
// recorder links the request to the call that minted that signature.
func (r *Recorder) COS(h http.Handler) http.Handler {
	if r == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		sig := requestSignature(req)
		if sig == "" {
			h.ServeHTTP(w, req)
			return
		}
		tap := &sigTap{ResponseWriter: w, r: r, sig: sig}
		defer tap.forget()
		h.ServeHTTP(tap, req)
	})
}

// sigTap notes the signature under the request id once the emulator has
// set it, at its first write.
type sigTap struct {
	http.ResponseWriter
	r   *Recorder
	sig string
	id  string
}

func (t *sigTap) note() {
	if t.id != "" {
		return
	}
	if t.id = t.Header().Get("X-Cos-Request-Id"); t.id != "" {
		t.r.mu.Lock()
		t.r.pending[t.id] = t.sig
		t.r.mu.Unlock()
	}
}

// forget drops the note when the emulator did not record the request.
func (t *sigTap) forget() {
	if t.id != "" {
		t.r.mu.Lock()
		delete(t.r.pending, t.id)
		t.r.mu.Unlock()
	}
}

func (t *sigTap) WriteHeader(code int) {
	t.note()
	t.ResponseWriter.WriteHeader(code)
}

func (t *sigTap) Write(p []byte) (int, error) {
	t.note()
	return t.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection.
func (t *sigTap) Unwrap() http.ResponseWriter { return t.ResponseWriter }
