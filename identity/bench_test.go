package identity

import (
	"context"
	"testing"
)

// BenchmarkValidateToken measures one validation: decrypt, decode, expiry and revocation
// cache checks, no database access.
func BenchmarkValidateToken(b *testing.B) {
	ctx := context.Background()
	db := testDB(b)
	s := newService(b, db)
	token, _, err := s.IssueToken(ctx, adminAuth())
	if err != nil {
		b.Fatal(err)
	}
	for range 100 { // a cache with some unrelated events
		if err := s.RevokeUser(ctx, NewID()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.ValidateToken(ctx, token); err != nil {
			b.Fatal(err)
		}
	}
}
