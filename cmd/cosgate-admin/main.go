// Command cosgate-admin takes access back and gives it again, and shows
// what a caller has used, in the store the functions share
// (LIMITS_REDIS_URL). It is an operator's tool: neither a function nor part
// of the local stack.
//
//	cosgate-admin revoke-user <uid>     refuse the uid, and every token issued until now
//	cosgate-admin restore-user <uid>    let the uid back in (with a new sign-in)
//	cosgate-admin revoke-key <key>      refuse /download of an object key
//	cosgate-admin restore-key <key>     allow it again
//	cosgate-admin usage <uid>           today's uploads and bytes, this hour's keys, revocation
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"cosgate/shared/config"
	"cosgate/shared/identity"
	"cosgate/shared/limits"
	"cosgate/shared/objkey"
)

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

const usage = "usage: cosgate-admin revoke-user|restore-user|usage <uid> | revoke-key|restore-key <key>"

func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) != 2 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	cmd, arg := args[0], args[1]
	if err := check(cmd, arg); err != nil {
		fmt.Fprintln(stderr, "cosgate-admin:", err)
		return 2
	}
	cfg, err := config.Load[config.Limits](map[string]string{
		"LIMITS_REDIS_URL": getenv("LIMITS_REDIS_URL"), "LIMITS_TIMEOUT": getenv("LIMITS_TIMEOUT"),
	})
	if err == nil && cfg.RedisURL == "" {
		err = errors.New("set LIMITS_REDIS_URL to the store the functions use")
	}
	if err != nil {
		fmt.Fprintln(stderr, "cosgate-admin:", err)
		return 2
	}
	store, err := limits.NewRedis(cfg.RedisURL.Reveal(), cfg.Timeout.D())
	if err != nil {
		fmt.Fprintln(stderr, "cosgate-admin: LIMITS_REDIS_URL:", err)
		return 2
	}
	defer store.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	now := time.Now()
	switch cmd {
	case "revoke-user":
		err = limits.RevokeUser(ctx, store, arg, now)
	case "restore-user":
		err = limits.RestoreUser(ctx, store, arg)
	case "revoke-key":
		err = limits.RevokeObject(ctx, store, arg, now)
	case "restore-key":
		err = limits.RestoreObject(ctx, store, arg)
	case "usage":
		var u limits.Usage
		if u, err = limits.ReadUsage(ctx, store, arg, now); err == nil {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			err = enc.Encode(u)
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "cosgate-admin: the store did not answer:", err)
		return 1
	}
	if cmd != "usage" {
		fmt.Fprintf(stdout, "%s %s: done\n", cmd, arg)
	}
	return 0
}

// check refuses what no function could ever have been asked about.
func check(cmd, arg string) error {
	switch cmd {
	case "revoke-user", "restore-user", "usage":
		return identity.ValidateUID(arg)
	case "revoke-key", "restore-key":
		return objkey.Validate(arg)
	}
	return errors.New(usage)
}
