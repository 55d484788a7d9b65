package identity

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/glimpse-image/glimpse"
)

// Token format (version 1), the glimpse analogue of Keystone's fernet tokens
// ("Fernet - Frequently Asked Questions" in the Keystone admin guide):
//
//	base64url-without-padding( 0x01 | nonce (12 bytes) | AES-256-GCM(payload JSON, aad = 0x01) )
//
// The payload holds everything a Principal needs, so that any node holding one of the keys
// validates a token without reading the database. keys[0] encrypts; every key decrypts, so
// a new key can be put first while tokens sealed with the previous one stay valid until
// they expire (key rotation).
const tokenVersion byte = 0x01

// KeySize is the size in bytes of every token key (AES-256).
const KeySize = 32

// Messages of Keystone's 404 answers for a subject token it rejects.
const (
	msgUnrecognizedToken = "Could not recognize Fernet token"
	msgInvalidToken      = "Failed to validate token"
)

// payload is the sealed content of a token. Keys are short to keep tokens small.
type payload struct {
	UserID            string      `json:"u"`
	UserName          string      `json:"un"`
	UserDomainID      string      `json:"ud"`
	UserDomainName    string      `json:"udn"`
	ProjectID         string      `json:"p,omitempty"`
	ProjectName       string      `json:"pn,omitempty"`
	ProjectDomainID   string      `json:"pd,omitempty"`
	ProjectDomainName string      `json:"pdn,omitempty"`
	DomainID          string      `json:"d,omitempty"`
	DomainName        string      `json:"dn,omitempty"`
	System            bool        `json:"s,omitempty"`
	Roles             [][2]string `json:"r,omitempty"` // [id, name]
	Methods           []string    `json:"m"`
	AuditIDs          []string    `json:"a"`
	IssuedAt          int64       `json:"i"` // Unix nanoseconds
	ExpiresAt         int64       `json:"e"` // Unix nanoseconds
}

func payloadOf(p *glimpse.Principal) *payload {
	pl := &payload{
		UserID: p.UserID, UserName: p.UserName, UserDomainID: p.UserDomainID, UserDomainName: p.UserDomainName,
		ProjectID: p.ProjectID, ProjectName: p.ProjectName,
		ProjectDomainID: p.ProjectDomainID, ProjectDomainName: p.ProjectDomainName,
		DomainID: p.DomainID, DomainName: p.DomainName, System: p.System,
		Methods: p.Methods, AuditIDs: p.AuditIDs,
		IssuedAt: p.IssuedAt.UnixNano(), ExpiresAt: p.ExpiresAt.UnixNano(),
	}
	for _, r := range p.Roles {
		pl.Roles = append(pl.Roles, [2]string{r.ID, r.Name})
	}
	return pl
}

func (pl *payload) principal() *glimpse.Principal {
	p := &glimpse.Principal{
		UserID: pl.UserID, UserName: pl.UserName, UserDomainID: pl.UserDomainID, UserDomainName: pl.UserDomainName,
		ProjectID: pl.ProjectID, ProjectName: pl.ProjectName,
		ProjectDomainID: pl.ProjectDomainID, ProjectDomainName: pl.ProjectDomainName,
		DomainID: pl.DomainID, DomainName: pl.DomainName, System: pl.System,
		Methods: pl.Methods, AuditIDs: pl.AuditIDs,
		IssuedAt: time.Unix(0, pl.IssuedAt).UTC(), ExpiresAt: time.Unix(0, pl.ExpiresAt).UTC(),
	}
	for _, r := range pl.Roles {
		p.Roles = append(p.Roles, glimpse.Role{ID: r[0], Name: r[1]})
	}
	return p
}

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
	plain, err := json.Marshal(payloadOf(p))
	if err != nil {
		return "", fmt.Errorf("identity: encode token payload: %w", err)
	}
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
		var pl payload
		if err := json.Unmarshal(plain, &pl); err != nil || pl.UserID == "" {
			return nil, unrecognized
		}
		return pl.principal(), nil
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
