package identity

import (
	"os"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestMain(m *testing.M) {
	BcryptCost = bcrypt.MinCost // hashing is not what these tests measure
	os.Exit(m.Run())
}
