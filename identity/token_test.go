package identity

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/glimpse-image/glimpse"
)

func mustKey(t testing.TB) []byte {
	t.Helper()
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func samplePrincipal() *glimpse.Principal {
	issued := time.Date(2026, 11, 29, 17, 29, 20, 123456789, time.UTC)
	return &glimpse.Principal{
		UserID: "u1", UserName: "admin", UserDomainID: "default", UserDomainName: "Default",
		ProjectID: "p1", ProjectName: "admin", ProjectDomainID: "default", ProjectDomainName: "Default",
		Roles:   []glimpse.Role{{ID: "r1", Name: "admin"}, {ID: "r2", Name: "member"}, {ID: "r3", Name: "reader"}},
		Methods: []string{"password", "token"}, AuditIDs: []string{"a1", "a0"},
		IssuedAt: issued, ExpiresAt: issued.Add(time.Hour),
	}
}

func TestCodecRoundTrip(t *testing.T) {
	c, err := newCodec([][]byte{mustKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	want := samplePrincipal()
	token, err := c.seal(want)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(token, "+/=") {
		t.Errorf("token %q is not base64url without padding", token)
	}
	if strings.Contains(token, "admin") {
		t.Errorf("token leaks its payload: %q", token)
	}
	got, err := c.open(token)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("open(seal(p)) = %+v, want %+v", got, want)
	}
	// Two tokens for the same principal differ (random nonce).
	again, _ := c.seal(want)
	if again == token {
		t.Error("two seals of one principal gave the same token")
	}
}

func TestCodecScopes(t *testing.T) {
	c, _ := newCodec([][]byte{mustKey(t)})
	for name, p := range map[string]*glimpse.Principal{
		"domain":   {UserID: "u", DomainID: "d", DomainName: "D", Roles: []glimpse.Role{{ID: "r", Name: "admin"}}},
		"system":   {UserID: "u", System: true, Roles: []glimpse.Role{{ID: "r", Name: "admin"}}},
		"unscoped": {UserID: "u"},
	} {
		p.Methods, p.AuditIDs = []string{"password"}, []string{"x"}
		p.IssuedAt, p.ExpiresAt = time.Unix(100, 0).UTC(), time.Unix(200, 0).UTC()
		token, err := c.seal(p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.open(token)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, p) {
			t.Errorf("%s: got %+v, want %+v", name, got, p)
		}
	}
}

func TestCodecRejectsTamperedTokens(t *testing.T) {
	c, _ := newCodec([][]byte{mustKey(t)})
	token, _ := c.seal(samplePrincipal())
	raw, _ := base64.RawURLEncoding.DecodeString(token)

	cases := map[string]string{
		"empty":        "",
		"not base64":   "!!!not-a-token!!!",
		"padded":       token + "==",
		"truncated":    token[:len(token)-4],
		"short":        base64.RawURLEncoding.EncodeToString(raw[:10]),
		"version only": base64.RawURLEncoding.EncodeToString(raw[:1]),
	}
	for _, i := range []int{0, 1, 5, 20, len(raw) / 2, len(raw) - 1} {
		b := bytes.Clone(raw)
		b[i] ^= 0x01
		cases[fmt.Sprintf("bit flipped at byte %d", i)] = base64.RawURLEncoding.EncodeToString(b)
	}
	for name, tok := range cases {
		_, err := c.open(tok)
		if glimpse.ErrorCode(err) != glimpse.ENOTFOUND || glimpse.ErrorMessage(err) != msgUnrecognizedToken {
			t.Errorf("%s: open = %v, want ENOTFOUND %q", name, err, msgUnrecognizedToken)
		}
	}
}

func TestCodecKeyRotation(t *testing.T) {
	oldKey, newKey := mustKey(t), mustKey(t)
	before, _ := newCodec([][]byte{oldKey})
	after, _ := newCodec([][]byte{newKey, oldKey})
	newOnly, _ := newCodec([][]byte{newKey})

	oldToken, _ := before.seal(samplePrincipal())
	if _, err := after.open(oldToken); err != nil {
		t.Errorf("a token sealed with the previous key no longer opens: %v", err)
	}
	newToken, _ := after.seal(samplePrincipal())
	if _, err := newOnly.open(newToken); err != nil {
		t.Errorf("the first key did not seal the new token: %v", err)
	}
	if _, err := before.open(newToken); err == nil {
		t.Error("the old key alone opened a token sealed with the new key")
	}
	if _, err := newOnly.open(oldToken); err == nil {
		t.Error("a token sealed with a retired key still opens")
	}
}

func TestNewCodecChecksKeys(t *testing.T) {
	if _, err := newCodec(nil); err == nil {
		t.Error("no keys accepted")
	}
	if _, err := newCodec([][]byte{mustKey(t), make([]byte, 16)}); err == nil {
		t.Error("a 16-byte key accepted")
	}
}

func TestAuditIDShape(t *testing.T) {
	a, b := newAuditID(), newAuditID()
	if len(a) != 22 || a == b || strings.ContainsAny(a, "+/=") {
		t.Errorf("audit ids %q, %q: want 22 distinct base64url characters", a, b)
	}
}

func TestHashPassword(t *testing.T) {
	h, err := HashPassword("s3cret")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$2a$") || strings.Contains(h, "s3cret") {
		t.Errorf("hash %q is not a bcrypt hash", h)
	}
	if !checkPassword(h, "s3cret") {
		t.Error("the right password does not match")
	}
	if checkPassword(h, "s3cret ") || checkPassword(h, "") || checkPassword("", "") {
		t.Error("a wrong password matches")
	}
}
