package filesystem_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestPutURLIsGlanceFileURL(t *testing.T) {
	s, dir := newStore(t)
	const id = "a94e9b9a-edbb-4183-96f4-18c208a57e39"
	url, n, err := s.Put(t.Context(), id, strings.NewReader("hello"), 5)
	if err != nil || n != 5 {
		t.Fatalf("Put = %d, %v", n, err)
	}
	if want := "file://" + filepath.Join(dir, id); url != want {
		t.Errorf("url = %q, want %q", url, want)
	}
	if b, err := os.ReadFile(filepath.Join(dir, id)); err != nil || string(b) != "hello" {
		t.Errorf("file holds %q, %v", b, err)
	}
}

func TestNewMakesDirAbsolute(t *testing.T) {
	t.Chdir(t.TempDir())
	s, err := newStoreAt("rel/images")
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(s.Dir()) {
		t.Errorf("Dir() = %q, want an absolute path", s.Dir())
	}
	if fi, err := os.Stat("rel/images"); err != nil || !fi.IsDir() {
		t.Errorf("New did not create the directory: %v", err)
	}
}

func TestPutRefusesBadImageIDs(t *testing.T) {
	s, dir := newStore(t)
	for _, id := range []string{"", ".", "..", "../escape", "a/b", ".put-x", `a\b`} {
		if _, _, err := s.Put(t.Context(), id, strings.NewReader("x"), 1); err == nil {
			t.Errorf("Put(%q) succeeded, want an error", id)
		}
	}
	if got := dirEntries(t, dir); len(got) != 0 {
		t.Errorf("refused Puts left %q", got)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "escape")); err == nil {
		t.Error("Put wrote outside the store directory")
	}
}

func TestURLsOutsideTheStoreAreRefused(t *testing.T) {
	s, dir := newStore(t)
	outside := filepath.Join(filepath.Dir(dir), "victim")
	if err := os.WriteFile(outside, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, ".put-partial")
	if err := os.WriteFile(tmp, []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, url := range []string{
		"file://" + outside,
		"file://" + dir + "/../victim",
		"file://" + dir + "/x/../../victim",
		"file://" + dir + "/%2e%2e/victim",
		"file://" + tmp,
		"file://" + dir,
		"file://otherhost" + dir + "/img",
		"http://example.invalid" + dir + "/img",
		dir + "/img",
	} {
		if err := s.Delete(t.Context(), url); err == nil {
			t.Errorf("Delete(%q) succeeded, want an error", url)
		}
		if rc, err := s.Open(t.Context(), url, 0, -1); err == nil {
			rc.Close()
			t.Errorf("Open(%q) succeeded, want an error", url)
		} else if errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Open(%q) = %v: a foreign URL must not look like a missing object", url, err)
		}
		if _, err := s.Stat(t.Context(), url); err == nil {
			t.Errorf("Stat(%q) succeeded, want an error", url)
		}
	}
	for _, p := range []string{outside, tmp} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was touched: %v", p, err)
		}
	}
}

func TestListSkipsTemporaryFiles(t *testing.T) {
	s, dir := newStore(t)
	url, _, err := s.Put(t.Context(), "img-1", strings.NewReader("data"), -1)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".put-img-2-123"), []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := s.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{url}) {
		t.Errorf("List = %q, want [%q]", got, url)
	}
}

func TestDirWithSpecialCharacters(t *testing.T) {
	s, err := newStoreAt(filepath.Join(t.TempDir(), "my images %20#?"))
	if err != nil {
		t.Fatal(err)
	}
	url, _, err := s.Put(t.Context(), "img-1", strings.NewReader("data"), 4)
	if err != nil {
		t.Fatal(err)
	}
	if size, err := s.Stat(t.Context(), url); err != nil || size != 4 {
		t.Errorf("Stat(%q) = %d, %v; want 4", url, size, err)
	}
	if err := s.Delete(t.Context(), url); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir(), "img-1")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("object not deleted: %v", err)
	}
}
