package scfdeploy

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"cosgate/deploy/scfapi"
)

// Usage is cosgate-deploy's synopsis.
const Usage = `usage: cosgate-deploy [-dist dist] [-check] [-wait 5m] [-poll 2s]

Creates or updates cosgate's SCF web functions from <dist>/scf-web/<fn>.zip
(make package) and their function URLs, through Tencent Cloud API 3.0, and
prints each URL. Configured by the environment: see README, "Tencent SCF".`

// Main is cosgate-deploy: it reads the flags and the environment, checks
// everything it can before calling the API, then deploys. It returns the
// exit code. Secrets are never printed.
func Main(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("cosgate-deploy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, Usage) }
	dist := fs.String("dist", "dist", "make package's output folder")
	check := fs.Bool("check", false, "check the variables, zips and region, then stop")
	wait := fs.Duration("wait", defaultWait, "how long each step may take in SCF")
	poll := fs.Duration("poll", defaultPoll, "pause between status checks")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *dist, *check, *wait, *poll, getenv, stdout); err != nil {
		fmt.Fprintln(stderr, "deploy-scf:", err)
		return 1
	}
	return 0
}

func run(ctx context.Context, dist string, check bool, wait, poll time.Duration, getenv func(string) string, out io.Writer) error {
	s, err := Read(getenv)
	if err != nil {
		return err
	}
	plan := Plan{Region: s.Region, Memory: s.Memory, Timeout: s.Timeout, Role: s.Role}
	for _, fn := range s.Functions {
		path := filepath.Join(dist, "scf-web", fn+".zip")
		zip, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("%s: %w (make package builds it)", fn, err)
		}
		plan.Functions = append(plan.Functions, Function{Key: fn, Name: FunctionName(s.Prefix, fn), Zip: zip, Env: s.Env[fn]})
	}
	api, err := scfapi.New(scfapi.Options{Region: s.Region, Endpoint: s.Endpoint, RegionEndpoint: s.RegionEndpoint, Key: s.Key})
	if err != nil {
		return err
	}
	d := &Deployer{API: api, Out: out, Wait: wait, Poll: poll}
	fmt.Fprintf(out, "deploy-scf: functions %v in %s as %s<fn>, bucket %s in %s\n",
		s.Functions, s.Region, s.Prefix, getenv("COS_BUCKET"), getenv("COS_REGION"))
	if err := d.CheckRegion(ctx, s.Region); err != nil {
		return err
	}
	if check {
		for _, f := range plan.Functions {
			if err := checkFunction(f); err != nil {
				return err
			}
			fmt.Fprintf(out, "%s: %s, %d bytes, %d variables: ok\n", f.Key, f.Name, len(f.Zip), len(f.Env))
		}
		return nil
	}
	_, err = d.Deploy(ctx, plan)
	if errors.Is(err, context.Canceled) {
		return errors.New("interrupted; run it again to finish")
	}
	return err
}
