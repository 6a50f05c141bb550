package config

import (
	"regexp"
	"testing"
)

// The patterns the hand-written form checks replace; each check must
// accept exactly what its pattern matches.
var forms = []struct {
	name    string
	pattern *regexp.Regexp
	check   func(string) bool
}{
	{"bucket", regexp.MustCompile(`^[a-z0-9][a-z0-9-]*-[0-9]+$`), bucketForm},
	{"region", regexp.MustCompile(`^[a-z]+(-[a-z0-9]+)+$`), regionForm},
	{"appid", regexp.MustCompile(`^wx[0-9A-Za-z]{16}$`), appIDForm},
}

func agree(t *testing.T, s string) {
	t.Helper()
	for _, f := range forms {
		if want, got := f.pattern.MatchString(s), f.check(s); got != want {
			t.Errorf("%s form of %q: %v, the pattern says %v", f.name, s, got, want)
		}
	}
}

// TestFormsAgreeWithPatterns: every string of up to 6 bytes over an
// alphabet with each class's edges, plus real and near-miss values.
func TestFormsAgreeWithPatterns(t *testing.T) {
	for _, s := range []string{
		"examplebucket-1250000000", "a-1", "0-0", "a--1", "-a-1", "a-", "a-1a", "A-1", "ab-12-34", "ab_c-1",
		"ap-guangzhou", "na-siliconvalley", "ap-shanghai-fsi", "ap-2", "2p-x", "ap--x", "ap-", "-ap", "ap-Guangzhou",
		"wx0123456789abcdef", "wx0123456789ABCDEF", "wx0123456789abcde", "wx0123456789abcdefa", "WX0123456789abcdef",
		"wx0123456789abcde-", "wx0123456789abcdé",
	} {
		agree(t, s)
	}
	alphabet := []byte("az09-AZ_é")
	var walk func(prefix []byte)
	walk = func(prefix []byte) {
		agree(t, string(prefix))
		if len(prefix) == 6 || t.Failed() {
			return
		}
		for _, c := range alphabet {
			walk(append(prefix, c))
		}
	}
	walk(nil)
	agree(t, "wx"+"0123456789abcdef")
	agree(t, "wx"+"0123456789abcd-f")
}

func FuzzFormsAgreeWithPatterns(f *testing.F) {
	f.Add("examplebucket-1250000000")
	f.Add("ap-guangzhou")
	f.Add("wx0123456789abcdef")
	f.Fuzz(func(t *testing.T, s string) { agree(t, s) })
}
