package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRedaction(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, slog.LevelDebug)
	const s = "SUPERSECRETvalue123"
	log.Info("x",
		"authorization", "Bearer "+s, "sessionToken", s, "tmpSecretKey", s, "q-signature", s, "sign", s,
		"X-Cos-Security-Token", s, "policy", s, "cos_secret_key", s, "wrapped", Secret(s),
		slog.Group("g", "jwt", s), "design", "kept", "path", "/uploads/u1/a.jpg")
	out := buf.String()
	if strings.Contains(out, s) {
		t.Fatalf("secret in log: %s", out)
	}
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	if m["design"] != "kept" || m["path"] != "/uploads/u1/a.jpg" || m["authorization"] != Redacted {
		t.Errorf("unexpected line: %s", out)
	}
}

// The local stack's text log redacts as the functions' JSON log does.
func TestTextRedaction(t *testing.T) {
	var buf bytes.Buffer
	const s = "SUPERSECRETvalue123"
	NewText(&buf, slog.LevelInfo).Info("x", "tmpSecretKey", s, "q-signature", s, "wrapped", Secret(s),
		"key_id", "AKIDabcd", "path", "/uploads/u1/a.jpg")
	out := buf.String()
	if strings.Contains(out, s) || !strings.Contains(out, "tmpSecretKey="+Redacted) ||
		!strings.Contains(out, "key_id=AKIDabcd") || !strings.Contains(out, "path=/uploads/u1/a.jpg") {
		t.Errorf("unexpected line: %s", out)
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := Secret("hunter2")
	for _, got := range []string{fmt.Sprint(s), fmt.Sprintf("%s %v %q %x %#v %+v", s, s, s, s, s, s), fmt.Sprint(struct{ K Secret }{s})} {
		if strings.Contains(got, "hunter2") {
			t.Errorf("leak: %s", got)
		}
	}
	b, _ := json.Marshal(map[string]Secret{"k": s})
	if strings.Contains(string(b), "hunter2") {
		t.Errorf("json leak: %s", b)
	}
	if s.Reveal() != "hunter2" {
		t.Error("Reveal")
	}
}

// referenceSensitive is IsSensitiveKey as plainly as it can be said.
func referenceSensitive(key string) bool {
	k := strings.ToLower(key)
	if k == "sign" || k == "policy" || k == "q-ak" {
		return true
	}
	for _, s := range []string{"authorization", "secret", "token", "password", "signature", "credential", "cookie", "jwt"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

var keySeeds = []string{"", "a", "sign", "SIGN", "Sign", "signs", "sig", "policy", "Policy", "policies", "q-ak", "Q-AK", "q-a",
	"q\rak", "request_id", "method", "path", "status", "latency_ms", "subject", "key", "expired_time", "upload_method",
	"content_type", "max_bytes", "uid", "action", "decision", "client_ip", "function", "platform", "forwarded_for",
	"authorization", "Authorization", "x-authorizatio", "sessionToken", "TOKEN", "tok", "tokens", "tmpSecretKey", "secre",
	"q-signature", "X-Cos-Security-Token", "cos_secret_key", "jwt", "JWT", "jw", "xjwtx", "password", "passwor", "cookie",
	"Set-Cookie", "cooki", "credential", "Credentials", "credentia", "design", "kept", "ſecret", "coo\u212aie", "TOKEN\u00e9",
	"\u212aey", "s", "t", "sss", "ssecret", "ttoken", "aauthorization"}

func TestIsSensitiveKey(t *testing.T) {
	for _, k := range keySeeds {
		if got, want := IsSensitiveKey(k), referenceSensitive(k); got != want {
			t.Errorf("IsSensitiveKey(%q) = %v, want %v", k, got, want)
		}
	}
}

func FuzzIsSensitiveKey(f *testing.F) {
	for _, k := range keySeeds {
		f.Add(k)
	}
	f.Fuzz(func(t *testing.T, k string) {
		if got, want := IsSensitiveKey(k), referenceSensitive(k); got != want {
			t.Errorf("IsSensitiveKey(%q) = %v, want %v", k, got, want)
		}
	})
}

type lazy struct{ v slog.Value }

func (l lazy) LogValue() slog.Value { return l.v }

// The lines are byte for byte those of slog's own handlers with a
// ReplaceAttr that redacts, which is how New and NewText were first built:
// the redacting handler changes what a line costs, not what it says.
func TestSameLinesAsReplaceAttr(t *testing.T) {
	replace := func(_ []string, a slog.Attr) slog.Attr {
		if referenceSensitive(a.Key) {
			return slog.String(a.Key, Redacted)
		}
		return a
	}
	const s = "SUPERSECRETvalue123"
	at := time.Date(2026, 11, 22, 12, 0, 0, 123456789, time.FixedZone("CST", 8*3600))
	records := [][]slog.Attr{
		nil,
		{slog.String("request_id", "f83c"), slog.String("method", "GET"), slog.String("path", "/download"), slog.Int("status", 302),
			slog.Float64("latency_ms", 0.262), slog.String("subject", "u1"), slog.String("key", "uploads/u1/a.txt"), slog.Int64("expired_time", 1796002371)},
		{slog.String("authorization", "Bearer "+s), slog.String("sessionToken", s), slog.Any("Q-Signature", []byte(s)), slog.Any("wrapped", Secret(s)),
			slog.Group("g", "jwt", s, "kept", 1, slog.Group("inner", "password", s, "n", 2.5)), slog.Group("token", "id", "kept-group-member"),
			slog.Any("sign", lazy{slog.StringValue(s)}), slog.Any("lazygroup", lazy{slog.GroupValue(slog.String("cookie", s), slog.Bool("ok", true))}),
			slog.Any("lazy", lazy{slog.IntValue(7)}), slog.Group("", slog.String("tmpSecretKey", s), slog.String("inline", "x")),
			slog.Group("empty"), slog.Any("err", fmt.Errorf("boom")), slog.Duration("d", time.Second), slog.Time("t", at), slog.String("design", "kept")},
		{slog.Group("g", slog.Any("lazy", lazy{slog.StringValue("v")})), slog.String("a", "b"), slog.String("c", "d"), slog.String("e", "f"),
			slog.String("g2", "h"), slog.String("i", "j"), slog.String("policy", s)},
		// Each alone, so that nothing else on the line has it rewritten.
		{slog.Any("sign", lazy{slog.StringValue(s)})},
		{slog.Any("lazygroup", lazy{slog.GroupValue(slog.String("cookie", s), slog.Bool("ok", true))})},
		{slog.Group("g", slog.Any("token", lazy{slog.StringValue(s)}))},
		{slog.Group("g", slog.Group("h", slog.String("JWT", s)))},
		{slog.Any("lazy", lazy{slog.IntValue(7)})},
	}
	for _, text := range []bool{false, true} {
		var got, want bytes.Buffer
		var ours, ref slog.Handler
		if text {
			ours = NewText(&got, slog.LevelDebug).Handler()
			ref = slog.NewTextHandler(&want, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: replace})
		} else {
			ours = New(&got, slog.LevelDebug).Handler()
			ref = slog.NewJSONHandler(&want, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: replace})
		}
		with := []slog.Attr{slog.String("function", "presign"), slog.String("secret", s), slog.Any("l", lazy{slog.StringValue("w")})}
		plain := []slog.Attr{slog.String("function", "presign"), slog.String("platform", "scf-web")}
		pairs := [][2]slog.Handler{{ours, ref}, {ours.WithAttrs(with), ref.WithAttrs(with)}, {ours.WithAttrs(plain), ref.WithAttrs(plain)},
			{ours.WithAttrs(with[1:2]), ref.WithAttrs(with[1:2])}, {ours.WithAttrs(with[2:]), ref.WithAttrs(with[2:])},
			{ours.WithGroup("req").WithAttrs(with), ref.WithGroup("req").WithAttrs(with)}}
		for _, p := range pairs {
			for _, attrs := range records {
				for _, level := range []slog.Level{slog.LevelInfo, slog.LevelWarn + 2} {
					r := slog.NewRecord(at, level, "access", 0)
					r.AddAttrs(attrs...)
					p[0].Handle(context.Background(), r)
					p[1].Handle(context.Background(), r)
				}
			}
		}
		if got.String() != want.String() {
			t.Errorf("text=%v: lines differ:\n got %s\nwant %s", text, got.String(), want.String())
		}
		if strings.Contains(got.String(), s) {
			t.Errorf("secret in log: %s", got.String())
		}
	}
}

// Write writes what Logger.LogAttrs writes, parts joined, and when the
// handler is not ours, with the caller's source.
func TestWrite(t *testing.T) {
	var a, b bytes.Buffer
	parts := [][]slog.Attr{{slog.String("request_id", "x"), slog.String("token", "t")}, nil, {slog.Int("status", 200)}}
	Write(context.Background(), New(&a, slog.LevelInfo).With("function", "f"), slog.LevelInfo, "access", parts...)
	New(&b, slog.LevelInfo).With("function", "f").LogAttrs(context.Background(), slog.LevelInfo, "access", slices.Concat(parts...)...)
	strip := func(s string) string { return s[strings.Index(s, `"level"`):] }
	if strip(a.String()) != strip(b.String()) || !strings.Contains(a.String(), `"token":"[redacted]"`) {
		t.Errorf("Write: %s\nLogAttrs: %s", a.String(), b.String())
	}
	Write(context.Background(), New(&a, slog.LevelWarn), slog.LevelInfo, "dropped")
	if strings.Contains(a.String(), "dropped") {
		t.Errorf("wrote below the level: %s", a.String())
	}
	var c bytes.Buffer
	//lint:ignore SA1012 Write takes a nil ctx, as slog's Logger does
	Write(nil, slog.New(slog.NewJSONHandler(&c, &slog.HandlerOptions{AddSource: true})), slog.LevelInfo, "x")
	if !strings.Contains(c.String(), "logging_test.go") {
		t.Errorf("source is not the caller: %s", c.String())
	}
}
