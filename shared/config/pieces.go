package config

import (
	"fmt"
	"regexp"
	"strings"

	"cosgate/shared/cossign"
	"cosgate/shared/logging"
)

// COS is the bucket and the permanent key used to sign and to call STS.
type COS struct {
	SecretID  logging.Secret `env:"COS_SECRET_ID,required,notEmpty"`
	SecretKey logging.Secret `env:"COS_SECRET_KEY,required,notEmpty"`
	Bucket    string         `env:"COS_BUCKET,required,notEmpty"` // <name>-<appid>
	Region    string         `env:"COS_REGION,required,notEmpty"` // e.g. ap-guangzhou
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

// Credentials is the permanent key as signing credentials.
func (c COS) Credentials() cossign.Credentials {
	return cossign.Credentials{SecretID: c.SecretID.Reveal(), SecretKey: c.SecretKey.Reveal()}
}

// Auth says how a caller's uid is known.
type Auth struct {
	Mode      string         `env:"AUTH_MODE" envDefault:"jwt"` // jwt, wxcloud or none
	JWTSecret logging.Secret `env:"AUTH_JWT_SECRET"`
}

func (a *Auth) validate() []string {
	switch a.Mode {
	case "jwt":
		if len(a.JWTSecret) == 0 {
			return []string{"AUTH_JWT_SECRET is required when AUTH_MODE is jwt"}
		}
	case "wxcloud", "none":
	default:
		return []string{"AUTH_MODE must be jwt, wxcloud or none"}
	}
	return nil
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
	RoleARN      string   `env:"STS_ROLE_ARN"`
	Duration     Duration `env:"STS_DURATION" envDefault:"1800s"`
	AllowPrefix  string   `env:"STS_ALLOW_PREFIX" envDefault:"uploads/{uid}/*"`
	AllowActions []string `env:"STS_ALLOW_ACTIONS" envSeparator:"," envDefault:"name/cos:PutObject,name/cos:PostObject"`
}

func (s *STS) validate() []string {
	var p []string
	if d := s.Duration.D().Seconds(); d < 1 || d > 129600 {
		p = append(p, "STS_DURATION must be between 1s and 36h")
	}
	if len(s.AllowActions) == 0 {
		p = append(p, "STS_ALLOW_ACTIONS must name at least one action")
	}
	return p
}

// Upload configures pre-signed uploads.
type Upload struct {
	Prefix     string   `env:"UPLOAD_PREFIX" envDefault:"uploads/{uid}/"`
	AllowedExt []string `env:"UPLOAD_ALLOWED_EXT" envSeparator:"," envDefault:"jpg,jpeg,png,gif,webp,heic,heif,bmp,mp4,mov,m4v,webm"`
	MaxBytes   int64    `env:"UPLOAD_MAX_BYTES" envDefault:"20971520"`
	Expires    Duration `env:"UPLOAD_EXPIRES" envDefault:"600s"`
}

func (u *Upload) validate() []string {
	var p []string
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
		STS  STS
		Auth Auth
		HTTP HTTP
	}
	PresignFunction struct {
		COS    COS
		Upload Upload
		Auth   Auth
		HTTP   HTTP
	}
	DownloadFunction struct {
		COS      COS
		Download Download
		Auth     Auth
		HTTP     HTTP
	}
)

// String keeps %v of a whole configuration safe to print.
func (c COS) String() string {
	return fmt.Sprintf("{Bucket:%s Region:%s Endpoint:%s PathStyle:%v SecretID:%s SecretKey:%s}",
		c.Bucket, c.Region, c.Endpoint, c.PathStyle, c.SecretID, c.SecretKey)
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
