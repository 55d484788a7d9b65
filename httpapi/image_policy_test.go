package httpapi

import (
	"testing"

	"github.com/glimpse-image/glimpse"
	"github.com/glimpse-image/glimpse/policy"
)

// legacyAuthorizer is Glance's legacy policy set (what the golden exchanges were recorded
// with); secureAuthorizer its secure-RBAC defaults.
func legacyAuthorizer(t testing.TB) glimpse.Authorizer {
	t.Helper()
	e, err := policy.New(policy.Legacy, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func secureAuthorizer(t testing.TB) glimpse.Authorizer {
	t.Helper()
	e, err := policy.New(policy.Secure, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e
}
