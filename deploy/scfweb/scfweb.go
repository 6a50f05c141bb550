// Package scfweb is the contract of a Tencent SCF web function's code
// package, on both sides: Check holds a zip to what SCF needs before it is
// uploaded, Unpack and Environment lay it out and describe the process as
// SCF starts it, so a test can run an uploaded zip the way the platform
// does (see scfwebtest).
//
// Sources: SCF "Bootstrap File Description" (启动文件说明: the file is named
// scf_bootstrap, needs permission 755 or 777, a shell script starts with
// #!/bin/bash, only /tmp is writable, the server listens on 0.0.0.0:9000);
// SCF "Environment Variables" (the variables SCF sets); API 3.0 "Request
// Structure" (a TC3-HMAC-SHA256 POST body is at most 10 MB).
package scfweb

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// The names SCF and cosgate's package use.
const (
	Bootstrap = "scf_bootstrap" // SCF runs it to start the function
	Binary    = "main"          // cosgate's binary, which scf_bootstrap execs
	Port      = 9000            // SCF sends requests to 0.0.0.0:9000
)

// MaxRequestBody is API 3.0's limit on a TC3-HMAC-SHA256 POST body.
const MaxRequestBody = 10 << 20

// MaxInlineZip is the largest zip that fits in one CreateFunction or
// UpdateFunctionCode call as Code.ZipFile: base64 makes 4 bytes of 3, and
// 64 KB are left for the other parameters (variables are at most 4 KB). The
// fields' own comments allow 50 MB and 20 MB; the request limit binds
// first. Bigger packages would have to go through COS.
const MaxInlineZip = (MaxRequestBody - 64<<10) / 4 * 3

// Check opens a web function's zip and checks what SCF needs to start it:
// scf_bootstrap and main at the root, regular files with permission 755 or
// 777 in the zip's external attributes (SCF keeps the mode it finds), a
// script that starts with "#!", and an ELF binary. It also refuses a zip
// too big to upload inline.
func Check(zipData []byte) error {
	if len(zipData) > MaxInlineZip {
		return fmt.Errorf("the zip is %d bytes; an inline upload takes at most %d (API 3.0 bodies are at most 10 MB, base64 adds a third)",
			len(zipData), MaxInlineZip)
	}
	zr, err := zip.NewReader(bytes.NewReader(zipData), int64(len(zipData)))
	if err != nil {
		return fmt.Errorf("not a zip: %w", err)
	}
	var problems []string
	for _, want := range []struct{ name, magic, what string }{
		{Bootstrap, "#!", "a script starting with #!"},
		{Binary, "\x7fELF", "an ELF binary"},
	} {
		f := find(zr, want.name)
		if f == nil {
			problems = append(problems, want.name+" is missing")
			continue
		}
		m := f.Mode()
		if !m.IsRegular() {
			problems = append(problems, want.name+" is not a regular file")
			continue
		}
		if p := m.Perm(); p != 0o755 && p != 0o777 {
			problems = append(problems, fmt.Sprintf("%s has mode %04o; SCF needs 0755 (or 0777) to execute it", want.name, p))
		}
		head, err := readHead(f, len(want.magic))
		if err != nil || head != want.magic {
			problems = append(problems, want.name+" is not "+want.what)
		}
	}
	if problems != nil {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

func find(zr *zip.Reader, name string) *zip.File {
	for _, f := range zr.File {
		if f.Name == name {
			return f
		}
	}
	return nil
}

func readHead(f *zip.File, n int) (string, error) {
	rc, err := f.Open()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b := make([]byte, n)
	_, err = io.ReadFull(rc, b)
	return string(b), err
}

// File is one entry of a zip: its permission bits as SCF will see them.
type File struct {
	Mode fs.FileMode
	Data []byte
}

// Files reads a zip's regular files by name.
func Files(zipData []byte) (map[string]File, error) {
	zr, err := zip.NewReader(bytes.NewReader(zipData), int64(len(zipData)))
	if err != nil {
		return nil, err
	}
	out := map[string]File{}
	for _, f := range zr.File {
		if f.Mode().IsDir() {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		out[f.Name] = File{Mode: f.Mode(), Data: b}
	}
	return out, nil
}

// Unpack writes a zip's files under dir (which stands for /var/user) with
// the permission bits the zip records, as SCF does. Names that would leave
// dir are refused.
func Unpack(zipData []byte, dir string) error {
	files, err := Files(zipData)
	if err != nil {
		return err
	}
	for name, f := range files {
		clean := path.Clean(name)
		if !fs.ValidPath(clean) {
			return fmt.Errorf("zip entry %q leaves the code root", name)
		}
		dst := filepath.Join(dir, filepath.FromSlash(clean))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, f.Data, f.Mode.Perm()); err != nil {
			return err
		}
		// WriteFile's mode passes through the umask; SCF keeps the zip's.
		if err := os.Chmod(dst, f.Mode.Perm()); err != nil {
			return err
		}
	}
	return nil
}

// Function describes a deployed function to Environment.
type Function struct {
	Name   string // the SCF function name, e.g. cosgate-sts
	Region string // e.g. ap-guangzhou
	AppID  string // the account's APPID
	Root   string // where the code is unpacked (SCF: /var/user)
}

// Environment returns the variables SCF itself sets for a Go1 web
// function's process (SCF "Environment Variables"); a function's own
// variables come on top. scf_bootstrap finds its code through
// USER_CODE_ROOT.
func Environment(f Function) map[string]string {
	return map[string]string{
		"TENCENTCLOUD_RUNENV": "SCF",
		"SCF_RUNTIME":         "Go1",
		"SCF_FUNCTIONNAME":    f.Name,
		"SCF_FUNCTIONVERSION": "$LATEST",
		"SCF_NAMESPACE":       "default",
		"TENCENTCLOUD_REGION": f.Region,
		"TENCENTCLOUD_APPID":  f.AppID,
		"USER_CODE_ROOT":      strings.TrimSuffix(f.Root, "/") + "/",
		"_SCF_SERVER_PORT":    "28902",
	}
}
