package config

import (
	"regexp"
	"strings"
	"time"

	"cosgate/shared/campolicy"
	"cosgate/shared/contenttype"
	"cosgate/shared/cossign"
	"cosgate/shared/identity"
	"cosgate/shared/logging"
)

// COS is the bucket.
type COS struct {
	Bucket string `env:"COS_BUCKET,required,notEmpty"` // <name>-<appid>
	Region string `env:"COS_REGION,required,notEmpty"` // e.g. ap-guangzhou
	// Endpoint is the base URL of object URLs: a custom or CDN domain, or a
	// local emulator. Default https://<bucket>.cos.<region>.myqcloud.com.
	Endpoint  string `env:"COS_ENDPOINT"`
	PathStyle bool   `env:"COS_PATH_STYLE" envDefault:"false"`
}

var (
	bucketRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*-[0-9]+$`)
	regionRE = regexp.MustCompile(`^[a-z]+(-[a-z0-9]+)+$`)
)

func (c *COS) validate() []string {
	var p []string
	if c.Bucket != "" && !bucketRE.MatchString(c.Bucket) {
		p = append(p, "COS_BUCKET must be <name>-<appid>, e.g. examplebucket-1250000000")
	}
	if c.Region != "" && !regionRE.MatchString(c.Region) {
		p = append(p, "COS_REGION must be a region id such as ap-guangzhou")
	}
	if c.Endpoint != "" {
		if _, err := cossign.ParseEndpoint(c.Endpoint, c.Bucket, c.PathStyle); err != nil {
			p = append(p, "COS_ENDPOINT must be scheme://host[:port] with no path")
		}
	}
	return p
}

// AppID is the account's APPID: the digits after the bucket name's last '-'.
func (c COS) AppID() string { return c.Bucket[strings.LastIndexByte(c.Bucket, '-')+1:] }

// ObjectEndpoint is where object URLs point.
func (c COS) ObjectEndpoint() cossign.Endpoint {
	if c.Endpoint == "" {
		e := cossign.DefaultEndpoint(c.Bucket, c.Region)
		if c.PathStyle {
			e.Host, e.Bucket = "cos."+c.Region+".myqcloud.com", c.Bucket
		}
		return e
	}
	e, _ := cossign.ParseEndpoint(c.Endpoint, c.Bucket, c.PathStyle) // checked by validate
	return e
}

// Bucket describes the bucket to the policy builder.
func (c COS) PolicyBucket(allowBucketWide bool) campolicy.Bucket {
	return campolicy.Bucket{Region: c.Region, Name: c.Bucket, AppID: c.AppID(), AllowBucketWide: allowBucketWide}
}

// Key is the permanent key (a sub-account's, ideally limited to the
// bucket) that signs URLs and calls STS. Never logged.
type Key struct {
	SecretID  logging.Secret `env:"COS_SECRET_ID"`
	SecretKey logging.Secret `env:"COS_SECRET_KEY"`
}

// Present reports whether both halves are set.
func (k Key) Present() bool { return k.SecretID != "" && k.SecretKey != "" }

// missing names the halves that are not set.
func (k Key) missing() []string {
	var p []string
	if k.SecretID == "" {
		p = append(p, "COS_SECRET_ID is not set")
	}
	if k.SecretKey == "" {
		p = append(p, "COS_SECRET_KEY is not set")
	}
	return p
}

// Credentials is the key as signing credentials.
func (k Key) Credentials() cossign.Credentials {
	return cossign.Credentials{SecretID: k.SecretID.Reveal(), SecretKey: k.SecretKey.Reveal()}
}

// Auth says how a caller's uid is known.
type Auth struct {
	Mode      string         `env:"AUTH_MODE" envDefault:"jwt"` // jwt, wxcloud or none
	JWTSecret logging.Secret `env:"AUTH_JWT_SECRET"`            // HS256
	// JWTPublicKey is a PEM public key for RS256 (RSA) or ES256 (P-256).
	JWTPublicKey string `env:"AUTH_JWT_PUBLIC_KEY"`
	JWTIssuer    string `env:"AUTH_JWT_ISSUER"`
	JWTAudience  string `env:"AUTH_JWT_AUDIENCE"`
}

func (a *Auth) validate() []string {
	switch a.Mode {
	case "jwt":
		if len(a.JWTSecret) == 0 && a.JWTPublicKey == "" {
			return []string{"AUTH_JWT_SECRET is required when AUTH_MODE is jwt (or AUTH_JWT_PUBLIC_KEY)"}
		}
		if n := len(a.JWTSecret); n > 0 && n < 32 {
			return []string{"AUTH_JWT_SECRET must be at least 32 bytes (256 bits) for HS256"}
		}
		if _, err := a.Authenticator(); err != nil {
			return []string{"AUTH_JWT_PUBLIC_KEY is not usable: " + err.Error()}
		}
	case "wxcloud", "none":
	default:
		return []string{"AUTH_MODE must be jwt, wxcloud or none"}
	}
	return nil
}

// Authenticator builds the configured authenticator.
func (a Auth) Authenticator() (identity.Authenticator, error) {
	switch a.Mode {
	case "wxcloud":
		return identity.WXCloud{}, nil
	case "none":
		return identity.Anonymous{}, nil
	}
	return identity.NewJWT(identity.JWTConfig{Secret: []byte(a.JWTSecret.Reveal()), PublicKeyPEM: a.JWTPublicKey, Issuer: a.JWTIssuer, Audience: a.JWTAudience})
}

// templates checks key templates against the mode: with AUTH_MODE=none
// there is no uid, so no template may use {uid}.
func (a Auth) templates(vars map[string][]string) []string {
	var p []string
	for name, ts := range vars {
		for _, t := range ts {
			tpl, err := identity.ParseTemplate(t)
			switch {
			case err != nil:
				p = append(p, name+" is not a valid template: "+err.Error())
			case tpl.HasUID() && a.Mode == "none":
				p = append(p, name+" uses {uid}, which AUTH_MODE=none cannot fill")
			case tpl.HasUID() && !tpl.UIDEndsSegment():
				// "uploads/{uid}" as a prefix would let u1 reach u10's keys.
				p = append(p, name+" must follow {uid} with '/', so one caller's prefix never covers another's")
			}
		}
	}
	return p
}

// HTTP configures the shared middleware.
type HTTP struct {
	// AllowOrigins are the browser origins allowed by CORS ("*" for any).
	AllowOrigins []string `env:"CORS_ALLOW_ORIGINS" envSeparator:","`
	MaxBodyBytes int64    `env:"HTTP_MAX_BODY_BYTES" envDefault:"65536"`
}

func (h *HTTP) validate() []string {
	var p []string
	for i, o := range h.AllowOrigins {
		h.AllowOrigins[i] = strings.TrimSpace(o)
		if o := h.AllowOrigins[i]; o != "*" && !strings.HasPrefix(o, "https://") && !strings.HasPrefix(o, "http://") {
			p = append(p, "CORS_ALLOW_ORIGINS entries must be * or origins such as https://app.example.com")
		}
	}
	if h.MaxBodyBytes < 1024 || h.MaxBodyBytes > 6<<20 {
		p = append(p, "HTTP_MAX_BODY_BYTES must be between 1024 and 6291456")
	}
	return p
}

// STS configures temporary-key issuance.
type STS struct {
	Endpoint     string   `env:"STS_ENDPOINT" envDefault:"sts.tencentcloudapi.com"`
	Region       string   `env:"STS_REGION"` // X-TC-Region; the bucket's region when unset
	RoleARN      string   `env:"STS_ROLE_ARN"`
	Duration     Duration `env:"STS_DURATION" envDefault:"1800s"`
	Timeout      Duration `env:"STS_TIMEOUT" envDefault:"3s"`
	AllowPrefix  string   `env:"STS_ALLOW_PREFIX" envDefault:"uploads/{uid}/*"`
	AllowActions []string `env:"STS_ALLOW_ACTIONS" envSeparator:"," envDefault:"name/cos:PutObject,name/cos:PostObject"`
	// AllowBucketWide must be set, on purpose, for a prefix of "" or "*".
	AllowBucketWide bool `env:"STS_ALLOW_BUCKET_WIDE" envDefault:"false"`
	// Upload conditions written into the policy.
	MaxBytes        int64  `env:"STS_CONDITION_MAX_BYTES" envDefault:"0"`
	ContentType     string `env:"STS_CONDITION_CONTENT_TYPE"`
	ForbidOverwrite bool   `env:"STS_FORBID_OVERWRITE" envDefault:"false"`
	// CacheSize bounds the in-memory credential cache; 0 turns it off.
	CacheSize int `env:"STS_CACHE_SIZE" envDefault:"1024"`
}

func (s *STS) validate() []string {
	var p []string
	for i := range s.AllowActions {
		s.AllowActions[i] = strings.TrimSpace(s.AllowActions[i])
	}
	if d := s.Duration.D().Seconds(); d < 1 || d > 129600 {
		p = append(p, "STS_DURATION must be between 1s and 36h")
	}
	if t := s.Timeout.D(); t < 100*time.Millisecond || t > 30*time.Second {
		p = append(p, "STS_TIMEOUT must be between 100ms and 30s")
	}
	if len(s.AllowActions) == 0 {
		p = append(p, "STS_ALLOW_ACTIONS must name at least one action")
	} else if err := campolicy.ValidateActions(s.AllowActions); err != nil {
		p = append(p, "STS_ALLOW_ACTIONS: "+err.Error())
	}
	if s.MaxBytes < 0 {
		p = append(p, "STS_CONDITION_MAX_BYTES must not be negative")
	}
	if (s.MaxBytes > 0 || s.ContentType != "" || s.ForbidOverwrite) && campolicy.HasMultipart(s.AllowActions) {
		// Parts are checked one by one, so a cap set on PutObject would not
		// hold for an upload made of parts.
		p = append(p, "STS_CONDITION_MAX_BYTES, STS_CONDITION_CONTENT_TYPE and STS_FORBID_OVERWRITE cannot be enforced on multipart uploads; drop them or the multipart actions from STS_ALLOW_ACTIONS")
	}
	if s.CacheSize < 0 {
		p = append(p, "STS_CACHE_SIZE must not be negative")
	}
	return p
}

// Conditions is the policy's upload conditions.
func (s STS) Conditions() campolicy.Conditions {
	return campolicy.Conditions{MaxBytes: s.MaxBytes, ContentType: s.ContentType, ForbidOverwrite: s.ForbidOverwrite}
}

// Upload configures pre-signed uploads.
type Upload struct {
	Prefix string `env:"UPLOAD_PREFIX" envDefault:"uploads/{uid}/"`
	// AllowedExt lists extensions, each optionally with its type (dwg:application/acad).
	AllowedExt []string `env:"UPLOAD_ALLOWED_EXT" envSeparator:"," envDefault:"jpg,jpeg,png,gif,webp,heic,heif,bmp,mp4,mov,m4v,webm"`
	MaxBytes   int64    `env:"UPLOAD_MAX_BYTES" envDefault:"20971520"`
	Expires    Duration `env:"UPLOAD_EXPIRES" envDefault:"600s"`
	// ClientKeys lets callers name the key (under their prefix) instead of
	// taking a server-chosen one.
	ClientKeys bool `env:"UPLOAD_CLIENT_KEYS" envDefault:"false"`
}

// Types is the extension allow-list with each extension's content type.
func (u Upload) Types() contenttype.Table {
	t, _ := contenttype.Parse(u.AllowedExt) // checked by validate
	return t
}

func (u *Upload) validate() []string {
	var p []string
	if _, err := contenttype.Parse(u.AllowedExt); err != nil && len(u.AllowedExt) > 0 {
		p = append(p, "UPLOAD_ALLOWED_EXT: "+err.Error())
	}
	if u.MaxBytes < 1 || u.MaxBytes > 5<<30 {
		p = append(p, "UPLOAD_MAX_BYTES must be between 1 and 5368709120 (5 GiB, the POST Object limit)")
	}
	if d := u.Expires.D().Seconds(); d < 1 || d > 7*86400 {
		p = append(p, "UPLOAD_EXPIRES must be between 1s and 7 days")
	}
	if len(u.AllowedExt) == 0 {
		p = append(p, "UPLOAD_ALLOWED_EXT must name at least one extension")
	}
	return p
}

// Download configures download redirects.
type Download struct {
	AllowPrefixes []string `env:"DOWNLOAD_ALLOW_PREFIXES" envSeparator:"," envDefault:"uploads/{uid}/"`
	Expires       Duration `env:"DOWNLOAD_EXPIRES" envDefault:"300s"`
	// ImageProcess lists the image-processing operations a caller may ask
	// for (?process=…), e.g. imageMogr2/thumbnail/200x/. None by default.
	ImageProcess []string `env:"DOWNLOAD_IMAGE_PROCESS" envSeparator:","`
}

func (d *Download) validate() []string {
	var p []string
	if s := d.Expires.D().Seconds(); s < 1 || s > 7*86400 {
		p = append(p, "DOWNLOAD_EXPIRES must be between 1s and 7 days")
	}
	if len(d.AllowPrefixes) == 0 {
		p = append(p, "DOWNLOAD_ALLOW_PREFIXES must name at least one prefix")
	}
	return p
}

// Function configurations: what each binary reads.
type (
	STSFunction struct {
		COS  COS
		Key  Key // optional with STS_ROLE_ARN: the platform's role key is used
		STS  STS
		Auth Auth
		HTTP HTTP
	}
	PresignFunction struct {
		COS    COS
		Key    Key
		Upload Upload
		Auth   Auth
		HTTP   HTTP
	}
	DownloadFunction struct {
		COS      COS
		Key      Key
		Download Download
		Auth     Auth
		HTTP     HTTP
	}
)

func (f *STSFunction) validate() []string {
	var p []string
	if !f.Key.Present() && f.STS.RoleARN == "" {
		p = append(p, f.Key.missing()...)
	}
	p = append(p, f.Auth.templates(map[string][]string{"STS_ALLOW_PREFIX": {f.STS.AllowPrefix}})...)
	// Check the prefix as a policy pattern, with a stand-in uid.
	sample := identity.Template(f.STS.AllowPrefix).For(identity.Caller{UID: "u"})
	if f.COS.Bucket != "" {
		if err := f.COS.PolicyBucket(f.STS.AllowBucketWide).CheckPattern(sample); err != nil {
			p = append(p, "STS_ALLOW_PREFIX: "+err.Error())
		}
	}
	return p
}

func (f *PresignFunction) validate() []string {
	p := f.Key.missing()
	return append(p, f.Auth.templates(map[string][]string{"UPLOAD_PREFIX": {f.Upload.Prefix}})...)
}

func (f *DownloadFunction) validate() []string {
	p := f.Key.missing()
	return append(p, f.Auth.templates(map[string][]string{"DOWNLOAD_ALLOW_PREFIXES": f.Download.AllowPrefixes})...)
}

// Runtime configures the process itself; the platform layer reads it.
type Runtime struct {
	// Port and ListenHost apply off-platform; an SCF web function always
	// listens on 0.0.0.0:9000.
	Port       int    `env:"PORT" envDefault:"8080"`
	ListenHost string `env:"LISTEN_HOST" envDefault:"0.0.0.0"`
	LogLevel   string `env:"LOG_LEVEL" envDefault:"info"` // debug, info, warn or error
}

func (r *Runtime) validate() []string {
	var p []string
	if r.Port < 1 || r.Port > 65535 {
		p = append(p, "PORT must be between 1 and 65535")
	}
	switch r.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		p = append(p, "LOG_LEVEL must be debug, info, warn or error")
	}
	return p
}
