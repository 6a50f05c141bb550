package scfdeploy_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os"

	"cosgate/deploy/scfapi"
	"cosgate/deploy/scfdeploy"
	"cosgate/deploy/scffake"
)

// A web-function zip: scf_bootstrap and main, both 0755.
func exampleZip() []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range [][2]string{{"scf_bootstrap", "#!/bin/bash\nexec /var/user/main\n"}, {"main", "\x7fELF…"}} {
		name, body := f[0], f[1]
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		h.SetMode(0o755)
		w, _ := zw.CreateHeader(h)
		w.Write([]byte(body))
	}
	zw.Close()
	return buf.Bytes()
}

// Deploy one function to a loopback fake of SCF: it is created, becomes
// Active, gets its function URL, and the URLs are printed.
func ExampleDeployer_Deploy() {
	fake := scffake.New(scffake.Config{Keys: map[string]string{"AKIDexample": "example-key"}})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	api, _ := scfapi.New(scfapi.Options{Region: "ap-guangzhou", Endpoint: srv.URL, RegionEndpoint: srv.URL,
		Key: scfapi.Key{SecretID: "AKIDexample", SecretKey: "example-key"}})
	d := &scfdeploy.Deployer{API: api, Out: os.Stdout, Poll: 1}
	res, err := d.Deploy(context.Background(), scfdeploy.Plan{Region: "ap-guangzhou", Memory: 128, Timeout: 10,
		Functions: []scfdeploy.Function{{Key: "sts", Name: scfdeploy.FunctionName(scfdeploy.DefaultPrefix, "sts"),
			Zip: exampleZip(), Env: []scfapi.Variable{{Key: "COS_BUCKET", Value: "examplebucket-1250000000"}}}}})
	fmt.Println(err, len(res.URLs))
	// Output:
	// sts: creating cosgate-sts in ap-guangzhou (291 bytes of code)
	// sts: creating its function URL
	//
	// sts       https://1250000000-fyz7txjwl4.ap-guangzhou.tencentscf.com
	// make smoke URLS='sts=https://1250000000-fyz7txjwl4.ap-guangzhou.tencentscf.com'
	// <nil> 1
}
