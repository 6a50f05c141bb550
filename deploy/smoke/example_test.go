package smoke_test

import (
	"context"
	"fmt"
	"time"

	"cosgate/deploy/smoke"
	"cosgate/devstack/stack"
)

// Run against the local stack make dev serves, with a development token:
// every check passes. Config.Out (here unset) would receive the full
// lines, with what was sent and what came back.
func ExampleRun() {
	st, err := stack.Start(stack.Options{})
	if err != nil {
		panic(err)
	}
	defer st.Close()
	token, _ := st.Token("u1", time.Hour)
	targets, _ := smoke.FromBase(st.FunctionsURL)

	report := smoke.Run(context.Background(), smoke.Config{
		Targets: targets,
		Token:   token,
		Origin:  smoke.DefaultOrigin,
	})
	for _, r := range report {
		fmt.Println(r.Status, r.Check)
	}
	fmt.Println("failed:", report.Count(smoke.Fail))
	// Output:
	// ok cors sts
	// ok cors presign
	// ok cors download
	// ok cors sign
	// ok cors login
	// ok sts without token
	// ok login reaches WeChat
	// ok sts with token
	// ok presign
	// ok upload
	// ok download
	// ok download object
	// failed: 0
}

// ParseURLs reads make smoke's URLS: one function URL each, sign and login
// optional.
func ExampleParseURLs() {
	t, err := smoke.ParseURLs("sts=https://1250000000-abc-ap-guangzhou.scf.tencentcs.com " +
		"presign=https://1250000000-def-ap-guangzhou.scf.tencentcs.com " +
		"download=https://1250000000-ghi-ap-guangzhou.scf.tencentcs.com")
	fmt.Println(err)
	fmt.Println(t.STS)
	fmt.Println(t.Download)
	fmt.Printf("login: %q\n", t.Login)
	// Output:
	// <nil>
	// https://1250000000-abc-ap-guangzhou.scf.tencentcs.com/sts
	// https://1250000000-ghi-ap-guangzhou.scf.tencentcs.com/download
	// login: ""
}
