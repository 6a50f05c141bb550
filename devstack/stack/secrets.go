package stack

import (
	"fmt"
	"net"
	"slices"

	"cosgate/shared/config"
)

// SecretsVariable is the opt-in that lets make dev take its signing
// secrets from the environment: SecretsVariable=env.
const SecretsVariable = "COSGATE_DEV_SECRETS"

// SigningVariables decide whose tokens the stack mints and accepts, and
// which uid an openid becomes: the keys login signs with and the
// functions verify with, the secret keying the uid pseudonym, and the
// issuer and audience written into and required of tokens. Taken from a
// shell holding production values, the local stack (whose WeChat emulator
// signs in any openid, whose console mints any uid) would hand out tokens
// production accepts, for real users' uids. The issuer and audience are no
// secrets, but they belong to the keys: a development token claiming the
// production issuer is one a verifier sharing a key would take, and left
// without the production keys they would only make the stack refuse its own
// development tokens.
var SigningVariables = []string{
	"AUTH_JWT_SECRET",
	"AUTH_JWT_PUBLIC_KEY",
	"LOGIN_JWT_PRIVATE_KEY",
	"LOGIN_UID_SECRET",
	"AUTH_JWT_ISSUER",
	"AUTH_JWT_AUDIENCE",
}

// FromEnvironment picks the functions' variables from an environment
// (lookup is os.LookupEnv), to override Defaults. Without the opt-in
// (COSGATE_DEV_SECRETS=env) it leaves out SigningVariables, so the stack
// signs with its development keys whatever the shell holds, and ignored
// names them, for the banner. fromEnv reports the opt-in: then Start must
// be told (Options.SecretsFromEnv), and keeps every listener on loopback.
func FromEnvironment(lookup func(string) (string, bool)) (env map[string]string, ignored []string, fromEnv bool, err error) {
	switch v, _ := lookup(SecretsVariable); v {
	case "":
	case "env":
		fromEnv = true
	default:
		return nil, nil, false, fmt.Errorf("%s is %.20q: set it to env, or unset it for the development keys", SecretsVariable, v)
	}
	env = map[string]string{}
	for _, name := range config.Variables() {
		v, ok := lookup(name)
		if !ok {
			continue
		}
		if !fromEnv && slices.Contains(SigningVariables, name) {
			continue
		}
		env[name] = v
	}
	if !fromEnv {
		for _, name := range SigningVariables {
			if _, ok := lookup(name); ok {
				ignored = append(ignored, name)
			}
		}
	}
	return env, ignored, fromEnv, nil
}

// DevelopmentSecrets reports whether the stack signs with Defaults' keys
// (and Defaults' uid secret, and no issuer or audience): then no token it
// mints is valid anywhere else.
func (s *Stack) DevelopmentSecrets() bool {
	d := Defaults()
	for _, name := range SigningVariables {
		if s.Env[name] != d[name] {
			return false
		}
	}
	return true
}

// allLoopback checks that every listener is on loopback, for the
// environment's secrets: a stack minting tokens production may accept must
// not be reachable from the network.
func allLoopback(lns []net.Listener) error {
	for _, ln := range lns {
		a, ok := ln.Addr().(*net.TCPAddr)
		if !ok || !a.IP.IsLoopback() {
			return fmt.Errorf("%s=env keeps every listener on loopback; %s is not", SecretsVariable, ln.Addr())
		}
	}
	return nil
}
