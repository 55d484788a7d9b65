package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The access matrix: every persona × every visibility × every operation, with the
// answer the real Glance gives (recorded from the reference: testdata/access_matrix_*.json,
// see recordMatrix). Personas: admin (admin of its own project), the owner project's
// member and reader, another project's member and reader, and members (projects the image
// was shared with while it was shared) whose membership is pending, accepted or rejected,
// and the admin user with a system-scoped token.
// Non-shared visibilities are set by the admin after the sharing, so those projects keep
// their membership rows, as they would in Glance.

var (
	matrixPersonas     = []string{"admin", "owner_member", "owner_reader", "other_member", "other_reader", "member_pending", "member_accepted", "member_rejected", "system_admin"}
	matrixVisibilities = []string{"public", "private", "shared", "community"}
	matrixOperations   = []string{"list", "show", "download", "update", "delete", "add_member", "accept",
		"members", "tag", "deactivate", "create", "set_member", "remove_member"}
	// matrixConsuming are the operations that get an image of their own per persona.
	matrixConsuming = []string{"delete", "deactivate", "remove_member"}
)

// matrixWorld is the projects and personas of the matrix on one cloud.
type matrixWorld struct {
	c        *cloud
	admin    persona
	personas map[string]persona
}

func newMatrixWorld(c *cloud) *matrixWorld {
	w := &matrixWorld{c: c, personas: map[string]persona{}}
	w.admin = persona{name: "admin", token: c.adminToken, project: c.adminProject}
	owner, other := c.newProject("rbac-owner"), c.newProject("rbac-other")
	w.personas["owner_member"] = c.newPersona("owner-member", owner, "member")
	w.personas["owner_reader"] = c.newPersona("owner-reader", owner, "reader")
	w.personas["other_member"] = c.newPersona("other-member", other, "member")
	w.personas["other_reader"] = c.newPersona("other-reader", other, "reader")
	for _, status := range []string{"pending", "accepted", "rejected"} {
		w.personas["member_"+status] = c.newPersona("member-"+status, c.newProject("rbac-"+status), "member")
	}
	w.personas["admin"] = w.admin
	w.personas["system_admin"] = persona{name: "system_admin", token: c.systemToken("admin", c.adminPassword), project: "no-project"}
	return w
}

// newImage creates an image with data as the owner's member, shares it with the three
// member projects (then accepted / rejected by them), and gives it the visibility.
func (w *matrixWorld) newImage(visibility string) (id, name string) {
	c, owner := w.c, w.personas["owner_member"]
	name = c.uniqueName("matrix")
	var img struct{ ID string }
	json.Unmarshal(c.mustImage(owner, "POST", "/v2/images",
		`{"name":"`+name+`","disk_format":"raw","container_format":"bare","visibility":"shared"}`, http.StatusCreated), &img)
	c.created = append(c.created, "/v2/images/"+img.ID)
	c.mustImage(owner, "PUT", "/v2/images/"+img.ID+"/file", "matrix-data", http.StatusNoContent)
	for _, status := range []string{"pending", "accepted", "rejected"} {
		m := w.personas["member_"+status]
		c.mustImage(owner, "POST", "/v2/images/"+img.ID+"/members", `{"member":"`+m.project+`"}`, http.StatusOK)
		if status != "pending" {
			c.mustImage(m, "PUT", "/v2/images/"+img.ID+"/members/"+m.project, `{"status":"`+status+`"}`, http.StatusOK)
		}
	}
	if visibility != "shared" {
		c.mustImage(w.admin, "PATCH", "/v2/images/"+img.ID,
			`[{"op":"replace","path":"/visibility","value":"`+visibility+`"}]`, http.StatusOK)
	}
	return img.ID, name
}

// answer performs op as who on the image and returns the answer: the status (with
// Glance's error body for an error), and for list whether the image is listed.
func (w *matrixWorld) answer(who persona, op, id, name string) string {
	c := w.c
	var status int
	var body []byte
	switch op {
	case "list":
		st, ids := c.listedIDs(who, "name="+name)
		if st != http.StatusOK {
			status, body = c.image(who, "GET", "/v2/images?name="+name, "")
			break
		}
		if slices.Contains(ids, id) {
			return "listed"
		}
		return "absent"
	case "show":
		status, body = c.image(who, "GET", "/v2/images/"+id, "")
	case "download":
		status, body = c.image(who, "GET", "/v2/images/"+id+"/file", "")
	case "update":
		status, body = c.image(who, "PATCH", "/v2/images/"+id, `[{"op":"replace","path":"/min_ram","value":1}]`)
	case "delete":
		status, body = c.image(who, "DELETE", "/v2/images/"+id, "")
	case "members":
		status, body = c.image(who, "GET", "/v2/images/"+id+"/members", "")
	case "tag":
		status, body = c.image(who, "PUT", "/v2/images/"+id+"/tags/matrix-tag", "")
	case "deactivate":
		status, body = c.image(who, "POST", "/v2/images/"+id+"/actions/deactivate", "")
	case "set_member": // the rejected member's status, set to what it is
		status, body = c.image(who, "PUT", "/v2/images/"+id+"/members/"+w.personas["member_rejected"].project, `{"status":"rejected"}`)
	case "remove_member": // the pending member
		status, body = c.image(who, "DELETE", "/v2/images/"+id+"/members/"+w.personas["member_pending"].project, "")
	case "create": // an image of its own with the visibility of this row
		status, body = c.image(who, "POST", "/v2/images", `{"name":"`+c.uniqueName("created")+`","visibility":"`+name+`"}`)
		var img struct{ ID string }
		if status == http.StatusCreated && json.Unmarshal(body, &img) == nil {
			c.created = append(c.created, "/v2/images/"+img.ID)
		}
	case "add_member":
		status, body = c.image(who, "POST", "/v2/images/"+id+"/members", `{"member":"`+c.uniqueName("fake-project")+`"}`)
	case "accept":
		status, body = c.image(who, "PUT", "/v2/images/"+id+"/members/"+who.project, `{"status":"accepted"}`)
	}
	if status < 400 {
		return strconv.Itoa(status)
	}
	// An error: its status and Glance's message, with the ids made stable.
	msg := string(body)
	if id != "" {
		msg = strings.ReplaceAll(msg, id, "<image>")
	}
	for name, p := range w.personas {
		if p.project != "" {
			// The owner's member and reader share a project, as do the other project's.
			label := strings.TrimSuffix(strings.TrimSuffix(name, "_member"), "_reader")
			msg = strings.ReplaceAll(msg, p.project, "<"+label+">")
		}
	}
	return strconv.Itoa(status) + " " + msg
}

// walk fills the matrix: one image per visibility for the operations that leave it in
// place (the accepting persona changes only its own membership, after the others), one
// image per visibility and persona for delete and deactivate; create makes a new image
// with the row's visibility.
func (w *matrixWorld) walk() map[string]string {
	got := map[string]string{}
	for _, vis := range matrixVisibilities {
		id, name := w.newImage(vis)
		for _, who := range matrixPersonas {
			for _, op := range matrixOperations {
				switch {
				case slices.Contains(matrixConsuming, op):
				case op == "create":
					got[vis+"/"+who+"/"+op] = w.answer(w.personas[who], op, "", vis)
				default:
					got[vis+"/"+who+"/"+op] = w.answer(w.personas[who], op, id, name)
				}
			}
		}
		for _, op := range matrixConsuming {
			for _, who := range matrixPersonas {
				did, dname := w.newImage(vis)
				got[vis+"/"+who+"/"+op] = w.answer(w.personas[who], op, did, dname)
			}
		}
	}
	return got
}

func matrixFile(mode string) string { return "testdata/access_matrix_" + mode + ".json" }

// TestAccessMatrix walks the matrix on glimpse in both policy modes and compares every cell
// with the real Glance's answer.
func TestAccessMatrix(t *testing.T) {
	for _, mode := range []string{"secure", "legacy"} {
		t.Run(mode, func(t *testing.T) {
			data, err := os.ReadFile(matrixFile(mode))
			if err != nil {
				t.Fatalf("recorded answers: %v", err)
			}
			var want map[string]string
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatal(err)
			}
			authz := secureAuthorizer(t)
			if mode == "legacy" {
				authz = legacyAuthorizer(t)
			}
			got := newMatrixWorld(newGlimpseCloud(t, authz)).walk()
			if len(want) != len(matrixVisibilities)*len(matrixPersonas)*len(matrixOperations) {
				t.Fatalf("recorded matrix has %d cells", len(want))
			}
			for _, vis := range matrixVisibilities {
				for _, who := range matrixPersonas {
					for _, op := range matrixOperations {
						key := vis + "/" + who + "/" + op
						if got[key] != want[key] {
							t.Errorf("%s: glimpse %s, Glance %s", key, got[key], want[key])
						}
					}
				}
			}
		})
	}
}

// TestRecordAccessMatrix records Glance's answers: run it against a reference with
// GLIMPSE_RECORD_MATRIX=secure (REFSTACK_NEW_DEFAULTS=1) or legacy, and
// GLIMPSE_RECORD_IDENTITY (e.g. http://127.0.0.1:15000), GLIMPSE_RECORD_IMAGE
// (http://127.0.0.1:19292), GLIMPSE_RECORD_ADMIN_PASSWORD; GLIMPSE_RECORD_DIR is where to
// write (default testdata).
func TestRecordAccessMatrix(t *testing.T) {
	mode := os.Getenv("GLIMPSE_RECORD_MATRIX")
	if mode == "" {
		t.Skip("GLIMPSE_RECORD_MATRIX not set")
	}
	c := newCloud(t, os.Getenv("GLIMPSE_RECORD_IDENTITY"), os.Getenv("GLIMPSE_RECORD_IMAGE"), os.Getenv("GLIMPSE_RECORD_ADMIN_PASSWORD"))
	t.Cleanup(c.cleanup)
	got := newMatrixWorld(c).walk()
	data, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out := matrixFile(mode)
	if dir := os.Getenv("GLIMPSE_RECORD_DIR"); dir != "" {
		out = filepath.Join(dir, filepath.Base(out))
	}
	if err := os.WriteFile(out, append(data, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	fmt.Println("recorded", len(got), "cells to", out)
}
