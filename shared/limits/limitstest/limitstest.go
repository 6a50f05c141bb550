// Package limitstest starts a real redis-server for tests, on a free
// loopback port, with nothing written to disk.
package limitstest

import (
	"bufio"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Redis is a running redis-server.
type Redis struct {
	URL  string // redis://127.0.0.1:<port>/0
	Addr string
	cmd  *exec.Cmd
}

// Start runs redis-server until the test ends (or Stop).
func Start(t testing.TB) *Redis {
	t.Helper()
	r, err := Launch(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Stop)
	return r
}

// Launch runs redis-server in dir until Stop, for a server that outlives
// one test (the benchmarks share one, so that every figure comes from the
// same server).
func Launch(dir string) (*Redis, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("the limits tests need redis-server (make test installs it: scripts/test-deps): %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	r := &Redis{Addr: "127.0.0.1:" + strconv.Itoa(port)}
	r.URL = "redis://" + r.Addr + "/0"
	r.cmd = exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--dir", dir)
	if err := r.cmd.Start(); err != nil {
		return nil, err
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		if r.ping() {
			return r, nil
		}
		if time.Now().After(deadline) {
			r.Stop()
			return nil, fmt.Errorf("redis-server did not answer on %s", r.Addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *Redis) ping() bool {
	c, err := net.DialTimeout("tcp", r.Addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	c.Write([]byte("PING\r\n"))
	line, _ := bufio.NewReader(c).ReadString('\n')
	return strings.HasPrefix(line, "+PONG")
}

// Stop kills the server; its port then refuses connections.
func (r *Redis) Stop() {
	if r.cmd.Process != nil && r.cmd.ProcessState == nil {
		r.cmd.Process.Kill()
		r.cmd.Wait()
	}
}
