// Package logging builds the JSON slog logger every function uses. Secrets
// are kept out by construction: attributes whose key names a credential are
// replaced, and Secret values render as "[redacted]" in any log line.
package logging

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
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
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: redact}))
}

// NewText is New in slog's text form (key=value), for a terminal: the
// local stack's log. It redacts the same attributes.
func NewText(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: redact}))
}

// Key fragments and whole keys whose values are never logged.
var (
	sensitiveParts = []string{"authorization", "secret", "token", "password", "signature", "credential", "cookie", "jwt"}
	sensitiveKeys  = map[string]bool{"sign": true, "policy": true, "q-ak": true}
)

// IsSensitiveKey reports whether an attribute, header, parameter or field of
// this name holds credentials.
func IsSensitiveKey(key string) bool {
	k := key
	for i := 0; i < len(key); i++ {
		if 'A' <= key[i] && key[i] <= 'Z' {
			k = strings.ToLower(key) // rare: our keys are lower case
			break
		}
	}
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

func redact(_ []string, a slog.Attr) slog.Attr {
	if IsSensitiveKey(a.Key) {
		return slog.String(a.Key, Redacted)
	}
	return a
}
