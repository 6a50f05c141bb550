package config

import (
	"errors"
	"net/url"
	"strings"
	"time"

	"cosgate/shared/logging"
)

// COS is the bucket.
type COS struct {
	Bucket string `env:"COS_BUCKET,required,notEmpty"` // <name>-<appid>
	Region string `env:"COS_REGION,required,notEmpty"` // e.g. ap-guangzhou
	// Endpoint is the base URL of object URLs: a custom or CDN domain, or a
	// local emulator. Default https://<bucket>.cos.<region>.myqcloud.com.
	Endpoint  string `env:"COS_ENDPOINT"`
	PathStyle bool   `env:"COS_PATH_STYLE"               envDefault:"false"`
}

// The forms below are checked by loops rather than with package regexp:
// compiling three patterns at package init cost every start 0.3-0.5 ms
// (GODEBUG=inittrace=1), for checks read once. pieces_test.go holds the
// patterns they must agree with, on every string of up to six bytes.

// bucketForm: <name>-<appid>, ^[a-z0-9][a-z0-9-]*-[0-9]+$.
func bucketForm(s string) bool {
	dash := strings.LastIndexByte(s, '-')
	if dash < 1 || dash == len(s)-1 || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(lowerAlnum(c) || c == '-') || (i > dash && !digit(c)) {
			return false
		}
	}
	return true
}

// regionForm: letters, then one or more -parts, ^[a-z]+(-[a-z0-9]+)+$.
func regionForm(s string) bool {
	parts := strings.Split(s, "-")
	if len(parts) < 2 {
		return false
	}
	for i, p := range parts {
		if p == "" {
			return false
		}
		for j := 0; j < len(p); j++ {
			if !lowerAlnum(p[j]) || (i == 0 && digit(p[j])) {
				return false
			}
		}
	}
	return true
}

func digit(c byte) bool      { return '0' <= c && c <= '9' }
func lowerAlnum(c byte) bool { return digit(c) || 'a' <= c && c <= 'z' }

// Validate checks the bucket and region forms; cossign reads the endpoint.
func (c COS) Validate() error {
	var errs []error
	if c.Bucket != "" && !bucketForm(c.Bucket) {
		errs = append(errs, Problemf("COS_BUCKET", "must be <name>-<appid>, e.g. examplebucket-1250000000"))
	}
	if c.Region != "" && !regionForm(c.Region) {
		errs = append(errs, Problemf("COS_REGION", "must be a region id such as ap-guangzhou"))
	}
	return errors.Join(errs...)
}

// AppID is the account's APPID: the digits after the bucket name's last '-'.
func (c COS) AppID() string { return c.Bucket[strings.LastIndexByte(c.Bucket, '-')+1:] }

// Key is the permanent key (a sub-account's, ideally limited to the
// bucket) that signs URLs and calls STS. Never logged.
type Key struct {
	SecretID  logging.Secret `env:"COS_SECRET_ID"`
	SecretKey logging.Secret `env:"COS_SECRET_KEY"`
}

// Present reports whether both halves are set.
func (k Key) Present() bool { return k.SecretID != "" && k.SecretKey != "" }

// Validate requires both halves.
func (k Key) Validate() error {
	var errs []error
	if k.SecretID == "" {
		errs = append(errs, Problemf("COS_SECRET_ID", "is not set"))
	}
	if k.SecretKey == "" {
		errs = append(errs, Problemf("COS_SECRET_KEY", "is not set"))
	}
	return errors.Join(errs...)
}

// STSClient is how a function calls STS: sts for the keys it hands out,
// presign for the short-lived keys it signs uploads with.
type STSClient struct {
	Endpoint string   `env:"STS_ENDPOINT" envDefault:"sts.tencentcloudapi.com"`
	Region   string   `env:"STS_REGION"` // X-TC-Region; the bucket's region when unset
	RoleARN  string   `env:"STS_ROLE_ARN"`
	Timeout  Duration `env:"STS_TIMEOUT"  envDefault:"3s"`
}

// Validate checks the timeout.
func (s STSClient) Validate() error {
	return inRange("STS_TIMEOUT", s.Timeout, 100*time.Millisecond, 30*time.Second, "100ms and 30s")
}

// STS configures temporary-key issuance.
type STS struct {
	STSClient
	Duration    Duration `env:"STS_DURATION"               envDefault:"1800s"`
	AllowPrefix string   `env:"STS_ALLOW_PREFIX"           envDefault:"uploads/{uid}/*"`
	// AllowActions are groups (upload, multipart, read, delete) or single
	// actions; the default lets the stock SDKs' putObject, postObject,
	// uploadFile and sliceUploadFile (with resume) work for any size.
	AllowActions List `env:"STS_ALLOW_ACTIONS"          envDefault:"upload,multipart"`
	// AllowBucketWide must be set, on purpose, for a prefix of "" or "*".
	AllowBucketWide bool `env:"STS_ALLOW_BUCKET_WIDE"      envDefault:"false"`
	// Upload conditions written into the policy.
	MaxBytes        int64  `env:"STS_CONDITION_MAX_BYTES"    envDefault:"0"`
	ContentType     string `env:"STS_CONDITION_CONTENT_TYPE"`
	ForbidOverwrite bool   `env:"STS_FORBID_OVERWRITE"       envDefault:"false"`
	// CacheSize bounds the in-memory credential cache; 0 turns it off.
	CacheSize int `env:"STS_CACHE_SIZE"             envDefault:"1024"`
	// ScopesPerMinute bounds the distinct scopes one caller may ask for in a
	// minute (per function instance): each is an STS call.
	ScopesPerMinute int `env:"STS_SCOPES_PER_MINUTE"      envDefault:"20"`
}

// Validate checks ranges. The actions and the prefix are checked by
// campolicy when the function is built.
func (s STS) Validate() error {
	var errs []error
	errs = append(errs,
		inRange("STS_DURATION", s.Duration, time.Second, 36*time.Hour, "1s and 36h"),
		s.STSClient.Validate())
	if len(s.AllowActions) == 0 {
		errs = append(errs, Problemf("STS_ALLOW_ACTIONS", "must name at least one action"))
	}
	if s.MaxBytes < 0 {
		errs = append(errs, Problemf("STS_CONDITION_MAX_BYTES", "must not be negative"))
	}
	if s.CacheSize < 0 {
		errs = append(errs, Problemf("STS_CACHE_SIZE", "must not be negative"))
	}
	if s.ScopesPerMinute < 1 {
		errs = append(errs, Problemf("STS_SCOPES_PER_MINUTE", "must be at least 1"))
	}
	return errors.Join(errs...)
}

// Extensions is the extension allow-list: what may be uploaded, and the
// type a download is served as.
type Extensions struct {
	// AllowedExt lists extensions, each optionally with its type (dwg:application/acad).
	AllowedExt List `env:"UPLOAD_ALLOWED_EXT" envDefault:"jpg,jpeg,png,gif,webp,heic,heif,bmp,mp4,mov,m4v,webm"`
}

// Validate requires an extension.
func (e Extensions) Validate() error {
	if len(e.AllowedExt) == 0 {
		return Problemf("UPLOAD_ALLOWED_EXT", "must name at least one extension")
	}
	return nil
}

// Upload configures pre-signed uploads.
type Upload struct {
	Prefix string `env:"UPLOAD_PREFIX"      envDefault:"uploads/{uid}/"`
	Extensions
	MaxBytes int64    `env:"UPLOAD_MAX_BYTES"   envDefault:"20971520"`
	Expires  Duration `env:"UPLOAD_EXPIRES"     envDefault:"600s"`
	// ClientKeys lets callers name the key (under their prefix) instead of
	// taking a server-chosen one.
	ClientKeys bool `env:"UPLOAD_CLIENT_KEYS" envDefault:"false"`
}

// Validate checks ranges. The extensions are read by contenttype when the
// function is built.
func (u Upload) Validate() error {
	errs := []error{u.Extensions.Validate()}
	if u.MaxBytes < 1 || u.MaxBytes > 5<<30 {
		errs = append(
			errs,
			Problemf("UPLOAD_MAX_BYTES", "must be between 1 and 5368709120 (5 GiB, the POST Object limit)"),
		)
	}
	// An upload is signed with a temporary key that lives twice this long,
	// and STS's GetFederationToken gives at most 2 h.
	errs = append(errs, inRange("UPLOAD_EXPIRES", u.Expires, time.Second, time.Hour, "1s and 1h"))
	return errors.Join(errs...)
}

// Download configures download redirects.
type Download struct {
	Extensions
	ReadPrefixes
	Expires Duration `env:"DOWNLOAD_EXPIRES" envDefault:"300s"`
	// ImageProcess lists the image-processing operations a caller may ask
	// for (?process=…), e.g. imageMogr2/thumbnail/200x/. None by default.
	ImageProcess List `env:"DOWNLOAD_IMAGE_PROCESS"`
}

// Validate checks ranges.
func (d Download) Validate() error {
	return errors.Join(d.Extensions.Validate(), d.ReadPrefixes.Validate(),
		inRange("DOWNLOAD_EXPIRES", d.Expires, time.Second, 7*24*time.Hour, "1s and 7 days"))
}

// WeChat is the mini program the login function signs callers in for.
type WeChat struct {
	AppID     string         `env:"WX_APPID,required,notEmpty"`
	AppSecret logging.Secret `env:"WX_APPSECRET,required,notEmpty"`
	// Endpoint is WeChat's API base URL; the local stack points it at its
	// emulator.
	Endpoint string `env:"WX_API_ENDPOINT"                envDefault:"https://api.weixin.qq.com"`
	// Timeout bounds the whole exchange with WeChat, its one retry included.
	Timeout Duration `env:"WX_TIMEOUT"                     envDefault:"5s"`
}

// appIDForm: a mini program's AppID is "wx" and 16 letters or digits,
// ^wx[0-9A-Za-z]{16}$.
func appIDForm(s string) bool {
	if len(s) != 18 || !strings.HasPrefix(s, "wx") {
		return false
	}
	for i := 2; i < len(s); i++ {
		if c := s[i]; !lowerAlnum(c) && !('A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// Validate checks the AppID's form, the endpoint's shape and the timeout.
func (w WeChat) Validate() error {
	var errs []error
	if w.AppID != "" && !appIDForm(w.AppID) {
		errs = append(errs, Problemf("WX_APPID", "must be the mini program's AppID: wx and 16 letters or digits"))
	}
	if u, err := url.Parse(w.Endpoint); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		strings.TrimSuffix(u.Path, "/") != "" || u.RawQuery != "" || u.User != nil {
		errs = append(errs, Problemf("WX_API_ENDPOINT", "must be scheme://host[:port], e.g. https://api.weixin.qq.com"))
	}
	errs = append(errs, inRange("WX_TIMEOUT", w.Timeout, 100*time.Millisecond, 30*time.Second, "100ms and 30s"))
	return errors.Join(errs...)
}

// Login configures the tokens the login function mints and the uid it
// puts in them.
type Login struct {
	// PrivateKey signs ES256 tokens: one P-256 key, PEM or one-line base64
	// DER, the newest. The other functions then hold only
	// AUTH_JWT_PUBLIC_KEY, which lists the old public key beside the new one
	// while tokens signed with the old are still out there.
	PrivateKey logging.Secret `env:"LOGIN_JWT_PRIVATE_KEY"`
	// Secret signs HS256 tokens, with its first secret, when there is no
	// private key.
	Secret logging.Secret `env:"AUTH_JWT_SECRET"`
	// PublicKey, when set here too, must list the private key's public half:
	// a mismatched pair stops the function at start-up, not at every call.
	PublicKey string   `env:"AUTH_JWT_PUBLIC_KEY"`
	Issuer    string   `env:"AUTH_JWT_ISSUER"`
	Audience  string   `env:"AUTH_JWT_AUDIENCE"`
	TokenTTL  Duration `env:"LOGIN_TOKEN_TTL"       envDefault:"24h"`
	// UID is how the uid comes from WeChat's answer: pseudonym, openid or
	// unionid.
	UID string `env:"LOGIN_UID"             envDefault:"pseudonym"`
	// UIDSecret keys the pseudonym. Changing it changes every uid, and with
	// it every caller's prefix.
	UIDSecret logging.Secret `env:"LOGIN_UID_SECRET"`
	// AllowHS256 says AUTH_JWT_SECRET beside a key is meant (see oneKind).
	AllowHS256 bool `env:"AUTH_JWT_ALLOW_HS256"  envDefault:"false"`
}

// Secrets are AUTH_JWT_SECRET's secrets, newest first: login signs with
// the first.
func (l Login) Secrets() []string { return splitSecrets(l.Secret) }

// Validate checks that a signing key is there, the lifetime and the uid
// mode. The keys themselves are read when the function is built.
func (l Login) Validate() error {
	var errs []error
	switch {
	case l.PrivateKey == "" && len(l.Secrets()) == 0:
		errs = append(errs, Problemf("LOGIN_JWT_PRIVATE_KEY", "or AUTH_JWT_SECRET is required to sign tokens"))
	case l.PrivateKey == "":
		errs = append(errs, checkSecrets(l.Secret), oneKind(l.Secret, l.AllowHS256, "AUTH_JWT_PUBLIC_KEY", l.PublicKey != ""))
	default:
		errs = append(errs, oneKind(l.Secret, l.AllowHS256, "LOGIN_JWT_PRIVATE_KEY", true))
	}
	errs = append(errs, inRange("LOGIN_TOKEN_TTL", l.TokenTTL, time.Minute, 7*24*time.Hour, "1m and 7 days"))
	switch l.UID {
	case "pseudonym", "unionid":
		// unionid falls back to the pseudonym when WeChat sends none.
		if len(l.UIDSecret) < 32 {
			errs = append(errs, Problemf("LOGIN_UID_SECRET", "must be at least 32 bytes when LOGIN_UID is %s", l.UID))
		}
	case "openid":
	default:
		errs = append(errs, Problemf("LOGIN_UID", "must be pseudonym, openid or unionid"))
	}
	return errors.Join(errs...)
}

// GrantBytes is what /sts charges to the daily byte quota per grant: the
// most one upload may be.
type GrantBytes struct {
	MaxBytes int64 `env:"UPLOAD_MAX_BYTES" envDefault:"20971520"`
}

// Sign configures the sign function's signatures and multipart records.
type Sign struct {
	// Expires is each signature's life from now (server clock): the SDK asks
	// again for every request, so it need only cover one request's start.
	Expires Duration `env:"SIGN_EXPIRES"        envDefault:"120s"`
	// MultipartLife is how long a multipart upload begun through /sign may
	// be continued (parts, list, complete, abort), and how long its record
	// and running size are kept.
	MultipartLife Duration `env:"SIGN_MULTIPART_LIFE" envDefault:"24h"`
}

// Validate checks ranges.
func (s Sign) Validate() error {
	return errors.Join(
		inRange("SIGN_EXPIRES", s.Expires, 10*time.Second, 15*time.Minute, "10s and 15m"),
		inRange("SIGN_MULTIPART_LIFE", s.MultipartLife, time.Hour, 7*24*time.Hour, "1h and 7 days"),
	)
}

// ReadPrefixes are the prefixes a caller may read under: what /download
// redirects to and what /sign signs reads for.
type ReadPrefixes struct {
	AllowPrefixes List `env:"DOWNLOAD_ALLOW_PREFIXES" envDefault:"uploads/{uid}/"`
}

// Validate requires a prefix.
func (r ReadPrefixes) Validate() error {
	if len(r.AllowPrefixes) == 0 {
		return Problemf("DOWNLOAD_ALLOW_PREFIXES", "must name at least one prefix")
	}
	return nil
}

// SignGrant is what a caller may ask /sign to sign: /sts's grant, read
// from the same variables, so one deployment grants one thing whichever
// way the SDK gets its credentials.
type SignGrant struct {
	AllowPrefix  string `env:"STS_ALLOW_PREFIX"  envDefault:"uploads/{uid}/*"`
	AllowActions List   `env:"STS_ALLOW_ACTIONS" envDefault:"upload,multipart"`
}

// Function configurations: what each binary reads.
type (
	STSFunction struct {
		COS    COS
		Key    Key // optional with STS_ROLE_ARN: the platform's role key is used
		STS    STS
		Auth   Auth
		HTTP   HTTP
		Limits Limits
		Grant  GrantBytes // charged to LIMIT_UPLOAD_BYTES_PER_DAY per grant
	}
	PresignFunction struct {
		COS    COS
		Key    Key
		Upload Upload
		STS    STSClient // uploads are signed with short-lived keys from STS
		Auth   Auth
		HTTP   HTTP
		Limits Limits
	}
	DownloadFunction struct {
		COS      COS
		Key      Key
		Download Download
		STS      STSClient // downloads are signed with short-lived keys from STS
		Auth     Auth
		HTTP     HTTP
		Limits   Limits
	}
	// SignFunction signs each SDK request it allows with a short-lived key
	// from STS whose policy is the caller's grant.
	SignFunction struct {
		COS    COS
		Key    Key
		Upload Upload
		Reads  ReadPrefixes
		Grant  SignGrant
		Sign   Sign
		STS    STSClient
		Auth   Auth
		HTTP   HTTP
		Limits Limits
	}
	// LoginFunction holds no COS key: it talks only to WeChat.
	LoginFunction struct {
		WeChat WeChat
		Login  Login
		HTTP   HTTP
		Limits Limits
	}
)

// Validate checks every piece; the key may be missing when a role is set.
func (f STSFunction) Validate() error {
	key := f.Key.Validate()
	if f.STS.RoleARN != "" && f.Key.SecretID == "" && f.Key.SecretKey == "" {
		key = nil
	}
	return errors.Join(
		f.COS.Validate(),
		key,
		f.STS.Validate(),
		f.Auth.Validate(),
		f.HTTP.Validate(),
		f.Limits.Validate(),
	)
}

// Validate checks every piece.
func (f PresignFunction) Validate() error {
	return errors.Join(
		f.COS.Validate(), f.Key.Validate(), f.Upload.Validate(), f.STS.Validate(), f.Auth.Validate(), f.HTTP.Validate(),
		f.Limits.Validate())
}

// Validate checks every piece.
func (f SignFunction) Validate() error {
	return errors.Join(f.COS.Validate(), f.Key.Validate(), f.Upload.Validate(), f.Reads.Validate(),
		f.Sign.Validate(), f.STS.Validate(), f.Auth.Validate(), f.HTTP.Validate(), f.Limits.Validate())
}

// Validate checks every piece.
func (f DownloadFunction) Validate() error {
	return errors.Join(f.COS.Validate(), f.Key.Validate(), f.Download.Validate(), f.Auth.Validate(), f.HTTP.Validate(),
		f.Limits.Validate())
}

// Validate checks every piece.
func (f LoginFunction) Validate() error {
	return errors.Join(f.WeChat.Validate(), f.Login.Validate(), f.HTTP.Validate(), f.Limits.Validate())
}

// Runtime configures the process itself; the platform layer reads it.
type Runtime struct {
	// Port and ListenHost set the plain HTTP listener; unset, it is
	// 0.0.0.0:8080, or 0.0.0.0:9000 in an SCF web function.
	Port       int    `env:"PORT"`
	ListenHost string `env:"LISTEN_HOST"`
	LogLevel   string `env:"LOG_LEVEL"        envDefault:"info"` // debug, info, warn or error
	// Platform names where the binary runs instead of detecting it
	// (scripts/scf_bootstrap sets scf-web).
	Platform string `env:"COSGATE_PLATFORM"`
}

// Validate checks the port and the level.
func (r Runtime) Validate() error {
	var errs []error
	if r.Port < 0 || r.Port > 65535 {
		errs = append(errs, Problemf("PORT", "must be between 1 and 65535"))
	}
	switch r.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, Problemf("LOG_LEVEL", "must be debug, info, warn or error"))
	}
	switch r.Platform {
	case "", "scf-event", "scf-web", "aws-lambda", "http":
	default:
		errs = append(errs, Problemf("COSGATE_PLATFORM", "must be scf-event, scf-web, aws-lambda or http"))
	}
	return errors.Join(errs...)
}
