package identity

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"github.com/glimpse-image/glimpse"
)

// Token format (version 1), the glimpse analogue of Keystone's fernet tokens
// ("Fernet - Frequently Asked Questions" in the Keystone admin guide):
//
//	base64url-without-padding( 0x01 | nonce (12 bytes) | AES-256-GCM(payload, aad = 0x01) )
//
// The payload (payload.go) holds everything a Principal needs, so that any node holding one
// of the keys validates a token without reading the database. keys[0] encrypts; every key
// decrypts, so a new key can be put first while tokens sealed with the previous one stay
// valid until they expire (key rotation). Tokens are about 350 characters long.
const tokenVersion byte = 0x01

// KeySize is the size in bytes of every token key (AES-256).
const KeySize = 32

// Messages of Keystone's 404 answers for a subject token it rejects.
const (
	msgUnrecognizedToken = "Could not recognize Fernet token"
	msgInvalidToken      = "Failed to validate token"
)

// codec seals and opens tokens with a list of AES-256-GCM keys.
type codec struct {
	aeads []cipher.AEAD // aeads[0] seals
}

// newCodec returns a codec over keys; it fails when there is no key or a key is not
// KeySize bytes long.
func newCodec(keys [][]byte) (*codec, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("identity: no token key")
	}
	c := &codec{}
	for i, k := range keys {
		if len(k) != KeySize {
			return nil, fmt.Errorf("identity: token key %d is %d bytes, want %d", i, len(k), KeySize)
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("identity: token key %d: %w", i, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("identity: token key %d: %w", i, err)
		}
		c.aeads = append(c.aeads, aead)
	}
	return c, nil
}

// seal returns the token carrying p.
func (c *codec) seal(p *glimpse.Principal) (string, error) {
	plain := encodePayload(p)
	aead := c.aeads[0]
	buf := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(plain)+aead.Overhead())
	buf[0] = tokenVersion
	if _, err := rand.Read(buf[1:]); err != nil {
		return "", fmt.Errorf("identity: token nonce: %w", err)
	}
	buf = aead.Seal(buf, buf[1:], plain, buf[:1])
	return base64.RawURLEncoding.EncodeToString(buf), nil
}

// open returns the principal a token carries, whatever its expiry. Any token that no key
// opens is ENOTFOUND "Could not recognize Fernet token", as Keystone answers.
func (c *codec) open(token string) (*glimpse.Principal, error) {
	unrecognized := glimpse.Errorf(glimpse.ENOTFOUND, msgUnrecognizedToken)
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) < 1 || raw[0] != tokenVersion {
		return nil, unrecognized
	}
	for _, aead := range c.aeads {
		n := aead.NonceSize()
		if len(raw) < 1+n+aead.Overhead() {
			return nil, unrecognized
		}
		plain, err := aead.Open(nil, raw[1:1+n], raw[1+n:], raw[:1])
		if err != nil {
			continue
		}
		p, err := decodePayload(plain)
		if err != nil {
			return nil, unrecognized
		}
		return p, nil
	}
	return nil, unrecognized
}

// GenerateKey returns a new random token key of KeySize bytes.
func GenerateKey() ([]byte, error) {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("identity: generate key: %w", err)
	}
	return k, nil
}

// newAuditID returns a Keystone-style audit id: 16 random bytes, base64url without padding
// (22 characters).
func newAuditID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
