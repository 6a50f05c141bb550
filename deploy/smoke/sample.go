package smoke

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
)

// DefaultExt is the type the upload check sends: png is in the default
// UPLOAD_ALLOWED_EXT, where txt (the make dev walkthrough's) is not.
const DefaultExt = "png"

// sample is a small file of type ext, valid for its type, so that a bucket
// with image processing or a later viewer finds a real picture. Types
// without a built-in sample get a line of text: COS stores bytes as they
// are, and the check is that they come back unchanged.
func sample(ext string) []byte {
	img := image.NewGray(image.Rect(0, 0, 1, 1))
	img.SetGray(0, 0, color.Gray{Y: 0x80})
	var b bytes.Buffer
	switch strings.ToLower(ext) {
	case "png":
		png.Encode(&b, img)
	case "jpg", "jpeg":
		jpeg.Encode(&b, img, nil)
	case "gif":
		gif.Encode(&b, img, nil)
	default:
		b.WriteString("cosgate smoke check: this file may be deleted\n")
	}
	return b.Bytes()
}
