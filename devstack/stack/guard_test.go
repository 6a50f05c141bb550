package stack

import "testing"

func TestLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1:8080": true, "localhost:8080": true, "LOCALHOST:8080": true, "[::1]:8080": true,
		"127.9.9.9:8080": true, "127.0.0.1:8081": false, "127.0.0.1": false, "evil.example:8080": false,
		"localhost.evil.example:8080": false, "10.0.0.1:8080": false, "[::ffff:127.0.0.1]:8080": true,
		"[fe80::1%lo]:8080": false, "0.0.0.0:8080": false, "": false,
	} {
		if got := LoopbackHost(host, "8080"); got != want {
			t.Errorf("LoopbackHost(%q) = %v", host, got)
		}
	}
	if !LoopbackHost("localhost", "80") {
		t.Error("no port is port 80")
	}
}

func TestMatchPattern(t *testing.T) {
	patterns := []string{"http://localhost:*", "http://127.0.0.1:*"}
	for origin, want := range map[string]string{
		"http://localhost:5173": "http://localhost:*", "http://127.0.0.1:1": "http://127.0.0.1:*",
		"http://localhost": "http://localhost:*", "http://localhost:": "", "http://localhost:1x": "",
		"https://localhost:5173": "", "http://evil.example:5173": "", "http://localhost.evil:1": "",
	} {
		if got := matchPattern(patterns, origin); got != want {
			t.Errorf("matchPattern(%q) = %q, want %q", origin, got, want)
		}
	}
}
