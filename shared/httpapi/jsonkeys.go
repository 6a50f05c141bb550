package httpapi

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"
)

// RepeatedKey returns the first key of the JSON text data that repeats an
// earlier key of the same object. encoding/json keeps the last value of a
// repeated key, so a check made on one copy (a header's first value, a
// field a proxy inspected) can be undone by the other; callers refuse such
// a text instead.
//
// Keys compare as encoding/json matches them to struct fields, ignoring
// letter case (Unicode simple folding, as bytes.EqualFold), except inside the
// value of a key named in exact (compared case-insensitively): there keys
// name map entries, where "a" and "A" differ (query strings). The text is
// meant to be decoded too, and the decoder says better what is wrong with
// invalid JSON: here the walk just stops at the error.
func RepeatedKey(data []byte, exact ...string) (key string, found bool) {
	// A byte scan rather than json.Decoder.Token: the text has been (or is
	// about to be) decoded, so only strings, braces and brackets matter
	// here, and Token's boxed values cost 10x the decode itself.
	var stack []keyObject
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '{', '[':
			ex := false
			if n := len(stack); n > 0 {
				top := &stack[n-1]
				ex = top.exact
				if !ex && !top.array {
					for _, e := range exact {
						if bytes.EqualFold([]byte(e), top.last) {
							ex = true
						}
					}
				}
			}
			stack = append(stack, keyObject{exact: ex, array: data[i] == '['})
		case '}', ']':
			if len(stack) == 0 {
				return "", false // not JSON
			}
			stack = stack[:len(stack)-1]
		case '"':
			j := i + 1
			escaped := false
			for j < len(data) && data[j] != '"' {
				if data[j] == '\\' {
					escaped = true
					j++
				}
				j++
			}
			if j >= len(data) {
				return "", false
			}
			raw := data[i : j+1]
			i = j
			// A string is a key when a colon follows it.
			k := j + 1
			for k < len(data) && (data[k] == ' ' || data[k] == '\t' || data[k] == '\n' || data[k] == '\r') {
				k++
			}
			if k >= len(data) || data[k] != ':' || len(stack) == 0 || stack[len(stack)-1].array {
				continue
			}
			// Keys stay slices of data; only an escaped key is decoded.
			name := raw[1 : len(raw)-1]
			if escaped {
				var unescaped string
				if json.Unmarshal(raw, &unescaped) != nil {
					return "", false
				}
				name = []byte(unescaped)
			}
			o := &stack[len(stack)-1]
			o.last = name
			if dup := o.add(name); dup {
				return string(name), true
			}
		}
	}
	return "", false
}

// keyObject is an object or array being scanned by RepeatedKey.
type keyObject struct {
	keys  [][]byte
	set   map[string]struct{}
	exact bool
	array bool
	last  []byte // the latest key, whose value may open an object
}

// add notes name as a key of o, and reports whether o already had it.
func (o *keyObject) add(name []byte) (dup bool) {
	if o.set != nil {
		k := string(name)
		if !o.exact {
			k = foldKey(k)
		}
		if _, dup := o.set[k]; dup {
			return true
		}
		o.set[k] = struct{}{}
		return false
	}
	// A few keys: compared in place, without a folded copy.
	for _, seen := range o.keys {
		if bytes.Equal(seen, name) || !o.exact && bytes.EqualFold(seen, name) {
			return true
		}
	}
	o.keys = append(o.keys, name)
	// Past a handful of keys a map keeps a large object linear.
	if len(o.keys) > 16 {
		o.set = make(map[string]struct{}, 32)
		for _, b := range o.keys {
			s := string(b)
			if !o.exact {
				s = foldKey(s)
			}
			o.set[s] = struct{}{}
		}
	}
	return false
}

// foldKey maps s to one spelling per case-insensitive class, for the map of
// a large object: each rune to the smallest rune of its simple-folding
// orbit, the classes strings.EqualFold (encoding/json's rule) compares by. For ASCII letters that is upper case
// ('K' for k and U+212A KELVIN SIGN, 'S' for s and U+017F LONG S).
func foldKey(s string) string {
	ascii, lower := true, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		lower = lower || 'a' <= c && c <= 'z'
	}
	if ascii {
		if !lower {
			return s // no copy for keys already in upper case or without letters
		}
		return strings.ToUpper(s)
	}
	var b strings.Builder
	for _, r := range s {
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		b.WriteRune(m)
	}
	return b.String()
}
