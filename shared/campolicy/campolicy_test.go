package campolicy

import (
	"bytes"
	"encoding/json"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cosgate/shared/identity"
)

var update = flag.Bool("update", false, "rewrite the golden policies")

var bucket = Bucket{Region: "ap-guangzhou", Name: "examplebucket-1250000000", AppID: "1250000000"}

const (
	put  = "name/cos:PutObject"
	post = "name/cos:PostObject"
	get  = "name/cos:GetObject"
)

func grants(actions []string, patterns ...string) []Grant {
	var g []Grant
	for _, a := range actions {
		for _, p := range patterns {
			g = append(g, Grant{Action: a, Pattern: p})
		}
	}
	return g
}

func TestGolden(t *testing.T) {
	multipart := []string{put, "name/cos:InitiateMultipartUpload", "name/cos:ListMultipartUploads", "name/cos:ListParts",
		"name/cos:UploadPart", "name/cos:CompleteMultipartUpload", "name/cos:AbortMultipartUpload"}
	cases := map[string]struct {
		grants []Grant
		cond   Conditions
	}{
		"per-user-prefix": {grants([]string{put, post}, "uploads/u1/*"), Conditions{}},
		"conditions": {grants([]string{put, post}, "uploads/u1/*"),
			Conditions{MaxBytes: 20971520, ContentType: "image/jpeg", ForbidOverwrite: true}},
		"scope-exact-key": {grants([]string{put}, "uploads/u1/2026/11/22/a.jpg"), Conditions{MaxBytes: 1048576}},
		"mixed-no-overgrant": {append(append(grants([]string{put}, "uploads/u1/a.jpg"), grants([]string{post}, "uploads/u1/b.jpg")...),
			grants([]string{get, "name/cos:HeadObject"}, "uploads/u1/*")...), Conditions{}},
		"multipart":      {grants(multipart, "uploads/u1/*"), Conditions{}},
		"non-ascii-keys": {grants([]string{put}, "uploads/u1/相册/😀 a+b.jpg"), Conditions{}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			p, err := Build(bucket, c.grants, c.cond)
			if err != nil {
				t.Fatal(err)
			}
			var pretty bytes.Buffer
			json.Indent(&pretty, p.JSON(), "", "  ")
			pretty.WriteByte('\n')
			file := filepath.Join("testdata", name+".json")
			if *update {
				os.WriteFile(file, pretty.Bytes(), 0o644)
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if !bytes.Equal(pretty.Bytes(), want) {
				t.Errorf("policy differs from %s:\n%s", file, pretty.Bytes())
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	for _, a := range []string{"name/cos:*", "*", "name/cos:Put*", "name/cos:GetService", "name/cos:PutBucket", "name/cos:DeleteBucket", "name/cam:*", ""} {
		if ValidateActions([]string{a}) == nil {
			t.Errorf("action %q accepted", a)
		}
	}
	for _, p := range []string{"", "*", "a*b", "a/*/b", "../x", "a/../b*", "/abs*", "x\x00*"} {
		if _, err := Build(bucket, grants([]string{put}, p), Conditions{}); err == nil {
			t.Errorf("pattern %q accepted", p)
		}
	}
	wide := bucket
	wide.AllowBucketWide = true
	if _, err := Build(wide, grants([]string{put}, "*"), Conditions{}); err != nil {
		t.Errorf("explicit bucket-wide grant refused: %v", err)
	}
	if _, err := Build(bucket, nil, Conditions{}); err == nil {
		t.Error("an empty grant was accepted")
	}
}

func TestNarrow(t *testing.T) {
	allowed := grants([]string{put, post}, "uploads/u1/*")
	for _, ok := range [][]Grant{
		grants([]string{put}, "uploads/u1/a.jpg"), grants([]string{post}, "uploads/u1/sub/*"), grants([]string{put}, "uploads/u1/*"),
	} {
		if err := Narrow(bucket, allowed, ok); err != nil {
			t.Errorf("%v: %v", ok, err)
		}
	}
	for _, bad := range [][]Grant{
		grants([]string{get}, "uploads/u1/a.jpg"),          // action not allowed
		grants([]string{put}, "uploads/u2/a.jpg"),          // someone else's prefix
		grants([]string{put}, "uploads/u1"),                // the prefix's parent
		grants([]string{put}, "uploads/u1*"),               // widens to uploads/u10…
		grants([]string{put}, "uploads/u1/../u2/a.jpg"),    // traversal
		grants([]string{put}, "uploads/u1/*/x"),            // inner wildcard
		grants([]string{put}, "*"),                         // bucket-wide
		grants([]string{"name/cos:*"}, "uploads/u1/a.jpg"), // wildcard action
	} {
		if err := Narrow(bucket, allowed, bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// Whatever uid and scope arrive, a policy never reaches outside the
// caller's prefix, never holds an inner wildcard, never grants an action it
// was not configured for.
func TestNeverOutsideCallersPrefix(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	pieces := []string{"..", ".", "/", "*", "%2e%2e", "%2F", "\u2024\u2024", "．．", "u2", "a", "\\", "\x00", "\n", "?", "#", " ",
		"uploads", "u1", "{uid}", "${uid}", "報", "😀", "-", "_"}
	word := func(n int) string {
		var b strings.Builder
		for range r.IntN(n) + 1 {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		return b.String()
	}
	actions := []string{put, post}
	tpl, _ := identity.ParseTemplate("uploads/{uid}/*")
	checked := 0
	for range 20000 {
		uid := word(4)
		if identity.ValidateUID(uid) != nil {
			continue // refused before it reaches a policy
		}
		mine := tpl.For(identity.Caller{UID: uid})
		allowed := grants(actions, mine)
		req := []Grant{{Action: []string{put, post, get, "name/cos:*"}[r.IntN(4)], Pattern: strings.TrimSuffix(mine, "*") + word(3)}}
		if r.IntN(3) == 0 {
			req[0].Pattern = word(6)
		}
		if r.IntN(4) == 0 {
			req[0].Pattern += "*"
		}
		chosen := allowed
		if Narrow(bucket, allowed, req) == nil {
			chosen = req
		}
		p, err := Build(bucket, chosen, Conditions{MaxBytes: 10})
		if err != nil {
			continue
		}
		checked++
		root := bucket.Resource(strings.TrimSuffix(mine, "*"))
		for _, st := range p.Statement {
			for _, a := range st.Action {
				if a != put && a != post {
					t.Fatalf("uid %q scope %v: action %s granted", uid, req, a)
				}
			}
			for _, res := range st.Resource {
				rest, ok := strings.CutPrefix(res, root)
				if !ok || strings.Contains(strings.TrimSuffix(rest, "*"), "*") {
					t.Fatalf("uid %q scope %v: resource %q escapes %q", uid, req, res, root)
				}
				for _, seg := range strings.Split(strings.TrimPrefix(res, bucket.Resource("")), "/") {
					if seg == ".." || seg == "." {
						t.Fatalf("uid %q scope %v: resource %q has a dot segment", uid, req, res)
					}
				}
			}
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d policies were checked", checked)
	}
}

func TestExpandActions(t *testing.T) {
	got, err := ExpandActions([]string{"upload", "multipart", "name/cos:PutObject", "read"})
	want := []string{"name/cos:PutObject", "name/cos:PostObject", "name/cos:InitiateMultipartUpload",
		"name/cos:ListMultipartUploads", "name/cos:ListParts", "name/cos:UploadPart", "name/cos:CompleteMultipartUpload",
		"name/cos:AbortMultipartUpload", "name/cos:GetObject", "name/cos:HeadObject", "name/cos:OptionsObject"}
	if err != nil || strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%v %v", got, err)
	}
	for _, bad := range [][]string{{"name/cos:*"}, {"uploads"}, {"upload", "name/cos:PutBucket"}, {"*"}} {
		if _, err := ExpandActions(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// A download key may GET and HEAD under its prefixes and do nothing else:
// no ACL read (GetObjectACL), no wildcard, no condition to weaken.
func TestReadOnly(t *testing.T) {
	b := Bucket{Region: "ap-guangzhou", Name: "examplebucket-1250000000", AppID: "1250000000"}
	p, err := ReadOnly(b, []string{"uploads/u1/", "public/"}, false)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"version":"2.0","statement":[{"effect":"allow","action":["name/cos:GetObject","name/cos:HeadObject"],` +
		`"resource":["qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/public/*",` +
		`"qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/uploads/u1/*"]}]}`
	if got := string(p.JSON()); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	exact, err := ReadOnly(b, []string{"uploads/u1/a.jpg"}, true)
	if err != nil || len(exact.Statement) != 1 ||
		exact.Statement[0].Resource[0] != b.Resource("uploads/u1/a.jpg") {
		t.Errorf("exact: %+v %v", exact, err)
	}
	if _, err := ReadOnly(b, []string{""}, false); err == nil {
		t.Error("an empty prefix (the whole bucket) was granted")
	}
	if _, err := ReadOnly(b, []string{"up*loads/"}, false); err == nil {
		t.Error("a '*' inside a prefix was granted")
	}
}
