package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/glimpse-image/glimpse"
)

// findVisibleImage returns the image if p may see it (glimpse.ImageVisible, with p's
// membership for a shared image and the policy's is_admin). It returns (nil, nil) when the image does not exist, is
// deleted, or p may not see it: the handlers answer each case with Glance's own 404.
func (s *Server) findVisibleImage(ctx context.Context, p *glimpse.Principal, id string) (*glimpse.Image, error) {
	img, err := s.Images.FindImageByID(ctx, id)
	if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("find image %s: %w", id, err)
	}
	if img.Status == glimpse.ImageStatusDeleted {
		return nil, nil
	}
	member, err := s.callerMembership(ctx, p, img)
	if err != nil {
		return nil, err
	}
	if !glimpse.ImageVisible(s.viewer(p), img, member) {
		return nil, nil
	}
	return img, nil
}

// callerMembership returns p's membership of a shared image it does not own, or nil.
func (s *Server) callerMembership(ctx context.Context, p *glimpse.Principal, img *glimpse.Image) (*glimpse.Member, error) {
	if img.Visibility != glimpse.ImageVisibilityShared || p.ProjectID == "" || p.ProjectID == img.Owner || s.Members == nil {
		return nil, nil
	}
	m, err := s.Members.FindMember(ctx, img.ID, p.ProjectID)
	if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("find member %s of image %s: %w", p.ProjectID, img.ID, err)
	}
	return m, nil
}

// imageOr404 is findVisibleImage answering Glance's usual "No image found with ID <id>".
func (s *Server) imageOr404(r *http.Request, id string) (*glimpse.Image, error) {
	img, err := s.findVisibleImage(r.Context(), imageCaller(r), id)
	if err != nil {
		return nil, err
	}
	if img == nil {
		return nil, errImageNotFound(id)
	}
	return img, nil
}

// maxJSONBody caps JSON request bodies of the image API.
const maxJSONBody = 1 << 20

// readJSONBody decodes the request body as Glance's JSON deserializer does, whatever the
// Content-Type: an empty body is 400 "Body expected in request.", bad JSON 400 "Malformed
// JSON in request body.", anything but an object or a list 400 "Unexpected body type.
// Expected list/dict.". Numbers stay json.Number.
func readJSONBody(r *http.Request) (any, error) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxJSONBody+1))
	if err != nil {
		return nil, errExplained(http.StatusBadRequest, "Malformed JSON in request body.")
	}
	if len(data) > maxJSONBody {
		return nil, errDefault(http.StatusRequestEntityTooLarge)
	}
	return decodeJSON(data)
}

func decodeJSON(data []byte) (any, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errExplained(http.StatusBadRequest, "Body expected in request.")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, errExplained(http.StatusBadRequest, "Malformed JSON in request body.")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errExplained(http.StatusBadRequest, "Malformed JSON in request body.")
	}
	switch v.(type) {
	case map[string]any, []any:
		return v, nil
	}
	return nil, errExplained(http.StatusBadRequest, "Unexpected body type. Expected list/dict.")
}
