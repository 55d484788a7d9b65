// Package httpstore reads image data kept at external http(s) URLs: the locations that
// users add through PATCH /v2/images/{image_id} when show_multiple_locations is on (Glance
// API reference, "Update image", and glance_store's read-only http store).
//
// Every request goes through a urlfilter.Filter, as in Debian's Glance 25 which applies
// the web-download host and port rules to http(s) locations: a location can never make
// glimpse fetch from loopback or link-local addresses unless the operator allowed them.
package httpstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/glimpse-image/glimpse"
	"github.com/glimpse-image/glimpse/urlfilter"
)

// ErrReadOnly is returned by Put: glimpse never writes to an external location.
var ErrReadOnly = errors.New("httpstore: external locations are read-only")

// Store reads external http(s) locations. Its ID is "" (glimpse.Location.External).
// It is safe for concurrent use.
type Store struct {
	filter *urlfilter.Filter
	client *http.Client
	// IdleTimeout ends a read of an external location that gets no data for that long
	// (0: DefaultIdleTimeout), so that a stalled server cannot hold a download open.
	IdleTimeout time.Duration
}

// DefaultIdleTimeout is Store.IdleTimeout's default.
const DefaultIdleTimeout = 60 * time.Second

var _ glimpse.Store = (*Store)(nil)

// New returns a store that fetches only URLs passing filter (nil: urlfilter.Default()).
func New(filter *urlfilter.Filter) *Store {
	if filter == nil {
		filter = urlfilter.Default()
	}
	return &Store{filter: filter, client: filter.Client()}
}

// ID is "": external locations belong to no configured store.
func (s *Store) ID() string { return "" }

// Check reports whether rawURL may be used as an external location: an http or https URL
// that passes the filter. It makes no request.
func (s *Store) Check(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("httpstore: %w", err)
	}
	if scheme := strings.ToLower(u.Scheme); scheme != "http" && scheme != "https" {
		return fmt.Errorf("httpstore: scheme %q is not http or https", u.Scheme)
	}
	return s.filter.Check(rawURL)
}

// Put always fails with ErrReadOnly.
func (s *Store) Put(context.Context, string, io.Reader, int64) (string, int64, error) {
	return "", 0, ErrReadOnly
}

// Delete does nothing: the data at an external location is not glimpse's to delete
// (glance_store's http store cannot delete either).
func (s *Store) Delete(context.Context, string) error { return nil }

// Stat returns the Content-Length of a HEAD request to rawURL, in bytes. A 404 or 410
// answer wraps fs.ErrNotExist; other failures, a missing or unparsable length, or a URL
// the filter refuses are errors.
func (s *Store) Stat(ctx context.Context, rawURL string) (int64, error) {
	if err := s.Check(rawURL); err != nil {
		return 0, err
	}
	resp, err := s.do(ctx, http.MethodHead, rawURL, "")
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	if resp.ContentLength < 0 {
		return 0, fmt.Errorf("httpstore: HEAD %s: no Content-Length", redact(rawURL))
	}
	return resp.ContentLength, nil
}

// Open reads rawURL from offset, length bytes (length < 0: to the end). It asks for the
// range with a Range header and, when the server ignores it and answers 200 with the whole
// body, skips and cuts the body itself.
func (s *Store) Open(ctx context.Context, rawURL string, offset, length int64) (io.ReadCloser, error) {
	if err := s.Check(rawURL); err != nil {
		return nil, err
	}
	var rangeHeader string
	if offset > 0 || length >= 0 {
		rangeHeader = "bytes=" + strconv.FormatInt(offset, 10) + "-"
		if length >= 0 {
			if length == 0 {
				return io.NopCloser(strings.NewReader("")), nil
			}
			rangeHeader += strconv.FormatInt(offset+length-1, 10)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	resp, err := s.do(ctx, http.MethodGet, rawURL, rangeHeader)
	if err != nil {
		cancel()
		return nil, err
	}
	idle := s.IdleTimeout
	if idle <= 0 {
		idle = DefaultIdleTimeout
	}
	resp.Body = &idleBody{ReadCloser: resp.Body, idle: idle, timer: time.AfterFunc(idle, cancel), cancel: cancel}
	var body io.Reader = resp.Body
	if rangeHeader != "" && resp.StatusCode == http.StatusOK {
		if _, err := io.CopyN(io.Discard, resp.Body, offset); err != nil {
			resp.Body.Close()
			return nil, fmt.Errorf("httpstore: GET %s: skip to offset %d: %w", redact(rawURL), offset, err)
		}
	}
	if length >= 0 {
		body = io.LimitReader(body, length)
	}
	return readCloser{body, resp.Body}, nil
}

// do sends one request and returns the response when its status is 2xx.
func (s *Store) do(ctx context.Context, method, rawURL, rangeHeader string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("httpstore: %w", err)
	}
	if rangeHeader != "" {
		req.Header.Set("Range", rangeHeader)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("httpstore: %s %s: %w", method, redact(rawURL), err)
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	resp.Body.Close()
	err = fmt.Errorf("httpstore: %s %s: HTTP %d", method, redact(rawURL), resp.StatusCode)
	if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone {
		err = fmt.Errorf("%w: %w", err, fs.ErrNotExist)
	}
	return nil, err
}

// redact drops a URL's password for error messages.
func redact(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil {
		return u.Redacted()
	}
	return rawURL
}

type readCloser struct {
	io.Reader
	io.Closer
}

// idleBody cancels its request when no data arrives for idle.
type idleBody struct {
	io.ReadCloser
	idle   time.Duration
	timer  *time.Timer
	cancel context.CancelFunc
}

func (b *idleBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.timer.Reset(b.idle)
	}
	return n, err
}

func (b *idleBody) Close() error {
	b.timer.Stop()
	b.cancel()
	return b.ReadCloser.Close()
}
