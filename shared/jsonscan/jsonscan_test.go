package jsonscan

import (
	"bytes"
	"encoding/json"
	"testing"
)

// encoding/json is the oracle throughout.

func stdString(doc []byte) (string, bool) {
	var s string
	err := json.Unmarshal(doc, &s)
	return s, err == nil
}

func ourString(doc []byte) (string, bool) {
	var r Reader
	r.Reset(doc)
	s, err := r.String()
	if err != nil || r.End() != nil {
		return "", false
	}
	return s, true
}

var stringSeeds = []string{
	`""`, `"plain"`, `"a\"b\\c\/d\b\f\n\r\t"`, `"\u00e9\u4e2d\ud83d\ude00"`, `"\ud83d"`, `"\ude00x"`, `"\ud83d\u0041"`,
	`"\ud83d\ud83d\ude00"`, "\"\xff\xfe\"", "\"a\x01\"", `"\x"`, `"\u12"`, `"unterminated`, `"中文 😀"`, "\"\xe4\xb8\"",
	` "space around" `, `"a"b`, `"\uD83D\uDE00"`, `"\u0000"`,
}

func TestStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range stringSeeds {
		want, wok := stdString([]byte(s))
		got, gok := ourString([]byte(s))
		if wok != gok || got != want {
			t.Errorf("%q: ours (%q, %v), encoding/json (%q, %v)", s, got, gok, want, wok)
		}
	}
}

func FuzzString(f *testing.F) {
	for _, s := range stringSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		want, wok := stdString(doc)
		got, gok := ourString(doc)
		if wok != gok || got != want {
			t.Fatalf("%q: ours (%q, %v), encoding/json (%q, %v)", doc, got, gok, want, wok)
		}
	})
}

var docSeeds = []string{
	`{}`, `[]`, `{"a":[1,-2.5e+3,true,false,null,{"b":"c"}],"d":{}}`, `{"a":1,}`, `[1,]`, `{"a" 1}`, `01`, `-`, `1.`, `1e`,
	`1.5E-3`, `[[[[]]]]`, `{"a":nul}`, `tru`, ` null `, `{"k":"v"} x`, `"\u00zz"`, `[1 2]`, `{"a":{"b":{"c":[{}]}}}`, `-0`, `0.0e0`,
}

// A document is valid for us exactly when it is for encoding/json.
func FuzzValidity(f *testing.F) {
	for _, s := range docSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		var r Reader
		r.Reset(doc)
		ours := r.Skip() == nil && r.End() == nil
		if ours != json.Valid(doc) {
			t.Fatalf("%q: ours valid=%v, encoding/json valid=%v", doc, ours, json.Valid(doc))
		}
	})
}

func TestValidity(t *testing.T) {
	deep := bytes.Repeat([]byte("["), 10001)
	deep = append(deep, bytes.Repeat([]byte("]"), 10001)...)
	for _, s := range append(docSeeds, string(deep), string(deep[1:len(deep)-1])) {
		var r Reader
		r.Reset([]byte(s))
		if ours := r.Skip() == nil && r.End() == nil; ours != json.Valid([]byte(s)) {
			t.Errorf("%.40q: ours %v", s, ours)
		}
	}
}

func stdEncode(s string) []byte {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	e.Encode(s)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a\"b\\c", "\x00\x1f\n\r\t\b\f", "中文😀", "\xff\xfe", "\u2028\u2029", "<&>", "\x7f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := AppendString(nil, s), stdEncode(s); !bytes.Equal(got, want) {
			t.Fatalf("%q: ours %s, encoding/json %s", s, got, want)
		}
	})
}

func TestObjectsArraysScalars(t *testing.T) {
	var r Reader
	r.Reset([]byte(` {"s":"x","n":-12.5,"b":true,"z":null,"a":["p",1,false],"o":{"k":"v"}} `))
	got := map[string]any{}
	err := r.Object(func(k string) error {
		switch k {
		case "s", "n", "b":
			v, err := r.Scalar()
			got[k] = v
			return err
		case "z":
			got[k] = r.Null()
			return nil
		case "a":
			var xs []string
			err := r.Strings(func(s string) { xs = append(xs, s) })
			got[k] = xs
			return err
		}
		return r.Skip()
	})
	if err != nil || r.End() != nil {
		t.Fatal(err)
	}
	if got["s"] != "x" || got["n"] != "-12.5" || got["b"] != "true" || got["z"] != true || len(got["a"].([]string)) != 3 || got["a"].([]string)[2] != "false" {
		t.Errorf("%v", got)
	}
}
