package cossign_test

import (
	"fmt"
	"time"

	"cosgate/shared/cossign"
)

// Pre-sign a PUT that uploads exactly one 1 MiB JPEG: whoever holds the URL
// must send these Content-Type and Content-Length values, or COS refuses it.
func ExamplePresignURL() {
	creds := cossign.Credentials{SecretID: "AKIDEXAMPLEsecretid0123456789abcdef", SecretKey: "EXAMPLEsecretKey0123456789abcdef"}
	endpoint := cossign.DefaultEndpoint("examplebucket-1250000000", "ap-guangzhou")
	// The clock is an argument: signing is pure.
	window := cossign.NewWindow(time.Unix(1700000000, 0), cossign.Backdate, 10*time.Minute)
	url := cossign.PresignURL(creds, endpoint, cossign.Presign{
		Method: "PUT",
		Key:    "uploads/u1/photo.jpg",
		Headers: []cossign.Pair{
			{Name: "Content-Type", Value: "image/jpeg"},
			{Name: "Content-Length", Value: "1048576"},
		},
		Window: window,
	})
	fmt.Println(url)
	// Output:
	// https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/uploads/u1/photo.jpg?q-sign-algorithm=sha1&q-ak=AKIDEXAMPLEsecretid0123456789abcdef&q-sign-time=1699999940%3B1700000600&q-key-time=1699999940%3B1700000600&q-header-list=content-length%3Bcontent-type%3Bhost&q-url-param-list=&q-signature=9109ddb2ab69401868d3094ac170a8c5a87bdc3b
}

// Build and sign a POST Object policy for wx.uploadFile: the form may carry
// only this key, a JPEG, of 1 byte to 1 MiB, until the window ends.
func ExampleSignPostUpload() {
	creds := cossign.Credentials{SecretID: "AKIDEXAMPLEsecretid0123456789abcdef", SecretKey: "EXAMPLEsecretKey0123456789abcdef"}
	window := cossign.NewWindow(time.Unix(1700000000, 0), cossign.Backdate, 10*time.Minute)
	form := cossign.SignPostUpload(creds, cossign.PostUpload{
		Bucket:     "examplebucket-1250000000",
		Key:        "uploads/u1/photo.jpg",
		MinSize:    1,
		MaxSize:    1048576,
		Expiration: time.Unix(window.End, 0),
		Window:     window,
		Fields:     []cossign.Pair{{Name: "Content-Type", Value: "image/jpeg"}},
	})
	fmt.Println(string(form.Policy))
	for _, f := range form.Fields {
		if f.Name != "policy" { // the base64 of the document above
			fmt.Printf("%s=%s\n", f.Name, f.Value)
		}
	}
	// Output:
	// {"expiration":"2023-11-14T22:23:20.000Z","conditions":[{"q-sign-algorithm":"sha1"},{"q-ak":"AKIDEXAMPLEsecretid0123456789abcdef"},{"q-sign-time":"1699999940;1700000600"},{"bucket":"examplebucket-1250000000"},{"key":"uploads/u1/photo.jpg"},["content-length-range",1,1048576],{"Content-Type":"image/jpeg"}]}
	// key=uploads/u1/photo.jpg
	// q-sign-algorithm=sha1
	// q-ak=AKIDEXAMPLEsecretid0123456789abcdef
	// q-key-time=1699999940;1700000600
	// q-signature=1cf8c738a4e9c0ffc2e77f63b100825bcebb7b0f
	// Content-Type=image/jpeg
}
