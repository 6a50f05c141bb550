package explain

import (
	"strings"

	"cosgate/devstack/trace"
)

// Advice is the likely cause of an error answer and what to do about it.
type Advice struct {
	Kind  string `json:"kind"` // a trace.Kind
	Cause string `json:"cause"`
	Fix   string `json:"fix"`
}

// byKind covers the refusals whose cause is the signature, the key or the
// grant: the ones COS's documentation spends three pages on.
var byKind = map[string]Advice{
	trace.KindMissing: {
		Cause: "The request carries no signature, and the object is not public-read.",
		Fix:   "Sign it: get a URL from /presign or /download, or sign with a temporary key from /sts.",
	},
	trace.KindMalformed: {
		Cause: "The Authorization (or the q-* parameters) cannot be read: a field is missing, repeated or mistyped.",
		Fix: "Send all seven fields: q-sign-algorithm=sha1, q-ak, q-sign-time, q-key-time, q-header-list, " +
			"q-url-param-list, q-signature; keep ';' in the times and URL-encode nothing else twice.",
	},
	trace.KindUnknownKey: {
		Cause: "The SecretId is not known to this account: a typo, a key from another account, " +
			"or a temporary key this STS never issued.",
		Fix: "Sign with the key /sts returned (tmpSecretId with its tmpSecretKey and sessionToken), " +
			"or check COS_SECRET_ID belongs to the bucket's account.",
	},
	trace.KindExpired: {
		Cause: "The signature's window (q-sign-time) ended before COS received the request.",
		Fix: "Sign just before use, or for longer (UPLOAD_EXPIRES for /presign, DOWNLOAD_EXPIRES for /download); " +
			"if the window looks right, the client's clock is behind: correct it from the Date header COS sends.",
	},
	trace.KindSkewed: {
		Cause: "The signature starts (or the Date header is) more than 15 minutes away from COS's clock.",
		Fix: "Set the signing machine's clock (NTP); the COS SDKs can correct their clock from the " +
			"ServerTime in this error (cos-js-sdk-v5: CorrectClockSkew).",
	},
	trace.KindMismatch: {
		Cause: "COS computed another signature from the request it received: the request differs from " +
			"what was signed (method, path, a signed header or parameter), or another SecretKey signed it.",
		Fix: "Compare COS's FormatString with the client's line by line: run `cosgate-dev explain` with the " +
			"URL (or Authorization), the error XML and, optionally, the SecretKey.",
	},
	trace.KindTokenMissing: {
		Cause: "A temporary SecretId was used without its session token.",
		Fix: "Send x-cos-security-token (the SDKs' SecurityToken / XCosSecurityToken) with every request " +
			"signed by a tmpSecretId.",
	},
	trace.KindTokenMismatch: {
		Cause: "The session token belongs to another temporary key.",
		Fix:   "Keep tmpSecretId, tmpSecretKey and sessionToken from the same /sts answer together.",
	},
	trace.KindTokenExpired: {
		Cause: "The temporary key's lifetime (expiredTime from /sts) is over.",
		Fix: "Ask /sts again before expiredTime; getAuthorization in the SDKs does when given " +
			"ExpiredTime and StartTime.",
	},
	trace.KindDenied: {
		Cause: "The key's CAM policy does not allow this action on this object: the action is missing " +
			"from the grant, or the key is outside the granted prefix (allowPrefix), or a condition fails.",
		Fix: "Find which: an upload outside the prefix /sts granted goes under STS_ALLOW_PREFIX (or let /presign " +
			"choose the key); an action the grant lacks is added to STS_ALLOW_ACTIONS; a read goes through /download; " +
			"an x-cos-acl other than private is refused on uploads. The console names the action and the statement.",
	},
	trace.KindPolicy: {
		Cause: "The POST form breaks its own signed policy: a field differs from the policy, the file's " +
			"size is out of range, or the policy's expiration has passed.",
		Fix: "Send the fields /presign returned unchanged, keep the file within the size given, and use " +
			"the form before expiredTime.",
	},
}

// byCode covers every other code the emulators answer (and real COS, STS
// and WeChat answer with the same codes).
var byCode = map[string]Advice{
	// COS
	"SignatureDoesNotMatch": byKind[trace.KindMismatch],
	"RequestTimeTooSkewed":  byKind[trace.KindSkewed],
	"ExpiredToken":          byKind[trace.KindTokenExpired],
	"InvalidPolicyDocument": {
		Cause: "The POST form's policy is not valid base64 JSON with conditions.",
		Fix:   "Send the policy field exactly as /presign returned it.",
	},
	"NoSuchKey": {
		Cause: "There is no object with this key.",
		Fix:   "Check the key (case, leading slash, URL-encoding); the upload may have failed or not finished.",
	},
	"NoSuchUpload": {
		Cause: "The multipart upload id is unknown: completed, aborted, or never initiated here.",
		Fix:   "Start a new multipart upload; keep the UploadId from InitiateMultipartUpload.",
	},
	"FileAlreadyExists": {
		Cause: "The key is taken and the upload asked not to overwrite (x-cos-forbid-overwrite: true).",
		Fix:   "Ask /presign for a fresh key, or delete the object first.",
	},
	"PreconditionFailed": {
		Cause: "A condition of the request did not hold: If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since, or their x-cos-copy-source-If-* forms on a copy.",
		Fix:   "Read the object's current ETag or Last-Modified and retry with it, or send the request without the condition.",
	},
	"InvalidRequest": {
		Cause: "The request is not valid as a whole: for a copy, copying an object onto itself without changing anything (x-cos-metadata-directive Copy).",
		Fix:   "Copy to another key, or send x-cos-metadata-directive: Replaced with the new metadata.",
	},
	"IncompleteBody": {
		Cause: "The body is shorter than its Content-Length: the connection broke mid-upload.",
		Fix:   "Retry the upload.",
	},
	"BadDigest": {
		Cause: "The Content-MD5 does not match the body received.",
		Fix:   "Compute Content-MD5 (base64 of the MD5 bytes) over exactly the bytes sent.",
	},
	"InvalidDigest": {
		Cause: "The Content-MD5 is not base64 of 16 bytes.",
		Fix:   "Send base64(md5(body)), not hex.",
	},
	"EntityTooLarge": {
		Cause: "The body is larger than the size signed into the URL or the form's policy.",
		Fix:   "Ask /presign with the file's real size; UPLOAD_MAX_BYTES caps it.",
	},
	"EntityTooSmall": {
		Cause: "A multipart part other than the last is under 1 MB, or a form upload is under its minimum.",
		Fix:   "Use parts of at least 1 MB (the SDKs' SliceSize).",
	},
	"MetadataTooLarge": {
		Cause: "The x-cos-meta-* headers exceed 2 KB.",
		Fix:   "Send less metadata.",
	},
	"KeyTooLong": {
		Cause: "The object key is over 850 bytes.",
		Fix:   "Use a shorter key.",
	},
	"InvalidObjectName": {
		Cause: "The key is not valid UTF-8, starts with '/' or '\\', or holds control characters.",
		Fix:   "Let /presign choose the key, or strip the leading slash.",
	},
	"MalformedPOSTRequest": {
		Cause: "The POST body is not well-formed multipart/form-data.",
		Fix:   "Send a FormData with the fields first and the file last.",
	},
	"IncorrectNumberOfFilesInPostRequest": {
		Cause: "A POST upload must carry exactly one file field.",
		Fix:   "Append the file once, as the last field named file.",
	},
	"MalformedXML": {
		Cause: "The CompleteMultipartUpload XML is not well formed.",
		Fix:   "Let the SDK build the part list.",
	},
	"InvalidPart": {
		Cause: "A part listed in CompleteMultipartUpload was not uploaded, or its ETag differs.",
		Fix:   "List the parts with the ETags UploadPart returned.",
	},
	"InvalidPartOrder": {
		Cause: "The part list is not in ascending part-number order.",
		Fix:   "Sort the parts by PartNumber.",
	},
	"InvalidArgument": {
		Cause: "A parameter or header has a value COS does not accept.",
		Fix:   "Read the Message: it names the argument.",
	},
	"NoSuchBucket": {
		Cause: "The host or path names another bucket than this one.",
		Fix:   "Check COS_BUCKET (<name>-<appid>) and COS_REGION.",
	},
	"MethodNotAllowed": {
		Cause: "This method is not allowed on this resource.",
		Fix:   "Use GET, HEAD, PUT, POST or DELETE as the operation requires.",
	},
	"NotImplemented": {
		Cause: "The local emulator does not implement this operation (real COS may).",
		Fix:   "Test the operation against real COS (make dev-cloud).",
	},
	"InternalError": {
		Cause: "The server failed.",
		Fix:   "Retry; if it repeats, report it with the RequestId.",
	},

	// STS (API 3.0 answers)
	"AuthFailure.SignatureExpire": {
		Cause: "The TC3 signature's X-TC-Timestamp is more than 5 minutes from STS's clock.",
		Fix:   "Set the clock of the machine calling STS (NTP).",
	},
	"AuthFailure.SignatureFailure": {
		Cause: "STS computed another TC3-HMAC-SHA256 signature: wrong SecretKey, or the body or headers changed.",
		Fix:   "Check COS_SECRET_KEY belongs to COS_SECRET_ID.",
	},
	"AuthFailure.SecretIdNotFound": {
		Cause: "STS does not know the SecretId.",
		Fix:   "Check COS_SECRET_ID (a deleted or disabled key answers the same).",
	},
	"AuthFailure.InvalidAuthorization": {
		Cause: "The TC3 Authorization header cannot be read.",
		Fix:   "Sign with TC3-HMAC-SHA256 (tencentcloud-sdk-go does).",
	},
	"AuthFailure.TokenFailure": {
		Cause: "A temporary key called STS without its token, with another key's token, or after it expired.",
		Fix:   "Send X-TC-Token with temporary keys, or call GetFederationToken with a permanent key.",
	},
	"AuthFailure": {
		Cause: "STS could not check the signature.",
		Fix:   "Sign with TC3-HMAC-SHA256 (tencentcloud-sdk-go does).",
	},
	"UnsupportedProtocol": {
		Cause: "STS is called with API 3.0 only: POST, a JSON body, TC3-HMAC-SHA256.",
		Fix:   "Use tencentcloud-sdk-go's sts client, or STS_ENDPOINT pointing at an API 3.0 endpoint.",
	},
	"NoSuchVersion": {
		Cause: "X-TC-Version is not 2018-08-13.",
		Fix:   "Use the sts package of tencentcloud-sdk-go.",
	},
	"InvalidAction": {
		Cause: "The X-TC-Action is not an STS action.",
		Fix:   "Call GetFederationToken or AssumeRole.",
	},
	"FailedOperation.TempKeyNotAllowed": {
		Cause: "GetFederationToken was called with a temporary key.",
		Fix:   "Give the sts function a permanent key (COS_SECRET_ID/COS_SECRET_KEY) or use STS_ROLE_ARN.",
	},
	"MissingParameter": {
		Cause: "A required STS parameter (Name or Policy) is missing.",
		Fix:   "Send Name, Policy and DurationSeconds.",
	},
	"InvalidParameter": {
		Cause: "The STS request body is not the action's JSON parameters.",
		Fix:   "Send the action's parameters as JSON.",
	},
	"InvalidParameter.ParamError": {
		Cause: "RoleArn or RoleSessionName is malformed.",
		Fix:   "STS_ROLE_ARN is qcs::cam::uin/<uin>:roleName/<name>; session names are 2–128 of [\\w+=,.@-].",
	},
	"InvalidParameterValue": {
		Cause: "DurationSeconds is not positive.",
		Fix:   "Set STS_DURATION to at least 1 second.",
	},
	"InvalidParameter.OverTimeError": {
		Cause: "DurationSeconds is over the limit (7200 for GetFederationToken, 43200 for AssumeRole).",
		Fix:   "Lower STS_DURATION.",
	},
	"InvalidParameter.StrategyFormatError": {
		Cause: "The policy is not valid CAM policy JSON, URL-encoded.",
		Fix:   "Check STS_ALLOW_ACTIONS and the prefixes; the Message names the problem.",
	},
	"InvalidParameter.ResouceError": {
		Cause: "A policy resource is not a qcs::<service>:<region>:<account>:<resource> string.",
		Fix:   "Check COS_BUCKET and COS_REGION.",
	},
	"InvalidParameter.GrantOtherResource": {
		Cause: "The policy grants resources of another account than the key's.",
		Fix:   "COS_BUCKET's appid must be the account of COS_SECRET_ID.",
	},

	// WeChat jscode2session errcodes
	"40029": {
		Cause: "The login code is not valid for this mini program.",
		Fix:   "Send the code wx.login() just returned, from the mini program whose AppID is WX_APPID.",
	},
	"40163": {
		Cause: "The login code was already used: each code signs in once.",
		Fix:   "Call wx.login() again for a fresh code.",
	},
	"45011": {
		Cause: "WeChat's per-minute quota for jscode2session is reached.",
		Fix:   "Retry after a minute; keep tokens instead of signing in on every launch.",
	},
	"40226": {
		Cause: "WeChat marks this user as high risk and refuses the sign-in.",
		Fix:   "Nothing in cosgate; the user must resolve it with WeChat.",
	},
	"-1": {
		Cause: "WeChat was busy.",
		Fix:   "Retry; the login function already retries once.",
	},
	"40013": {
		Cause: "WX_APPID is not a valid AppID.",
		Fix:   "Set WX_APPID to the mini program's AppID.",
	},
	"40002": {
		Cause: "grant_type is not authorization_code.",
		Fix:   "The login function sends it; a hand-written call must too.",
	},
	"41002": {
		Cause: "The appid parameter is missing.",
		Fix:   "Set WX_APPID.",
	},
	"41004": {
		Cause: "The secret parameter is missing.",
		Fix:   "Set WX_APPSECRET.",
	},
	"41008": {
		Cause: "The js_code parameter is missing.",
		Fix:   "Send the code from wx.login() in the /login body.",
	},
	"40125": {
		Cause: "WX_APPSECRET is not the AppSecret of WX_APPID.",
		Fix:   "Reset and copy the AppSecret from the mini program's console.",
	},
}

// ForCode names the likely cause of an error code. Codes that COS uses for
// several causes (AccessDenied, InvalidAccessKeyId) are told apart by the
// message, as COS words them.
func ForCode(code, message string) (Advice, bool) {
	if k := kindOf(code, message); k != "" {
		a := byKind[k]
		a.Kind = k
		return a, true
	}
	a, ok := byCode[code]
	if ok {
		a.Kind = trace.KindRequest
	}
	return a, ok
}

// ForReason is ForCode for a refusal whose reason the emulator recorded. A
// CAM denial gets the fix for its action and for the part of the grant that
// refused it (see ForDenial).
func ForReason(code string, r *trace.Reason) (Advice, bool) {
	if r != nil && r.Kind == trace.KindDenied && r.Denial != nil {
		return ForDenial(*r.Denial), true
	}
	if r != nil {
		if a, ok := byKind[r.Kind]; ok {
			a.Kind = r.Kind
			return a, true
		}
	}
	msg := ""
	if r != nil {
		msg = r.Detail
	}
	return ForCode(code, msg)
}

// kindOf reads the cause from the code and COS's message.
func kindOf(code, message string) string {
	m := strings.ToLower(message)
	switch code {
	case "AccessDenied":
		switch {
		case strings.Contains(m, "request has expired"):
			return trace.KindExpired
		case strings.Contains(m, "signature empty"):
			return trace.KindMissing
		case strings.Contains(m, "authorization is not valid"), strings.Contains(m, "invalid authorization"):
			return trace.KindMalformed
		case strings.Contains(m, "post object"), strings.Contains(m, "condition key"):
			return trace.KindPolicy
		}
		return trace.KindDenied
	case "InvalidAccessKeyId":
		switch {
		case strings.Contains(m, "security-token") && strings.Contains(m, "must come"):
			return trace.KindTokenMissing
		case strings.Contains(m, "does not belong"):
			return trace.KindTokenMismatch
		}
		return trace.KindUnknownKey
	case "SignatureDoesNotMatch":
		return trace.KindMismatch
	case "RequestTimeTooSkewed":
		return trace.KindSkewed
	case "ExpiredToken":
		return trace.KindTokenExpired
	}
	return ""
}
