package explain_test

import (
	"strconv"
	"testing"
	"time"

	"cosgate/devstack/explain"
	"cosgate/shared/cossign"
)

// The FormatString and StringToSign the explainer shows for a URL are the
// ones the signing call that minted it signed, with and without the key.
func TestShowsWhatWasSigned(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	e := emulator(t, now)
	creds := cossign.Credentials{SecretID: rootID, SecretKey: rootKey}
	raw, signed := cossign.SignURL(creds, e, cossign.Presign{Method: "PUT", Key: "uploads/alice/a b.txt",
		Window: cossign.NewWindow(now, time.Minute, 10*time.Minute), Headers: []cossign.Pair{{Name: "Content-Type", Value: "text/plain"}}})
	for _, key := range []string{"", otherSK} {
		rep := run(t, explain.Input{Texts: []string{raw}, Method: "PUT", SecretKey: key,
			Header: map[string][]string{"Content-Type": {"text/plain"}}, Now: now})
		facts := map[string]string{}
		for _, f := range rep.Facts {
			facts[f.Name] = f.Value
		}
		if got, want := facts["FormatString (this request)"], strconv.Quote(signed.FormatString); got != want {
			t.Errorf("key %q: FormatString %s, want %s", key, got, want)
		}
		if got, want := facts["StringToSign (this request)"], strconv.Quote(signed.StringToSign); got != want {
			t.Errorf("key %q: StringToSign %s, want %s", key, got, want)
		}
	}
}
