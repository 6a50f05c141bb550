package trace

import (
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
	fn := r.Begin(t0)
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
	none.Record(Exchange{}, none.Begin(t0))
}

func TestFindKeys(t *testing.T) {
	got := FindKeys([]byte(`{"tmpSecretId":"AKIDabcdefgh12345","url":"https://x/?q-ak=AKIDzyxwvuts98765&q-sign-time=1"}`))
	if len(got) != 2 || got[0] != "AKIDabcdefgh12345" || got[1] != "AKIDzyxwvuts98765" {
		t.Errorf("FindKeys = %q", got)
	}
}
