package identity

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"time"

	"github.com/glimpse-image/glimpse"
)

// The sealed payload is a compact binary record, so that tokens stay a few hundred
// characters long (Keystone's fernet tokens are about 200):
//
//	issued_at, expires_at   zig-zag varints, Unix nanoseconds
//	flags                   one byte: bit 0 = system scope
//	10 strings              user id, name, domain id, domain name; project id, name,
//	                        domain id, domain name; domain-scope id, name
//	methods, audit ids      a uvarint count, then that many strings
//	roles                   a uvarint count, then id and name strings for each
//
// Each string starts with a kind byte: kindHex is 32 lower-case hex digits stored as 16
// bytes (Keystone-style ids), kindB64 is 22 base64url characters stored as 16 bytes (audit
// ids), kindRaw is a uvarint length and the bytes.
const (
	kindRaw byte = iota
	kindHex
	kindB64
)

const flagSystem byte = 1

var errBadPayload = errors.New("identity: malformed token payload")

func appendString(b []byte, s string) []byte {
	if len(s) == 32 {
		if raw, err := hex.DecodeString(s); err == nil && hex.EncodeToString(raw) == s {
			return append(append(b, kindHex), raw...)
		}
	}
	if len(s) == 22 {
		if raw, err := base64.RawURLEncoding.DecodeString(s); err == nil && len(raw) == 16 &&
			base64.RawURLEncoding.EncodeToString(raw) == s {
			return append(append(b, kindB64), raw...)
		}
	}
	b = append(b, kindRaw)
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// encodePayload returns the binary payload of p.
func encodePayload(p *glimpse.Principal) []byte {
	b := make([]byte, 0, 256)
	b = binary.AppendVarint(b, p.IssuedAt.UnixNano())
	b = binary.AppendVarint(b, p.ExpiresAt.UnixNano())
	var flags byte
	if p.System {
		flags |= flagSystem
	}
	b = append(b, flags)
	for _, s := range []string{p.UserID, p.UserName, p.UserDomainID, p.UserDomainName,
		p.ProjectID, p.ProjectName, p.ProjectDomainID, p.ProjectDomainName, p.DomainID, p.DomainName} {
		b = appendString(b, s)
	}
	for _, list := range [][]string{p.Methods, p.AuditIDs} {
		b = binary.AppendUvarint(b, uint64(len(list)))
		for _, s := range list {
			b = appendString(b, s)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(p.Roles)))
	for _, r := range p.Roles {
		b = appendString(b, r.ID)
		b = appendString(b, r.Name)
	}
	return b
}

// payloadReader decodes a payload; the first error sticks.
type payloadReader struct {
	b   []byte
	err error
}

func (r *payloadReader) fail() { r.err, r.b = errBadPayload, nil }

func (r *payloadReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *payloadReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *payloadReader) bytes(n uint64) []byte {
	if uint64(len(r.b)) < n {
		r.fail()
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *payloadReader) byte() byte {
	v := r.bytes(1)
	if v == nil {
		return 0
	}
	return v[0]
}

func (r *payloadReader) string() string {
	switch r.byte() {
	case kindHex:
		return hex.EncodeToString(r.bytes(16))
	case kindB64:
		return base64.RawURLEncoding.EncodeToString(r.bytes(16))
	case kindRaw:
		return string(r.bytes(r.uvarint()))
	}
	r.fail()
	return ""
}

// count reads a list length, bounded by what is left (each element takes a byte at least).
func (r *payloadReader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail()
		return 0
	}
	return int(n)
}

func (r *payloadReader) strings() []string {
	n := r.count()
	if n == 0 {
		return nil
	}
	list := make([]string, 0, n)
	for range n {
		list = append(list, r.string())
	}
	return list
}

// decodePayload returns the principal of a binary payload.
func decodePayload(b []byte) (*glimpse.Principal, error) {
	r := &payloadReader{b: b}
	p := &glimpse.Principal{}
	p.IssuedAt = time.Unix(0, r.varint()).UTC()
	p.ExpiresAt = time.Unix(0, r.varint()).UTC()
	p.System = r.byte()&flagSystem != 0
	for _, s := range []*string{&p.UserID, &p.UserName, &p.UserDomainID, &p.UserDomainName,
		&p.ProjectID, &p.ProjectName, &p.ProjectDomainID, &p.ProjectDomainName, &p.DomainID, &p.DomainName} {
		*s = r.string()
	}
	p.Methods = r.strings()
	p.AuditIDs = r.strings()
	if n := r.count(); n > 0 {
		p.Roles = make([]glimpse.Role, 0, n)
		for range n {
			p.Roles = append(p.Roles, glimpse.Role{ID: r.string(), Name: r.string()})
		}
	}
	if r.err != nil || len(r.b) != 0 || p.UserID == "" || len(p.AuditIDs) == 0 {
		return nil, errBadPayload
	}
	return p, nil
}
