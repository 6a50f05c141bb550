// Command cosgate-dev runs cosgate on a laptop. By default (make dev) it
// serves the four functions on 127.0.0.1:8080 against the COS, STS and
// WeChat emulators, with development credentials, and prints a walkthrough.
// With -cloud (make dev-cloud) it serves the functions against real COS,
// STS and WeChat, configured from the environment exactly as in production.
// The local stack's console (127.0.0.1:9300) shows every request and
// explains every refusal; `cosgate-dev explain` is its explainer as a
// command.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"cosgate/devstack/stack"
	"cosgate/shared/config"
	"cosgate/shared/logging"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "explain" {
		return explainCmd(args[1:], os.Stdin, stdout, stderr, time.Now())
	}
	fs := flag.NewFlagSet("cosgate-dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "where the functions listen")
	cosAddr := fs.String("cos-addr", "127.0.0.1:9000", "where the COS emulator listens")
	stsAddr := fs.String("sts-addr", "127.0.0.1:9100", "where the STS emulator listens")
	wxAddr := fs.String("wx-addr", "127.0.0.1:9200", "where the WeChat API emulator listens")
	consoleAddr := fs.String("console-addr", "127.0.0.1:9300", "where the console (a web page) listens")
	data := fs.String("data", ".devdata", "folder for the emulated bucket's objects (empty: memory)")
	cosCORS := fs.String("cos-cors", "",
		"the COS emulator's CORS rule: origins it admits, comma-separated (* for any; :* for any port); "+
			"empty: pages on this machine, "+stack.LoopbackOrigins+",null")
	cloud := fs.Bool("cloud", false,
		"serve the functions against real COS, STS and WeChat, configured from the environment")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	logger := logging.NewText(stderr, slog.LevelInfo)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if *cloud {
		return serveCloud(ctx, *addr, productionEnv(), stdout, stderr, logger)
	}
	env, ignored, fromEnv, err := stack.FromEnvironment(os.LookupEnv)
	if err != nil {
		fmt.Fprintln(stderr, "cosgate-dev:", err)
		return 2
	}
	st, err := stack.Start(
		stack.Options{
			Env:            env,
			SecretsFromEnv: fromEnv,
			COSCORSOrigins: cosOrigins(*cosCORS),
			FunctionsAddr:  *addr,
			COSAddr:        *cosAddr,
			STSAddr:        *stsAddr,
			WeChatAddr:     *wxAddr,
			ConsoleAddr:    *consoleAddr,
			DataDir:        *data,
			Logger:         logger,
		},
	)
	if err != nil {
		fmt.Fprintln(stderr, "cosgate-dev:", err)
		return 1
	}
	printBanner(stdout, st, *data, explainCommand(os.Args[0]))
	printSecrets(stdout, st, ignored)
	fmt.Fprintf(stdout, "Walkthrough (sh, curl, sed):\n\n%s\n", stack.Walkthrough(st.FunctionsURL))
	if tok, err := st.Token("dev-user", 24*time.Hour); err != nil {
		fmt.Fprintf(stdout, "No development JWT: %v.\n\n", err)
	} else {
		fmt.Fprintf(stdout, "A development JWT for uid dev-user (24 h, %s), for tools that skip the sign-in:\n  %s\n\n",
			validWhere(st), tok)
	}
	fmt.Fprintf(stdout, "Ctrl-C stops everything.\n")
	<-ctx.Done()
	if err := st.Close(); err != nil {
		fmt.Fprintln(stderr, "cosgate-dev: stopping:", err)
		return 1
	}
	fmt.Fprintln(stdout, "stopped")
	return 0
}

// printBanner says what runs where, where limits count, and the COS
// emulator's root key: printed in full only when it is the development
// one, which is valid nowhere else.
func printBanner(w io.Writer, st *stack.Stack, data, explain string) {
	fmt.Fprintf(w, "cosgate local stack (emulators; nothing leaves this machine)\n\n")
	f := st.FunctionsURL
	fmt.Fprintf(w, "  functions  %s/login  %s/sts  %s/presign  %s/download  %s/sign\n", f, f, f, f, f)
	fmt.Fprintf(w, "  COS        %s  bucket %s, region %s", st.COSURL, st.Env["COS_BUCKET"], st.Env["COS_REGION"])
	if data != "" {
		fmt.Fprintf(w, ", objects in %s", data)
	}
	fmt.Fprintf(w, "\n  STS        %s\n", st.STSURL)
	fmt.Fprintf(w, "  WeChat     %s  AppID %s; codes dev-<openid>, each once\n", st.WeChatURL, st.Env["WX_APPID"])
	if store := st.LimitsStore(); store == "memory" {
		fmt.Fprintf(w, "  limits     count in memory (set LIMITS_REDIS_URL to count in a Redis)\n\n")
	} else {
		fmt.Fprintf(w, "  limits     count in %s (LIMITS_REDIS_URL)\n\n", store)
	}
	fmt.Fprintf(w, "console %s  every request, live, and why each refusal happened\n\n", st.ConsoleURL)
	if id, key, ok := st.DevelopmentKey(); ok {
		fmt.Fprintf(w, "The COS emulator's root key: development values, valid only in these emulators, not secrets.\n")
		fmt.Fprintf(w, "  SecretId   %s\n  SecretKey  %s\n", id, key)
		fmt.Fprintf(w, "For an SDK pointed at the emulator, and for explaining what it signs:\n")
		fmt.Fprintf(w, "  printf %%s '%s' > /tmp/devkey\n", key)
		fmt.Fprintf(w, "  %s -secret-key-file /tmp/devkey '<signed URL or Authorization>'\n", explain)
	} else {
		fmt.Fprintf(w, "The COS emulator's root key came from your environment (COS_SECRET_ID, COS_SECRET_KEY),\n")
		fmt.Fprintf(w, "so its SecretKey is not shown: SecretId %s\n", cutShort(st.Env["COS_SECRET_ID"]))
		fmt.Fprintf(w, "  %s -secret-key-file <a file holding it> '<signed URL or Authorization>'\n", explain)
	}
	fmt.Fprintf(w, "(/presign and /sign sign with temporary keys of their own: the console explains /presign's refusals.)\n\n")
}

// cosOrigins reads -cos-cors; nil (the stack's default) when empty.
func cosOrigins(flag string) []string {
	if strings.TrimSpace(flag) == "" {
		return nil
	}
	return strings.Split(flag, ",")
}

// printSecrets says what the stack signs tokens with: its development keys,
// naming the environment's signing variables it left alone, or, with
// COSGATE_DEV_SECRETS=env, the environment's, with a warning, since its
// WeChat emulator signs in any openid and its console mints any uid.
func printSecrets(w io.Writer, st *stack.Stack, ignored []string) {
	if st.SecretsFromEnv {
		fmt.Fprintf(w, "WARNING: %s=env: tokens are signed with the keys and uid secret in your environment\n", stack.SecretsVariable)
		fmt.Fprintf(w, "  (%s). If they are production's, every token this stack\n", strings.Join(stack.SigningVariables, ", "))
		fmt.Fprintf(w, "  hands out (/login for any openid, the console's for any uid) is valid in production.\n")
		fmt.Fprintf(w, "  Every listener is on loopback; unset %s unless a tool needs its own tokens accepted.\n\n", stack.SecretsVariable)
		return
	}
	fmt.Fprintf(w, "Tokens are signed with this stack's development keys and uid secret, valid only here")
	if len(ignored) > 0 {
		fmt.Fprintf(w, ";\n  ignored from your environment: %s (%s=env takes them)", strings.Join(ignored, ", "), stack.SecretsVariable)
	}
	fmt.Fprintf(w, ".\n\n")
}

// validWhere says where the stack's tokens verify.
func validWhere(st *stack.Stack) string {
	if st.DevelopmentSecrets() {
		return "valid only in this stack"
	}
	return "signed with your environment's " + stack.SecretsVariable + "=env secrets"
}

// cutShort shows the start of a SecretId, as the console does: at most 8
// characters and never more than half.
func cutShort(id string) string {
	n := min(8, len(id)/2)
	return id[:n] + "…"
}

// explainCommand is how to run cosgate-dev explain from where make dev
// was started: this binary when it was built (bin/cosgate-dev), else (go
// run, whose binary is deleted on exit) go run.
func explainCommand(self string) string {
	if filepath.Base(self) == "cosgate-dev" && !strings.Contains(self, "go-build") {
		return self + " explain"
	}
	return "go run ./devstack/cmd/cosgate-dev explain"
}

// productionEnv picks the functions' variables from the process
// environment, so they override the development defaults.
func productionEnv() map[string]string {
	env := map[string]string{}
	for _, name := range config.Variables() {
		if v, ok := os.LookupEnv(name); ok {
			env[name] = v
		}
	}
	return env
}

func serveCloud(
	ctx context.Context,
	addr string,
	env map[string]string,
	stdout, stderr io.Writer,
	logger *slog.Logger,
) int {
	h, err := stack.Functions(env, logger)
	if err != nil {
		fmt.Fprintln(stderr, "cosgate-dev -cloud: the environment does not configure the functions:", err)
		return 1
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(stderr, "cosgate-dev -cloud:", err)
		return 1
	}
	srv := &http.Server{Handler: stack.LoopbackOnly(ln, h), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	u := "http://" + ln.Addr().String()
	fmt.Fprintf(
		stdout,
		"cosgate functions against real COS (%s), STS and WeChat, from your environment\n\n"+
			"  %s/login (when WX_APPID is set)  %s/sts  %s/presign  %s/download  %s/sign\n\n"+
			"Tokens are signed and verified with your environment's secrets (AUTH_JWT_*, LOGIN_JWT_PRIVATE_KEY,\n"+
			"LOGIN_UID_SECRET), as a deployment's: the ones it hands out are real.\n\nCtrl-C stops.\n",
		env["COS_BUCKET"],
		u,
		u,
		u,
		u,
		u,
	)
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(shutdown)
	fmt.Fprintln(stdout, "stopped")
	return 0
}
