package sip

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/sip/digest"
)

// credential is a line's credential with its HA1 under each algorithm.
type credential struct {
	devicedb.LineCredential
	ha1MD5, ha1SHA256 string
}

// ha1 returns the HA1 under alg (digest.MD5 or digest.SHA256).
func (c *credential) ha1(alg string) string {
	if alg == digest.SHA256 {
		return c.ha1SHA256
	}
	return c.ha1MD5
}

// credCacheMax bounds the credentials kept: enough for a boot storm of a
// large site, while 100,000 phones refreshing every half hour (about 55
// REGISTERs/s) cost a database read each for the ones evicted.
const credCacheMax = 20000

// credCache keeps the credentials of the lines that registered, keyed by
// auth user, so that a refresh costs no database read; at credCacheMax
// entries an eighth, picked at random, make room. It is emptied when
// the Directory's generation moves (an admin change). Unknown auth users are
// not cached: they are bounded by the auth throttle instead, and caching
// them would let a scanner fill memory.
type credCache struct {
	dir   Directory
	realm string

	mu  sync.RWMutex
	gen uint64
	m   map[string]*credential
}

func newCredCache(dir Directory, realm string) *credCache {
	return &credCache{dir: dir, realm: realm, gen: dir.Generation(), m: make(map[string]*credential)}
}

// cached returns the credential of authUser if it is cached and current.
func (c *credCache) cached(authUser string) (*credential, bool) {
	gen := c.dir.Generation()
	c.mu.RLock()
	defer c.mu.RUnlock()
	cr, ok := c.m[authUser]
	return cr, ok && c.gen == gen
}

// get returns the credential of authUser, nil without error when the auth
// user is unknown.
func (c *credCache) get(ctx context.Context, authUser string) (*credential, error) {
	if cr, ok := c.cached(authUser); ok {
		return cr, nil
	}
	gen := c.dir.Generation()
	c.mu.Lock()
	if c.gen != gen { // an admin change: every cached line may be stale
		c.m = make(map[string]*credential, len(c.m))
		c.gen = gen
	}
	c.mu.Unlock()
	lc, err := c.dir.LineByAuthUser(ctx, authUser)
	if errors.Is(err, devicedb.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	cr := &credential{LineCredential: *lc}
	// The Directory may hand back the name it was asked for, a substring
	// of the request's Authorization header: kept by the cache and by every
	// binding of the line, it would keep that whole header alive.
	cr.AuthUser = strings.Clone(cr.AuthUser)
	cr.ha1MD5 = digest.HA1(digest.MD5, lc.AuthUser, c.realm, lc.Password)
	cr.ha1SHA256 = digest.HA1(digest.SHA256, lc.AuthUser, c.realm, lc.Password)
	c.mu.Lock()
	// Keep it only if no admin change happened while it was read.
	if c.gen == gen && c.dir.Generation() == gen {
		if len(c.m) >= credCacheMax {
			n := 0
			for k := range c.m { // map order is random
				if n >= credCacheMax/8 {
					break
				}
				delete(c.m, k)
				n++
			}
		}
		c.m[cr.AuthUser] = cr
	}
	c.mu.Unlock()
	return cr, nil
}
