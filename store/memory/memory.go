// Package memory is a glimpse.Store that keeps image data in memory. It is for tests: it
// honours the same contract as the real drivers (storetest runs it), but data grows the
// process and is lost at exit. Location URLs are "memory://<store id>/<image id>".
package memory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/glimpse-image/glimpse"
)

// Store is an in-memory glimpse.Store, safe for concurrent use.
type Store struct {
	id      string
	mu      sync.Mutex
	objects map[string][]byte // image id → data; a stored slice is never modified
}

var _ glimpse.Store = (*Store)(nil)

// New returns an empty store with the given id.
func New(id string) *Store {
	return &Store{id: id, objects: make(map[string][]byte)}
}

// ID returns the store id given to New.
func (s *Store) ID() string { return s.id }

// Keys returns the image ids that have an object, sorted.
func (s *Store) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.objects))
	for k := range s.objects {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (s *Store) urlOf(imageID string) string {
	return "memory://" + url.PathEscape(s.id) + "/" + url.PathEscape(imageID)
}

// keyOf returns the image id of a location URL of this store.
func (s *Store) keyOf(rawURL string) (string, error) {
	rest, ok := strings.CutPrefix(rawURL, "memory://"+url.PathEscape(s.id)+"/")
	if !ok {
		return "", fmt.Errorf("memory: location %q is not in store %s", rawURL, s.id)
	}
	key, err := url.PathUnescape(rest)
	if err != nil || key == "" || strings.Contains(rest, "/") {
		return "", fmt.Errorf("memory: location %q is not in store %s", rawURL, s.id)
	}
	return key, nil
}

// chunkSize is how much Put reads between two checks of ctx.
const chunkSize = 1 << 20

// Put reads r to its end and then stores the bytes under imageID, replacing any earlier
// object only once everything was read. ctx is checked between chunks of 1 MiB.
func (s *Store) Put(ctx context.Context, imageID string, r io.Reader, size int64) (string, int64, error) {
	if imageID == "" {
		return "", 0, errors.New("memory: empty image id")
	}
	var buf bytes.Buffer
	if size > 0 {
		buf.Grow(int(min(size, 64<<20))) // a hint only: a wrong size must not allocate much
	}
	for {
		if err := ctx.Err(); err != nil {
			return "", int64(buf.Len()), fmt.Errorf("memory: put %s: %w", imageID, err)
		}
		n, err := buf.ReadFrom(io.LimitReader(r, chunkSize))
		if err != nil {
			return "", int64(buf.Len()), fmt.Errorf("memory: put %s: %w", imageID, err)
		}
		if n < chunkSize {
			break
		}
	}
	if err := ctx.Err(); err != nil {
		return "", int64(buf.Len()), fmt.Errorf("memory: put %s: %w", imageID, err)
	}
	data := buf.Bytes()
	s.mu.Lock()
	s.objects[imageID] = data
	s.mu.Unlock()
	return s.urlOf(imageID), int64(len(data)), nil
}

func (s *Store) get(rawURL string) ([]byte, error) {
	key, err := s.keyOf(rawURL)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	data, ok := s.objects[key]
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("memory: %s: %w", rawURL, fs.ErrNotExist)
	}
	return data, nil
}

// Open returns a reader of length bytes from offset of the object (length < 0: to the end;
// a range past the end is cut short). A missing object wraps fs.ErrNotExist.
func (s *Store) Open(ctx context.Context, rawURL string, offset, length int64) (io.ReadCloser, error) {
	if offset < 0 {
		return nil, fmt.Errorf("memory: open %s: negative offset %d", rawURL, offset)
	}
	data, err := s.get(rawURL)
	if err != nil {
		return nil, err
	}
	offset = min(offset, int64(len(data)))
	end := int64(len(data))
	if length >= 0 && length < end-offset {
		end = offset + length
	}
	return io.NopCloser(bytes.NewReader(data[offset:end])), nil
}

// Stat returns the object's size in bytes; a missing object wraps fs.ErrNotExist.
func (s *Store) Stat(ctx context.Context, rawURL string) (int64, error) {
	data, err := s.get(rawURL)
	if err != nil {
		return 0, err
	}
	return int64(len(data)), nil
}

// Delete removes the object; a missing object is not an error.
func (s *Store) Delete(ctx context.Context, rawURL string) error {
	key, err := s.keyOf(rawURL)
	if err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.objects, key)
	s.mu.Unlock()
	return nil
}
