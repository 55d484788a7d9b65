package httpapi

import (
	"context"
	"io"
	"net/http"

	"github.com/glimpse-image/glimpse"
)

// ImageImporter runs Glance's interoperable image import ("Interoperable image import"
// in the Glance API reference); task.Importer is one. Nil in Server means no import
// method is offered.
type ImageImporter interface {
	// Methods are the import methods that work, for GET /v2/info/import and the
	// OpenStack-image-import-methods header.
	Methods() []string
	// Stage streams the data of a glance-direct import into the staging area; the image
	// goes queued → uploading (ECONFLICT from any other status).
	Stage(ctx context.Context, imageID string, r io.Reader, size int64) (*glimpse.Image, error)
	// Submit checks an import request and records its task (nil when there is nothing to
	// do); the import then runs in the background.
	Submit(ctx context.Context, req glimpse.ImportRequest) (*glimpse.Task, error)
}

// importMethods are the import methods offered.
func (s *Server) importMethods() []string {
	if s.Importer == nil {
		return []string{}
	}
	return s.Importer.Methods()
}

// handleImageStage answers PUT /v2/images/{image_id}/stage ("Stage binary image data"):
// 204 with an empty text/html body, as Glance; 415 unless application/octet-stream, 404
// for an image the caller cannot see, 403 for one it may not change, 409 unless queued.
func (s *Server) handleImageStage(w http.ResponseWriter, r *http.Request) error {
	if ct := r.Header.Get("Content-Type"); mediaTypeOf(ct) != "application/octet-stream" {
		return errUnsupportedMedia(ct)
	}
	id := r.PathValue("image_id")
	img, err := s.imageOr404(r, id)
	if err != nil {
		return err
	}
	if s.Importer == nil {
		return errDefault(http.StatusNotFound)
	}
	if err := s.enforceMutation(imageCaller(r), "modify_image", img, errNotOwner()); err != nil {
		return err
	}
	if err := s.enforceStageQuotas(r); err != nil {
		return err
	}
	if _, err := s.Importer.Stage(r.Context(), id, idleTimeoutBody(w, r), r.ContentLength); err != nil {
		if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
			return errImageNotFound(id)
		}
		return err
	}
	writeNoContent(w)
	return nil
}

// handleImageImport answers POST /v2/images/{image_id}/import ("Import an image"): 202
// with an empty body once the import task is recorded; the import runs in the background.
// The body is checked as Glance's deserializer does (400: no method, no name, an unknown
// method, non-boolean all_stores / all_stores_must_succeed, a stores value that is not a
// list of strings); the rest (404, 403, 409, 400 for the web-download filter) comes from
// the importer.
func (s *Server) handleImageImport(w http.ResponseWriter, r *http.Request) error {
	raw, err := readJSONBody(r)
	if err != nil {
		return err
	}
	body, ok := raw.(map[string]any)
	if !ok {
		return errExplained(http.StatusBadRequest, "Import request requires a 'method' field.")
	}
	method, ok := body["method"].(map[string]any)
	if !ok {
		return errExplained(http.StatusBadRequest, "Import request requires a 'method' field.")
	}
	name, ok := method["name"]
	if !ok {
		return errExplained(http.StatusBadRequest, "Import request requires a 'name' field.")
	}
	nameStr, _ := name.(string)
	methods := s.importMethods()
	known := false
	for _, m := range methods {
		known = known || m == nameStr
	}
	if !known {
		return errExplained(http.StatusBadRequest, "Unknown import method name '%s'.", pyStr(name))
	}
	req := glimpse.ImportRequest{
		ImageID:              r.PathValue("image_id"),
		Method:               nameStr,
		AllStoresMustSucceed: true,
		Body:                 body,
		RequestID:            RequestID(r.Context()),
		Caller:               imageCaller(r),
		AuthToken:            r.Header.Get("X-Auth-Token"),
	}
	for _, key := range []string{"all_stores_must_succeed", "all_stores"} {
		v, present := body[key]
		if !present {
			continue
		}
		b, isBool := v.(bool)
		if !isBool {
			return errExplained(http.StatusBadRequest, "'%s' must be boolean value only", key)
		}
		if key == "all_stores" {
			req.AllStores = b
		} else {
			req.AllStoresMustSucceed = b
		}
	}
	if v, present := body["stores"]; present && v != nil {
		list, ok := v.([]any)
		if !ok {
			return errExplained(http.StatusBadRequest, "Invalid stores parameter: a list of store ids is expected.")
		}
		for _, item := range list {
			id, ok := item.(string)
			if !ok {
				return errExplained(http.StatusBadRequest, "Invalid stores parameter: a list of store ids is expected.")
			}
			req.Stores = append(req.Stores, id)
		}
		req.HasStores = true
	}
	if h := r.Header.Get("X-Image-Meta-Store"); h != "" && !req.HasStores {
		req.Stores, req.HasStores = []string{h}, true
	}
	req.URI, _ = method["uri"].(string)

	// Glance answers 404 for an image the caller cannot see before anything else.
	img, err := s.imageOr404(r, req.ImageID)
	if err != nil {
		return err
	}
	// The policy (copy_image or modify_image); the importer then applies Glance's legacy
	// owner check (not for copy-image) after its status checks.
	if err := s.enforceImport(imageCaller(r), nameStr, img); err != nil {
		return err
	}
	if err := s.enforceImportQuotas(r); err != nil {
		return err
	}
	req.Authorize = func(img *glimpse.Image) error {
		if req.Method != glimpse.ImportCopyImage && !s.legacyMutable(req.Caller, img) {
			return errNotOwner()
		}
		return nil
	}
	if _, err := s.Importer.Submit(r.Context(), req); err != nil {
		return err
	}
	writeRaw(w, http.StatusAccepted, "text/html; charset=UTF-8", nil)
	return nil
}
