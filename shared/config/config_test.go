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
		"COS_REGION": "ap-guangzhou", "AUTH_JWT_SECRET": "jwt-secret-VALUE-456",
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
		"COS_SECRET_ID is not set", "COS_SECRET_KEY is empty", "COS_REGION is not set", "COS_BUCKET must be",
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
	if c.COS.Credentials().SecretKey != "sekrit-VALUE-123" {
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
