package scffake_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"net/http/httptest"
	"strings"
	"testing"

	"cosgate/deploy/scfapi"
	"cosgate/deploy/scffake"
)

func zip64() string {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: "scf_bootstrap"}
	h.SetMode(0o755)
	w, _ := zw.CreateHeader(h)
	w.Write([]byte("#!/bin/bash\n"))
	zw.Close()
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

func TestFake(t *testing.T) {
	f := scffake.New(scffake.Config{Keys: map[string]string{"AKIDgood": "good-key"}, Polls: 1})
	srv := httptest.NewServer(f)
	defer srv.Close()
	client := func(id, key string) *scfapi.Client {
		c, err := scfapi.New(scfapi.Options{Region: "ap-guangzhou", Endpoint: srv.URL, Key: scfapi.Key{SecretID: id, SecretKey: key}})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ctx := context.Background()
	good := client("AKIDgood", "good-key")
	valid := func() *scfapi.CreateFunctionRequest {
		return &scfapi.CreateFunctionRequest{FunctionName: "fn-a", Code: &scfapi.Code{ZipFile: zip64()}, CodeSource: "ZipFile",
			Runtime: "Go1", Type: "HTTP", MemorySize: 128, Timeout: 10, Namespace: "default"}
	}
	for want, c := range map[string]func() error{
		"AuthFailure.SignatureFailure": func() error { return client("AKIDgood", "wrong").CreateFunction(ctx, valid()) },
		"AuthFailure.SecretIdNotFound": func() error { return client("AKIDother", "good-key").CreateFunction(ctx, valid()) },
		"InvalidParameterValue.FunctionName": func() error {
			p := valid()
			p.FunctionName = "fn-"
			return good.CreateFunction(ctx, p)
		},
		"InvalidParameterValue.MemorySize": func() error { p := valid(); p.MemorySize = 100; return good.CreateFunction(ctx, p) },
		"LimitExceeded.Timeout":            func() error { p := valid(); p.Timeout = 901; return good.CreateFunction(ctx, p) },
		"InvalidParameterValue.ZipFileBase64BinasciiError": func() error {
			p := valid()
			p.Code.ZipFile = "%%%"
			return good.CreateFunction(ctx, p)
		},
		"InvalidParameterValue.ZipFile": func() error {
			p := valid()
			p.Code.ZipFile = base64.StdEncoding.EncodeToString([]byte("not a zip"))
			return good.CreateFunction(ctx, p)
		},
		"InvalidParameterValue.EnvironmentSystemProtect": func() error {
			p := valid()
			p.Environment = &scfapi.Environment{Variables: []scfapi.Variable{{Key: "SCF_X", Value: "1"}}}
			return good.CreateFunction(ctx, p)
		},
		"InvalidParameterValue.EnvironmentExceededLimit": func() error {
			p := valid()
			p.Environment = &scfapi.Environment{Variables: []scfapi.Variable{{Key: "X", Value: strings.Repeat("v", 4096)}}}
			return good.CreateFunction(ctx, p)
		},
		"MissingParameter.Runtime": func() error { p := valid(); p.Runtime = ""; return good.CreateFunction(ctx, p) },
		"ResourceNotFound.Function": func() error {
			_, err := good.GetFunction(ctx, &scfapi.GetFunctionRequest{FunctionName: "absent"})
			return err
		},
	} {
		if got := scfapi.ErrorCode(c()); got != want {
			t.Errorf("want %s, got %q", want, got)
		}
	}
	// Asynchronous status, and what is refused meanwhile.
	if err := good.CreateFunction(ctx, valid()); err != nil {
		t.Fatal(err)
	}
	if err := good.CreateFunction(ctx, valid()); scfapi.ErrorCode(err) != "ResourceInUse.Function" {
		t.Errorf("created twice: %v", err)
	}
	if err := good.UpdateFunctionCode(ctx, &scfapi.UpdateFunctionCodeRequest{FunctionName: "fn-a", ZipFile: zip64(), CodeSource: "ZipFile"}); scfapi.ErrorCode(err) != "FailedOperation.UpdateFunctionCode" {
		t.Errorf("update while Creating: %v", err)
	}
	if err := good.UpdateFunctionConfiguration(ctx, &scfapi.UpdateFunctionConfigurationRequest{FunctionName: "fn-a", Timeout: 5}); scfapi.ErrorCode(err) != "FailedOperation.FunctionStatusError" {
		t.Errorf("configure while Creating: %v", err)
	}
	trig := &scfapi.CreateTriggerRequest{FunctionName: "fn-a", TriggerName: "url-trigger", Type: "http", Qualifier: "$DEFAULT", Enable: "OPEN",
		TriggerDesc: `{"AuthType":"NONE","NetConfig":{"EnableIntranet":false,"EnableExtranet":true}}`}
	if _, err := good.CreateTrigger(ctx, trig); scfapi.ErrorCode(err) != "FailedOperation.CreateTrigger" {
		t.Errorf("trigger while Creating: %v", err)
	}
	var statuses []string
	for range 3 {
		fn, err := good.GetFunction(ctx, &scfapi.GetFunctionRequest{FunctionName: "fn-a"})
		if err != nil {
			t.Fatal(err)
		}
		statuses = append(statuses, fn.Status)
	}
	if strings.Join(statuses, ",") != "Creating,Active,Active" {
		t.Errorf("statuses %v", statuses)
	}
	bad := *trig
	bad.TriggerDesc = `{"AuthType":"OPEN"}`
	if _, err := good.CreateTrigger(ctx, &bad); scfapi.ErrorCode(err) != "InvalidParameterValue.TriggerDesc" {
		t.Errorf("bad TriggerDesc: %v", err)
	}
	made, err := good.CreateTrigger(ctx, trig)
	if err != nil || !strings.Contains(made.TriggerInfo.TriggerDesc, `"ExtranetUrl":"https://1250000000-`) || made.TriggerInfo.Enable != 1 {
		t.Fatalf("%+v %v", made, err)
	}
	if _, err := good.CreateTrigger(ctx, trig); scfapi.ErrorCode(err) != "ResourceInUse.Trigger" {
		t.Errorf("trigger twice: %v", err)
	}
	list, err := good.ListTriggers(ctx, &scfapi.ListTriggersRequest{FunctionName: "fn-a",
		Filters: []scfapi.Filter{{Name: "TriggerName", Values: []string{"url-trigger"}}}})
	if err != nil || len(list.Triggers) != 1 || list.Triggers[0].TriggerDesc != made.TriggerInfo.TriggerDesc {
		t.Errorf("%+v %v", list, err)
	}
	files, err := f.Files("fn-a")
	if err != nil || files["scf_bootstrap"].Mode.Perm() != 0o755 {
		t.Errorf("%v %v", files, err)
	}
	var zipCall *scffake.Call
	for _, c := range f.Calls() {
		if c.Action == "CreateFunction" && c.Error == "" {
			zipCall = &c
		}
	}
	if zipCall == nil || !strings.HasPrefix(zipCall.Params["Code"].(map[string]any)["ZipFile"].(string), "<") {
		t.Errorf("the recorded call keeps the zip: %+v", zipCall)
	}
}
