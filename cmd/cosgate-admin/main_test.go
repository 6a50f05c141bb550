package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"cosgate/shared/limits/limitstest"
)

func TestAdmin(t *testing.T) {
	r := limitstest.Start(t)
	env := func(url string) func(string) string {
		return func(k string) string {
			if k == "LIMITS_REDIS_URL" {
				return url
			}
			return ""
		}
	}
	call := func(url string, args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(args, env(url), &out, &errOut)
		return code, out.String(), errOut.String()
	}
	for _, tc := range []struct {
		url  string
		args []string
		want string
	}{
		{r.URL, nil, "usage:"},
		{r.URL, []string{"revoke-user", "../x"}, "a uid may hold only"},
		{r.URL, []string{"revoke-key", "/etc/passwd"}, ""},
		{r.URL, []string{"explode", "u1"}, "usage:"},
		{"", []string{"usage", "u1"}, "set LIMITS_REDIS_URL"},
		{"http://user:VISIBLEpw@host", []string{"usage", "u1"}, "LIMITS_REDIS_URL must start with redis://"},
		{"redis://:VISIBLEpw@127.0.0.1:1", []string{"usage", "u1"}, "the store did not answer"},
	} {
		code, _, stderr := call(tc.url, tc.args...)
		if code == 0 || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "VISIBLE") {
			t.Errorf("%v %q: %d %s", tc.args, tc.url, code, stderr)
		}
	}
	if code, out, _ := call(r.URL, "revoke-user", "u1"); code != 0 || out != "revoke-user u1: done\n" {
		t.Errorf("revoke: %d %q", code, out)
	}
	_, out, _ := call(r.URL, "usage", "u1")
	var u struct {
		UID     string
		Revoked bool
	}
	if json.Unmarshal([]byte(out), &u); u.UID != "u1" || !u.Revoked {
		t.Errorf("usage: %s", out)
	}
	call(r.URL, "restore-user", "u1")
	if _, out, _ := call(r.URL, "usage", "u1"); !strings.Contains(out, `"revoked": false`) {
		t.Errorf("after restore: %s", out)
	}
}
