// Package filesystem stores image data as files in one local directory, like glance_store's
// "file" driver (filesystem_store_datadir). An object's location URL is
// "file:///<absolute dir>/<image id>", as Glance records it.
package filesystem

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/glimpse-image/glimpse"
)

// tempPrefix starts the name of every file still being written. Image ids never start with
// a dot (Put refuses them), so a temporary file cannot be taken for an image.
const tempPrefix = ".put-"

// Store is a glimpse.Store over one directory. It is safe for concurrent use: every Put
// writes its own temporary file and publishes it with one rename.
type Store struct {
	id  string
	dir string // absolute and clean
}

var _ glimpse.Store = (*Store)(nil)

// New returns the store id over dir, creating dir (mode 0750) when missing.
// dir is made absolute so that the location URLs do not depend on the working directory.
func New(id, dir string) (*Store, error) {
	if id == "" {
		return nil, errors.New("filesystem: empty store id")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("filesystem: %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return nil, fmt.Errorf("filesystem: create %s: %w", abs, err)
	}
	return &Store{id: id, dir: abs}, nil
}

// ID returns the store id given to New.
func (s *Store) ID() string { return s.id }

// Dir returns the absolute directory holding the objects.
func (s *Store) Dir() string { return s.dir }

// urlOf returns the location URL of the object of imageID.
func (s *Store) urlOf(imageID string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(s.dir, imageID))}).String()
}

// checkImageID refuses ids that are not one plain file name, or that could be confused with
// a temporary file.
func checkImageID(imageID string) error {
	if imageID == "" || imageID == "." || imageID == ".." || strings.HasPrefix(imageID, ".") ||
		strings.ContainsAny(imageID, `/\`+"\x00") {
		return fmt.Errorf("filesystem: invalid image id %q", imageID)
	}
	return nil
}

// pathOf returns the file of a location URL, refusing any URL that does not name a file
// directly inside the store's directory (other schemes, hosts, "..", temporary files).
func (s *Store) pathOf(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("filesystem: location %q: %w", rawURL, err)
	}
	if u.Scheme != "file" || (u.Host != "" && u.Host != "localhost") || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("filesystem: location %q is not a file URL of store %s", rawURL, s.id)
	}
	p := filepath.FromSlash(u.Path)
	if filepath.Clean(p) != p || filepath.Dir(p) != s.dir || checkImageID(filepath.Base(p)) != nil {
		return "", fmt.Errorf("filesystem: location %q is outside store %s (%s)", rawURL, s.id, s.dir)
	}
	return p, nil
}

// Put writes r to a temporary file in the store's directory, fsyncs it, renames it onto the
// image's file and fsyncs the directory. Reads go through one 1 MiB buffer, and ctx is
// checked before each of them. On any error the temporary file is removed and an existing
// object of imageID is left as it was. size is only a hint here (callers check it).
func (s *Store) Put(ctx context.Context, imageID string, r io.Reader, size int64) (string, int64, error) {
	if err := checkImageID(imageID); err != nil {
		return "", 0, err
	}
	if err := ctx.Err(); err != nil {
		return "", 0, fmt.Errorf("filesystem: put %s: %w", imageID, err)
	}
	f, err := os.CreateTemp(s.dir, tempPrefix+imageID+"-*")
	if err != nil {
		return "", 0, fmt.Errorf("filesystem: put %s: %w", imageID, err)
	}
	tmp := f.Name()
	committed := false
	defer func() {
		if !committed {
			f.Close()
			os.Remove(tmp)
		}
	}()

	n, err := copyContext(ctx, f, r)
	if err != nil {
		return "", n, fmt.Errorf("filesystem: put %s: %w", imageID, err)
	}
	if err := f.Sync(); err != nil {
		return "", n, fmt.Errorf("filesystem: put %s: sync: %w", imageID, err)
	}
	if err := f.Close(); err != nil {
		return "", n, fmt.Errorf("filesystem: put %s: close: %w", imageID, err)
	}
	if err := ctx.Err(); err != nil {
		return "", n, fmt.Errorf("filesystem: put %s: %w", imageID, err)
	}
	final := filepath.Join(s.dir, imageID)
	if err := os.Rename(tmp, final); err != nil {
		return "", n, fmt.Errorf("filesystem: put %s: rename: %w", imageID, err)
	}
	committed = true
	if err := syncDir(s.dir); err != nil {
		// The object is in place; only its durability across a crash is in doubt.
		return s.urlOf(imageID), n, fmt.Errorf("filesystem: put %s: sync dir: %w", imageID, err)
	}
	return s.urlOf(imageID), n, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Open opens the object at rawURL and returns a reader of length bytes from offset
// (length < 0: to the end; a range past the end is cut short). A missing object returns an
// error wrapping fs.ErrNotExist.
func (s *Store) Open(ctx context.Context, rawURL string, offset, length int64) (io.ReadCloser, error) {
	if offset < 0 {
		return nil, fmt.Errorf("filesystem: open %s: negative offset %d", rawURL, offset)
	}
	p, err := s.pathOf(rawURL)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("filesystem: open %s: %w", rawURL, err)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("filesystem: open: %w", err)
	}
	if offset == 0 && length < 0 {
		return f, nil
	}
	if length < 0 {
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("filesystem: open: %w", err)
		}
		length = max(fi.Size()-offset, 0)
	}
	return struct {
		io.Reader
		io.Closer
	}{io.NewSectionReader(f, offset, length), f}, nil
}

// Stat returns the size in bytes of the object at rawURL; a missing object wraps
// fs.ErrNotExist.
func (s *Store) Stat(ctx context.Context, rawURL string) (int64, error) {
	p, err := s.pathOf(rawURL)
	if err != nil {
		return 0, err
	}
	fi, err := os.Stat(p)
	if err != nil {
		return 0, fmt.Errorf("filesystem: stat: %w", err)
	}
	return fi.Size(), nil
}

// Delete removes the object at rawURL. A missing object is not an error.
func (s *Store) Delete(ctx context.Context, rawURL string) error {
	p, err := s.pathOf(rawURL)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("filesystem: delete: %w", err)
	}
	return nil
}

// List returns the location URLs of every complete object in the store, sorted; files still
// being written (or left by a crash during Put) are not listed. It is meant for finding data
// no image refers to any more.
func (s *Store) List(ctx context.Context) ([]string, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("filesystem: list: %w", err)
	}
	var urls []string
	for _, e := range entries {
		if e.Type().IsRegular() && checkImageID(e.Name()) == nil {
			urls = append(urls, s.urlOf(e.Name()))
		}
	}
	sort.Strings(urls)
	return urls, nil
}
