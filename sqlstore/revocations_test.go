package sqlstore

import (
	"reflect"
	"testing"
	"time"

	"github.com/glimpse-image/glimpse"
)

func testRevocations(t *testing.T, open opener) {
	db := open(t)
	c := useClock(db, t0)
	us := func(d time.Duration) time.Time { return t0.Add(d).UTC().Truncate(time.Microsecond) }

	r1 := glimpse.Revocation{AuditID: "audit-1", IssuedBefore: t0.Add(-time.Minute), ExpiresAt: t0.Add(time.Hour)}
	must(t, db.CreateRevocation(ctx, r1)) // inserted at t0
	c.Set(t0.Add(time.Second))
	r2 := glimpse.Revocation{UserID: "user-1", ProjectID: "project-1", IssuedBefore: t0.Add(time.Second), ExpiresAt: t0.Add(2 * time.Hour)}
	must(t, db.CreateRevocation(ctx, r2)) // inserted at t0+1s
	c.Set(t0.Add(2 * time.Second))
	r3 := glimpse.Revocation{ProjectID: "project-2", IssuedBefore: t0, ExpiresAt: t0.Add(90 * time.Minute)}
	must(t, db.CreateRevocation(ctx, r3)) // inserted at t0+2s

	norm := func(r glimpse.Revocation) glimpse.Revocation {
		r.IssuedBefore = r.IssuedBefore.UTC().Truncate(time.Microsecond)
		r.ExpiresAt = r.ExpiresAt.UTC().Truncate(time.Microsecond)
		return r
	}
	check := func(since time.Time, want ...glimpse.Revocation) {
		t.Helper()
		got, err := db.FindRevocations(ctx, since)
		must(t, err)
		wantN := []glimpse.Revocation{}
		for _, r := range want {
			wantN = append(wantN, norm(r))
		}
		if !reflect.DeepEqual(got, wantN) {
			t.Errorf("FindRevocations(%v) at %v =\n%+v\nwant\n%+v", since, db.now(), got, wantN)
		}
	}
	check(time.Time{}, r1, r2, r3)
	check(us(0), r2, r3) // strictly after since
	check(us(500*time.Millisecond), r2, r3)
	check(us(time.Second), r3)
	check(us(2 * time.Second))

	// Expired events are not returned, then purged.
	c.Set(t0.Add(time.Hour))
	check(time.Time{}, r2, r3) // r1 expires exactly now
	c.Set(t0.Add(100 * time.Minute))
	check(time.Time{}, r2)
	must(t, db.PurgeRevocations(ctx, t0.Add(90*time.Minute)))
	c.Set(t0)
	check(time.Time{}, r2)
	must(t, db.PurgeRevocations(ctx, t0.Add(3*time.Hour)))
	check(time.Time{})
}
