package httpapi

import (
	"net/http"
	"testing"
)

// TestImageGoldenMembers follows golden 056-073: demo shares an image with alt_demo.
func TestImageGoldenMembers(t *testing.T) {
	e := newImageEnv(t)
	alt, demo := e.projects["alt_demo"], e.projects["demo"]
	id := e.createImage("demo", `{"name":"demo-shared","disk_format":"raw","container_format":"bare","visibility":"shared"}`)
	e.upload("demo", id, smallImage)
	public := e.createImage("admin", `{"name":"pub","visibility":"public"}`)
	members := "/v2/images/" + id + "/members"
	member := members + "/" + alt

	// 058: not visible before sharing.
	r := e.do("alt_demo", "GET", "/v2/images/"+id, "")
	mustStatus(t, r, http.StatusNotFound)
	expectText(t, r, webobHTML(404, "No image found with ID "+id+"<br /><br />\n\n\n"))

	// 059, 060: add, add again.
	r = e.do("demo", "POST", members, `{"member":"`+alt+`"}`, "Content-Type: application/json")
	mustStatus(t, r, http.StatusOK)
	memberBody := func(status string) string {
		return `{"member_id": "` + alt + `", "image_id": "` + id + `", "status": "` + status + `", "created_at": "<TIME>", "updated_at": "<TIME>", "schema": "/v2/schemas/member"}`
	}
	if got := normalize(string(r.Body)); got != memberBody("pending") {
		t.Errorf("059 body = %s", got)
	}
	r = e.do("demo", "POST", members, `{"member":"`+alt+`"}`, "Content-Type: application/json")
	mustStatus(t, r, http.StatusConflict)
	expectText(t, r, webobHTML(409, "Member "+alt+" is duplicated for image "+id+"<br /><br />\n\n\n"))

	// 061, 062, 065: the owner lists, the member shows itself and sees the image.
	r = e.do("demo", "GET", members, "")
	mustStatus(t, r, http.StatusOK)
	if got, want := normalize(string(r.Body)), `{"members": [`+memberBody("pending")+`], "schema": "/v2/schemas/members"}`; got != want {
		t.Errorf("061 body = %s\nwant %s", got, want)
	}
	r = e.do("alt_demo", "GET", member, "")
	mustStatus(t, r, http.StatusOK)
	mustStatus(t, e.do("alt_demo", "GET", "/v2/images/"+id, ""), http.StatusOK)

	// 069, 070, 071: only the member sets its status; only the owner adds; public images have no members.
	r = e.do("demo", "PUT", member, `{"status":"rejected"}`, "Content-Type: application/json")
	mustStatus(t, r, http.StatusForbidden)
	expectText(t, r, webobHTML(403, "Not allowed to update members for image "+id+".<br /><br />\n\n\n"))
	r = e.do("alt_demo", "POST", members, `{"member":"`+demo+`"}`, "Content-Type: application/json")
	mustStatus(t, r, http.StatusForbidden)
	expectText(t, r, webobHTML(403, "Not allowed to create members for image "+id+".<br /><br />\n\n\n"))
	r = e.do("admin", "POST", "/v2/images/"+public+"/members", `{"member":"`+alt+`"}`, "Content-Type: application/json")
	mustStatus(t, r, http.StatusForbidden)
	expectText(t, r, webobHTML(403, "Not allowed to create members for image "+public+".<br /><br />\n\n\n"))
	r = e.do("demo", "GET", "/v2/images/"+public+"/members", "")
	mustStatus(t, r, http.StatusForbidden)
	expectText(t, r, webobHTML(403, "Not allowed to list members for image "+public+": Only shared images have members.<br /><br />\n\n\n"))

	// Bad bodies.
	r = e.do("demo", "POST", members, `{}`, "Content-Type: application/json")
	mustStatus(t, r, http.StatusBadRequest)
	expectText(t, r, webobHTML(400, "Member to be added not specified<br /><br />\n\n\n"))
	r = e.do("demo", "POST", members, `{"member":""}`)
	mustStatus(t, r, http.StatusBadRequest)
	expectText(t, r, webobHTML(400, "Member can&#x27;t be empty<br /><br />\n\n\n"))
	r = e.do("demo", "POST", members, `[]`)
	mustStatus(t, r, http.StatusBadRequest)
	expectText(t, r, webobHTML(400, "Expected a member in the form: {&quot;member&quot;: &quot;image_id&quot;}<br /><br />\n\n\n"))
	r = e.do("alt_demo", "PUT", member, `{"status":"bogus"}`, "Content-Type: application/json")
	mustStatus(t, r, http.StatusBadRequest)
	expectText(t, r, webobHTML(400, "Incorrect request: Status must be &quot;pending&quot;, &quot;accepted&quot; or &quot;rejected&quot;.<br /><br />\n\n\n"))
	r = e.do("alt_demo", "PUT", member, `{}`, "Content-Type: application/json")
	mustStatus(t, r, http.StatusBadRequest)
	expectText(t, r, webobHTML(400, "Status not specified<br /><br />\n\n\n"))
	r = e.do("demo", "GET", members+"/nobody", "")
	mustStatus(t, r, http.StatusNotFound)
	expectText(t, r, webobHTML(404, "nobody not found in the member list of the image "+id+".<br /><br />\n\n\n"))

	// 066-068: accept, download.
	r = e.do("alt_demo", "PUT", member, `{"status":"accepted"}`, "Content-Type: application/json")
	mustStatus(t, r, http.StatusOK)
	if got := normalize(string(r.Body)); got != memberBody("accepted") {
		t.Errorf("066 body = %s", got)
	}
	r = e.do("alt_demo", "GET", "/v2/images/"+id+"/file", "")
	mustStatus(t, r, http.StatusOK)
	expectText(t, r, smallImage)
	// A member may not delete or change the image.
	r = e.do("alt_demo", "DELETE", member, "")
	mustStatus(t, r, http.StatusForbidden)
	expectText(t, r, webobHTML(403, "Not allowed to delete members for image "+id+".<br /><br />\n\n\n"))
	mustStatus(t, e.do("alt_demo", "DELETE", "/v2/images/"+id, ""), http.StatusForbidden)
	const patchType = "Content-Type: application/openstack-images-v2.1-json-patch"
	mustStatus(t, e.do("alt_demo", "PATCH", "/v2/images/"+id, `[{"op":"add","path":"/x","value":"y"}]`, patchType), http.StatusForbidden)
	mustStatus(t, e.do("alt_demo", "PATCH", "/v2/images/"+id, `[]`, patchType), http.StatusOK) // as Glance

	// An admin may set a member's status too; the image of a members request must exist.
	mustStatus(t, e.do("admin", "PUT", member, `{"status":"pending"}`), http.StatusOK)
	mustStatus(t, e.do("alt_demo", "PUT", member, `{"status":"accepted"}`), http.StatusOK)
	const missing = "00000000-0000-4000-8000-000000000000"
	r = e.do("demo", "POST", "/v2/images/"+missing+"/members", `{"member":"x"}`)
	mustStatus(t, r, http.StatusNotFound)
	expectText(t, r, webobHTML(404, "Image "+missing+" not found.<br /><br />\n\n\n"))

	// 072, 073: remove, no longer visible.
	r = e.do("demo", "DELETE", member, "")
	mustStatus(t, r, http.StatusNoContent)
	expectNoHeader(t, r, "Content-Type")
	r = e.do("alt_demo", "GET", "/v2/images/"+id, "")
	mustStatus(t, r, http.StatusNotFound)
	r = e.do("demo", "DELETE", member, "")
	mustStatus(t, r, http.StatusNotFound)
	expectText(t, r, webobHTML(404, alt+" not found in the member list of the image "+id+".<br /><br />\n\n\n"))
}
