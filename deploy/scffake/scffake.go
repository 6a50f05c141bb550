// Package scffake is a loopback fake of the Tencent Cloud API 3.0 actions
// cosgate's deploy calls: SCF (2018-04-16) CreateFunction,
// UpdateFunctionCode, UpdateFunctionConfiguration, GetFunction,
// CreateTrigger and ListTriggers, and the region service's (2022-06-27)
// DescribeRegions. It is an http.Handler for tests.
//
// What it models, and where each behaviour is documented:
//
//   - Signatures: every request is verified with shared/tc3 (as
//     devstack/stsemu does) against the configured keys, for service "scf"
//     or "region" by action; X-TC-Version must be the action's version.
//     (API 3.0 "Signature v3".)
//   - Answers are HTTP 200 with {"Response":{…,"RequestId"}}, errors as
//     {"Response":{"Error":{"Code","Message"},"RequestId"}} (API 3.0
//     "Responses"; the Go SDK turns any other status into
//     ClientError.HttpStatusCodeError, common/http/response.go). A body over
//     10 MB is refused (API 3.0 "Request Structure": TC3 POST ≤ 10 MB; the
//     code the gateway uses is not documented, InvalidParameter here).
//   - Parameters (tencentcloud-sdk-go scf/v20180416 models.go field
//     comments; codes from client.go's per-action lists):
//     FunctionName 2-60 of [A-Za-z0-9_-], letter first, not ending in - or _
//     (InvalidParameterValue.FunctionName); Code.ZipFile / ZipFile base64
//     (InvalidParameterValue.ZipFileBase64BinasciiError) of a zip
//     (InvalidParameterValue.ZipFile); CodeSource ZipFile|Cos|Demo, or
//     ZipFile|Cos|Inline for UpdateFunctionCode (.CodeSource); Runtime from
//     the documented list (MissingParameter.Runtime, .Runtime); Type
//     HTTP|Event (.Type); MemorySize 64 or 128..3072 step 128 (.MemorySize);
//     Timeout 1..900 (LimitExceeded.Timeout); Environment keys
//     ^[A-Za-z][A-Za-z0-9_]*$ with non-empty values (.Environment), not under
//     SCF_, QCLOUD_, TENCENTCLOUD_ (.EnvironmentSystemProtect; SCF
//     "Environment Variables"), keys plus values ≤ 4 KB
//     (.EnvironmentExceededLimit); Namespace "default" (ResourceNotFound.Namespace);
//     Runtime cannot change after creation (.Runtime).
//   - Existence: GetFunction, the updates and the trigger actions answer
//     ResourceNotFound.Function for a missing function; CreateFunction
//     answers ResourceInUse.Function for an existing one; CreateTrigger
//     ResourceInUse.Trigger for an existing name; TriggerDesc must be JSON
//     with AuthType NONE|CAM and NetConfig (.TriggerDesc, SCF "创建函数 URL"
//     583/100227); Type "http" only here (.Type), Enable OPEN|CLOSE (.Enable).
//   - Status is asynchronous (SCF "Function and Layer Status
//     Description"): CreateFunction leaves the function Creating and the
//     updates Updating; after Config.Polls GetFunction calls it is Active.
//     While Creating or Updating, UpdateFunctionCode answers
//     FailedOperation.UpdateFunctionCode, UpdateFunctionConfiguration
//     FailedOperation.FunctionStatusError (that action's list does not name a
//     busy code; this is the one SCF documents for "函数在部署中") and
//     CreateTrigger FailedOperation.CreateTrigger. StayBusy keeps a function
//     Creating/Updating; FailCreate makes it end CreateFailed with
//     StatusReasons.
//   - Function URLs: the TriggerDesc returned adds NetConfig.ExtranetUrl,
//     https://<appid>-<id>.<region>.tencentscf.com (tccli ListTriggers
//     example); GetFunction.Triggers and ListTriggers list the trigger, with
//     Enable as 0/1. ListTriggers filters by TriggerName and Qualifier.
//   - DescribeRegions answers Config.Regions for Product "scf"
//     (region/v20220627 models.go, RegionState "AVAILABLE"), or
//     Config.RegionsError.
//
// Every call is recorded (Calls) with its parameters, ZipFile replaced by
// its length; uploaded zips are kept (Zip) and unpacked with their modes
// (Files) so a test can inspect or run them.
package scffake

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"cosgate/deploy/scfapi"
	"cosgate/deploy/scfweb"
	"cosgate/shared/tc3"
)

// Config sets up the fake account.
type Config struct {
	AppID string
	Keys  map[string]string // SecretId → SecretKey
	// Polls is how many GetFunction calls see a function Creating or
	// Updating before it turns Active.
	Polls   int
	Regions []scfapi.RegionInfo
	// RegionsError, when set, is DescribeRegions' error code.
	RegionsError string
	Now          func() time.Time
}

// Call is one recorded request.
type Call struct {
	Action   string
	Region   string
	Function string
	Params   map[string]any // ZipFile replaced by "<n bytes>"
	Error    string         // the error code answered, if any
}

type function struct {
	params   scfapi.CreateFunctionRequest // the current configuration
	status   string
	polls    int
	reasons  []scfapi.StatusReason
	zip      []byte
	triggers []scfapi.TriggerInfo
	addTime  string
}

type failure struct{ code, msg string }

// Server is the fake.
type Server struct {
	cfg Config

	mu        sync.Mutex
	functions map[string]*function
	calls     []Call
	stayBusy  map[string]bool
	failNew   map[string][]scfapi.StatusReason
	failNext  map[string]failure // action + "/" + function
}

// New returns a fake with cfg's account.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.AppID == "" {
		cfg.AppID = "1250000000"
	}
	return &Server{cfg: cfg, functions: map[string]*function{}, stayBusy: map[string]bool{},
		failNew: map[string][]scfapi.StatusReason{}, failNext: map[string]failure{}}
}

// StayBusy keeps function name Creating or Updating for good.
func (s *Server) StayBusy(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stayBusy[name] = true
}

// Unstick lets a function StayBusy held finish as usual.
func (s *Server) Unstick(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.stayBusy, name)
}

// FailCreate makes function name end CreateFailed with reasons.
func (s *Server) FailCreate(name string, reasons ...scfapi.StatusReason) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNew[name] = reasons
}

// FailNext answers the next call of action for function name with code.
func (s *Server) FailNext(action, name, code, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext[action+"/"+name] = failure{code, message}
}

// Calls returns the calls so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// Reset forgets the recorded calls (the functions stay).
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// Zip returns the code last uploaded for function name.
func (s *Server) Zip(name string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.functions[name]; f != nil {
		return f.zip
	}
	return nil
}

// Files unpacks the code last uploaded for function name.
func (s *Server) Files(name string) (map[string]scfweb.File, error) {
	return scfweb.Files(s.Zip(name))
}

// Function returns function name's configuration and status.
func (s *Server) Function(name string) (scfapi.CreateFunctionRequest, string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.functions[name]
	if f == nil {
		return scfapi.CreateFunctionRequest{}, "", false
	}
	return f.params, f.status, true
}

// apiError is an error answer.
type apiError struct{ Code, Message string }

func errf(code, format string, args ...any) *apiError {
	return &apiError{code, fmt.Sprintf(format, args...)}
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	action := r.Header.Get("X-TC-Action")
	call := Call{Action: action, Region: r.Header.Get("X-TC-Region")}
	out, e := s.serve(r, action, &call)
	if e != nil {
		call.Error = e.Code
		out = map[string]any{"Error": map[string]string{"Code": e.Code, "Message": e.Message}}
	}
	if out == nil {
		out = map[string]any{}
	}
	rid := requestID()
	out["RequestId"] = rid
	s.mu.Lock()
	s.calls = append(s.calls, call)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-TC-RequestId", rid)
	json.NewEncoder(w).Encode(map[string]any{"Response": out})
}

func (s *Server) serve(r *http.Request, action string, call *Call) (map[string]any, *apiError) {
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		return nil, errf("UnsupportedProtocol", "The fake serves API 3.0 calls: POST with a JSON body.")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, scfweb.MaxRequestBody+1))
	if err != nil {
		return nil, errf("InvalidParameter", "The request body could not be read.")
	}
	if len(body) > scfweb.MaxRequestBody {
		return nil, errf("InvalidParameter", "The request body is over 10 MB.")
	}
	service, version := "scf", scfapi.Version
	if action == "DescribeRegions" {
		service, version = "region", scfapi.RegionVersion
	}
	lookup := func(id string) (string, bool) { k, ok := s.cfg.Keys[id]; return k, ok }
	in := tc3.Incoming{Method: r.Method, RawQuery: r.URL.RawQuery, Header: r.Header, Host: r.Host, Body: body}
	if _, err := tc3.Verify(in, lookup, service, s.cfg.Now()); err != nil {
		var te *tc3.Error
		if errors.As(err, &te) {
			return nil, errf(te.Code, "%s", te.Message)
		}
		return nil, errf("AuthFailure", "The signature could not be checked.")
	}
	if r.Header.Get("X-TC-Version") != version {
		return nil, errf("NoSuchVersion", "The API version is not %s.", version)
	}
	var raw map[string]any
	if json.Unmarshal(body, &raw) != nil {
		return nil, errf("InvalidParameter", "The request body is not a JSON object.")
	}
	call.Params = raw
	if fn, ok := raw["FunctionName"].(string); ok {
		call.Function = fn
	}
	for _, m := range []map[string]any{raw, mapOf(raw["Code"])} {
		if z, ok := m["ZipFile"].(string); ok {
			m["ZipFile"] = fmt.Sprintf("<%d bytes>", len(z))
		}
	}
	if service == "scf" && call.Region == "" {
		return nil, errf("MissingParameter", "The request is missing X-TC-Region.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if f, ok := s.failNext[action+"/"+call.Function]; ok {
		delete(s.failNext, action+"/"+call.Function)
		return nil, errf(f.code, "%s", f.msg)
	}
	switch action {
	case "CreateFunction":
		return s.createFunction(body)
	case "UpdateFunctionCode":
		return s.updateCode(body)
	case "UpdateFunctionConfiguration":
		return s.updateConfiguration(body)
	case "GetFunction":
		return s.getFunction(body)
	case "CreateTrigger":
		return s.createTrigger(body, call.Region)
	case "ListTriggers":
		return s.listTriggers(body)
	case "DescribeRegions":
		return s.describeRegions(body)
	}
	return nil, errf("InvalidAction", "The action %.40q is not faked.", action)
}

func mapOf(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// decode reads an action's parameters; a parameter the action does not
// have is refused with UnknownParameter, as API 3.0 does.
func decode(body []byte, v any) *apiError {
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		if strings.Contains(err.Error(), "unknown field") {
			return errf("UnknownParameter", "%v", err)
		}
		return errf("InvalidParameter", "The parameters do not decode: %v", err)
	}
	return nil
}

var nameRule = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,58}[A-Za-z0-9]$`)

// runtimes is CreateFunction.Runtime's documented list.
var runtimes = []string{"Python2.7", "Python3.6", "Python3.7", "Python3.9", "Python3.10", "Nodejs6.10", "Nodejs8.9",
	"Nodejs10.15", "Nodejs12.16", "Nodejs14.18", "Nodejs16.13", "Nodejs18.15", "Php5.6", "Php7", "Php7.4", "Php8.0",
	"Go1", "Java8", "CustomRuntime"}

func checkName(name string) *apiError {
	if !nameRule.MatchString(name) {
		return errf("InvalidParameterValue.FunctionName", "FunctionName %q does not follow SCF's rule.", name)
	}
	return nil
}

func checkNamespace(ns string) *apiError {
	if ns != "" && ns != "default" {
		return errf("ResourceNotFound.Namespace", "The namespace %q does not exist.", ns)
	}
	return nil
}

func checkZip(zip64 string) ([]byte, *apiError) {
	b, err := base64.StdEncoding.DecodeString(zip64)
	if err != nil {
		return nil, errf("InvalidParameterValue.ZipFileBase64BinasciiError", "ZipFile is not base64.")
	}
	if _, err := scfweb.Files(b); err != nil {
		return nil, errf("InvalidParameterValue.ZipFile", "检测到不是标准的zip文件 (not a standard zip file).")
	}
	return b, nil
}

func checkSizes(memory, timeout int64) *apiError {
	if memory != 0 && !(memory == 64 || memory >= 128 && memory <= 3072 && memory%128 == 0) {
		return errf("InvalidParameterValue.MemorySize", "MemorySize must be 64, or 128 to 3072 in steps of 128.")
	}
	if timeout != 0 && (timeout < 1 || timeout > 900) {
		return errf("LimitExceeded.Timeout", "Timeout must be 1 to 900 seconds.")
	}
	return nil
}

var triggerNameRule = regexp.MustCompile(`^[A-Za-z0-9_-]{1,100}$`)

var envKeyRule = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

func checkEnv(env *scfapi.Environment) *apiError {
	if env == nil {
		return nil
	}
	size := 0
	for _, v := range env.Variables {
		if !envKeyRule.MatchString(v.Key) || v.Value == "" {
			return errf("InvalidParameterValue.Environment", "Variable %q: a key of letters, digits and _, and a value, are required.", v.Key)
		}
		for _, p := range []string{"SCF_", "QCLOUD_", "TENCENTCLOUD_"} {
			if strings.HasPrefix(v.Key, p) {
				return errf("InvalidParameterValue.EnvironmentSystemProtect", "%s is a system variable.", v.Key)
			}
		}
		size += len(v.Key) + len(v.Value)
	}
	if size > 4096 {
		return errf("InvalidParameterValue.EnvironmentExceededLimit", "环境变量大小超限，请保持在 4KB 以内")
	}
	return nil
}

func (s *Server) lookup(name, ns string) (*function, *apiError) {
	if e := checkName(name); e != nil {
		return nil, e
	}
	if e := checkNamespace(ns); e != nil {
		return nil, e
	}
	f := s.functions[name]
	if f == nil {
		return nil, errf("ResourceNotFound.Function", "函数不存在 (function %s not found).", name)
	}
	return f, nil
}

func (f *function) busy() bool {
	return f.status == scfapi.StatusCreating || f.status == scfapi.StatusUpdating
}

func (s *Server) now() string { return s.cfg.Now().Format(time.DateTime) }

func (s *Server) createFunction(body []byte) (map[string]any, *apiError) {
	var p scfapi.CreateFunctionRequest
	if e := decode(body, &p); e != nil {
		return nil, e
	}
	if e := checkName(p.FunctionName); e != nil {
		return nil, e
	}
	if e := checkNamespace(p.Namespace); e != nil {
		return nil, e
	}
	if s.functions[p.FunctionName] != nil {
		return nil, errf("ResourceInUse.Function", "函数已存在 (function %s exists).", p.FunctionName)
	}
	if p.Code == nil || p.Code.ZipFile == "" {
		return nil, errf("MissingParameter.Code", "Code is required.")
	}
	if p.CodeSource != "" && !slices.Contains([]string{"ZipFile", "Cos", "Demo"}, p.CodeSource) {
		return nil, errf("InvalidParameterValue.CodeSource", "CodeSource must be ZipFile, Cos or Demo.")
	}
	zip, e := checkZip(p.Code.ZipFile)
	if e != nil {
		return nil, e
	}
	if p.Runtime == "" {
		return nil, errf("MissingParameter.Runtime", "Runtime is required.")
	}
	if !slices.Contains(runtimes, p.Runtime) {
		return nil, errf("InvalidParameterValue.Runtime", "Runtime %q is not offered.", p.Runtime)
	}
	if p.Type != "" && p.Type != "HTTP" && p.Type != "Event" {
		return nil, errf("InvalidParameterValue.Type", "Type must be HTTP or Event.")
	}
	if e := checkSizes(p.MemorySize, p.Timeout); e != nil {
		return nil, e
	}
	if e := checkEnv(p.Environment); e != nil {
		return nil, e
	}
	p.Code = nil
	if p.Type == "" {
		p.Type = "Event"
	}
	if p.MemorySize == 0 {
		p.MemorySize = 128
	}
	if p.Timeout == 0 {
		p.Timeout = 3
	}
	f := &function{params: p, status: scfapi.StatusCreating, polls: s.cfg.Polls, zip: zip, addTime: s.now()}
	s.functions[p.FunctionName] = f
	return nil, nil
}

func (s *Server) updateCode(body []byte) (map[string]any, *apiError) {
	var p struct {
		scfapi.UpdateFunctionCodeRequest
		Code *scfapi.Code
	}
	if e := decode(body, &p); e != nil {
		return nil, e
	}
	f, e := s.lookup(p.FunctionName, p.Namespace)
	if e != nil {
		return nil, e
	}
	if f.busy() {
		return nil, errf("FailedOperation.UpdateFunctionCode", "当前函数状态无法更新代码，请在状态为正常时更新 (status %s).", f.status)
	}
	if p.CodeSource != "" && !slices.Contains([]string{"ZipFile", "Cos", "Inline"}, p.CodeSource) {
		return nil, errf("InvalidParameterValue.CodeSource", "CodeSource must be ZipFile, Cos or Inline.")
	}
	zip64 := p.ZipFile
	if zip64 == "" && p.Code != nil {
		zip64 = p.Code.ZipFile
	}
	if zip64 == "" {
		return nil, errf("InvalidParameterValue.Code", "ZipFile is required here.")
	}
	zip, e := checkZip(zip64)
	if e != nil {
		return nil, e
	}
	f.zip = zip
	s.startUpdate(f)
	return nil, nil
}

func (s *Server) startUpdate(f *function) {
	f.status, f.polls, f.reasons = scfapi.StatusUpdating, s.cfg.Polls, nil
}

func (s *Server) updateConfiguration(body []byte) (map[string]any, *apiError) {
	var p struct {
		scfapi.UpdateFunctionConfigurationRequest
		Runtime string
	}
	if e := decode(body, &p); e != nil {
		return nil, e
	}
	f, e := s.lookup(p.FunctionName, p.Namespace)
	if e != nil {
		return nil, e
	}
	if f.busy() {
		return nil, errf("FailedOperation.FunctionStatusError", "函数在部署中,无法做此操作 (status %s).", f.status)
	}
	if p.Runtime != "" && p.Runtime != f.params.Runtime {
		return nil, errf("InvalidParameterValue.Runtime", "Runtime is set at creation and cannot change.")
	}
	if e := checkSizes(p.MemorySize, p.Timeout); e != nil {
		return nil, e
	}
	if e := checkEnv(p.Environment); e != nil {
		return nil, e
	}
	if p.Description != "" {
		f.params.Description = p.Description
	}
	if p.MemorySize != 0 {
		f.params.MemorySize = p.MemorySize
	}
	if p.Timeout != 0 {
		f.params.Timeout = p.Timeout
	}
	if p.Environment != nil {
		f.params.Environment = p.Environment
	}
	if p.Role != "" {
		f.params.Role = p.Role
	}
	s.startUpdate(f)
	return nil, nil
}

func (s *Server) getFunction(body []byte) (map[string]any, *apiError) {
	var p scfapi.GetFunctionRequest
	if e := decode(body, &p); e != nil {
		return nil, e
	}
	f, e := s.lookup(p.FunctionName, p.Namespace)
	if e != nil {
		return nil, e
	}
	if f.busy() && !s.stayBusy[p.FunctionName] {
		if f.polls--; f.polls < 0 {
			if reasons, ok := s.failNew[p.FunctionName]; ok && f.status == scfapi.StatusCreating {
				f.status, f.reasons = scfapi.StatusCreateFailed, reasons
			} else {
				f.status = scfapi.StatusActive
			}
		}
	}
	env := f.params.Environment
	if env == nil {
		env = &scfapi.Environment{Variables: []scfapi.Variable{}}
	}
	var triggers []scfapi.Trigger
	for _, t := range f.triggers {
		triggers = append(triggers, scfapi.Trigger{Type: t.Type, TriggerName: t.TriggerName, TriggerDesc: t.TriggerDesc,
			Enable: t.Enable, Qualifier: t.Qualifier, AddTime: t.AddTime, ModTime: t.ModTime})
	}
	return toMap(scfapi.GetFunctionResponse{
		FunctionName: p.FunctionName, Namespace: "default", Runtime: f.params.Runtime, Type: f.params.Type,
		MemorySize: f.params.MemorySize, Timeout: f.params.Timeout, Description: f.params.Description,
		Role: f.params.Role, Environment: *env, Status: f.status, StatusDesc: "",
		StatusReasons: append([]scfapi.StatusReason{}, f.reasons...), Triggers: append([]scfapi.Trigger{}, triggers...),
		ModTime: s.now(),
	}), nil
}

func (s *Server) createTrigger(body []byte, region string) (map[string]any, *apiError) {
	var p scfapi.CreateTriggerRequest
	if e := decode(body, &p); e != nil {
		return nil, e
	}
	f, e := s.lookup(p.FunctionName, p.Namespace)
	if e != nil {
		return nil, e
	}
	if f.status != scfapi.StatusActive {
		return nil, errf("FailedOperation.CreateTrigger", "当前函数状态无法进行此操作 (status %s).", f.status)
	}
	if p.Type != "http" {
		return nil, errf("InvalidParameterValue.Type", "The fake makes function URLs only (Type http).")
	}
	if !triggerNameRule.MatchString(p.TriggerName) {
		return nil, errf("InvalidParameterValue.TriggerName", "TriggerName is invalid.")
	}
	if p.Enable != "" && p.Enable != "OPEN" && p.Enable != "CLOSE" {
		return nil, errf("InvalidParameterValue.Enable", "Enable must be OPEN or CLOSE.")
	}
	var desc struct {
		AuthType  *string
		NetConfig *scfapi.NetConfig
	}
	if json.Unmarshal([]byte(p.TriggerDesc), &desc) != nil || desc.AuthType == nil || desc.NetConfig == nil ||
		(*desc.AuthType != "NONE" && *desc.AuthType != "CAM") {
		return nil, errf("InvalidParameterValue.TriggerDesc", "TriggerDesc传入参数错误: want JSON with AuthType NONE|CAM and NetConfig.")
	}
	for _, t := range f.triggers {
		if t.TriggerName == p.TriggerName {
			return nil, errf("ResourceInUse.Trigger", "TriggerName已存在 (%s).", p.TriggerName)
		}
	}
	qualifier := p.Qualifier
	if qualifier == "" {
		qualifier = "$LATEST"
	}
	sum := sha256.Sum256([]byte(p.FunctionName + "/" + qualifier))
	id := strings.ToLower(base32(sum[:]))[:10]
	nc := *desc.NetConfig
	if nc.EnableExtranet {
		nc.ExtranetURL = "https://" + s.cfg.AppID + "-" + id + "." + region + ".tencentscf.com"
	}
	if nc.EnableIntranet {
		nc.IntranetURL = "https://" + s.cfg.AppID + "-" + id + ".in." + region + ".tencentscf.com"
	}
	out, _ := json.Marshal(scfapi.HTTPTriggerDesc{AuthType: *desc.AuthType, NetConfig: nc})
	enable := int64(1)
	if p.Enable == "CLOSE" {
		enable = 0
	}
	t := scfapi.TriggerInfo{Type: p.Type, TriggerName: p.TriggerName, TriggerDesc: string(out), Enable: enable,
		Qualifier: qualifier, AvailableStatus: "Available", AddTime: s.now(), ModTime: s.now()}
	f.triggers = append(f.triggers, t)
	return toMap(scfapi.CreateTriggerResponse{TriggerInfo: t}), nil
}

func base32(b []byte) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = alphabet[int(c)%32]
	}
	return string(out)
}

func (s *Server) listTriggers(body []byte) (map[string]any, *apiError) {
	var p scfapi.ListTriggersRequest
	if e := decode(body, &p); e != nil {
		return nil, e
	}
	f, e := s.lookup(p.FunctionName, p.Namespace)
	if e != nil {
		return nil, e
	}
	out := []scfapi.TriggerInfo{}
	for _, t := range f.triggers {
		keep := true
		for _, flt := range p.Filters {
			switch flt.Name {
			case "TriggerName":
				keep = keep && slices.Contains(flt.Values, t.TriggerName)
			case "Qualifier":
				keep = keep && slices.Contains(flt.Values, t.Qualifier)
			case "Description":
			default:
				return nil, errf("InvalidParameterValue.Filters", "Filter %q is not one of Qualifier, TriggerName, Description.", flt.Name)
			}
		}
		if keep {
			out = append(out, t)
		}
	}
	return toMap(scfapi.ListTriggersResponse{TotalCount: int64(len(out)), Triggers: out}), nil
}

func (s *Server) describeRegions(body []byte) (map[string]any, *apiError) {
	var p scfapi.DescribeRegionsRequest
	if e := decode(body, &p); e != nil {
		return nil, e
	}
	if s.cfg.RegionsError != "" {
		return nil, errf(s.cfg.RegionsError, "The fake was told to refuse DescribeRegions.")
	}
	if p.Product == "" {
		return nil, errf("InvalidParameter.ParameterError", "Product is required.")
	}
	set := []scfapi.RegionInfo{}
	if p.Product == "scf" {
		set = append(set, s.cfg.Regions...)
	}
	return toMap(scfapi.DescribeRegionsResponse{TotalCount: int64(len(set)), RegionSet: set}), nil
}

func toMap(v any) map[string]any {
	b, _ := json.Marshal(v)
	var m map[string]any
	json.Unmarshal(b, &m)
	delete(m, "RequestId")
	return maps.Clone(m)
}

func requestID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
