package cosemu

import (
	"net/http"
	"strings"

	"cosgate/devstack/cam"
)

// Data processing on download, and what CAM action each needs beyond
// GetObject, as COS documents it:
//
//   - Image processing (?imageMogr2/…, and the other CI image operations
//     named as a parameter without a value): cos:GetObject alone ("下载时处理:
//     授权策略中 action 设置为 cos:GetObject", cloud.tencent.com/document/
//     api/436/44884). So a signature that does not cover an added
//     ?imageMogr2/… cannot stop it; the emulator serves the original bytes.
//   - ci-process=<op>: cos:GetObject and the operation's ci: action, on the
//     ci resource of the key; AISuperResolution needs
//     ci:CreateSuperResolutionJob (cloud.tencent.com/document/api/460/83793).
//     For an operation not in ciActions the emulator requires
//     name/ci:<op> (its choice, in the README): some ci: action, which a key
//     granted only cos: actions never holds.
//
// The permanent key may do anything, processing included.

// ciActions maps a documented ci-process operation to its CAM action.
var ciActions = map[string]string{
	"AISuperResolution": "name/ci:CreateSuperResolutionJob",
}

// ciAction is the action ci-process=op needs besides GetObject.
func ciAction(op string) string {
	if a, ok := ciActions[op]; ok {
		return a
	}
	return "name/ci:" + op
}

// ciResource is the CI resource of a key (the six-segment form of the CI
// authorization pages, cloud.tencent.com/document/product/460/41741).
func (s *Server) ciResource(key string) string {
	return "qcs::ci:" + s.cfg.Region + ":uid/" + s.appID + ":bucket/" + s.cfg.Bucket + "/" + key
}

// authorizeProcessing applies a temporary key's policy to the processing a
// GET asks for, after GetObject has been allowed.
func (s *Server) authorizeProcessing(r *http.Request, rc *reqContext, p principal) *apiError {
	if p.root || r.Method != http.MethodGet {
		return nil
	}
	vs, ok := rc.query["ci-process"]
	if !ok {
		return nil
	}
	op := ""
	if len(vs) > 0 {
		op = strings.TrimSpace(vs[0])
	}
	if op == "" {
		return errInvalidArgument.with("ci-process needs an operation.")
	}
	req := cam.Request{Action: ciAction(op), Resource: s.ciResource(rc.key), Value: values(r, rc, nil)}
	if p.key.Policy.Allows(req) {
		return nil
	}
	return errDenied.because(s.denial(p.key.Policy, req, rc.key))
}
