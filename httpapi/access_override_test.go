package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/glimpse-image/glimpse/policy"
)

// TestPolicyFileOverride: an operator's rules change the API's answers; the other rules
// keep Glance's defaults.
func TestPolicyFileOverride(t *testing.T) {
	authz, err := policy.New(policy.Secure, map[string]string{
		"publicize_image": "role:admin or role:image_publisher",
		"delete_image":    "role:admin",
	})
	if err != nil {
		t.Fatal(err)
	}
	c := newGlimpseCloud(t, authz)
	c.newRole("image_publisher")
	project := c.newProject("publishers")
	publisher := c.newPersona("publisher", project, "member", "image_publisher")
	plain := c.newPersona("plain", project, "member")

	c.mustImage(publisher, "POST", "/v2/images", `{"name":"pub","visibility":"public"}`, http.StatusCreated)
	body := c.mustImage(plain, "POST", "/v2/images", `{"name":"pub","visibility":"public"}`, http.StatusForbidden)
	if want := "You are not authorized to complete publicize_image action."; !strings.Contains(string(body), want) {
		t.Errorf("plain member: %s", body)
	}
	// delete_image is admin-only now, even for the owner; modify_image keeps its default.
	var img struct{ ID string }
	if err := json.Unmarshal(c.mustImage(plain, "POST", "/v2/images", `{"name":"mine"}`, http.StatusCreated), &img); err != nil {
		t.Fatal(err)
	}
	c.mustImage(plain, "PATCH", "/v2/images/"+img.ID, `[{"op":"replace","path":"/name","value":"still mine"}]`, http.StatusOK)
	c.mustImage(plain, "DELETE", "/v2/images/"+img.ID, "", http.StatusForbidden)
	admin := persona{name: "admin", token: c.adminToken, project: c.adminProject}
	c.mustImage(admin, "DELETE", "/v2/images/"+img.ID, "", http.StatusNoContent)
}
