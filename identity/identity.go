// Package identity is glimpse's Keystone v3 subset: password checks, scoped tokens with
// effective roles, revocation, and the bootstrap of the first domain, project, user, roles
// and catalog. Service implements glimpse.TokenService.
package identity

import (
	"context"
	"log/slog"
	"time"

	"github.com/glimpse-image/glimpse"
)

// DefaultTTL is the lifetime of a token when New is given none (Keystone's [token]
// expiration default: 3600 s).
const DefaultTTL = time.Hour

// RefreshInterval is how often Run reads the revocation events other nodes wrote.
const RefreshInterval = 2 * time.Second

// Service issues and validates tokens (glimpse.TokenService). Tokens are sealed with
// AES-256-GCM (see token.go), so validation reads no database: it opens the token, checks
// its expiry, and checks the in-memory revocation cache, which Run keeps current.
type Service struct {
	store       glimpse.IdentityStore
	revocations glimpse.RevocationStore
	codec       *codec
	ttl         time.Duration
	logger      *slog.Logger
	now         func() time.Time // the clock; tests replace it

	revoked revocationCache
}

var _ glimpse.TokenService = (*Service)(nil)

// New returns a token service over store and revocations. keys are KeySize-byte secrets:
// keys[0] seals new tokens and every key opens tokens (rotation: put a new key first and
// keep the old ones until their tokens have expired). ttl is the token lifetime (≤ 0 means
// DefaultTTL). New panics when keys is empty or a key is not KeySize bytes: a configuration
// error the caller must check first.
//
// The revocation cache is filled by Run (call it in a goroutine for the life of the
// process); until the first refresh has succeeded, ValidateToken performs it itself once.
func New(store glimpse.IdentityStore, revocations glimpse.RevocationStore, keys [][]byte, ttl time.Duration, logger *slog.Logger) *Service {
	c, err := newCodec(keys)
	if err != nil {
		panic(err)
	}
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Service{store: store, revocations: revocations, codec: c, ttl: ttl, logger: logger,
		now: time.Now, revoked: revocationCache{seen: map[revocationKey]struct{}{}}}
}

// TTL returns the token lifetime.
func (s *Service) TTL() time.Duration { return s.ttl }

// ValidateToken returns the principal of a valid token. Errors: ENOTFOUND "Could not
// recognize Fernet token" for a token no key opens, ENOTFOUND "Failed to validate token" for
// an expired or revoked one (Keystone's 404s on GET /v3/auth/tokens).
func (s *Service) ValidateToken(ctx context.Context, token string) (*glimpse.Principal, error) {
	p, err := s.codec.open(token)
	if err != nil {
		return nil, err
	}
	if !s.now().Before(p.ExpiresAt) {
		return nil, glimpse.Errorf(glimpse.ENOTFOUND, msgInvalidToken)
	}
	if !s.revoked.isLoaded() {
		if err := s.Refresh(ctx); err != nil {
			return nil, err
		}
	}
	if s.revoked.revokes(p) {
		return nil, glimpse.Errorf(glimpse.ENOTFOUND, msgInvalidToken)
	}
	return p, nil
}
