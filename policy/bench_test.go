package policy

import (
	"testing"

	"github.com/glimpse-image/glimpse"
)

// BenchmarkAuthorizeGetImage is the check GET /v2/images makes for every listed image.
func BenchmarkAuthorizeGetImage(b *testing.B) {
	e, err := New(Secure, nil)
	if err != nil {
		b.Fatal(err)
	}
	p := principal("p1", "member", "reader")
	target := glimpse.ImagePolicyTarget(p, &glimpse.Image{ID: "i", Owner: "p2", Visibility: "shared",
		Properties: map[string]string{"os_distro": "debian"}})
	for b.Loop() {
		if err := e.Authorize(p, "get_image", target); err != nil {
			b.Fatal(err)
		}
	}
}
