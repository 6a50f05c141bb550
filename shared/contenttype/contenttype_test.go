package contenttype

import "testing"

func TestParse(t *testing.T) {
	tab, err := Parse([]string{"jpg", " PNG", ".webp", "dwg:application/acad", "txt"})
	if err != nil {
		t.Fatal(err)
	}
	want := Table{"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "dwg": "application/acad", "txt": "text/plain; charset=utf-8"}
	for k, v := range want {
		if tab[k] != v {
			t.Errorf("%s: %q, want %q", k, tab[k], v)
		}
	}
	for _, bad := range [][]string{{"xyz"}, {"j.pg"}, {""}, {"exe:"}, {"a:notatype"}, {"a/b"}} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestSame(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"image/jpeg", "image/JPEG", true}, {"text/plain; charset=utf-8", "text/plain", true},
		{"image/jpg", "image/jpeg", false}, {"image/jpeg", "", false}, {"image/jpeg", "jpeg", false},
	} {
		if Same(c.a, c.b) != c.same {
			t.Errorf("Same(%q, %q) != %v", c.a, c.b, c.same)
		}
	}
}
