package logging

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
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
