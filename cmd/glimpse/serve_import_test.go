package main

import (
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestRemoveStaleTempFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{".put-old-1", ".put-new-2", "image-id"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * time.Hour)
	for _, name := range []string{".put-old-1", "image-id"} {
		if err := os.Chtimes(filepath.Join(dir, name), old, old); err != nil {
			t.Fatal(err)
		}
	}
	removeStaleTempFiles(dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{".put-new-2", "image-id"}; !slices.Equal(names, want) {
		t.Fatalf("left %v, want %v", names, want)
	}
}

func TestImportConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "glimpse.yaml")
	yaml := "data_dir: " + dir + "\nstores:\n  - {id: local, type: filesystem, path: " + dir + "/a}\n" +
		"  - {id: backup, type: filesystem, path: " + dir + "/b}\ndefault_store: backup\n" +
		"import_allowed_hosts: [127.0.0.1]\nimport_allowed_ports: [80, 443, 8080]\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GLIMPSE_IMPORT_DISALLOWED_HOSTS", "evil.example, bad.example")
	cfg, err := loadConfig(flag.NewFlagSet("test", flag.ContinueOnError), []string{"--config", path})
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.storesDefaultFirst(); !slices.Equal(got, []string{"backup", "local"}) {
		t.Fatalf("stores default first = %v", got)
	}
	f, err := cfg.uriFilter()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.AllowedPorts, []int{80, 443, 8080}) || !slices.Equal(f.DisallowedHosts, []string{"evil.example", "bad.example"}) ||
		!slices.Equal(f.AllowedHosts, []string{"127.0.0.1"}) || cfg.StagingDir != filepath.Join(dir, "staging") || cfg.ImportWorkers != 2 {
		t.Fatalf("import config: %+v filter %+v", cfg.ImportConfig, f)
	}
	if f.Check("http://127.0.0.1:8080/x") != nil || f.Check("http://evil.example/x") == nil {
		t.Fatal("filter does not follow the config")
	}
	t.Setenv("GLIMPSE_DEFAULT_STORE", "nope")
	if _, err := loadConfig(flag.NewFlagSet("test", flag.ContinueOnError), []string{"--config", path}); err == nil {
		t.Fatal("an unknown default store was accepted")
	}
}
