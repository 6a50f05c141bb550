// Package objkey holds the rules an object key must satisfy before cosgate
// signs it or puts it in a policy, in one place.
package objkey

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"cosgate/shared/apierr"
)

// MaxBytes is COS's limit on the UTF-8 length of a key.
const MaxBytes = 850

// Stable codes for each rule a key can break.
const (
	CodeEmpty        = "KeyEmpty"
	CodeTooLong      = "KeyTooLong"
	CodeNotUTF8      = "KeyNotUTF8"
	CodeLeadingSlash = "KeyLeadingSlash"
	CodeDotSegment   = "KeyDotSegment"
	CodeControlChar  = "KeyControlChar"
	// Codes of ValidateKey and ValidatePrefix: what a key or prefix a
	// caller names must not hold.
	CodeVariable = "KeyVariable"
	CodeWildcard = "KeyWildcard"
)

// Violation is a key that breaks a rule: a stable Code and a message for
// people. The message quotes at most a short, escaped part of the key.
type Violation struct {
	Code    string
	Message string
}

func (v *Violation) Error() string { return v.Code + ": " + v.Message }

// Unwrap says what a caller is told: a Violation is an InvalidKey refusal,
// with its message.
func (v *Violation) Unwrap() error { return apierr.New(apierr.InvalidKey, "%s", v.Message) }

// Validate checks key against COS's object-name rules plus two of our own
// that keep prefix checks sound:
//   - 1 to 850 bytes of valid UTF-8;
//   - no leading '/' or '\' (COS refuses them, and the SDKs mangle them);
//   - no "." or ".." path segment, between '/' or '\' (a key must mean one
//     path, whoever normalises it);
//   - no control characters: C0 (which includes ASCII 24–27, refused by COS),
//     DEL and C1.
func Validate(key string) error {
	switch {
	case key == "":
		return &Violation{CodeEmpty, "the key is empty"}
	case len(key) > MaxBytes:
		return &Violation{CodeTooLong, fmt.Sprintf("the key is %d bytes; at most %d are allowed", len(key), MaxBytes)}
	case !utf8.ValidString(key):
		return &Violation{CodeNotUTF8, "the key is not valid UTF-8"}
	case key[0] == '/' || key[0] == '\\':
		return &Violation{CodeLeadingSlash, "the key must not start with '/' or '\\'"}
	}
	for i, r := range key {
		if r < 0x20 || r == 0x7f || 0x80 <= r && r <= 0x9f {
			return &Violation{CodeControlChar, fmt.Sprintf("the key has control character U+%04X at byte %d", r, i)}
		}
	}
	// Either slash separates segments: a server or a client on Windows
	// reads "a\..\b" as a path too.
	for seg := range strings.FieldsFuncSeq(key, func(r rune) bool { return r == '/' || r == '\\' }) {
		if seg == "." || seg == ".." {
			return &Violation{CodeDotSegment, fmt.Sprintf("the key has a %q path segment", seg)}
		}
	}
	return nil
}

// ValidateKey checks a key a caller names (a client-chosen upload key):
// Validate's rules, plus those of checkLiteral. A key cosgate lets a caller
// create is one an /sts scope can name exactly.
func ValidateKey(key string) error {
	if err := Validate(key); err != nil {
		return err
	}
	return checkLiteral(key)
}

// ValidatePrefix checks a pattern a caller names (an /sts scope entry): an
// exact key, or a prefix followed by one '*'. The part before that '*' is
// held to ValidateKey's rules (a prefix ending in '/' may do so), so the
// same inputs are refused as a key and as a prefix. An empty prefix passes
// here; whether a pattern may cover the whole bucket is the policy's
// decision.
func ValidatePrefix(pattern string) error {
	lit, wild := strings.CutSuffix(pattern, "*")
	if lit == "" {
		return nil
	}
	if err := checkLiteral(lit); err != nil {
		return err
	}
	probe := lit
	if wild || strings.HasSuffix(lit, "/") {
		probe += "x" // a prefix, checked as the keys it covers would be
	}
	return Validate(probe)
}

// checkLiteral refuses what some reader of a key takes for syntax rather
// than for characters:
//   - "${": COS expands form variables such as ${filename} in a POST
//     Object key, and CAM expands policy variables such as ${uin} in a
//     resource, so a literal pinned in a form policy or a CAM resource
//     would stand for other keys;
//   - '*' and '?': wildcards in a CAM resource, which would widen a grant
//     beyond the keys named.
func checkLiteral(s string) error {
	if i := strings.Index(s, "${"); i >= 0 {
		return &Violation{CodeVariable, fmt.Sprintf(
			"the key holds \"${\" at byte %d, which COS reads as a form variable and CAM as a policy variable", i)}
	}
	if i := strings.IndexAny(s, "*?"); i >= 0 {
		return &Violation{CodeWildcard, fmt.Sprintf(
			"the key holds %q at byte %d, a wildcard in a CAM resource; only a prefix's last character may be '*'", s[i], i)}
	}
	return nil
}
