package eventhttp

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// A path arrives decoded or encoded; either way the handler sees the same
// decoded path.
func FuzzNormalizePath(f *testing.F) {
	for _, s := range []string{"/download/a b.jpg", "/download/相册/😀.png", "/a?b#c", "/100%.txt", "/a+b", "/a;b=c", "/%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, decoded string) {
		if !strings.HasPrefix(decoded, "/") || strings.Contains(decoded, "%") || !utf8.ValidString(decoded) {
			t.Skip() // a decoded path with a literal '%' is the documented ambiguity
		}
		got, raw := NormalizePath(decoded)
		if got != decoded {
			t.Fatalf("decoded %q: path %q, want it unchanged", decoded, got)
		}
		if raw == "" {
			t.Fatalf("decoded %q: no escaped form", decoded)
		}
		encoded := (&url.URL{Path: decoded}).EscapedPath()
		got, raw = NormalizePath(encoded)
		if got != decoded {
			t.Fatalf("encoded %q: path %q, want %q", encoded, got, decoded)
		}
		if raw != encoded {
			t.Fatalf("encoded %q: escaped form %q, want it unchanged", encoded, raw)
		}
	})
}

func TestNormalizePath(t *testing.T) {
	for in, want := range map[string]string{
		"/download/a%20b.jpg": "/download/a b.jpg", "/download/a b.jpg": "/download/a b.jpg",
		"/download/%E7%9B%B8%E5%86%8C": "/download/相册", "/download/相册": "/download/相册",
		"/100%.txt": "/100%.txt", "/a%2Fb": "/a/b", "/a%zz": "/a%zz", "/q?x#y": "/q?x#y",
	} {
		if got, _ := NormalizePath(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
