package scfdeploy

import "encoding/base64"

// encode is Code.ZipFile's encoding: standard base64 of the zip's bytes.
func encode(zip []byte) string { return base64.StdEncoding.EncodeToString(zip) }
