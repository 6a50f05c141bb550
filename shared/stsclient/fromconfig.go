package stsclient

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"cosgate/shared/apierr"
	"cosgate/shared/config"
)

// FromConfig builds the client a function calls STS with: signed by the
// permanent key when one is configured, else by the execution role's key
// that SCF injects (TENCENTCLOUD_SECRETID/…KEY/…SESSIONTOKEN), read through
// getenv at every call because the platform rotates it. region is used when
// STS_REGION is unset (the bucket's).
func FromConfig(
	c config.STSClient, k config.Key, region string, getenv func(string) string, logger *slog.Logger,
) (*Client, error) {
	source := roleKey(getenv)
	if k.Present() {
		key := Key{SecretID: k.SecretID.Reveal(), SecretKey: k.SecretKey.Reveal()}
		source = func() (Key, error) { return key, nil }
	}
	if c.Region != "" {
		region = c.Region
	}
	client, err := New(Options{
		Endpoint: c.Endpoint,
		Region:   region,
		Key:      source,
		Timeout:  c.Timeout.D(),
		Logger:   logger,
		HTTP:     &http.Client{Timeout: 2 * c.Timeout.D()},
	})
	if err != nil {
		return nil, config.Problemf("STS_ENDPOINT", "must be a host or an http(s) URL")
	}
	return client, nil
}

func roleKey(getenv func(string) string) KeySource {
	return func() (Key, error) {
		k := Key{
			SecretID:  getenv("TENCENTCLOUD_SECRETID"),
			SecretKey: getenv("TENCENTCLOUD_SECRETKEY"),
			Token:     getenv("TENCENTCLOUD_SESSIONTOKEN"),
		}
		if k.SecretID == "" || k.SecretKey == "" {
			return k, errors.New(
				"no COS_SECRET_ID/COS_SECRET_KEY and no execution role key (TENCENTCLOUD_SECRETID) to call STS with")
		}
		return k, nil
	}
}

// AsHTTP maps an STS failure to what a caller sees: a timeout is 504, a
// refusal 502. The STS code and RequestId stay with the error, for the log;
// the caller sees neither. Errors that are already an *apierr.Error pass.
func AsHTTP(err error) error {
	var own *apierr.Error
	if errors.As(err, &own) {
		return own
	}
	var e *Error
	if errors.As(err, &e) && e.Timeout || errors.Is(err, context.DeadlineExceeded) {
		return apierr.Wrap(apierr.UpstreamTimeout, err, "STS did not answer in time; try again")
	}
	return apierr.Wrap(apierr.UpstreamError, err, "STS refused to issue a temporary key; see the function's log")
}
