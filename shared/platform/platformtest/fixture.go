package platformtest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Edit sets one field of a fixture event: Key is a dotted path into the
// event's JSON objects ("requestContext.http.method"); a nil Value deletes it.
type Edit struct {
	Key   string
	Value any
}

// Set is an Edit.
func Set(key string, value any) Edit { return Edit{key, value} }

// Event reads the fixture at path (slash-separated, relative to the test's
// package; each testdata/README.md says where a shape comes from) and
// applies edits, so a case names only what it varies. It is a json.RawMessage so that
// it nests in another event as JSON, not as base64.
func Event(t testing.TB, path string, edits ...Edit) json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(filepath.FromSlash(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(edits) == 0 {
		return b
	}
	var ev map[string]any
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for _, e := range edits {
		keys := strings.Split(e.Key, ".")
		m := ev
		for _, k := range keys[:len(keys)-1] {
			next, ok := m[k].(map[string]any)
			if !ok {
				t.Fatalf("%s: %s is not an object", path, e.Key)
			}
			m = next
		}
		if last := keys[len(keys)-1]; e.Value == nil {
			delete(m, last)
		} else {
			m[last] = e.Value
		}
	}
	out, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// CheckFields fails the test with each field where got differs from want,
// named by its path; nil and empty maps or slices are equal, as in JSON.
func CheckFields(t testing.TB, what string, got, want any) {
	t.Helper()
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("%s (-want +got):\n%s", what, d)
	}
}
