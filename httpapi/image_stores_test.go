package httpapi

import (
	"net/http"
	"path/filepath"
	"testing"
)

// TestImageStoreDelete copies an image into a second store and removes that copy with
// DELETE /v2/stores/{store_id}/{image_id}, with the answers the real Glance 25 gives.
func TestImageStoreDelete(t *testing.T) {
	e := newImageEnv(t)
	e.withImport(nil)
	id := e.createImage("admin", `{"name":"copied","disk_format":"raw","container_format":"bare"}`)
	e.upload("admin", id, "two copies of this")

	r := e.do("admin", "DELETE", "/v2/stores/file/"+id, "", "Accept: application/json")
	mustStatus(t, r, http.StatusForbidden)
	expectText(t, r, `{"message": "Cannot delete image data from the only store containing it. Consider deleting the image instead.<br /><br />\n\n\n", "code": "403 Forbidden", "title": "Forbidden"}`)
	r = e.do("admin", "DELETE", "/v2/stores/nope/"+id, "", "Accept: application/json")
	mustStatus(t, r, http.StatusConflict)
	expectText(t, r, `{"message": "The selected store nope is not available on this node.<br /><br />\n\n\n", "code": "409 Conflict", "title": "Conflict"}`)

	r = e.do("admin", "POST", "/v2/images/"+id+"/import", `{"method":{"name":"copy-image"},"stores":["backup"]}`,
		"Content-Type: application/json")
	mustStatus(t, r, http.StatusAccepted)
	e.waitImage(id, func(img map[string]any) bool { return img["stores"] == "backup,file" })

	r = e.do("demo", "DELETE", "/v2/stores/backup/"+id, "", "Accept: application/json")
	mustStatus(t, r, http.StatusNotFound) // admin's shared image: demo cannot see it
	r = e.do("admin", "DELETE", "/v2/stores/backup/"+id, "")
	mustStatus(t, r, http.StatusNoContent)
	img := e.do("admin", "GET", "/v2/images/"+id, "").json(t)
	if img["stores"] != "file" || img["status"] != "active" {
		t.Errorf("after removing the backup copy: stores %v status %v", img["stores"], img["status"])
	}
	if files, _ := filepath.Glob(filepath.Join(e.server.Stores[1].(interface{ Dir() string }).Dir(), "*")); len(files) != 0 {
		t.Errorf("backup store still holds %v", files)
	}
	r = e.do("admin", "GET", "/v2/images/"+id+"/file", "")
	mustStatus(t, r, http.StatusOK)
	expectText(t, r, "two copies of this")
}
