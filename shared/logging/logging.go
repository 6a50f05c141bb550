// Package logging builds the JSON slog logger every function uses. Secrets
// are kept out by construction: attributes whose key names a credential are
// replaced, and Secret values render as "[redacted]" in any log line.
package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Redacted replaces whatever a redacted attribute held.
const Redacted = "[redacted]"

// Secret is a string that must never be logged or printed. It renders as
// "[redacted]" through slog, fmt (every verb) and encoding/json alike;
// Reveal returns the value for the one place that needs it.
type Secret string

func (s Secret) Reveal() string                { return string(s) }
func (Secret) LogValue() slog.Value            { return slog.StringValue(Redacted) }
func (Secret) Format(f fmt.State, _ rune)      { io.WriteString(f, Redacted) }
func (Secret) MarshalText() ([]byte, error)    { return []byte(Redacted), nil }
func (s *Secret) UnmarshalText(b []byte) error { *s = Secret(b); return nil }

// New returns a JSON logger writing to w at level.
func New(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(redactor{slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})})
}

// NewText is New in slog's text form (key=value), for a terminal: the
// local stack's log. It redacts the same attributes.
func NewText(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(redactor{slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})})
}

// Write writes one line through l, as l.LogAttrs(ctx, level, msg, attrs...)
// would with the parts' attributes in order, and costs less: the parts need
// not be joined into one slice, and when l's handler is New's or NewText's,
// which never report the call site, the call site is not looked up (a stack
// walk slog's Logger makes for every line).
func Write(ctx context.Context, l *slog.Logger, level slog.Level, msg string, parts ...[]slog.Attr) {
	if ctx == nil {
		ctx = context.Background()
	}
	h := l.Handler()
	if !h.Enabled(ctx, level) {
		return
	}
	var pc uintptr
	if _, ours := h.(redactor); !ours {
		var pcs [1]uintptr
		runtime.Callers(2, pcs[:]) // skip runtime.Callers and Write
		pc = pcs[0]
	}
	r := slog.NewRecord(time.Now(), level, msg, pc)
	for _, p := range parts {
		r.AddAttrs(p...)
	}
	_ = h.Handle(ctx, r)
}

// Key fragments and whole keys whose values are never logged. IsSensitiveKey
// matches an ASCII key against them in one pass (see isSensitiveASCII),
// which must be kept in step with these lists.
var (
	sensitiveParts = []string{"authorization", "secret", "token", "password", "signature", "credential", "cookie", "jwt"}
	sensitiveKeys  = map[string]bool{"sign": true, "policy": true, "q-ak": true}
)

// IsSensitiveKey reports whether an attribute, header, parameter or field of
// this name holds credentials: it is one of sensitiveKeys or contains one of
// sensitiveParts, in any letter case.
func IsSensitiveKey(key string) bool {
	for i := 0; i < len(key); i++ {
		if key[i] >= utf8.RuneSelf {
			return isSensitiveFolded(key)
		}
	}
	return isSensitiveASCII(key)
}

// isSensitiveFolded is IsSensitiveKey for any key: it lower-cases the key
// (Unicode's rules) and looks it up.
func isSensitiveFolded(key string) bool {
	k := strings.ToLower(key)
	if sensitiveKeys[k] {
		return true
	}
	for _, s := range sensitiveParts {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// isSensitiveASCII is IsSensitiveKey for a key of ASCII bytes, where
// lower-casing is per byte: it scans the key once, and compares a fragment
// only where its first letter is, without building a lower-case copy. It is
// what every line's every attribute costs, so it must stay cheap.
func isSensitiveASCII(key string) bool {
	switch len(key) {
	case 4:
		if hasPrefixFold(key, "sign") || hasPrefixFold(key, "q-ak") {
			return true
		}
	case 6:
		if hasPrefixFold(key, "policy") {
			return true
		}
	}
	for i := 0; i < len(key); i++ {
		rest := key[i:]
		switch lower(key[i]) {
		case 'a':
			if hasPrefixFold(rest, "authorization") {
				return true
			}
		case 'c':
			if hasPrefixFold(rest, "credential") || hasPrefixFold(rest, "cookie") {
				return true
			}
		case 'j':
			if hasPrefixFold(rest, "jwt") {
				return true
			}
		case 'p':
			if hasPrefixFold(rest, "password") {
				return true
			}
		case 's':
			if hasPrefixFold(rest, "secret") || hasPrefixFold(rest, "signature") {
				return true
			}
		case 't':
			if hasPrefixFold(rest, "token") {
				return true
			}
		}
	}
	return false
}

// hasPrefixFold reports whether ASCII s begins with lower-case prefix, in
// any letter case.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if lower(s[i]) != prefix[i] {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// redactor is the handler New and NewText wrap around slog's: it replaces
// the value of every attribute whose key IsSensitiveKey, at any depth in
// groups (a group's own key is not a value, and is kept), as slog's
// ReplaceAttr would, and leaves the rest of the line to slog. A line with no
// such attribute, which is nearly every line, goes through untouched: the
// check reads the keys and allocates nothing.
type redactor struct{ next slog.Handler }

func (h redactor) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h redactor) WithGroup(name string) slog.Handler { return redactor{h.next.WithGroup(name)} }

func (h redactor) WithAttrs(as []slog.Attr) slog.Handler {
	if slices.ContainsFunc(as, mustRewrite) {
		out := make([]slog.Attr, len(as))
		for i, a := range as {
			out[i] = rewrite(a)
		}
		as = out
	}
	return redactor{h.next.WithAttrs(as)}
}

func (h redactor) Handle(ctx context.Context, r slog.Record) error {
	clean := true
	r.Attrs(func(a slog.Attr) bool {
		clean = !mustRewrite(a)
		return clean
	})
	if clean {
		return h.next.Handle(ctx, r)
	}
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(rewrite(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

// mustRewrite reports whether a, or a member of it, has a key to redact or
// a value still to resolve (a LogValuer, which may resolve to anything, and
// is resolved once, here, rather than once to check and again to write).
func mustRewrite(a slog.Attr) bool {
	switch a.Value.Kind() {
	case slog.KindLogValuer:
		return true
	case slog.KindGroup:
		return slices.ContainsFunc(a.Value.Group(), mustRewrite)
	}
	return IsSensitiveKey(a.Key)
}

// rewrite is a with its value resolved and redacted if its key is
// sensitive, or, for a group, with its members rewritten.
func rewrite(a slog.Attr) slog.Attr {
	a.Value = a.Value.Resolve()
	if a.Value.Kind() != slog.KindGroup {
		if IsSensitiveKey(a.Key) {
			return slog.String(a.Key, Redacted)
		}
		return a
	}
	g := a.Value.Group()
	if !slices.ContainsFunc(g, mustRewrite) {
		return a
	}
	out := make([]slog.Attr, len(g))
	for i, m := range g {
		out[i] = rewrite(m)
	}
	return slog.Attr{Key: a.Key, Value: slog.GroupValue(out...)}
}
