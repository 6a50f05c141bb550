// Package contenttype maps upload extensions to the Content-Type cosgate
// signs into an upload. The table is fixed (not the host's mime.types), so
// every platform signs the same type for the same extension.
package contenttype

import (
	"fmt"
	"mime"
	"strings"
)

var known = map[string]string{
	"jpg":  "image/jpeg",
	"jpeg": "image/jpeg",
	"png":  "image/png",
	"gif":  "image/gif",
	"webp": "image/webp",
	"heic": "image/heic",
	"heif": "image/heif",
	"bmp":  "image/bmp",
	"avif": "image/avif",
	"svg":  "image/svg+xml",
	"mp4":  "video/mp4",
	"mov":  "video/quicktime",
	"m4v":  "video/x-m4v",
	"webm": "video/webm",
	"mp3":  "audio/mpeg",
	"m4a":  "audio/mp4",
	"aac":  "audio/aac",
	"wav":  "audio/wav",
	"ogg":  "audio/ogg",
	"pdf":  "application/pdf",
	"txt":  "text/plain; charset=utf-8",
	"csv":  "text/csv; charset=utf-8",
	"json": "application/json",
	"zip":  "application/zip",
}

// Table is an allow-list of extensions and the type each is uploaded as.
type Table map[string]string

// Parse reads a list such as "jpg,png,dwg:application/acad": extensions
// (lower-cased, without a dot) with an optional explicit type.
func Parse(entries []string) (Table, error) {
	t := Table{}
	for i, e := range entries {
		ext, typ, explicit := strings.Cut(strings.TrimSpace(e), ":")
		ext = strings.ToLower(strings.TrimPrefix(ext, "."))
		if ext == "" || strings.Trim(ext, "abcdefghijklmnopqrstuvwxyz0123456789") != "" || len(ext) > 16 {
			return nil, fmt.Errorf("entry %d is not an extension (letters and digits)", i+1)
		}
		if !explicit {
			var ok bool
			if typ, ok = known[ext]; !ok {
				return nil, fmt.Errorf("entry %d has no known content type; write it as <ext>:<type>", i+1)
			}
		}
		if _, _, err := mime.ParseMediaType(typ); err != nil || !strings.Contains(typ, "/") {
			return nil, fmt.Errorf("entry %d does not name a valid content type", i+1)
		}
		t[ext] = typ
	}
	return t, nil
}

// Same reports whether two content types name the same media type, ignoring
// case and parameters ("image/JPEG" and "image/jpeg" agree; "image/jpg" and
// "image/jpeg" do not).
func Same(a, b string) bool {
	ma, _, errA := mime.ParseMediaType(a)
	mb, _, errB := mime.ParseMediaType(b)
	return errA == nil && errB == nil && ma == mb
}
