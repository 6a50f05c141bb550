package scf

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// A typical API Gateway event from a mini program's wx.request.
const benchEvent = `{"requestContext":{"serviceId":"service-abc123","path":"/presign","httpMethod":"POST","requestId":"c6af9ac6-7b61-11e6-9a41-93e8deadbeef","identity":{},"sourceIp":"10.0.0.1","stage":"release"},
"headers":{"accept":"*/*","content-type":"application/json","host":"service-abc123-1250000000.gz.apigw.tencentcs.com","authorization":"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.sig","referer":"https://servicewechat.com/wx1234567890/0/page-frame.html","user-agent":"Mozilla/5.0 MicroMessenger/8.0.47","x-forwarded-for":"10.0.0.1"},
"body":"{\"ext\":\"jpg\",\"size\":1048576}","pathParameters":{},"queryStringParameters":{},"headerParameters":{},"stageVariables":{"stage":"release"},
"path":"/presign","queryString":{},"httpMethod":"POST","isBase64Encoded":false}`

func BenchmarkSCFAdapter(b *testing.B) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(`{"ok":true}`))
	})
	a := Adapter{Handler: h}
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	payload := []byte(benchEvent)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Invoke(ctx, payload); err != nil {
			b.Fatal(err)
		}
	}
}
