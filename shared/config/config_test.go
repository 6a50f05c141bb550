package config

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

func base() map[string]string {
	return map[string]string{
		"COS_SECRET_ID": "AKIDexample", "COS_SECRET_KEY": "sekrit-VALUE-123", "COS_BUCKET": "examplebucket-1250000000",
		"COS_REGION": "ap-guangzhou", "AUTH_JWT_SECRET": "jwt-secret-VALUE-456-0123456789abcdef",
	}
}

func TestDefaults(t *testing.T) {
	c, err := Load[PresignFunction](base())
	if err != nil {
		t.Fatal(err)
	}
	if c.Upload.Prefix != "uploads/{uid}/" || c.Upload.MaxBytes != 20971520 || c.Upload.Expires.D() != 600*time.Second ||
		c.Auth.Mode != "jwt" || c.HTTP.MaxBodyBytes != 65536 || len(c.Upload.AllowedExt) < 5 {
		t.Errorf("defaults: %+v", c)
	}
	if c.COS.AppID() != "1250000000" || c.COS.ObjectEndpoint().Host != "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com" {
		t.Errorf("derived: %s %+v", c.COS.AppID(), c.COS.ObjectEndpoint())
	}
	s, err := Load[STSFunction](base())
	if err != nil || s.STS.Duration.D() != 1800*time.Second || s.STS.Endpoint != "sts.tencentcloudapi.com" ||
		strings.Join(s.STS.AllowActions, ",") != "name/cos:PutObject,name/cos:PostObject" || s.STS.AllowPrefix != "uploads/{uid}/*" {
		t.Errorf("sts defaults: %+v %v", s, err)
	}
	d, err := Load[DownloadFunction](base())
	if err != nil || d.Download.Expires.D() != 300*time.Second || d.Download.AllowPrefixes[0] != "uploads/{uid}/" {
		t.Errorf("download defaults: %+v %v", d, err)
	}
}

// Every bad variable is named in one message; no value ever appears.
func TestOneMessageNamesEveryProblemWithoutValues(t *testing.T) {
	env := map[string]string{
		"COS_SECRET_KEY": "", "COS_BUCKET": "no_appid_SECRETISH", "UPLOAD_MAX_BYTES": "lots-SECRETISH",
		"UPLOAD_EXPIRES": "soon-SECRETISH", "COS_PATH_STYLE": "maybe-SECRETISH", "AUTH_MODE": "magic-SECRETISH",
		"COS_ENDPOINT": "ftp://SECRETISH/x", "CORS_ALLOW_ORIGINS": "SECRETISH",
	}
	_, err := Load[PresignFunction](env)
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("got %v", err)
	}
	msg := err.Error()
	for _, want := range []string{
		"COS_SECRET_ID is not set", "COS_SECRET_KEY is not set", "COS_REGION is not set", "COS_BUCKET must be",
		"UPLOAD_MAX_BYTES is not a whole number", "UPLOAD_EXPIRES is not a duration", "COS_PATH_STYLE is not true or false",
		"AUTH_MODE must be", "CORS_ALLOW_ORIGINS entries must be",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "SECRETISH") {
		t.Errorf("a value leaked: %s", msg)
	}
}

func TestDurationForms(t *testing.T) {
	for in, want := range map[string]time.Duration{"600": 600 * time.Second, "600s": 600 * time.Second, "10m": 10 * time.Minute, "1h30m": 90 * time.Minute} {
		env := base()
		env["UPLOAD_EXPIRES"] = in
		c, err := Load[PresignFunction](env)
		if err != nil || c.Upload.Expires.D() != want {
			t.Errorf("%q: %v %v", in, c.Upload.Expires.D(), err)
		}
	}
	for _, bad := range []string{"0", "-5s", "8d", "9999999h"} {
		env := base()
		env["UPLOAD_EXPIRES"] = bad
		if _, err := Load[PresignFunction](env); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// SCF reserves SCF_, QCLOUD_ and TENCENTCLOUD_; its console wants
// [A-Za-z][A-Za-z0-9_]*. No variable of ours may break either rule.
func TestVariableNamesAreLegalOnSCF(t *testing.T) {
	legal := regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	seen := 0
	for _, cfg := range []any{STSFunction{}, PresignFunction{}, DownloadFunction{}} {
		for field, key := range envKeys(reflect.TypeOf(cfg)) {
			seen++
			if !legal.MatchString(key) {
				t.Errorf("%s: %q is not a legal name", field, key)
			}
			for _, p := range []string{"SCF_", "QCLOUD_", "TENCENTCLOUD_"} {
				if strings.HasPrefix(key, p) {
					t.Errorf("%s: %q uses the reserved prefix %s", field, key, p)
				}
			}
		}
	}
	if seen < 20 {
		t.Errorf("only %d variables found; envKeys is not walking the structs", seen)
	}
}

func TestSecretsDoNotPrint(t *testing.T) {
	c, err := Load[STSFunction](base())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c)} {
		if strings.Contains(s, "sekrit-VALUE-123") || strings.Contains(s, "jwt-secret-VALUE-456") || strings.Contains(s, "AKIDexample") {
			t.Errorf("leak: %s", s)
		}
	}
	if c.Key.Credentials().SecretKey != "sekrit-VALUE-123" {
		t.Error("Credentials must reveal the key to the signer")
	}
}

func TestPathStyleAndCustomEndpoint(t *testing.T) {
	env := base()
	env["COS_PATH_STYLE"] = "true"
	c, _ := Load[DownloadFunction](env)
	if e := c.COS.ObjectEndpoint(); e.Host != "cos.ap-guangzhou.myqcloud.com" || e.Bucket != "examplebucket-1250000000" {
		t.Errorf("path-style default: %+v", e)
	}
	env["COS_ENDPOINT"] = "http://127.0.0.1:9000"
	c, err := Load[DownloadFunction](env)
	if e := c.COS.ObjectEndpoint(); err != nil || e.Host != "127.0.0.1:9000" || e.Scheme != "http" || e.Bucket == "" {
		t.Errorf("emulator endpoint: %+v %v", e, err)
	}
}

func TestFunctionRules(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want string // "" = valid
	}{
		{"anonymous with {uid}", map[string]string{"AUTH_MODE": "none"}, "STS_ALLOW_PREFIX uses {uid}, which AUTH_MODE=none cannot fill"},
		{"anonymous with a fixed prefix", map[string]string{"AUTH_MODE": "none", "STS_ALLOW_PREFIX": "public/*"}, ""},
		{"wildcard action", map[string]string{"STS_ALLOW_ACTIONS": "name/cos:*"}, "STS_ALLOW_ACTIONS: action \"name/cos:*\" cannot be granted"},
		{"bucket action", map[string]string{"STS_ALLOW_ACTIONS": "name/cos:PutObject,name/cos:DeleteBucket"}, "cannot be granted"},
		{"multipart with a size cap", map[string]string{"STS_ALLOW_ACTIONS": "name/cos:PutObject,name/cos:UploadPart", "STS_CONDITION_MAX_BYTES": "10"}, "cannot be enforced on multipart"},
		{"multipart alone", map[string]string{"STS_ALLOW_ACTIONS": "name/cos:InitiateMultipartUpload,name/cos:UploadPart,name/cos:CompleteMultipartUpload"}, ""},
		{"bucket-wide by accident", map[string]string{"STS_ALLOW_PREFIX": "*"}, "covers the whole bucket"},
		{"bucket-wide on purpose", map[string]string{"STS_ALLOW_PREFIX": "*", "STS_ALLOW_BUCKET_WIDE": "true"}, ""},
		{"inner wildcard", map[string]string{"STS_ALLOW_PREFIX": "uploads/*/{uid}/*"}, "'*' may only end a prefix"},
		{"unknown placeholder", map[string]string{"STS_ALLOW_PREFIX": "uploads/{user}/*"}, "STS_ALLOW_PREFIX is not a valid template"},
		{"uid not ending a segment", map[string]string{"STS_ALLOW_PREFIX": "uploads/{uid}*"}, "must follow {uid} with '/'"},
		{"short JWT secret", map[string]string{"AUTH_JWT_SECRET": "short"}, "at least 32 bytes"},
		{"role instead of a key", map[string]string{"COS_SECRET_ID": "", "COS_SECRET_KEY": "", "STS_ROLE_ARN": "qcs::cam::uin/1:roleName/r"}, ""},
		{"no key and no role", map[string]string{"COS_SECRET_ID": "", "COS_SECRET_KEY": ""}, "COS_SECRET_ID is not set"},
		{"bad public key", map[string]string{"AUTH_JWT_PUBLIC_KEY": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"}, "AUTH_JWT_PUBLIC_KEY is not usable"},
	}
	for _, c := range cases {
		env := base()
		for k, v := range c.env {
			env[k] = v
		}
		_, err := Load[STSFunction](env)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: got %v, want %q", c.name, err, c.want)
		}
	}
	env := base()
	env["AUTH_MODE"] = "none"
	if _, err := Load[PresignFunction](env); err == nil || !strings.Contains(err.Error(), "UPLOAD_PREFIX uses {uid}") {
		t.Errorf("presign: %v", err)
	}
	env["DOWNLOAD_ALLOW_PREFIXES"] = "public/,uploads/{uid}/"
	if _, err := Load[DownloadFunction](env); err == nil || !strings.Contains(err.Error(), "DOWNLOAD_ALLOW_PREFIXES uses {uid}") {
		t.Errorf("download: %v", err)
	}
}

func TestUploadAndDownloadSettings(t *testing.T) {
	env := base()
	env["UPLOAD_ALLOWED_EXT"] = "jpg,dwg:application/acad"
	c, err := Load[PresignFunction](env)
	if err != nil || c.Upload.Types()["dwg"] != "application/acad" || c.Upload.Types()["jpg"] != "image/jpeg" {
		t.Errorf("%v %v", c.Upload.Types(), err)
	}
	env["UPLOAD_ALLOWED_EXT"] = "jpg,xyz"
	if _, err := Load[PresignFunction](env); err == nil || !strings.Contains(err.Error(), `no content type is known for "xyz"`) {
		t.Errorf("%v", err)
	}
	env = base()
	env["UPLOAD_PREFIX"] = "uploads/{uid}"
	if _, err := Load[PresignFunction](env); err == nil || !strings.Contains(err.Error(), "UPLOAD_PREFIX must follow {uid}") {
		t.Errorf("%v", err)
	}
	env = base()
	env["DOWNLOAD_IMAGE_PROCESS"] = "imageMogr2/thumbnail/200x/,imageMogr2/thumbnail/400x/"
	d, err := Load[DownloadFunction](env)
	if err != nil || len(d.Download.ImageProcess) != 2 {
		t.Errorf("%v %v", d.Download, err)
	}
}
