package httpapi

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
)

// TestSharingStory is what a new user would try: two projects; one shares an image with the
// other, which sees it in its list only after accepting; neither sees the other's private
// images by id, in lists, through filters, or by paging with a marker. Both policy modes
// give the same answers to project members.
func TestSharingStory(t *testing.T) {
	for _, mode := range []string{"secure", "legacy"} {
		t.Run(mode, func(t *testing.T) {
			authz := secureAuthorizer(t)
			if mode == "legacy" {
				authz = legacyAuthorizer(t)
			}
			c := newGlimpseCloud(t, authz)
			alice := c.newPersona("alice", c.newProject("alice"), "member")
			bob := c.newPersona("bob", c.newProject("bob"), "member")
			create := func(who persona, name, visibility string) string {
				var img struct{ ID string }
				body := `{"name":"` + name + `","disk_format":"raw","container_format":"bare","visibility":"` + visibility + `"}`
				json.Unmarshal(c.mustImage(who, "POST", "/v2/images", body, http.StatusCreated), &img)
				c.mustImage(who, "PUT", "/v2/images/"+img.ID+"/file", "data of "+name, http.StatusNoContent)
				return img.ID
			}
			alicePrivate := create(alice, "alice-private", "private")
			aliceShared := create(alice, "alice-shared", "shared")
			bobPrivate := create(bob, "bob-private", "private")
			for i := range 3 { // more of Bob's own, to page through
				create(bob, "bob-"+string(rune('a'+i)), "private")
			}

			listed := func(who persona, query, id string) bool {
				t.Helper()
				status, ids := c.listedIDs(who, query)
				if status != http.StatusOK {
					t.Fatalf("%s lists %q: %d", who.name, query, status)
				}
				return slices.Contains(ids, id)
			}

			// Before sharing, Bob cannot see Alice's shared image at all.
			c.mustImage(bob, "GET", "/v2/images/"+aliceShared, "", http.StatusNotFound)

			c.mustImage(alice, "POST", "/v2/images/"+aliceShared+"/members", `{"member":"`+bob.project+`"}`, http.StatusOK)
			// Pending: Bob may look at it by id and find it with member_status=pending, but his
			// list does not show it yet.
			c.mustImage(bob, "GET", "/v2/images/"+aliceShared, "", http.StatusOK)
			if listed(bob, "", aliceShared) {
				t.Errorf("a pending shared image is in Bob's list")
			}
			if !listed(bob, "member_status=pending", aliceShared) {
				t.Errorf("member_status=pending does not list the pending image")
			}
			// Only Bob decides: Alice cannot accept for him.
			c.mustImage(alice, "PUT", "/v2/images/"+aliceShared+"/members/"+bob.project, `{"status":"accepted"}`, http.StatusForbidden)
			c.mustImage(bob, "PUT", "/v2/images/"+aliceShared+"/members/"+bob.project, `{"status":"accepted"}`, http.StatusOK)
			if !listed(bob, "", aliceShared) || !listed(bob, "visibility=shared", aliceShared) {
				t.Errorf("the accepted shared image is not in Bob's list")
			}
			// Bob may use it but not change it or share it further.
			c.mustImage(bob, "GET", "/v2/images/"+aliceShared+"/file", "", http.StatusOK)
			c.mustImage(bob, "PATCH", "/v2/images/"+aliceShared, `[{"op":"replace","path":"/name","value":"mine"}]`, http.StatusForbidden)
			c.mustImage(bob, "POST", "/v2/images/"+aliceShared+"/members", `{"member":"`+alice.project+`"}`, http.StatusForbidden)

			// Private images stay private, whichever way one asks.
			for _, pair := range []struct {
				who   persona
				other string
				owner string
			}{{bob, alicePrivate, alice.project}, {alice, bobPrivate, bob.project}} {
				id, who := pair.other, pair.who
				c.mustImage(who, "GET", "/v2/images/"+id, "", http.StatusNotFound)
				c.mustImage(who, "GET", "/v2/images/"+id+"/file", "", http.StatusNotFound)
				c.mustImage(who, "PATCH", "/v2/images/"+id, `[{"op":"replace","path":"/name","value":"x"}]`, http.StatusNotFound)
				c.mustImage(who, "DELETE", "/v2/images/"+id, "", http.StatusNotFound)
				c.mustImage(who, "GET", "/v2/images/"+id+"/members", "", http.StatusNotFound)
				for _, query := range []string{"", "visibility=private", "visibility=all", "member_status=all",
					"owner=" + pair.owner, "name=alice-private", "name=bob-private", "id=" + id, "limit=1", "sort=name:asc"} {
					if listed(who, query, id) {
						t.Errorf("%s sees %s in a list with %q", who.name, id, query)
					}
				}
				// Another project's image as a marker is as unknown as a missing one.
				status, _ := c.image(who, "GET", "/v2/images?marker="+id, "")
				if status != http.StatusBadRequest {
					t.Errorf("%s pages from %s: %d, want 400", who.name, id, status)
				}
			}

			// Alice stops sharing: Bob loses the image.
			c.mustImage(alice, "DELETE", "/v2/images/"+aliceShared+"/members/"+bob.project, "", http.StatusNoContent)
			c.mustImage(bob, "GET", "/v2/images/"+aliceShared, "", http.StatusNotFound)
			if listed(bob, "member_status=all", aliceShared) {
				t.Errorf("an unshared image is still in Bob's list")
			}
		})
	}
}
