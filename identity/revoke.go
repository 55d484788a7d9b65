package identity

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/glimpse-image/glimpse"
)

// revocationKey identifies one event in the cache (time.Time is not a safe map key).
type revocationKey struct {
	auditID, userID, projectID string
	issuedBefore, expiresAt    int64
}

func keyOf(r glimpse.Revocation) revocationKey {
	return revocationKey{r.AuditID, r.UserID, r.ProjectID, r.IssuedBefore.UnixNano(), r.ExpiresAt.UnixNano()}
}

// revocationCache is the in-memory copy of the unexpired revocation events.
type revocationCache struct {
	mu       sync.RWMutex
	events   []glimpse.Revocation
	seen     map[revocationKey]struct{}
	loaded   bool
	lastPoll time.Time // the clock value when the last successful refresh started
	polls    int
}

func (c *revocationCache) isLoaded() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.loaded
}

// add puts events into the cache, ignoring those already there.
func (c *revocationCache) add(events ...glimpse.Revocation) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range events {
		k := keyOf(r)
		if _, ok := c.seen[k]; ok {
			continue
		}
		c.seen[k] = struct{}{}
		c.events = append(c.events, r)
	}
}

// forgetExpired drops the events that expired before now.
func (c *revocationCache) forgetExpired(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = slices.DeleteFunc(c.events, func(r glimpse.Revocation) bool {
		if r.ExpiresAt.Before(now) {
			delete(c.seen, keyOf(r))
			return true
		}
		return false
	})
}

// revokes reports whether an event matches p: every non-empty field of the event matches
// (AuditID against any of p's audit ids, so that revoking a token also revokes the tokens
// rescoped from it) and p was issued at or before the event's IssuedBefore.
func (c *revocationCache) revokes(p *glimpse.Principal) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, r := range c.events {
		if r.AuditID == "" && r.UserID == "" && r.ProjectID == "" {
			continue
		}
		if r.AuditID != "" && !slices.Contains(p.AuditIDs, r.AuditID) {
			continue
		}
		if r.UserID != "" && r.UserID != p.UserID {
			continue
		}
		if r.ProjectID != "" && r.ProjectID != p.ProjectID {
			continue
		}
		if p.IssuedAt.After(r.IssuedBefore) {
			continue
		}
		return true
	}
	return false
}

// refreshOverlap is how far back each poll reaches before the previous one, so that events
// inserted while a poll ran, or stamped by a slightly different clock, are not missed.
const refreshOverlap = 30 * time.Second

// purgeEvery is how many polls pass between two purges of expired events in the store.
const purgeEvery = 900 // 30 min at RefreshInterval

// Refresh reads the revocation events written since the previous refresh (all unexpired
// events the first time) into the cache, and forgets expired ones. Run calls it every
// RefreshInterval; tests call it directly.
func (s *Service) Refresh(ctx context.Context) error {
	start := s.now()
	c := &s.revoked
	c.mu.RLock()
	since, loaded := c.lastPoll.Add(-refreshOverlap), c.loaded
	c.mu.RUnlock()
	if !loaded {
		since = time.Time{}
	}
	events, err := s.revocations.FindRevocations(ctx, since)
	if err != nil {
		return fmt.Errorf("identity: refresh revocations: %w", err)
	}
	c.add(events...)
	c.forgetExpired(start)
	c.mu.Lock()
	c.loaded, c.lastPoll = true, start
	c.polls++
	purge := c.polls%purgeEvery == 0
	c.mu.Unlock()
	if purge {
		if err := s.revocations.PurgeRevocations(ctx, start); err != nil {
			s.logger.Warn("purge revocations", "error", err.Error())
		}
	}
	return nil
}

// Run refreshes the revocation cache every RefreshInterval until ctx is done, so that
// revocations made on other nodes sharing the database take effect within about two
// seconds. It returns ctx's error. Failed refreshes are logged and retried.
func (s *Service) Run(ctx context.Context) error {
	t := time.NewTicker(RefreshInterval)
	defer t.Stop()
	for {
		if err := s.Refresh(ctx); err != nil && ctx.Err() == nil {
			s.logger.Error("revocation refresh failed", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Revoke stores the revocation event r and applies it to this node at once. Other nodes
// apply it at their next refresh. A zero IssuedBefore means now; a zero ExpiresAt means
// now plus the token lifetime.
func (s *Service) Revoke(ctx context.Context, r glimpse.Revocation) error {
	now := s.now()
	if r.IssuedBefore.IsZero() {
		r.IssuedBefore = now
	}
	if r.ExpiresAt.IsZero() {
		r.ExpiresAt = now.Add(s.ttl)
	}
	// Rounded up to the microsecond, the precision databases keep, so that every node
	// revokes the same tokens and the cache holds one copy of the event.
	r.IssuedBefore, r.ExpiresAt = ceilMicrosecond(r.IssuedBefore), ceilMicrosecond(r.ExpiresAt)
	if err := s.revocations.CreateRevocation(ctx, r); err != nil {
		return fmt.Errorf("identity: revoke: %w", err)
	}
	s.revoked.add(r)
	return nil
}

// RevokeToken revokes one token and the tokens rescoped from it (DELETE /v3/auth/tokens).
// Errors: those of ValidateToken (an invalid or already revoked token is ENOTFOUND).
func (s *Service) RevokeToken(ctx context.Context, token string) error {
	p, err := s.ValidateToken(ctx, token)
	if err != nil {
		return err
	}
	return s.Revoke(ctx, glimpse.Revocation{AuditID: p.AuditIDs[0], ExpiresAt: p.ExpiresAt})
}

// RevokeUser revokes every token issued so far to a user: call it when the user is
// deleted or disabled, or its password changes.
func (s *Service) RevokeUser(ctx context.Context, userID string) error {
	return s.Revoke(ctx, glimpse.Revocation{UserID: userID})
}

// RevokeProject revokes every token issued so far scoped to a project: call it when the
// project is deleted or disabled.
func (s *Service) RevokeProject(ctx context.Context, projectID string) error {
	return s.Revoke(ctx, glimpse.Revocation{ProjectID: projectID})
}

// RevokeUserProject revokes the tokens of a user scoped to one project: call it when a role
// assignment of that user on that project is removed (Keystone does the same).
func (s *Service) RevokeUserProject(ctx context.Context, userID, projectID string) error {
	return s.Revoke(ctx, glimpse.Revocation{UserID: userID, ProjectID: projectID})
}

// ceilMicrosecond rounds t up to a whole microsecond, in UTC.
func ceilMicrosecond(t time.Time) time.Time {
	c := t.UTC().Truncate(time.Microsecond)
	if c.Before(t) {
		c = c.Add(time.Microsecond)
	}
	return c
}
