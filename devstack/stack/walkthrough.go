package stack

import (
	"fmt"
	"strings"
)

// signedHeaders are the headers /presign returns for a .txt upload, as curl
// flags.
const signedHeaders = `-H 'Content-Type: text/plain; charset=utf-8' -H 'x-cos-forbid-overwrite: true' ` +
	`-H 'x-cos-acl: private' -H 'Cache-Control: private' -H 'Content-Disposition: attachment'`

// Walkthrough is the copy-paste session make dev prints: a sign-in as a
// mini program does it, a temporary key, a pre-signed upload, the upload,
// the download. It needs only sh, curl and sed, and is run as written by
// the tests, twice in one shell: each paste signs in with a new code (the
// emulator takes each once), as the same openid.
func Walkthrough(functionsURL string) string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	w("F=%s", functionsURL)
	w("")
	w("# 1. Sign in as a mini program does, with a code from wx.login(); the WeChat emulator takes")
	w("#    dev-<openid>, each code once; dev-<openid>.<n> is another code, so each paste makes a new <n>")
	w("#    from the shell's pid and the clock (the uid, the openid's pseudonym, stays the same)")
	w(`N=$$$(date +%%s%%N | sed 's/[^0-9]//g')`)
	w(`L=$(curl -s -X POST "$F/login" -H 'Content-Type: application/json' -d "{\"code\":\"dev-walker.$N\"}"); echo "$L"`)
	w(`TOKEN=$(printf '%%s' "$L" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')`)
	w("")
	w("# 2. A temporary key limited to your prefix (what cos-wx-sdk-v5's getAuthorization fetches)")
	w(`curl -s -X POST "$F/sts" -H "Authorization: Bearer $TOKEN"; echo`)
	w("")
	w("# 3. A pre-signed PUT for a 14-byte text file; the server picks the key")
	w(
		`P=$(curl -s -X POST "$F/presign" -H "Authorization: Bearer $TOKEN" ` +
			`-H 'Content-Type: application/json' -d '{"ext":"txt","size":14}'); echo "$P"`,
	)
	w(`URL=$(printf '%%s' "$P" | sed -n 's/.*"url":"\([^"]*\)".*/\1/p')`)
	w(`KEY=$(printf '%%s' "$P" | sed -n 's/.*"key":"\([^"]*\)".*/\1/p')`)
	w("")
	w("# 4. Upload with exactly the signed headers (curl adds Content-Length: 14)")
	w(`printf 'hello, cosgate' | curl -s -i -X PUT "$URL" ` + signedHeaders + ` --data-binary @-`)
	w("")
	w("# 5. The same URL again: refused, the key is taken (409 FileAlreadyExists)")
	w(`printf 'hello, cosgate' | curl -s -X PUT "$URL" ` + signedHeaders + ` --data-binary @-; echo`)
	w("")
	w("# 6. Download: a 302 to a short-lived signed GET, followed")
	w(`curl -s -L "$F/download?key=$KEY" -H "Authorization: Bearer $TOKEN"; echo`)
	return b.String()
}
