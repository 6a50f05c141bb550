package trace

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestRecorder: the ring keeps the latest exchanges, subscribers hear each
// one, an STS call links to the function call in flight, and a COS request
// to the call whose answer handed out its key; SecretIds are cut short and
// tokens masked.
func TestRecorder(t *testing.T) {
	r := New(4)
	ch, stop := r.Subscribe()
	defer stop()
	t0 := time.Now()
	fn := r.Begin(t0, "sts")
	r.Record(Exchange{Time: t0.Add(time.Millisecond), Service: "sts-api", Keys: []string{"AKIDissuedKEY000000000"}}, 0)
	r.Record(Exchange{Time: t0, Service: "sts", Function: true}, fn)
	r.Record(Exchange{Time: t0.Add(time.Second), Service: "cos", SecretID: "AKIDissuedKEY000000000",
		Keys:   []string{"AKIDissuedKEY000000000"},
		Reason: &Reason{Kind: KindMismatch, FormatString: "get\n/a\nx-cos-security-token=SECRET-TOKEN\nhost=h\n"}}, 0)
	r.Record(Exchange{Time: t0.Add(time.Second), Service: "cos", Keys: []string{"AKIDunknown000000000"}}, 0)

	snap := r.Snapshot()
	if len(snap) != 4 {
		t.Fatalf("%d exchanges", len(snap))
	}
	sts, cos, stranger := snap[0], snap[2], snap[3]
	if sts.Parent != fn || cos.Parent != fn || stranger.Parent != 0 {
		t.Errorf("links: sts→%d cos→%d stranger→%d, want %d %d 0", sts.Parent, cos.Parent, stranger.Parent, fn, fn)
	}
	if cos.SecretID != "AKIDissu…" || strings.Contains(cos.Reason.FormatString, "SECRET-TOKEN") ||
		!strings.Contains(cos.Reason.FormatString, "x-cos-security-token=…\n") {
		t.Errorf("not redacted: %q %q", cos.SecretID, cos.Reason.FormatString)
	}
	for i := 0; i < 4; i++ {
		if e := <-ch; e.Seq == 0 || e.Keys != nil {
			t.Errorf("event %d: %+v", i, e)
		}
	}
	for i := 0; i < 3; i++ {
		r.Record(Exchange{Service: "cos"}, 0)
	}
	if snap := r.Snapshot(); len(snap) != 4 || snap[0].Seq != 4 || snap[3].Seq != 7 {
		t.Errorf("after wrapping: %+v", snap)
	}

	var none *Recorder // a nil recorder records nothing and does not panic
	none.Record(Exchange{}, none.Begin(t0, "sts"))
}

func TestFindKeys(t *testing.T) {
	got := FindKeys([]byte(`{"tmpSecretId":"AKIDabcdefgh12345","url":"https://x/?q-ak=AKIDzyxwvuts98765&q-sign-time=1"}`))
	if len(got) != 2 || got[0] != "AKIDabcdefgh12345" || got[1] != "AKIDzyxwvuts98765" {
		t.Errorf("FindKeys = %q", got)
	}
}

// TestMintLinks: two callers are handed URLs signed with one key; each COS
// request links to the call that minted its own signature (not to whoever
// last handed out the key), the mint keeps what the client was told to
// send, and a request signed by an /sts key still links by the key.
func TestMintLinks(t *testing.T) {
	r := New(16)
	const shared = "AKIDsharedKEY00000000"
	answers := map[string]string{
		"alice": `{"method":"PUT","url":"http://cos/uploads/alice/a.txt?q-ak=` + shared + `&q-signature=aaaa",` +
			`"headers":{"Content-Type":"text/plain","Content-Length":"5"}}`,
		"bob":  `{"method":"POST","url":"http://cos/","formData":{"key":"uploads/bob/b.txt","q-ak":"` + shared + `","q-signature":"bbbb"}}`,
		"sts":  `{"credentials":{"tmpSecretId":"AKIDstsKEY0000000000"}}`,
		"down": ``,
	}
	fns := r.Functions(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		who := req.URL.Query().Get("who")
		if who == "down" {
			w.Header().Set("Location", "http://cos/uploads/carol/c.txt?q-ak="+shared+"&q-signature=cccc")
			w.WriteHeader(http.StatusFound)
			return
		}
		io.WriteString(w, answers[who])
	}))
	seqOf := map[string]uint64{}
	for who, fn := range map[string]string{"alice": "presign", "bob": "presign", "down": "download", "sts": "sts"} {
		fns.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/"+fn+"?who="+who, nil))
		snap := r.Snapshot()
		seqOf[who] = snap[len(snap)-1].Seq
	}
	n := 0
	cos := r.COS(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		n++
		id := fmt.Sprint("req", n)
		w.Header().Set("x-cos-request-id", id)
		w.WriteHeader(http.StatusForbidden)
		r.Record(Exchange{Service: "cos", RequestID: id, Keys: []string{req.Header.Get("X-Key")}}, 0)
	}))
	send := func(req *http.Request, key string) Exchange {
		req.Header.Set("X-Key", key)
		cos.ServeHTTP(httptest.NewRecorder(), req)
		snap := r.Snapshot()
		return snap[len(snap)-1]
	}
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	mw.WriteField("key", "uploads/bob/b.txt")
	mw.WriteField("q-signature", "bbbb")
	fw, _ := mw.CreateFormFile("file", "b.txt")
	fw.Write([]byte("bob's file"))
	mw.Close()
	post := httptest.NewRequest("POST", "/", bytes.NewReader(form.Bytes()))
	post.Header.Set("Content-Type", mw.FormDataContentType())
	authorized := httptest.NewRequest("GET", "/uploads/x", nil)
	authorized.Header.Set("Authorization", "q-sign-algorithm=sha1&q-ak=AKIDstsKEY0000000000&q-signature=dddd")

	for _, c := range []struct {
		name string
		req  *http.Request
		key  string
		want uint64
	}{
		{"alice's PUT", httptest.NewRequest("PUT", "/uploads/alice/a.txt?q-ak="+shared+"&q-signature=aaaa", nil), shared, seqOf["alice"]},
		{"bob's POST form", post, shared, seqOf["bob"]},
		{"the download redirect", httptest.NewRequest("GET", "/uploads/carol/c.txt?q-signature=cccc", nil), shared, seqOf["down"]},
		{"a signature nobody minted, shared key", httptest.NewRequest("GET", "/x?q-signature=eeee", nil), shared, 0},
		{"signed by the client with an /sts key", authorized, "AKIDstsKEY0000000000", seqOf["sts"]},
	} {
		if got := send(c.req, c.key); got.Parent != c.want {
			t.Errorf("%s: linked to #%d, want #%d", c.name, got.Parent, c.want)
		}
	}
	if body, _ := io.ReadAll(post.Body); !bytes.Equal(body, form.Bytes()) {
		t.Errorf("the peeked form was not put back whole: %d of %d bytes", len(body), form.Len())
	}

	snap := r.Snapshot()
	m, ok := snap[len(snap)-5].Minted() // alice's PUT
	if d, _ := snap[len(snap)-3].Minted(); d.Function != "download" || d.Method != "GET" || d.URL == "" {
		t.Errorf("the redirect's mint: %+v", d)
	}
	if !ok || m.Seq != seqOf["alice"] || m.Function != "presign" || m.Method != "PUT" ||
		m.Header.Get("Content-Type") != "text/plain" || m.Header.Get("Content-Length") != "5" {
		t.Errorf("alice's mint: %v %+v", ok, m)
	}
	b, _ := json.Marshal(snap)
	if s := fmt.Sprintf("%s %v %+v %#v", b, snap, snap, snap); strings.Contains(s, "aaaa") || strings.Contains(s, "bbbb") {
		t.Errorf("a signature is printed or encoded: %s", s)
	}
}
