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
