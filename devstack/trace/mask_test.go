package trace

import (
	"encoding/json"
	"strings"
	"testing"
)

// A POST form refused for its policy is explained by the policy and the
// condition that failed, which name the form's session token and its
// temporary SecretId: the recorded exchange keeps neither in full, in any
// of the forms they come in.
func TestRecordMasksPolicySecrets(t *testing.T) {
	token := strings.Repeat("tOkEn_-9", 16) // 128 characters, as the STS emulator's
	id := "AKIDtempKEY0123456789abcdefgh"
	policy := `{"expiration":"2030-01-01T00:00:00.000Z","conditions":[{"bucket":"b-1"},` +
		`{"x-cos-security-token":"` + token + `"},["eq","$x-cos-security-token","` + token + `"],` +
		`{"q-ak":"` + id + `"},["eq","$q-ak","` + id + `"],{"q-signature":"abcdef0123"}]}`
	r := New(10)
	r.Record(Exchange{Service: "cos", Reason: &Reason{
		Kind:               KindMismatch,
		Detail:             "Condition key x-cos-security-token doesn't match the value " + token,
		FormatString:       policy,
		ClientFormatString: "post\n/\nq-ak=" + id + "&x-cos-security-token=" + token + "\n",
	}}, 0)
	r.Record(Exchange{Service: "cos", Reason: &Reason{Kind: KindPolicy,
		Detail: "Condition key q-ak doesn't match the value " + id}}, 0)
	r.Record(Exchange{Service: "cos", Reason: &Reason{Kind: KindRequest, Detail: "bare " + token}}, 0)
	b, _ := json.Marshal(r.Snapshot())
	for _, secret := range []string{token, token[:20], id, "abcdef0123"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("recorded in full: %.12s…\n%s", secret, b)
		}
	}
	for _, kept := range []string{`\"x-cos-security-token\":\"…\"`, `\"$x-cos-security-token\",\"…\"`, "AKIDtemp…",
		"Condition key x-cos-security-token doesn't match the value …", `\"bucket\":\"b-1\"`} {
		if !strings.Contains(string(b), kept) {
			t.Errorf("lacks %s:\n%s", kept, b)
		}
	}
}
