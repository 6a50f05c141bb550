// Package tempkeys is the emulated account's record of the temporary keys
// STS issued: the STS emulator adds them, the COS emulator checks requests
// against them (token, expiry, policy).
package tempkeys

import (
	"sync"
	"time"

	"cosgate/devstack/cam"
)

// Key is one issued temporary key.
type Key struct {
	SecretID, SecretKey, Token string
	Policy                     cam.Policy // the policy it was issued with
	Expires                    time.Time
	Name                       string // federated name or role session
}

// Registry is safe for concurrent use.
type Registry struct {
	mu   sync.RWMutex
	keys map[string]Key
}

// New returns an empty registry.
func New() *Registry { return &Registry{keys: map[string]Key{}} }

// Add records a key.
func (r *Registry) Add(k Key) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keys[k.SecretID] = k
}

// Get finds a key by its SecretId.
func (r *Registry) Get(id string) (Key, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	k, ok := r.keys[id]
	return k, ok
}
