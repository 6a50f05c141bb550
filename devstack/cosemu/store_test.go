package cosemu_test

import (
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
