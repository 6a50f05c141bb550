// Command bare is the cold-start baseline: a net/http server that answers
// every request, with nothing of cosgate in it. It is built with the same
// flags as the functions and started the same way (PORT and LISTEN_HOST),
// so BenchmarkColdStart and make sizes can report a function's start-up
// as a multiple of bare Go's on the same machine, in the same run.
package main

import (
	"net"
	"net/http"
	"os"
)

func main() {
	addr := net.JoinHostPort(os.Getenv("LISTEN_HOST"), os.Getenv("PORT"))
	err := http.ListenAndServe(addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "bare")
		w.Write([]byte("ok"))
	}))
	os.Stderr.WriteString(err.Error() + "\n")
	os.Exit(1)
}
