package identity

import (
	"fmt"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// BcryptCost is the bcrypt cost of new password hashes (Keystone's default, 10 is
// bcrypt.DefaultCost too). Tests may lower it to bcrypt.MinCost before they start: bcrypt
// is very slow under the race detector. Set it only before any hashing starts.
var BcryptCost = bcrypt.DefaultCost

// HashPassword returns the bcrypt hash of pw (cost BcryptCost), as Keystone stores
// passwords ([identity] password_hash_algorithm = bcrypt). bcrypt reads at most 72 bytes.
func HashPassword(pw string) (string, error) {
	b := []byte(pw)
	if len(b) > 72 {
		b = b[:72] // what Keystone does ("Truncating password to algorithm specific maximum length")
	}
	h, err := bcrypt.GenerateFromPassword(b, BcryptCost)
	if err != nil {
		return "", fmt.Errorf("identity: hash password: %w", err)
	}
	return string(h), nil
}

// dummyHash is compared against when the user does not exist, so that a missing user
// takes as long to reject as a wrong password.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("glimpse-no-such-user"), BcryptCost)
	return h
})

// checkPassword reports whether pw matches the bcrypt hash; an empty hash (a user without a
// password) matches nothing.
func checkPassword(hash, pw string) bool {
	b := []byte(pw)
	if len(b) > 72 {
		b = b[:72]
	}
	if hash == "" {
		bcrypt.CompareHashAndPassword(dummyHash(), b)
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), b) == nil
}

// CheckPassword reports whether pw is the password whose bcrypt hash is hash.
func CheckPassword(hash, pw string) bool { return checkPassword(hash, pw) }

// HashPassword is the package's HashPassword, for callers that reach the service through
// an interface (the identity API's user handlers).
func (s *Service) HashPassword(pw string) (string, error) { return HashPassword(pw) }

// CheckPassword reports whether pw is the password of the user with the given bcrypt hash.
func (s *Service) CheckPassword(hash, pw string) bool { return checkPassword(hash, pw) }
