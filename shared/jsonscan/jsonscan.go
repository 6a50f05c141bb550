// Package jsonscan reads and writes JSON without reflection, for the
// platform events every invocation decodes. Decoded strings share one
// arena, so a whole event costs a few allocations instead of one per field.
// Semantics follow encoding/json: invalid UTF-8 and lone surrogates become
// U+FFFD; the tests check the two agree.
package jsonscan

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Kind is the type of the next value.
type Kind byte

const (
	Invalid Kind = iota
	Object
	Array
	String
	Number
	Bool
	Null
)

// Reader reads one JSON document.
type Reader struct {
	data  []byte
	pos   int
	depth int
	arena strings.Builder
}

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

// Reset starts reading data. Strings the Reader returns stay valid after it
// is reset or dropped.
func (r *Reader) Reset(data []byte) {
	r.data, r.pos, r.depth = data, 0, 0
	r.arena = strings.Builder{}
	// Decoded strings are never longer than their JSON text.
	r.arena.Grow(len(data) + 64)
}

// SyntaxError reports where the document stopped making sense.
type SyntaxError struct {
	Offset int
	msg    string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("json: %s at offset %d", e.msg, e.Offset) }

func (r *Reader) fail(msg string) error { return &SyntaxError{Offset: r.pos, msg: msg} }

func (r *Reader) skipSpace() {
	for r.pos < len(r.data) {
		switch r.data[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

// Peek returns the kind of the next value without consuming it.
func (r *Reader) Peek() Kind {
	r.skipSpace()
	if r.pos >= len(r.data) {
		return Invalid
	}
	switch c := r.data[r.pos]; {
	case c == '{':
		return Object
	case c == '[':
		return Array
	case c == '"':
		return String
	case c == 't' || c == 'f':
		return Bool
	case c == 'n':
		return Null
	case c == '-' || '0' <= c && c <= '9':
		return Number
	}
	return Invalid
}

// Object reads an object, calling each with every key; each must consume
// the key's value (with String, Skip, Object, …).
func (r *Reader) Object(each func(key string) error) error {
	if r.Peek() != Object {
		return r.fail("want an object")
	}
	if r.depth++; r.depth > maxDepth {
		return r.fail("exceeded max depth")
	}
	defer func() { r.depth-- }()
	r.pos++
	if r.Peek(); r.pos < len(r.data) && r.data[r.pos] == '}' {
		r.pos++
		return nil
	}
	for {
		if r.Peek() != String {
			return r.fail("want an object key")
		}
		key, err := r.String()
		if err != nil {
			return err
		}
		if r.skipSpace(); r.pos >= len(r.data) || r.data[r.pos] != ':' {
			return r.fail("want ':'")
		}
		r.pos++
		if err := each(key); err != nil {
			return err
		}
		r.skipSpace()
		if r.pos >= len(r.data) {
			return r.fail("unterminated object")
		}
		switch r.data[r.pos] {
		case ',':
			r.pos++
		case '}':
			r.pos++
			return nil
		default:
			return r.fail("want ',' or '}'")
		}
	}
}

// Array reads an array, calling each for every element; each must consume it.
func (r *Reader) Array(each func() error) error {
	if r.Peek() != Array {
		return r.fail("want an array")
	}
	if r.depth++; r.depth > maxDepth {
		return r.fail("exceeded max depth")
	}
	defer func() { r.depth-- }()
	r.pos++
	if r.Peek(); r.pos < len(r.data) && r.data[r.pos] == ']' {
		r.pos++
		return nil
	}
	for {
		if err := each(); err != nil {
			return err
		}
		r.skipSpace()
		if r.pos >= len(r.data) {
			return r.fail("unterminated array")
		}
		switch r.data[r.pos] {
		case ',':
			r.pos++
		case ']':
			r.pos++
			return nil
		default:
			return r.fail("want ',' or ']'")
		}
	}
}

// String reads a string value.
func (r *Reader) String() (string, error) {
	if r.Peek() != String {
		return "", r.fail("want a string")
	}
	r.pos++
	start := r.arena.Len()
	for {
		// Copy the run up to the next quote, backslash or special byte.
		run := r.pos
		for r.pos < len(r.data) {
			c := r.data[r.pos]
			if c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
				break
			}
			r.pos++
		}
		r.arena.Write(r.data[run:r.pos])
		if r.pos >= len(r.data) {
			return "", r.fail("unterminated string")
		}
		switch c := r.data[r.pos]; {
		case c == '"':
			r.pos++
			return r.arena.String()[start:], nil
		case c < 0x20:
			return "", r.fail("control character in string")
		case c >= utf8.RuneSelf:
			ru, size := utf8.DecodeRune(r.data[r.pos:])
			if ru == utf8.RuneError && size == 1 {
				r.arena.WriteRune(utf8.RuneError)
			} else {
				r.arena.Write(r.data[r.pos : r.pos+size])
			}
			r.pos += size
		default: // backslash
			if err := r.escape(); err != nil {
				return "", err
			}
		}
	}
}

func (r *Reader) escape() error {
	if r.pos+1 >= len(r.data) {
		return r.fail("unterminated escape")
	}
	c := r.data[r.pos+1]
	r.pos += 2
	switch c {
	case '"', '\\', '/':
		r.arena.WriteByte(c)
	case 'b':
		r.arena.WriteByte('\b')
	case 'f':
		r.arena.WriteByte('\f')
	case 'n':
		r.arena.WriteByte('\n')
	case 'r':
		r.arena.WriteByte('\r')
	case 't':
		r.arena.WriteByte('\t')
	case 'u':
		ru, ok := r.hex4()
		if !ok {
			return r.fail("bad \\u escape")
		}
		if utf16.IsSurrogate(ru) {
			// A pair is \uD8xx\uDCxx; anything else is a lone surrogate.
			if r.pos+1 < len(r.data) && r.data[r.pos] == '\\' && r.data[r.pos+1] == 'u' {
				save := r.pos
				r.pos += 2
				if lo, ok := r.hex4(); ok {
					if dec := utf16.DecodeRune(ru, lo); dec != utf8.RuneError {
						r.arena.WriteRune(dec)
						return nil
					}
				}
				r.pos = save
			}
			ru = utf8.RuneError
		}
		r.arena.WriteRune(ru)
	default:
		return r.fail("bad escape")
	}
	return nil
}

func (r *Reader) hex4() (rune, bool) {
	if r.pos+4 > len(r.data) {
		return 0, false
	}
	var v rune
	for _, c := range r.data[r.pos : r.pos+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		v = v<<4 | rune(c)
	}
	r.pos += 4
	return v, true
}

// Number reads a number and returns its text.
func (r *Reader) Number() (string, error) {
	if r.Peek() != Number {
		return "", r.fail("want a number")
	}
	start := r.pos
	d := r.data
	p := r.pos
	if d[p] == '-' {
		p++
	}
	digits := func() int {
		n := 0
		for p < len(d) && '0' <= d[p] && d[p] <= '9' {
			p++
			n++
		}
		return n
	}
	if p < len(d) && d[p] == '0' {
		p++
	} else if digits() == 0 {
		r.pos = p
		return "", r.fail("bad number")
	}
	if p < len(d) && d[p] == '.' {
		p++
		if digits() == 0 {
			r.pos = p
			return "", r.fail("bad number")
		}
	}
	if p < len(d) && (d[p] == 'e' || d[p] == 'E') {
		p++
		if p < len(d) && (d[p] == '+' || d[p] == '-') {
			p++
		}
		if digits() == 0 {
			r.pos = p
			return "", r.fail("bad number")
		}
	}
	r.pos = p
	s := r.arena.Len()
	r.arena.Write(d[start:p])
	return r.arena.String()[s:], nil
}

// OptString reads a string, or null as "".
func (r *Reader) OptString() (string, error) {
	if r.Null() {
		return "", nil
	}
	return r.String()
}

// Save copies b into the arena and returns it as a string, so values the
// caller derives (canonical header names, re-escaped queries) cost no
// allocation of their own.
func (r *Reader) Save(b []byte) string {
	s := r.arena.Len()
	r.arena.Write(b)
	return r.arena.String()[s:]
}

// Bool reads true or false.
func (r *Reader) Bool() (bool, error) {
	switch {
	case r.literal("true"):
		return true, nil
	case r.literal("false"):
		return false, nil
	}
	return false, r.fail("want true or false")
}

// Null reads null, reporting whether it was there.
func (r *Reader) Null() bool { return r.literal("null") }

func (r *Reader) literal(lit string) bool {
	r.skipSpace()
	if len(r.data)-r.pos >= len(lit) && string(r.data[r.pos:r.pos+len(lit)]) == lit {
		r.pos += len(lit)
		return true
	}
	return false
}

// Scalar reads a string, number or boolean as text (how API gateways send
// query values and headers that are not strings).
func (r *Reader) Scalar() (string, error) {
	switch r.Peek() {
	case String:
		return r.String()
	case Number:
		return r.Number()
	case Bool:
		b, err := r.Bool()
		if b {
			return "true", err
		}
		return "false", err
	}
	return "", r.fail("want a string, number or boolean")
}

// Strings reads a scalar or an array of scalars; null reads as none.
func (r *Reader) Strings(each func(string)) error {
	switch r.Peek() {
	case Null:
		r.Null()
		return nil
	case Array:
		return r.Array(func() error {
			s, err := r.Scalar()
			each(s)
			return err
		})
	}
	s, err := r.Scalar()
	each(s)
	return err
}

// Skip consumes one value of any kind.
func (r *Reader) Skip() error {
	switch r.Peek() {
	case Object:
		return r.Object(func(string) error { return r.Skip() })
	case Array:
		return r.Array(r.Skip)
	case String:
		_, err := r.String()
		return err
	case Number:
		_, err := r.Number()
		return err
	case Bool:
		_, err := r.Bool()
		return err
	case Null:
		if r.Null() {
			return nil
		}
	}
	return r.fail("want a value")
}

// End checks that nothing but whitespace follows.
func (r *Reader) End() error {
	if r.skipSpace(); r.pos != len(r.data) {
		return r.fail("data after the value")
	}
	return nil
}
