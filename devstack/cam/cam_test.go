package cam

import (
	"strings"
	"testing"
)

const res = "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/"

func values(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestGlob(t *testing.T) {
	for _, c := range []struct {
		p, s string
		ok   bool
	}{
		{"a", "a", true}, {"a", "ab", false}, {"a*", "abc", true}, {"*", "", true}, {"a*c", "abbc", true}, {"a*c", "abcd", false},
		{"*b*", "abc", true}, {"uploads/u1/*", "uploads/u1/x/y.jpg", true}, {"uploads/u1/*", "uploads/u10/x", false},
		{"name/cos:*", "name/cos:PutObject", true}, {"name/cos:Put*", "name/cos:PostObject", false},
	} {
		if Glob(c.p, c.s) != c.ok {
			t.Errorf("Glob(%q, %q) != %v", c.p, c.s, c.ok)
		}
	}
}

func TestAllows(t *testing.T) {
	p, err := Parse([]byte(`{"version":"2.0","statement":[
		{"effect":"allow","action":["name/cos:PutObject","name/cos:PostObject"],"resource":["` + res + `uploads/u1/*"],
		 "condition":{"numeric_less_than_equal":{"cos:content-length":1000},"string_equal_if_exist":{"cos:x-cos-acl":"private"},"string_equal":{"cos:x-cos-forbid-overwrite":"true"}}},
		{"effect":"allow","action":"name/cos:GetObject","resource":"qcs::cos:ap-guangzhou:uid/1250000000:prefix//1250000000/examplebucket/public/*"},
		{"effect":"deny","action":"name/cos:GetObject","resource":"` + res + `public/secret*"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	ok := map[string]string{"cos:content-length": "1000", "cos:x-cos-forbid-overwrite": "true"}
	cases := []struct {
		name, action, key string
		vals              map[string]string
		want              bool
	}{
		{"upload in prefix", "name/cos:PutObject", "uploads/u1/a.jpg", ok, true},
		{"post in prefix", "name/cos:PostObject", "uploads/u1/a.jpg", ok, true},
		{"other prefix", "name/cos:PutObject", "uploads/u2/a.jpg", ok, false},
		{"action not granted", "name/cos:DeleteObject", "uploads/u1/a.jpg", ok, false},
		{"too large", "name/cos:PutObject", "uploads/u1/a.jpg", map[string]string{"cos:content-length": "1001", "cos:x-cos-forbid-overwrite": "true"}, false},
		{"no length: condition without _if_exist fails", "name/cos:PutObject", "uploads/u1/a.jpg", map[string]string{"cos:x-cos-forbid-overwrite": "true"}, false},
		{"no forbid-overwrite", "name/cos:PutObject", "uploads/u1/a.jpg", map[string]string{"cos:content-length": "1"}, false},
		{"public acl", "name/cos:PutObject", "uploads/u1/a.jpg", map[string]string{"cos:content-length": "1", "cos:x-cos-forbid-overwrite": "true", "cos:x-cos-acl": "public-read"}, false},
		{"private acl", "name/cos:PutObject", "uploads/u1/a.jpg", map[string]string{"cos:content-length": "1", "cos:x-cos-forbid-overwrite": "true", "cos:x-cos-acl": "private"}, true},
		{"legacy resource form", "name/cos:GetObject", "public/a.jpg", nil, true},
		{"deny wins", "name/cos:GetObject", "public/secret.txt", nil, false},
	}
	for _, c := range cases {
		r := Request{Action: c.action, Resource: res + c.key, Value: values(c.vals)}
		if got := p.Allows(r); got != c.want {
			t.Errorf("%s: %v", c.name, got)
		}
	}
}

func TestConditionOperators(t *testing.T) {
	for _, c := range []struct {
		cond, v string
		want    bool
	}{
		{`{"string_like":{"k":"image/*"}}`, "image/png", true},
		{`{"string_like":{"k":"image/*"}}`, "text/html", false},
		{`{"string_not_equal":{"k":["a","b"]}}`, "c", true},
		{`{"string_not_equal":{"k":["a","b"]}}`, "a", false},
		{`{"numeric_greater_than":{"k":5}}`, "6", true},
		{`{"numeric_less_than":{"k":5}}`, "x", false},
		{`{"ip_equal":{"k":["10.0.0.0/8","1.2.3.4"]}}`, "10.1.2.3", true},
		{`{"ip_not_equal":{"k":"10.0.0.0/8"}}`, "10.1.2.3", false},
		{`{"bool_equal":{"k":false}}`, "false", true},
		{`{"date_greater_than":{"k":"x"}}`, "x", false}, // unknown operators never grant
	} {
		p, err := Parse([]byte(`{"version":"2.0","statement":[{"effect":"allow","action":"*","resource":"*","condition":` + c.cond + `}]}`))
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Allows(Request{Action: "a", Resource: "r", Value: values(map[string]string{"k": c.v})}); got != c.want {
			t.Errorf("%s on %q: %v", c.cond, c.v, got)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, doc := range []string{`{`, `{"version":"1.0","statement":[]}`, `{"version":"2.0","statement":[]}`,
		`{"version":"2.0","statement":[{"effect":"maybe","action":"a","resource":"r"}]}`,
		`{"version":"2.0","statement":[{"effect":"allow","resource":"r"}]}`,
		`{"version":"2.0","statement":[{"effect":"allow","action":"a","resource":{"x":1}}]}`} {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("accepted %s", doc)
		}
	}
}

// TestDecide: the reasons name the part of each statement that did not
// match (the COS FAQ's two cases, an action missing from the grant and a
// key outside allowPrefix, then a condition), and agree with Allows.
func TestDecide(t *testing.T) {
	p, err := Parse([]byte(`{"version":"2.0","statement":[
		{"effect":"allow","action":["name/cos:PutObject"],"resource":["` + res + `users/alice/*"],
		 "condition":{"string_equal":{"cos:x-cos-acl":"private"}}},
		{"effect":"deny","action":"name/cos:PutObject","resource":"` + res + `users/alice/locked*"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	acl := map[string]string{"cos:x-cos-acl": "private"}
	for _, c := range []struct {
		action, key string
		vals        map[string]string
		part, want  string
	}{
		{"name/cos:GetObject", "users/alice/a.jpg", acl, "action", "action name/cos:GetObject is not among name/cos:PutObject"},
		{"name/cos:PutObject", "users/bob/a.jpg", acl, "resource", "resource " + res + "users/bob/a.jpg is outside " + res + "users/alice/*"},
		{"name/cos:PutObject", "users/alice/a.jpg", map[string]string{"cos:x-cos-acl": "public-read"}, "condition",
			`condition string_equal cos:x-cos-acl private does not hold: the request has "public-read"`},
		{"name/cos:PutObject", "users/alice/a.jpg", nil, "condition", "the request has none"},
		{"name/cos:PutObject", "users/alice/locked.jpg", acl, "deny", "statement 1 denies name/cos:PutObject"},
		{"name/cos:PutObject", "users/alice/a.jpg", acl, "", ""},
	} {
		r := Request{Action: c.action, Resource: res + c.key, Value: values(c.vals)}
		d := p.Decide(r)
		if d.Allowed != p.Allows(r) {
			t.Errorf("%s %s: Decide says %v, Allows %v", c.action, c.key, d.Allowed, p.Allows(r))
		}
		switch {
		case c.part == "":
			if !d.Allowed || len(d.Misses) != 0 || d.Deny != nil {
				t.Errorf("%s: want allowed with no reasons, got %+v", c.key, d)
			}
		case c.part == "deny":
			if d.Allowed || d.Deny == nil || d.Deny.Statement != 1 || !strings.Contains(d.Deny.Detail, c.want) {
				t.Errorf("%s: want statement 1's deny, got %+v", c.key, d)
			}
		default:
			if d.Allowed || len(d.Misses) != 1 || d.Misses[0].Part != c.part || !strings.Contains(d.Misses[0].Detail, c.want) {
				t.Errorf("%s %s: want a %s miss containing %q, got %+v", c.action, c.key, c.part, c.want, d)
			}
		}
	}
}
