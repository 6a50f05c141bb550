package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cosgate/shared/cossign"
)

// TestExplainCommand: cosgate-dev explain on URLs signed for real COS, with
// the SecretKey from a file, headers from -H and COS's XML from standard
// input; the exit status says whether a problem was found, and the key is
// never printed.
func TestExplainCommand(t *testing.T) {
	now := time.Unix(1700000000, 0)
	creds := cossign.Credentials{SecretID: "AKIDEXAMPLEsecretid0123456789abcdef", SecretKey: "EXAMPLEsecretKey0123456789abcdef"}
	e := cossign.DefaultEndpoint("examplebucket-1250000000", "ap-guangzhou")
	put := cossign.PresignURL(creds, e, cossign.Presign{Method: "PUT", Key: "uploads/u1/photo.jpg",
		Headers: []cossign.Pair{{Name: "Content-Type", Value: "image/jpeg"}}, Window: cossign.NewWindow(now, time.Minute, 10*time.Minute)})
	keyFile := filepath.Join(t.TempDir(), "key")
	os.WriteFile(keyFile, []byte(creds.SecretKey+"\n"), 0o600)
	xml := "<?xml version='1.0' encoding='utf-8' ?>\n<Error><Code>AccessDenied</Code><Message>Access Denied.</Message></Error>"

	for _, c := range []struct {
		name  string
		args  []string
		stdin string
		at    time.Time
		code  int
		says  []string
	}{
		{"valid", []string{"-X", "PUT", "-H", "Content-Type: image/jpeg", "-secret-key-file", keyFile, put}, "", now, 0,
			[]string{"verdict: valid", "bucket:", "examplebucket-1250000000", "region:", "ap-guangzhou", "content-type, host"}},
		{"expired", []string{put}, "", now.Add(time.Hour), 1, []string{"verdict: expired", "expired 50m0s ago"}},
		{"wrong header", []string{"-X", "PUT", "-H", "Content-Type: image/png", "-secret-key-file", keyFile, put}, "", now, 1,
			[]string{"verdict: signature-mismatch"}},
		{"CAM refusal from stdin", []string{"-"}, xml, now, 1, []string{"verdict: refused", "CAM policy", "allowPrefix"}},
		{"json", []string{"-json", put}, "", now.Add(time.Hour), 1, []string{`"verdict": "expired"`}},
		{"judged at -at", []string{"-at", now.Add(time.Hour).UTC().Format(time.RFC3339), put}, "", now, 1,
			[]string{"verdict: expired", "50m0s before the request"}},
		{"-at in Unix seconds", []string{"-at", "1700000000", put}, "", now.Add(time.Hour), 0,
			[]string{"verdict: valid", "at the request time given"}},
		{"bad -at", []string{"-at", "yesterday", put}, "", now, 2, nil},
		{"nothing readable", []string{"<html/>"}, "", now, 2, nil},
		{"no argument", nil, "", now, 2, nil},
		{"bad header flag", []string{"-H", "nocolon", put}, "", now, 2, nil},
	} {
		var out, errb bytes.Buffer
		code := explainCmd(c.args, strings.NewReader(c.stdin), &out, &errb, c.at)
		if code != c.code {
			t.Errorf("%s: exit %d, want %d\n%s%s", c.name, code, c.code, out.String(), errb.String())
		}
		for _, s := range c.says {
			if !strings.Contains(out.String(), s) {
				t.Errorf("%s: output lacks %q:\n%s", c.name, s, out.String())
			}
		}
		if strings.Contains(out.String()+errb.String(), creds.SecretKey) || strings.Contains(out.String(), creds.SecretID) {
			t.Errorf("%s: the output holds the SecretKey or the whole SecretId", c.name)
		}
	}
}
