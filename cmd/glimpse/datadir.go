package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// lockDataDir takes an exclusive lock on the data directory for as long as serve runs, so
// that two processes never share one SQLite database and one set of openrc files. A
// deployment on PostgreSQL or MySQL gives each node its own data directory.
func lockDataDir(cfg *Config) (unlock func(), err error) {
	path := filepath.Join(cfg.DataDir, "glimpse.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("data dir lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		owner, _ := os.ReadFile(path)
		f.Close()
		return nil, fmt.Errorf("data dir %s is in use by another glimpse (pid %s); stop it or set GLIMPSE_DATA_DIR",
			cfg.DataDir, strings.TrimSpace(string(owner)))
	}
	f.Truncate(0)
	fmt.Fprintf(f, "%d\n", os.Getpid())
	return func() { f.Close() }, nil
}

// readOpenrcPassword returns the OS_PASSWORD that writeClientFiles put into an openrc.
func readOpenrcPassword(path string) (string, bool) {
	f, err := os.Open(path)
	if err != nil {
		return "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "export OS_PASSWORD="); ok {
			return shellUnquote(v), v != "" && v != "''"
		}
	}
	return "", false
}

// shellUnquote undoes shellQuote.
func shellUnquote(s string) string {
	s = strings.TrimPrefix(strings.TrimSuffix(s, "'"), "'")
	return strings.ReplaceAll(s, `'\''`, "'")
}
