package explain_test

import (
	"fmt"
	"time"

	"cosgate/devstack/explain"
)

// Explain a URL signed for real COS, an hour after its window ended.
func ExampleExplain() {
	url := "https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/uploads/u1/photo.jpg" +
		"?q-sign-algorithm=sha1&q-ak=AKIDEXAMPLEsecretid0123456789abcdef&q-sign-time=1699999940%3B1700000600" +
		"&q-key-time=1699999940%3B1700000600&q-header-list=content-length%3Bcontent-type%3Bhost" +
		"&q-url-param-list=&q-signature=9109ddb2ab69401868d3094ac170a8c5a87bdc3b"
	rep, err := explain.Explain(explain.Input{Texts: []string{url}, Method: "PUT", Now: time.Unix(1700004200, 0)})
	if err != nil {
		panic(err)
	}
	fmt.Println(rep.Verdict)
	fmt.Println(rep.Summary)
	for _, f := range rep.Facts[:5] {
		fmt.Printf("%s: %s\n", f.Name, f.Value)
	}
	// Output:
	// expired
	// The signature expired 1h0m0s ago (at 2023-11-14T22:23:20Z; this machine's clock says 2023-11-14T23:23:20Z).
	// SecretId: AKIDEXAM…
	// bucket: examplebucket-1250000000
	// region: ap-guangzhou
	// key: uploads/u1/photo.jpg
	// method: PUT
}
