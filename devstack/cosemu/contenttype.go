package cosemu

import (
	"path"
	"strings"
)

// typeByExtension is the Content-Type an object gets when its upload names
// none: looked up by the key's extension (lower-cased) in this fixed table,
// else application/octet-stream. A fixed table, not mime.TypeByExtension,
// because that one also reads the machine's own MIME files and adds
// "; charset=utf-8" to text types, so its answer varies by machine and
// differs from COS's plain text/plain. Each type is the one registered
// for the extension, with the registration cited.
var typeByExtension = map[string]string{
	// Images.
	".jpg":  "image/jpeg",               // RFC 2046 §4.2, IANA image/jpeg
	".jpeg": "image/jpeg",               // RFC 2046 §4.2
	".png":  "image/png",                // IANA image/png (RFC 2083)
	".gif":  "image/gif",                // RFC 2046 §4.2
	".webp": "image/webp",               // RFC 9649
	".bmp":  "image/bmp",                // RFC 7903
	".svg":  "image/svg+xml",            // IANA image/svg+xml (W3C SVG registration)
	".heic": "image/heic",               // IANA image/heic (ISO/IEC 23008-12)
	".heif": "image/heif",               // IANA image/heif (ISO/IEC 23008-12)
	".avif": "image/avif",               // IANA image/avif (AOM AVIF)
	".ico":  "image/vnd.microsoft.icon", // IANA image/vnd.microsoft.icon
	".tif":  "image/tiff",               // RFC 3302
	".tiff": "image/tiff",               // RFC 3302
	// Audio and video.
	".mp4":  "video/mp4",       // RFC 4337
	".m4a":  "audio/mp4",       // RFC 4337
	".mov":  "video/quicktime", // IANA video/quicktime
	".webm": "video/webm",      // IANA video/webm (WebM project)
	".mp3":  "audio/mpeg",      // RFC 3003
	".aac":  "audio/aac",       // IANA audio/aac
	".wav":  "audio/wav",       // common usage; RFC 2361 registers audio/vnd.wave
	".ogg":  "audio/ogg",       // RFC 5334
	// Text.
	".txt":  "text/plain",      // RFC 2046 §4.1.3
	".html": "text/html",       // IANA text/html (WHATWG HTML)
	".htm":  "text/html",       // IANA text/html
	".css":  "text/css",        // RFC 2318
	".csv":  "text/csv",        // RFC 4180
	".md":   "text/markdown",   // RFC 7763
	".js":   "text/javascript", // RFC 9239
	".mjs":  "text/javascript", // RFC 9239
	// Documents and archives.
	".json": "application/json",                        // RFC 8259
	".xml":  "application/xml",                         // RFC 7303
	".pdf":  "application/pdf",                         // RFC 8118
	".zip":  "application/zip",                         // IANA application/zip
	".gz":   "application/gzip",                        // RFC 6713
	".wasm": "application/wasm",                        // IANA application/wasm (W3C)
	".apk":  "application/vnd.android.package-archive", // IANA
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}

// defaultContentType is the type of an upload that names none.
func defaultContentType(key string) string {
	if t, ok := typeByExtension[strings.ToLower(path.Ext(key))]; ok {
		return t
	}
	return "application/octet-stream"
}
