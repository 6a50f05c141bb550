package identity

import (
	"errors"
	"strings"
)

// Template is a key or prefix template such as "uploads/{uid}/"; {uid} is
// the only placeholder.
type Template string

// ParseTemplate checks that {uid} is the only placeholder.
func ParseTemplate(s string) (Template, error) {
	if strings.ContainsAny(strings.ReplaceAll(s, "{uid}", ""), "{}") {
		return "", errors.New("a template may use {uid} and no other placeholder")
	}
	return Template(s), nil
}

// HasUID reports whether the template depends on the caller.
func (t Template) HasUID() bool { return strings.Contains(string(t), "{uid}") }

// For renders the template for a caller whose uid passed ValidateUID.
func (t Template) For(c Caller) string { return strings.ReplaceAll(string(t), "{uid}", c.UID) }

// UIDEndsSegment reports whether every {uid} is followed by '/', so that
// rendered prefixes of different callers never overlap.
func (t Template) UIDEndsSegment() bool {
	for rest := string(t); ; {
		i := strings.Index(rest, "{uid}")
		if i < 0 {
			return true
		}
		rest = rest[i+len("{uid}"):]
		if !strings.HasPrefix(rest, "/") {
			return false
		}
	}
}
