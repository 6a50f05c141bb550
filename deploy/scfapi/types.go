package scfapi

import "encoding/json"

// The wire shapes. Field names are those of the SDK's generated models;
// optional fields are omitted when empty, as the generated pointers are
// when nil. Comments give the documented rules the fake enforces.

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// Empty is an answer with nothing but its RequestId.
type Empty struct {
	RequestId string `json:"RequestId"`
}

// Code is a function's code package. ZipFile is the zip's bytes in
// base64; CreateFunction's field comment caps the zip at 50 MB, but an API
// 3.0 request body is at most 10 MB, which is what binds.
type Code struct {
	ZipFile string `json:"ZipFile,omitempty"`
}

// Variable is one environment variable.
type Variable struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// Environment is a function's variables (at most 4 KB in all).
type Environment struct {
	Variables []Variable `json:"Variables"`
}

// CreateFunctionRequest: FunctionName is 2-60 characters of [A-Za-z0-9_-],
// starts with a letter and does not end in - or _. Type "HTTP" makes a web
// function (default "Event"); MemorySize is 64 or 128..3072 in steps of
// 128 (MB, default 128); Timeout 1..900 s (default 3).
type CreateFunctionRequest struct {
	FunctionName string       `json:"FunctionName"`
	Code         *Code        `json:"Code,omitempty"`
	CodeSource   string       `json:"CodeSource,omitempty"` // "ZipFile", "Cos" or "Demo"
	Handler      string       `json:"Handler,omitempty"`    // not used by web functions
	Description  string       `json:"Description,omitempty"`
	MemorySize   int64        `json:"MemorySize,omitempty"`
	Timeout      int64        `json:"Timeout,omitempty"`
	Environment  *Environment `json:"Environment,omitempty"`
	Runtime      string       `json:"Runtime,omitempty"` // "Go1"
	Namespace    string       `json:"Namespace,omitempty"`
	Role         string       `json:"Role,omitempty"`
	Type         string       `json:"Type,omitempty"` // "HTTP" or "Event"
}

// UpdateFunctionCodeRequest: ZipFile is top-level here (its comment says at
// most 20 MB); CodeSource "ZipFile", "Cos" or "Inline".
type UpdateFunctionCodeRequest struct {
	FunctionName string `json:"FunctionName"`
	ZipFile      string `json:"ZipFile,omitempty"`
	CodeSource   string `json:"CodeSource,omitempty"`
	Namespace    string `json:"Namespace,omitempty"`
}

// UpdateFunctionConfigurationRequest replaces what it is given. Runtime is
// fixed at creation ("目前不支持修改").
type UpdateFunctionConfigurationRequest struct {
	FunctionName string       `json:"FunctionName"`
	Description  string       `json:"Description,omitempty"`
	MemorySize   int64        `json:"MemorySize,omitempty"`
	Timeout      int64        `json:"Timeout,omitempty"`
	Environment  *Environment `json:"Environment,omitempty"`
	Namespace    string       `json:"Namespace,omitempty"`
	Role         string       `json:"Role,omitempty"`
}

// GetFunctionRequest: Qualifier defaults to $LATEST, Namespace to default.
type GetFunctionRequest struct {
	FunctionName string `json:"FunctionName"`
	Qualifier    string `json:"Qualifier,omitempty"`
	Namespace    string `json:"Namespace,omitempty"`
}

// Function statuses (SCF "Function and Layer Status Description").
const (
	StatusCreating     = "Creating"
	StatusCreateFailed = "CreateFailed"
	StatusActive       = "Active"
	StatusUpdating     = "Updating"
	StatusUpdateFailed = "UpdateFailed"
)

// StatusReason is why a function is in a failed status.
type StatusReason struct {
	ErrorCode    string `json:"ErrorCode"`
	ErrorMessage string `json:"ErrorMessage"`
}

// Trigger is a trigger as GetFunction lists it. Enable is 0 or 1 here,
// although CreateTrigger takes "OPEN" or "CLOSE".
type Trigger struct {
	Type        string `json:"Type"`
	TriggerName string `json:"TriggerName"`
	TriggerDesc string `json:"TriggerDesc"` // JSON text
	Enable      int64  `json:"Enable"`
	Qualifier   string `json:"Qualifier"`
	AddTime     string `json:"AddTime,omitempty"`
	ModTime     string `json:"ModTime,omitempty"`
}

// GetFunctionResponse is the part of GetFunction's answer the deploy reads.
type GetFunctionResponse struct {
	FunctionName  string         `json:"FunctionName"`
	Namespace     string         `json:"Namespace"`
	Runtime       string         `json:"Runtime"`
	Type          string         `json:"Type"`
	MemorySize    int64          `json:"MemorySize"`
	Timeout       int64          `json:"Timeout"`
	Description   string         `json:"Description"`
	Role          string         `json:"Role"`
	Environment   Environment    `json:"Environment"`
	Status        string         `json:"Status"`
	StatusDesc    string         `json:"StatusDesc"`
	StatusReasons []StatusReason `json:"StatusReasons"`
	Triggers      []Trigger      `json:"Triggers"`
	ModTime       string         `json:"ModTime"`
	RequestId     string         `json:"RequestId"`
}

// CreateTriggerRequest: for a function URL Type is "http" (lower case),
// TriggerDesc the JSON text of an HTTPTriggerDesc, Enable "OPEN" or
// "CLOSE", Qualifier "$DEFAULT" (default $LATEST).
type CreateTriggerRequest struct {
	FunctionName string `json:"FunctionName"`
	TriggerName  string `json:"TriggerName"`
	Type         string `json:"Type"`
	TriggerDesc  string `json:"TriggerDesc,omitempty"`
	Namespace    string `json:"Namespace,omitempty"`
	Qualifier    string `json:"Qualifier,omitempty"`
	Enable       string `json:"Enable,omitempty"`
}

// TriggerInfo is a trigger as CreateTrigger and ListTriggers return it.
type TriggerInfo struct {
	Type            string `json:"Type"`
	TriggerName     string `json:"TriggerName"`
	TriggerDesc     string `json:"TriggerDesc"`
	Enable          int64  `json:"Enable"`
	Qualifier       string `json:"Qualifier"`
	AvailableStatus string `json:"AvailableStatus,omitempty"`
	AddTime         string `json:"AddTime,omitempty"`
	ModTime         string `json:"ModTime,omitempty"`
}

// CreateTriggerResponse holds the trigger made.
type CreateTriggerResponse struct {
	TriggerInfo TriggerInfo `json:"TriggerInfo"`
	RequestId   string      `json:"RequestId"`
}

// Filter narrows ListTriggers (names Qualifier, TriggerName, Description).
type Filter struct {
	Name   string   `json:"Name"`
	Values []string `json:"Values"`
}

// ListTriggersRequest: Limit defaults to 20.
type ListTriggersRequest struct {
	FunctionName string   `json:"FunctionName"`
	Namespace    string   `json:"Namespace,omitempty"`
	Offset       int64    `json:"Offset,omitempty"`
	Limit        int64    `json:"Limit,omitempty"`
	Filters      []Filter `json:"Filters,omitempty"`
}

// ListTriggersResponse is one page of triggers.
type ListTriggersResponse struct {
	TotalCount int64         `json:"TotalCount"`
	Triggers   []TriggerInfo `json:"Triggers"`
	RequestId  string        `json:"RequestId"`
}

// HTTPTriggerDesc is the TriggerDesc of a function URL (SCF "创建函数 URL",
// cloud.tencent.com/document/product/583/100227). The platform adds the
// URLs to NetConfig in what it returns.
type HTTPTriggerDesc struct {
	AuthType  string    `json:"AuthType"` // "NONE" or "CAM"
	NetConfig NetConfig `json:"NetConfig"`
}

// NetConfig says where a function URL answers and, returned, its URLs.
type NetConfig struct {
	EnableIntranet bool   `json:"EnableIntranet"`
	EnableExtranet bool   `json:"EnableExtranet"`
	ExtranetURL    string `json:"ExtranetUrl,omitempty"`
	IntranetURL    string `json:"IntranetUrl,omitempty"`
}

// DescribeRegionsRequest: Product names a product, "scf" here.
type DescribeRegionsRequest struct {
	Product string `json:"Product"`
}

// RegionInfo is one region; RegionState is "AVAILABLE" when usable.
type RegionInfo struct {
	Region      string `json:"Region"`
	RegionName  string `json:"RegionName"`
	RegionState string `json:"RegionState"`
}

// DescribeRegionsResponse lists the product's regions.
type DescribeRegionsResponse struct {
	TotalCount int64        `json:"TotalCount"`
	RegionSet  []RegionInfo `json:"RegionSet"`
	RequestId  string       `json:"RequestId"`
}
