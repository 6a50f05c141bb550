// Package scfdeploy deploys cosgate's functions to Tencent SCF as web
// functions, each with a public function URL, through Tencent Cloud API 3.0
// (deploy/scfapi). A run is idempotent: a function that exists is updated,
// a function URL that exists is kept, so a run that stopped half-way is
// finished by running it again.
//
// Per function: check the zip `make package` built (scfweb.Check); create
// it (or update its code, then its configuration), waiting after each step
// until SCF reports it Active, since every one of these actions completes
// after it answers; then find or create its function URL and read the URL.
package scfdeploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"cosgate/deploy/scfapi"
)

// API is the part of SCF and the region service a deploy calls.
type API interface {
	CreateFunction(context.Context, *scfapi.CreateFunctionRequest) error
	UpdateFunctionCode(context.Context, *scfapi.UpdateFunctionCodeRequest) error
	UpdateFunctionConfiguration(context.Context, *scfapi.UpdateFunctionConfigurationRequest) error
	GetFunction(context.Context, *scfapi.GetFunctionRequest) (*scfapi.GetFunctionResponse, error)
	CreateTrigger(context.Context, *scfapi.CreateTriggerRequest) (*scfapi.CreateTriggerResponse, error)
	ListTriggers(context.Context, *scfapi.ListTriggersRequest) (*scfapi.ListTriggersResponse, error)
	DescribeRegions(context.Context, *scfapi.DescribeRegionsRequest) (*scfapi.DescribeRegionsResponse, error)
}

// What every function is created with.
const (
	Runtime      = "Go1"
	Type         = "HTTP" // a web function: SCF starts scf_bootstrap and proxies HTTP to :9000
	Namespace    = "default"
	TriggerName  = "url-trigger"
	TriggerType  = "http"     // a function URL
	Qualifier    = "$DEFAULT" // the URL follows the default alias, not a fixed version
	defaultPoll  = 2 * time.Second
	defaultWait  = 5 * time.Minute
	maxTriggerPg = 100
)

// Function is one function to deploy.
type Function struct {
	Key  string // "sts", …
	Name string // the SCF name
	Zip  []byte // the web-function zip
	Env  []scfapi.Variable
}

// Plan is everything a run deploys.
type Plan struct {
	Region    string
	Memory    int64
	Timeout   int64
	Role      string
	Functions []Function
}

// Deployer runs a Plan. Sleep and Now are the clock, so a test can wait
// minutes in no time.
type Deployer struct {
	API API
	Out io.Writer // progress, warnings and the URLs
	// Poll is the pause between GetFunction calls while SCF works; Wait
	// bounds the wait after each step.
	Poll, Wait time.Duration
	Now        func() time.Time
	Sleep      func(context.Context, time.Duration) error
}

// Result is each function's URL, by key ("sts" → https://…).
type Result struct {
	URLs  map[string]string
	Order []string
}

// SmokeCommand is the make smoke line for the URLs.
func (r Result) SmokeCommand() string {
	var parts []string
	for _, k := range r.Order {
		if u := r.URLs[k]; u != "" {
			parts = append(parts, k+"="+u)
		}
	}
	return "make smoke URLS='" + strings.Join(parts, " ") + "'"
}

func (d *Deployer) defaults() {
	if d.Poll <= 0 {
		d.Poll = defaultPoll
	}
	if d.Wait <= 0 {
		d.Wait = defaultWait
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Sleep == nil {
		d.Sleep = func(ctx context.Context, dt time.Duration) error {
			t := time.NewTimer(dt)
			defer t.Stop()
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-t.C:
				return nil
			}
		}
	}
	if d.Out == nil {
		d.Out = io.Discard
	}
}

func (d *Deployer) printf(format string, args ...any) { fmt.Fprintf(d.Out, format+"\n", args...) }

// CheckRegion asks the region service where SCF is offered and refuses a
// region outside the list. A key without permission for the call
// (region:DescribeRegions) only gets a warning: the deploy then finds out
// from SCF itself.
func (d *Deployer) CheckRegion(ctx context.Context, region string) error {
	d.defaults()
	resp, err := d.API.DescribeRegions(ctx, &scfapi.DescribeRegionsRequest{Product: "scf"})
	if scfapi.IsDenied(err) {
		d.printf("warning: could not list SCF's regions (%s); deploying to %s unchecked", scfapi.ErrorCode(err), region)
		return nil
	}
	if err != nil {
		return fmt.Errorf("listing SCF's regions: %w", err)
	}
	var avail []string
	for _, r := range resp.RegionSet {
		if r.RegionState == "" || r.RegionState == "AVAILABLE" {
			avail = append(avail, r.Region)
		}
	}
	slices.Sort(avail)
	if len(avail) == 0 {
		// An empty list says nothing about the region: the service knows
		// no product "scf" here, rather than SCF being offered nowhere.
		d.printf("warning: the region service listed no SCF region; deploying to %s unchecked", region)
		return nil
	}
	if !slices.Contains(avail, region) {
		return &Problem{fmt.Sprintf("SCF is not offered in %s; set FUNCTION_REGION to one of: %s",
			region, strings.Join(avail, " "))}
	}
	return nil
}

// Deploy checks every zip first, then deploys the functions in order and
// prints their URLs. It stops at the first function that fails, naming it;
// running it again carries on from there.
func (d *Deployer) Deploy(ctx context.Context, p Plan) (Result, error) {
	d.defaults()
	for _, f := range p.Functions {
		if err := checkFunction(f); err != nil {
			return Result{}, err
		}
	}
	res := Result{URLs: map[string]string{}}
	for _, f := range p.Functions {
		url, err := d.deployOne(ctx, p, f)
		if err != nil {
			return res, fmt.Errorf("%s (%s): %w", f.Key, f.Name, err)
		}
		res.URLs[f.Key] = url
		res.Order = append(res.Order, f.Key)
	}
	d.printf("")
	for _, k := range res.Order {
		d.printf("%-9s %s", k, cmpOr(res.URLs[k], "(no URL reported; see the console)"))
	}
	d.printf("%s", res.SmokeCommand())
	return res, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (d *Deployer) deployOne(ctx context.Context, p Plan, f Function) (string, error) {
	zip64 := encode(f.Zip)
	desc := "cosgate " + f.Key + " web function"
	env := &scfapi.Environment{Variables: f.Env}
	if env.Variables == nil {
		env.Variables = []scfapi.Variable{}
	}
	cur, err := d.API.GetFunction(ctx, &scfapi.GetFunctionRequest{FunctionName: f.Name, Namespace: Namespace})
	switch {
	case scfapi.IsNotFound(err):
		d.printf("%s: creating %s in %s (%d bytes of code)", f.Key, f.Name, p.Region, len(f.Zip))
		err = d.API.CreateFunction(ctx, &scfapi.CreateFunctionRequest{
			FunctionName: f.Name, Code: &scfapi.Code{ZipFile: zip64}, CodeSource: "ZipFile",
			Description: desc, MemorySize: p.Memory, Timeout: p.Timeout, Environment: env,
			Runtime: Runtime, Namespace: Namespace, Role: p.Role, Type: Type,
		})
		if err != nil && !scfapi.IsExists(err) {
			return "", fmt.Errorf("CreateFunction: %w", err)
		}
		if err == nil {
			if _, err := d.waitActive(ctx, f.Name); err != nil {
				return "", err
			}
			return d.functionURL(ctx, f)
		}
		// Made meanwhile (another run): update it like any existing one.
	case err != nil:
		return "", fmt.Errorf("GetFunction: %w", err)
	default:
		if cur.Type != "" && cur.Type != Type {
			return "", &Problem{fmt.Sprintf("%s exists as a %s function; a web function (HTTP) cannot replace it in place: "+
				"delete it or set FUNCTION_PREFIX", f.Name, cur.Type)}
		}
	}
	d.printf("%s: updating %s (%d bytes of code)", f.Key, f.Name, len(f.Zip))
	// An earlier run may have left it busy; updates are refused until it settles.
	if _, err := d.waitSettled(ctx, f.Name); err != nil {
		return "", err
	}
	if err := d.API.UpdateFunctionCode(ctx, &scfapi.UpdateFunctionCodeRequest{
		FunctionName: f.Name, ZipFile: zip64, CodeSource: "ZipFile", Namespace: Namespace,
	}); err != nil {
		return "", fmt.Errorf("UpdateFunctionCode: %w", err)
	}
	if _, err := d.waitActive(ctx, f.Name); err != nil {
		return "", err
	}
	if err := d.API.UpdateFunctionConfiguration(ctx, &scfapi.UpdateFunctionConfigurationRequest{
		FunctionName: f.Name, Description: desc, MemorySize: p.Memory, Timeout: p.Timeout,
		Environment: env, Namespace: Namespace, Role: p.Role,
	}); err != nil {
		return "", fmt.Errorf("UpdateFunctionConfiguration: %w", err)
	}
	if _, err := d.waitActive(ctx, f.Name); err != nil {
		return "", err
	}
	return d.functionURL(ctx, f)
}

// busy are the statuses SCF is still working in.
var busy = []string{scfapi.StatusCreating, scfapi.StatusUpdating, "Publishing", "Deleting"}

// waitSettled polls GetFunction until the function leaves the busy
// statuses, for at most d.Wait.
func (d *Deployer) waitSettled(ctx context.Context, name string) (*scfapi.GetFunctionResponse, error) {
	deadline := d.Now().Add(d.Wait)
	for {
		fn, err := d.API.GetFunction(ctx, &scfapi.GetFunctionRequest{FunctionName: name, Namespace: Namespace})
		if err != nil {
			return nil, fmt.Errorf("GetFunction: %w", err)
		}
		if !slices.Contains(busy, fn.Status) {
			return fn, nil
		}
		if !d.Now().Before(deadline) {
			return nil, fmt.Errorf("still %s after %s%s", fn.Status, d.Wait, reasons(fn))
		}
		if err := d.Sleep(ctx, d.Poll); err != nil {
			return nil, err
		}
	}
}

// waitActive is waitSettled that fails unless the function ends Active,
// with the platform's reasons.
func (d *Deployer) waitActive(ctx context.Context, name string) (*scfapi.GetFunctionResponse, error) {
	fn, err := d.waitSettled(ctx, name)
	if err != nil {
		return nil, err
	}
	if fn.Status != scfapi.StatusActive {
		return nil, fmt.Errorf("SCF reports %s%s", fn.Status, reasons(fn))
	}
	return fn, nil
}

func reasons(fn *scfapi.GetFunctionResponse) string {
	var parts []string
	for _, r := range fn.StatusReasons {
		parts = append(parts, strings.TrimSpace(r.ErrorCode+" "+r.ErrorMessage))
	}
	if fn.StatusDesc != "" {
		parts = append(parts, fn.StatusDesc)
	}
	if parts == nil {
		return ""
	}
	return ": " + strings.Join(parts, "; ")
}

// urlDesc is the function URL every function gets: public (the functions
// check callers themselves), on the internet only.
func urlDesc() string {
	b, _ := json.Marshal(scfapi.HTTPTriggerDesc{AuthType: "NONE",
		NetConfig: scfapi.NetConfig{EnableIntranet: false, EnableExtranet: true}})
	return string(b)
}

// functionURL finds the function URL or creates it, and returns the URL.
func (d *Deployer) functionURL(ctx context.Context, f Function) (string, error) {
	t, err := d.findTrigger(ctx, f.Name)
	if err != nil {
		return "", err
	}
	if t == nil {
		d.printf("%s: creating its function URL", f.Key)
		resp, err := d.API.CreateTrigger(ctx, &scfapi.CreateTriggerRequest{
			FunctionName: f.Name, TriggerName: TriggerName, Type: TriggerType, TriggerDesc: urlDesc(),
			Namespace: Namespace, Qualifier: Qualifier, Enable: "OPEN",
		})
		switch {
		case err == nil:
			t = &resp.TriggerInfo
		case scfapi.IsTriggerExists(err):
		default:
			return "", fmt.Errorf("CreateTrigger: %w", err)
		}
	}
	if t == nil || extranetURL(t.TriggerDesc) == "" {
		// Made by a concurrent run, or the answer lacks the URL: ask again.
		if t, err = d.findTrigger(ctx, f.Name); err != nil {
			return "", err
		}
		if t == nil {
			return "", errors.New("CreateTrigger reported the function URL exists, but ListTriggers does not show it")
		}
	}
	var desc scfapi.HTTPTriggerDesc
	if json.Unmarshal([]byte(t.TriggerDesc), &desc) == nil && (desc.AuthType != "NONE" || !desc.NetConfig.EnableExtranet) {
		d.printf("warning: %s's function URL is kept as it is (AuthType %s, public %v); the functions expect AuthType NONE, public",
			f.Name, desc.AuthType, desc.NetConfig.EnableExtranet)
	}
	return extranetURL(t.TriggerDesc), nil
}

// findTrigger returns the function URL trigger, or nil when there is none.
func (d *Deployer) findTrigger(ctx context.Context, name string) (*scfapi.TriggerInfo, error) {
	resp, err := d.API.ListTriggers(ctx, &scfapi.ListTriggersRequest{
		FunctionName: name, Namespace: Namespace, Limit: maxTriggerPg,
		Filters: []scfapi.Filter{{Name: "TriggerName", Values: []string{TriggerName}}},
	})
	if err != nil {
		return nil, fmt.Errorf("ListTriggers: %w", err)
	}
	for i, t := range resp.Triggers {
		if t.Type == TriggerType && t.TriggerName == TriggerName && t.Qualifier == Qualifier {
			return &resp.Triggers[i], nil
		}
	}
	return nil, nil
}

// extranetURL reads the public URL from a function URL's TriggerDesc, a
// JSON text in which SCF adds NetConfig.ExtranetUrl.
func extranetURL(desc string) string {
	var d scfapi.HTTPTriggerDesc
	if json.Unmarshal([]byte(desc), &d) != nil {
		return ""
	}
	return d.NetConfig.ExtranetURL
}
