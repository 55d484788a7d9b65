package identity

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/glimpse-image/glimpse"
)

func TestPayloadRoundTripKeepsEveryString(t *testing.T) {
	at := time.Date(1999, 1, 2, 3, 4, 5, 6, time.UTC)
	for _, s := range []string{
		"", "x", "0123456789abcdef0123456789abcdef", // a Keystone id: packed as 16 bytes
		"0123456789ABCDEF0123456789ABCDEF", // upper case: kept as is
		"_p6wNFndQ2uvjizlzNPGng",           // an audit id: packed as 16 bytes
		"_p6wNFndQ2uvjizlzNPGnh",           // 22 characters that do not re-encode the same
		"0123456789abcdef0123456789abcdeg", "Démo 项目 🚀", strings.Repeat("n", 300),
	} {
		p := &glimpse.Principal{UserID: "u" + s, UserName: s, UserDomainID: s, UserDomainName: s,
			ProjectID: s, ProjectName: s, ProjectDomainID: s, ProjectDomainName: s, DomainID: s, DomainName: s,
			Roles:   []glimpse.Role{{ID: s, Name: s}},
			Methods: []string{s}, AuditIDs: []string{s, s}, IssuedAt: at, ExpiresAt: at.Add(-time.Hour)}
		got, err := decodePayload(encodePayload(p))
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if !reflect.DeepEqual(got, p) {
			t.Errorf("%q: got %+v, want %+v", s, got, p)
		}
	}
}

func TestTokensAreCompact(t *testing.T) {
	c, _ := newCodec([][]byte{mustKey(t)})
	p := samplePrincipal()
	p.UserID, p.ProjectID = NewID(), NewID()
	for i := range p.Roles {
		p.Roles[i].ID = NewID()
	}
	p.AuditIDs = []string{newAuditID(), newAuditID()}
	token, _ := c.seal(p)
	// Keystone's fernet token for the same principal is about 180 characters.
	if len(token) > 400 {
		t.Errorf("a project token with three roles is %d characters long, want at most 400", len(token))
	}
}

func TestDecodePayloadRejectsGarbage(t *testing.T) {
	good := encodePayload(samplePrincipal())
	for i := range good {
		if _, err := decodePayload(good[:i]); err == nil {
			t.Errorf("a payload cut at %d of %d bytes decoded", i, len(good))
		}
	}
	if _, err := decodePayload(append(good, 0)); err == nil {
		t.Error("a payload with a trailing byte decoded")
	}
}

// FuzzDecodePayload checks that no input makes decodePayload panic or loop, and that
// whatever it accepts encodes back to the same bytes.
func FuzzDecodePayload(f *testing.F) {
	f.Add(encodePayload(samplePrincipal()))
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 9, 255, 255, 255, 255, 255, 255, 255, 255, 255, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodePayload(b)
		if err != nil {
			return
		}
		if _, err := decodePayload(encodePayload(p)); err != nil {
			t.Errorf("re-encoding an accepted payload fails: %v", err)
		}
	})
}
