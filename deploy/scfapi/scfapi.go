// Package scfapi is the small part of Tencent Cloud API 3.0 that deploying
// cosgate needs: six SCF actions (version 2018-04-16) and the region
// service's DescribeRegions (2022-06-27), as typed request and response
// structs sent through the official Go SDK's generic client.
//
// Why the generic client: the per-product module
// github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/scf cannot be
// obtained through this project's Go module proxy (HTTP 403 for every
// version), and its current go.mod needs a newer common module than the
// v1.1.11 the project pins. common v1.1.11 has common.NewCommonClient, which
// signs (TC3-HMAC-SHA256), sends and decodes errors exactly as a generated
// client does; the structs here carry the field names of the generated
// models (tencentcloud/scf/v20180416/models.go and
// tencentcloud/region/v20220627/models.go in TencentCloud/tencentcloud-sdk-go).
package scfapi

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
)

// API services and versions.
const (
	Service               = "scf"
	Version               = "2018-04-16"
	RegionService         = "region"
	RegionVersion         = "2022-06-27"
	DefaultRegionEndpoint = "region.tencentcloudapi.com"
)

// Key is the deploy key. Its String method never shows the secret.
type Key struct {
	SecretID, SecretKey, Token string
}

// String names the key by a prefix of its SecretId only.
func (k Key) String() string {
	id := k.SecretID
	if len(id) > 8 {
		id = id[:8]
	}
	return "key " + id + "…"
}

// Options configure a Client.
type Options struct {
	Region string // X-TC-Region: where the functions live
	// Endpoint is a host[:port] (scf.tencentcloudapi.com when empty); an
	// "http://" prefix means plain HTTP, for a loopback fake.
	Endpoint string
	// RegionEndpoint is the region service's, in the same form
	// (region.tencentcloudapi.com when empty).
	RegionEndpoint string
	Key            Key
	// Timeout bounds one call. An inline zip of a few MB is in the body, so
	// the SDK's 60 s default is kept when zero.
	Timeout time.Duration
}

// Client calls SCF and the region service.
type Client struct {
	scf, region *common.Client
}

// New returns a client; it does not call the API.
func New(o Options) (*Client, error) {
	if o.Region == "" {
		return nil, errors.New("scfapi: a region is required")
	}
	if o.Key.SecretID == "" || o.Key.SecretKey == "" {
		return nil, errors.New("scfapi: a SecretId and SecretKey are required")
	}
	scf, err := newClient(o, o.Endpoint, Service)
	if err != nil {
		return nil, err
	}
	reg, err := newClient(o, o.RegionEndpoint, RegionService)
	if err != nil {
		return nil, err
	}
	return &Client{scf: scf, region: reg}, nil
}

func newClient(o Options, endpoint, service string) (*common.Client, error) {
	p := profile.NewClientProfile()
	p.HttpProfile.ReqMethod = "POST"
	if o.Timeout > 0 {
		p.HttpProfile.ReqTimeout = int(o.Timeout / time.Second)
	}
	if endpoint != "" {
		scheme, host, err := ParseEndpoint(endpoint)
		if err != nil {
			return nil, fmt.Errorf("scfapi: %s endpoint: %w", service, err)
		}
		p.HttpProfile.Scheme, p.HttpProfile.Endpoint = scheme, host
	}
	var cred common.CredentialIface = common.NewCredential(o.Key.SecretID, o.Key.SecretKey)
	if o.Key.Token != "" {
		cred = common.NewTokenCredential(o.Key.SecretID, o.Key.SecretKey, o.Key.Token)
	}
	return common.NewCommonClient(cred, o.Region, p), nil
}

// ParseEndpoint reads host[:port], https://host[:port] or http://host[:port]
// (plain HTTP, for tests) into the SDK's Scheme and Endpoint.
func ParseEndpoint(s string) (scheme, host string, err error) {
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" {
		return "", "", errors.New("want host[:port], optionally after http:// or https://")
	}
	switch u.Scheme {
	case "https":
		return "HTTPS", u.Host, nil
	case "http":
		return "HTTP", u.Host, nil
	}
	return "", "", errors.New("the scheme must be http or https")
}

// request is any action's parameters behind the SDK's request plumbing:
// the SDK marshals the request value itself as the JSON body, so
// MarshalJSON hands it the typed parameters.
type request struct {
	*tchttp.BaseRequest
	params any
}

func (r *request) MarshalJSON() ([]byte, error) { return jsonMarshal(r.params) }

// response is the envelope every action answers with; the SDK has already
// turned an {"Error":…} envelope into a *errors.TencentCloudSDKError.
type response[R any] struct {
	*tchttp.BaseResponse
	Response *R `json:"Response"`
}

func call[R any](ctx context.Context, c *common.Client, service, version, action string, params any) (*R, error) {
	req := &request{BaseRequest: &tchttp.BaseRequest{}, params: params}
	c.InitBaseRequest(&req.BaseRequest, service, version, action)
	req.SetContext(ctx)
	resp := &response[R]{BaseResponse: &tchttp.BaseResponse{}}
	if err := c.Send(req, resp); err != nil {
		return nil, err
	}
	if resp.Response == nil {
		return nil, fmt.Errorf("%s: the answer has no Response", action)
	}
	return resp.Response, nil
}

// ErrorCode returns the API error code of err ("" when err is not an API error).
func ErrorCode(err error) string {
	var e *tcerr.TencentCloudSDKError
	if errors.As(err, &e) {
		return e.GetCode()
	}
	return ""
}

// IsNotFound reports the codes GetFunction answers for a missing function
// (both are documented, scf/v20180416 client.go).
func IsNotFound(err error) bool {
	c := ErrorCode(err)
	return c == "ResourceNotFound.Function" || c == "ResourceNotFound.FunctionName"
}

// IsExists reports the codes CreateFunction answers for a name in use.
func IsExists(err error) bool {
	c := ErrorCode(err)
	return c == "ResourceInUse.Function" || c == "ResourceInUse.FunctionName"
}

// IsTriggerExists reports the codes CreateTrigger answers for a trigger name in use.
func IsTriggerExists(err error) bool {
	c := ErrorCode(err)
	return c == "ResourceInUse.Trigger" || c == "ResourceInUse.TriggerName"
}

// IsDenied reports a refusal for want of permission: CAM said no, or the
// key is not allowed to sign at all.
func IsDenied(err error) bool {
	c := ErrorCode(err)
	return strings.HasPrefix(c, "UnauthorizedOperation") || strings.HasPrefix(c, "AuthFailure.UnauthorizedOperation")
}

// CreateFunction creates a function; creation goes on after the answer
// (poll GetFunction until Status is Active).
func (c *Client) CreateFunction(ctx context.Context, p *CreateFunctionRequest) error {
	_, err := call[Empty](ctx, c.scf, Service, Version, "CreateFunction", p)
	return err
}

// UpdateFunctionCode replaces the code; asynchronous like CreateFunction.
func (c *Client) UpdateFunctionCode(ctx context.Context, p *UpdateFunctionCodeRequest) error {
	_, err := call[Empty](ctx, c.scf, Service, Version, "UpdateFunctionCode", p)
	return err
}

// UpdateFunctionConfiguration replaces memory, timeout, variables, role, description.
func (c *Client) UpdateFunctionConfiguration(ctx context.Context, p *UpdateFunctionConfigurationRequest) error {
	_, err := call[Empty](ctx, c.scf, Service, Version, "UpdateFunctionConfiguration", p)
	return err
}

// GetFunction describes a function, its status and triggers.
func (c *Client) GetFunction(ctx context.Context, p *GetFunctionRequest) (*GetFunctionResponse, error) {
	return call[GetFunctionResponse](ctx, c.scf, Service, Version, "GetFunction", p)
}

// CreateTrigger creates a trigger; for Type "http", a function URL.
func (c *Client) CreateTrigger(ctx context.Context, p *CreateTriggerRequest) (*CreateTriggerResponse, error) {
	return call[CreateTriggerResponse](ctx, c.scf, Service, Version, "CreateTrigger", p)
}

// ListTriggers lists a function's triggers.
func (c *Client) ListTriggers(ctx context.Context, p *ListTriggersRequest) (*ListTriggersResponse, error) {
	return call[ListTriggersResponse](ctx, c.scf, Service, Version, "ListTriggers", p)
}

// DescribeRegions lists the regions a product is offered in (region service).
func (c *Client) DescribeRegions(ctx context.Context, p *DescribeRegionsRequest) (*DescribeRegionsResponse, error) {
	return call[DescribeRegionsResponse](ctx, c.region, RegionService, RegionVersion, "DescribeRegions", p)
}
