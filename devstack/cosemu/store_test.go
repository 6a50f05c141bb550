package cosemu_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cosgate/devstack/cosemu"
)

// TestStoreList: both stores list objects newest first, up to the limit,
// with what the console shows (size, type, ACL).
func TestStoreList(t *testing.T) {
	disk, err := cosemu.NewDiskStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]cosemu.Store{"memory": cosemu.NewMemoryStore(), "disk": disk} {
		base := time.Unix(1700000000, 0)
		for i, key := range []string{"a.txt", "b.jpg", "c.png"} {
			o := cosemu.Object{Key: key, ContentType: "type/" + key, Modified: base.Add(time.Duration(i) * time.Minute),
				ACL: cosemu.ACL{Canned: "public-read"}}
			if _, err := s.Put(o, strings.NewReader(strings.Repeat("x", i+1)), nil, false); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.List(2)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Key != "c.png" || got[1].Key != "b.jpg" || got[0].Size != 3 ||
			got[0].ContentType != "type/c.png" || !got[0].ACL.PublicRead() {
			t.Errorf("%s: List(2) = %+v", name, got)
		}
		if all, _ := s.List(10); len(all) != 3 {
			t.Errorf("%s: List(10) has %d objects", name, len(all))
		}
	}
}

// TestStoreKeys: both stores list keys under a prefix, strictly after a
// key, in byte order (UTF-8 binary order, COS's listing order), up to the
// limit; the disk store leaves out a file it cannot read.
func TestStoreKeys(t *testing.T) {
	disk, err := cosemu.NewDiskStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]cosemu.Store{"memory": cosemu.NewMemoryStore(), "disk": disk} {
		for _, key := range []string{"p/é", "p/b", "q/a", "p/a/1", "p/Z", "p/a", "p"} {
			if _, err := s.Put(cosemu.Object{Key: key}, strings.NewReader(key), nil, false); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []struct {
			prefix, after string
			limit         int
			want          string
		}{
			{"", "", 100, "p p/Z p/a p/a/1 p/b p/é q/a"},
			{"p/", "", 100, "p/Z p/a p/a/1 p/b p/é"},
			{"p/", "p/a", 2, "p/a/1 p/b"},
			{"p/", "p/b", 100, "p/é"},
			{"p/", "p/\xff", 100, ""},
			{"", "", 0, ""},
			{"r", "", 100, ""},
		} {
			got, err := s.Keys(c.prefix, c.after, c.limit)
			var keys []string
			for _, o := range got {
				keys = append(keys, o.Key)
			}
			if err != nil || strings.Join(keys, " ") != c.want {
				t.Errorf("%s: Keys(%q, %q, %d) = %q, %v; want %q", name, c.prefix, c.after, c.limit, keys, err, c.want)
			}
		}
		if got, _ := s.Keys("p/a/", "", 1); len(got) != 1 || got[0].Size != 5 || got[0].ETag == "" {
			t.Errorf("%s: Keys carries no metadata: %+v", name, got)
		}
	}
	// A file in objects/ that is no object is skipped, not an error.
	dir := t.TempDir()
	disk, err = cosemu.NewDiskStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	disk.Put(cosemu.Object{Key: "k"}, strings.NewReader("x"), nil, false)
	if err := os.WriteFile(filepath.Join(dir, "objects", "junk"), []byte("\xff\xff\xff\xffnot json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := disk.Keys("", "", 10); err != nil || len(got) != 1 || got[0].Key != "k" {
		t.Errorf("with a junk file: %+v, %v", got, err)
	}
}
