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

// Prefixes are key prefixes, each a template for the caller's uid: what a
// caller may read, for the download and sign functions alike.
type Prefixes []Template

// For is each prefix for c.
func (p Prefixes) For(c Caller) []string {
	out := make([]string, len(p))
	for i, t := range p {
		out[i] = t.For(c)
	}
	return out
}

// Hold reports whether key lies under one of the prefixes for c.
func (p Prefixes) Hold(c Caller, key string) bool {
	for _, t := range p {
		if strings.HasPrefix(key, t.For(c)) {
			return true
		}
	}
	return false
}
