package objkey

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"cosgate/shared/objkey/objkeytest"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		key  string
		code string // "" = valid
	}{
		{"a", ""},
		{"uploads/u1/photo.jpg", ""},
		{"docs/报告 2024 (final)!*'~+&=.txt", ""},
		{"emoji/😀🚀.png", ""},
		{"percent/100%25%.txt", ""},
		{"dir/", ""},
		{"a/.../b", ""},
		{"a/.hidden", ""},
		{"a/..b", ""},
		{strings.Repeat("k", MaxBytes), ""},
		{strings.Repeat("报", MaxBytes/3), ""},
		{"", CodeEmpty},
		{strings.Repeat("k", MaxBytes+1), CodeTooLong},
		{strings.Repeat("报", MaxBytes/3+1), CodeTooLong},
		{"a\xffb", CodeNotUTF8},
		{"a\xe6\x8a", CodeNotUTF8},
		{"/a", CodeLeadingSlash},
		{"\\a", CodeLeadingSlash},
		{".", CodeDotSegment},
		{"..", CodeDotSegment},
		{"../x", CodeDotSegment},
		{"a/../b", CodeDotSegment},
		{"a/./b", CodeDotSegment},
		{"a/..", CodeDotSegment},
		{"a\x00b", CodeControlChar},
		{"a\nb", CodeControlChar},
		{"a\x18b", CodeControlChar}, // ASCII 24 (CAN)
		{"a\x19b", CodeControlChar},
		{"a\x1ab", CodeControlChar},
		{"a\x1bb", CodeControlChar}, // ASCII 27 (ESC)
		{"a\x7fb", CodeControlChar},
		{"a\u0085b", CodeControlChar},
	}
	for _, tt := range tests {
		err := Validate(tt.key)
		if tt.code == "" {
			if err != nil {
				t.Errorf("Validate(%.40q) = %v, want valid", tt.key, err)
			}
			continue
		}
		var v *Violation
		if !errors.As(err, &v) || v.Code != tt.code || v.Message == "" {
			t.Errorf("Validate(%.40q) = %v, want %s", tt.key, err, tt.code)
		}
	}
}

// FuzzValidate: never panics, and an accepted key really meets every rule.
func FuzzValidate(f *testing.F) {
	for _, s := range []string{"a", "", "/a", "a/../b", "报告.txt", "a\x1bb", "\xff", strings.Repeat("x", 900)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		err := Validate(key)
		if err != nil {
			var v *Violation
			if !errors.As(err, &v) || v.Code == "" || strings.Contains(v.Message, key) && len(key) > 64 {
				t.Fatalf("bad violation %v", err)
			}
			return
		}
		if key == "" || len(key) > MaxBytes || !utf8.ValidString(key) || key[0] == '/' || key[0] == '\\' {
			t.Fatalf("accepted %q", key)
		}
		for _, seg := range strings.Split(key, "/") {
			if seg == "." || seg == ".." {
				t.Fatalf("accepted dot segment in %q", key)
			}
		}
		for _, r := range key {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
				t.Fatalf("accepted control char in %q", key)
			}
		}
	})
}

// A dot segment is one whichever slash separates it.
func TestDotSegmentsBehindBackslashes(t *testing.T) {
	for _, key := range []string{`uploads/u1/..\u2/a.jpg`, `uploads\u1\..\u2\a.jpg`, `uploads/u1/.\a.jpg`, `a/..\`, `a\..`, `a\.\b`} {
		var v *Violation
		if err := Validate(key); !errors.As(err, &v) || v.Code != CodeDotSegment {
			t.Errorf("%q: %v", key, err)
		}
	}
	for _, key := range []string{`uploads/u1/a..b.jpg`, `uploads/u1/...\x`, `uploads\u1\a.jpg`, `uploads/u1/.hidden`} {
		if err := Validate(key); err != nil {
			t.Errorf("%q: %v", key, err)
		}
	}
}

// The shared table is refused as a key, as an exact pattern and as a
// prefix pattern, with the same code each time.
func TestValidateKeyAndPrefix(t *testing.T) {
	for _, b := range objkeytest.BadLiterals {
		for what, err := range map[string]error{
			"ValidateKey":          ValidateKey(b.Text),
			"ValidatePrefix exact": ValidatePrefix(b.Text),
			"ValidatePrefix *":     ValidatePrefix(b.Text + "*"),
			"ValidatePrefix dir":   ValidatePrefix(b.Text + "/*"),
		} {
			var v *Violation
			if !errors.As(err, &v) || v.Code != b.Code {
				t.Errorf("%s: %s(%q) = %v, want %s", b.Name, what, b.Text, err, b.Code)
			}
		}
	}
	for _, ok := range []string{"uploads/u1/a.jpg", "uploads/u1/报告 (1)+x.jpg", "uploads/u1/$x{y}.jpg", "uploads/u1/a$"} {
		if err := ValidateKey(ok); err != nil {
			t.Errorf("ValidateKey(%q) = %v", ok, err)
		}
		if err := ValidatePrefix(ok + "*"); err != nil {
			t.Errorf("ValidatePrefix(%q) = %v", ok+"*", err)
		}
	}
	for _, ok := range []string{"", "*", "uploads/", "uploads/*", "uploads/u1/a.jpg"} {
		if err := ValidatePrefix(ok); err != nil {
			t.Errorf("ValidatePrefix(%q) = %v", ok, err)
		}
	}
	for p, code := range map[string]string{"**": CodeWildcard, "/a*": CodeLeadingSlash, "a/../*": CodeDotSegment} {
		var v *Violation
		if err := ValidatePrefix(p); !errors.As(err, &v) || v.Code != code {
			t.Errorf("ValidatePrefix(%q) = %v, want %s", p, err, code)
		}
	}
	// A key Validate accepts, which a caller may still not name.
	if Validate("docs/a*b?.txt") != nil || ValidateKey("docs/a*b?.txt") == nil {
		t.Error("Validate should accept wildcards and ValidateKey refuse them")
	}
}
