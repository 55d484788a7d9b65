package httpapi

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/glimpse-image/glimpse"
)

// handleImageUpload answers PUT /v2/images/{image_id}/file ("Upload binary image data"):
// the body (application/octet-stream, sized or chunked) streams into the default store;
// 204 with an empty text/html body as Glance. 415 for another Content-Type, 409 unless
// the image is queued, 400 while its disk or container format is unset.
func (s *Server) handleImageUpload(w http.ResponseWriter, r *http.Request) error {
	if ct := r.Header.Get("Content-Type"); mediaTypeOf(ct) != "application/octet-stream" {
		return errUnsupportedMedia(ct)
	}
	if err := s.enforceQuota(r.Context(), imageCaller(r).ProjectID, glimpse.QuotaImageSizeTotal, 0, 0); err != nil {
		return err
	}
	id := r.PathValue("image_id")
	p := imageCaller(r)
	img, err := s.imageOr404(r, id)
	if err != nil {
		return err
	}
	if err := s.enforceMutation(p, "upload_image", img,
		errExplained(http.StatusForbidden, "Not allowed to upload image data for image %s", id)); err != nil {
		return err
	}
	if img.Status != glimpse.ImageStatusQueued {
		return errExplained(http.StatusConflict, "Image status transition from %s to saving is not allowed", img.Status)
	}
	if img.DiskFormat == nil || img.ContainerFormat == nil {
		return errExplained(http.StatusBadRequest, "Properties disk_format, container_format must be set prior to saving data.")
	}
	// Glance checks this once the image is saving, so that it counts itself: hence the 1.
	if err := s.enforceQuota(r.Context(), imageCaller(r).ProjectID, glimpse.QuotaImageCountUploading, 1, 0); err != nil {
		return err
	}
	size := r.ContentLength // -1 when chunked
	if _, err := s.ImageData.Upload(r.Context(), id, idleTimeoutBody(w, r), size); err != nil {
		if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
			return errImageNotFound(id)
		}
		return err
	}
	writeNoContent(w)
	return nil
}

// handleImageDownload answers GET /v2/images/{image_id}/file ("Download binary image
// data"): 200 with Content-MD5 (the hex checksum, as Glance sends it) and Content-Length,
// or 206 with Content-Range for a single Range; 204 when the image has no data; 403 for a
// deactivated image unless the caller is an admin. The data is streamed, never buffered.
func (s *Server) handleImageDownload(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("image_id")
	p := imageCaller(r)
	img, err := s.imageOr404(r, id)
	if err != nil {
		return err
	}
	if img.Status == glimpse.ImageStatusDeactivated && !s.isAdmin(p) {
		return errExplained(http.StatusForbidden, "The requested image has been deactivated. Image data download is forbidden.")
	}
	if err := s.enforceImage(p, "download_image", img); err != nil {
		return err
	}
	if img.Size == nil || len(img.ActiveLocations()) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	size := *img.Size
	offset, length := int64(0), size
	partial := false
	if header := r.Header.Get("Range"); header != "" {
		start, end, err := parseByteRange(header, size)
		if err != nil {
			return err
		}
		offset, length, partial = start, end-start+1, true
	} else if header := r.Header.Get("Content-Range"); header != "" {
		start, end, err := parseRequestContentRange(header, size)
		if err != nil {
			return err
		}
		offset, length, partial = start, end-start+1, true
	}
	rc, err := s.ImageData.Download(r.Context(), img, offset, length)
	if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
		w.WriteHeader(http.StatusNoContent)
		return nil
	} else if err != nil {
		return err
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	if partial {
		h.Set("Content-Range", "bytes "+strconv.FormatInt(offset, 10)+"-"+strconv.FormatInt(offset+length-1, 10)+"/"+strconv.FormatInt(size, 10))
	}
	if img.Checksum != nil {
		h.Set("Content-MD5", *img.Checksum)
	}
	h.Set("Content-Length", strconv.FormatInt(length, 10))
	status := http.StatusOK
	if partial {
		status = http.StatusPartialContent
	}
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return nil
	}
	if _, err := io.Copy(w, rc); err != nil {
		// Headers are gone; abort the connection so the client sees a short read.
		s.logger().Warn("image download interrupted", "image_id", id,
			"request_id", RequestID(r.Context()), "error", err.Error())
		panic(http.ErrAbortHandler)
	}
	return nil
}

var (
	rangeHeaderRE        = regexp.MustCompile(`(?i)^bytes *= *(\d*) *- *(\d*)$`)
	contentRangeHeaderRE = regexp.MustCompile(`(?i)^bytes +(\d+)-(\d+)/(\d+|\*)$`)
)

// parseByteRange reads a single "bytes=a-b", "bytes=a-" or "bytes=-n" range (webob's
// Range.parse: case-insensitive, spaces allowed, "-0" is the whole object) of an object
// of size bytes and returns its inclusive bounds, with Glance's errors: 400 for several
// ranges, 416 for a malformed or unsatisfiable one.
func parseByteRange(header string, size int64) (start, end int64, err error) {
	invalid := errDetailed(http.StatusRequestedRangeNotSatisfiable, "Invalid Range header.")
	header = strings.TrimSpace(header)
	if strings.Contains(header, ",") {
		return 0, 0, errExplained(http.StatusBadRequest,
			"Requests with multiple ranges are not supported in Glance. You may make multiple single-range requests instead.")
	}
	m := rangeHeaderRE.FindStringSubmatch(header)
	if m == nil || (m[1] == "" && m[2] == "") {
		return 0, 0, invalid
	}
	first, last := m[1], m[2]
	end = size - 1
	switch {
	case first == "":
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil {
			return 0, 0, invalid
		}
		start = max(size-n, 0)
		if n == 0 {
			start = 0
		}
	default:
		start, err = strconv.ParseInt(first, 10, 64)
		if err != nil {
			return 0, 0, invalid
		}
		if last != "" {
			e, err := strconv.ParseInt(last, 10, 64)
			if err != nil || e < start {
				return 0, 0, invalid
			}
			end = min(e, size-1)
		}
	}
	if size == 0 || start >= size {
		return 0, 0, errDetailed(http.StatusRequestedRangeNotSatisfiable,
			"Invalid start position in Range header. Start position MUST be in the inclusive range [0, %d].", size-1)
	}
	return start, end, nil
}

// parseRequestContentRange reads the legacy "Content-Range: bytes a-b/size" request header
// that Glance still honours on downloads when there is no Range header.
func parseRequestContentRange(header string, size int64) (start, end int64, err error) {
	m := contentRangeHeaderRE.FindStringSubmatch(strings.TrimSpace(header))
	if m == nil {
		return 0, 0, errDetailed(http.StatusRequestedRangeNotSatisfiable, "Invalid Content-Range header.")
	}
	start, _ = strconv.ParseInt(m[1], 10, 64)
	end, _ = strconv.ParseInt(m[2], 10, 64)
	if end < start || start >= size {
		return 0, 0, errDetailed(http.StatusRequestedRangeNotSatisfiable,
			"Invalid start position in Range header. Start position MUST be in the inclusive range [0, %d].", size-1)
	}
	return start, min(end, size-1), nil
}

// mediaTypeOf returns a Content-Type's media type without parameters, as webob's
// request.content_type (Glance compares it case-sensitively).
func mediaTypeOf(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.TrimSpace(ct)
}
