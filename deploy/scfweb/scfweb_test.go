package scfweb_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cosgate/deploy/scfweb"
)

type entry struct {
	name, body string
	mode       os.FileMode
}

func makeZip(entries ...entry) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		h.SetMode(e.mode)
		w, _ := zw.CreateHeader(h)
		w.Write([]byte(e.body))
	}
	zw.Close()
	return buf.Bytes()
}

var (
	script = entry{"scf_bootstrap", "#!/bin/bash\nexec /var/user/main\n", 0o755}
	binary = entry{"main", "\x7fELF\x02\x01", 0o755}
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		zip  []byte
		want string // "" = accepted
	}{
		{makeZip(script, binary), ""},
		{makeZip(entry{script.name, script.body, 0o777}, binary), ""},
		{makeZip(entry{script.name, script.body, 0o644}, binary), "scf_bootstrap has mode 0644"},
		{makeZip(script, entry{"main", binary.body, 0o700}), "main has mode 0700"},
		{makeZip(binary), "scf_bootstrap is missing"},
		{makeZip(script, entry{"bin/main", binary.body, 0o755}), "main is missing"},
		{makeZip(script, entry{"main", "#!/bin/sh\n", 0o755}), "main is not an ELF binary"},
		{makeZip(entry{script.name, "echo hi\n", 0o755}, binary), "scf_bootstrap is not a script"},
		{[]byte("not a zip"), "not a zip"},
		{make([]byte, scfweb.MaxInlineZip+1), "an inline upload takes at most"},
	} {
		err := scfweb.Check(tc.zip)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("want %q, got %v", tc.want, err)
		}
	}
	if scfweb.MaxInlineZip*4/3 > scfweb.MaxRequestBody {
		t.Error("the inline limit does not fit a request once base64-encoded")
	}
}

func TestUnpackKeepsModes(t *testing.T) {
	dir := t.TempDir()
	if err := scfweb.Unpack(makeZip(script, binary, entry{"conf/app.txt", "x", 0o640}), dir); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]os.FileMode{"scf_bootstrap": 0o755, "main": 0o755, "conf/app.txt": 0o640} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v %v", name, fi, err)
		}
	}
	if err := scfweb.Unpack(makeZip(entry{"../escape", "x", 0o644}), dir); err == nil {
		t.Error("an entry outside the root was written")
	}
}

func TestEnvironment(t *testing.T) {
	env := scfweb.Environment(scfweb.Function{Name: "cosgate-sts", Region: "ap-guangzhou", AppID: "1250000000", Root: "/var/user"})
	if env["USER_CODE_ROOT"] != "/var/user/" || env["SCF_RUNTIME"] != "Go1" || env["TENCENTCLOUD_RUNENV"] != "SCF" {
		t.Errorf("%v", env)
	}
}

// Check a zip before uploading it: SCF cannot start a web function whose
// scf_bootstrap lost its exec bit.
func ExampleCheck() {
	zip := makeZip(entry{"scf_bootstrap", "#!/bin/bash\nexec /var/user/main\n", 0o644}, entry{"main", "\x7fELF", 0o755})
	fmt.Println(scfweb.Check(zip))
	// Output: scf_bootstrap has mode 0644; SCF needs 0755 (or 0777) to execute it
}
