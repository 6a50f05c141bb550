package cam

import "testing"

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
