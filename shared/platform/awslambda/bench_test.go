package awslambda

import (
	"context"
	"net/http"
	"testing"
)

// A typical HTTP API (payload 2.0) event.
const benchEvent = `{"version":"2.0","routeKey":"ANY /presign","rawPath":"/presign","rawQueryString":"",
"headers":{"accept":"*/*","content-length":"32","content-type":"application/json","host":"abc123.execute-api.us-east-1.amazonaws.com","authorization":"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.sig","user-agent":"Mozilla/5.0","x-forwarded-for":"10.0.0.1","x-forwarded-port":"443","x-forwarded-proto":"https"},
"requestContext":{"accountId":"123456789012","apiId":"abc123","domainName":"abc123.execute-api.us-east-1.amazonaws.com","domainPrefix":"abc123","http":{"method":"POST","path":"/presign","protocol":"HTTP/1.1","sourceIp":"10.0.0.1","userAgent":"Mozilla/5.0"},"requestId":"JKJaXmPLvHcESHA=","routeKey":"ANY /presign","stage":"$default","time":"22/Nov/2026:12:00:00 +0000","timeEpoch":1795353600000},
"body":"{\"ext\":\"jpg\",\"size\":1048576}","isBase64Encoded":false}`

func BenchmarkLambdaV2Adapter(b *testing.B) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(`{"ok":true}`))
	})
	a := Adapter{Handler: h}
	payload := []byte(benchEvent)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Invoke(context.Background(), payload); err != nil {
			b.Fatal(err)
		}
	}
}
