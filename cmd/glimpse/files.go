package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// loadTokenKeys reads the token keys file (one base64 key of 32 bytes a line; the first
// encrypts, all decrypt), creating it with one new key when it does not exist. Every node
// of a deployment must share this file.
func loadTokenKeys(path string) ([][]byte, error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		key := make([]byte, 32)
		rand.Read(key)
		line := base64.StdEncoding.EncodeToString(key) + "\n"
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("token keys: %w", err)
		}
		// Nodes sharing the file may start together: only the first key written is kept,
		// and every node uses it.
		if err := writeFileExclusive(path, []byte(line), 0o600); errors.Is(err, fs.ErrExist) {
			return loadTokenKeys(path)
		} else if err != nil {
			return nil, fmt.Errorf("token keys: %w", err)
		}
		return [][]byte{key}, nil
	} else if err != nil {
		return nil, fmt.Errorf("token keys: %w", err)
	}
	var keys [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, err := base64.StdEncoding.DecodeString(line)
		if err != nil || len(key) != 32 {
			return nil, fmt.Errorf("token keys %s line %d: want a base64 32-byte key", path, n)
		}
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("token keys %s: %w", path, errNoKeys)
	}
	return keys, nil
}

var errNoKeys = errors.New("no keys")

// randomPassword returns 24 characters from 18 random bytes.
func randomPassword() string {
	b := make([]byte, 18)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// writeClientFiles writes openrc and clouds.yaml for the admin into the data directory,
// readable only by their owner since they hold the password.
func writeClientFiles(cfg *Config, password string) error {
	authURL := cfg.IdentityPublicURL + "/v3"
	openrc := fmt.Sprintf(`# glimpse: admin in project admin. Use: source %s
# OS_TOKEN is unset because the openstack CLI refuses it beside a password.
unset OS_TOKEN OS_CLOUD OS_AUTH_TYPE OS_TENANT_NAME OS_TENANT_ID OS_PROJECT_ID OS_USER_DOMAIN_ID OS_PROJECT_DOMAIN_ID
export OS_AUTH_URL=%s
export OS_USERNAME=admin
export OS_PASSWORD=%s
export OS_PROJECT_NAME=admin
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_IDENTITY_API_VERSION=3
export OS_IMAGE_API_VERSION=2
export OS_REGION_NAME=%s
export OS_INTERFACE=public
`, filepath.Join(cfg.DataDir, "openrc"), authURL, shellQuote(password), cfg.Region)
	clouds := fmt.Sprintf(`# glimpse. Use: OS_CLIENT_CONFIG_FILE=%s openstack --os-cloud glimpse image list
clouds:
  glimpse:
    auth:
      auth_url: %s
      username: admin
      password: %q
      project_name: admin
      user_domain_name: Default
      project_domain_name: Default
    region_name: %s
    interface: public
    identity_api_version: 3
    image_api_version: 2
`, filepath.Join(cfg.DataDir, "clouds.yaml"), authURL, password, cfg.Region)
	if err := writeFileAtomic(filepath.Join(cfg.DataDir, "openrc"), []byte(openrc), 0o600); err != nil {
		return fmt.Errorf("openrc: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(cfg.DataDir, "clouds.yaml"), []byte(clouds), 0o600); err != nil {
		return fmt.Errorf("clouds.yaml: %w", err)
	}
	return nil
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// writeFileExclusive writes a complete file at path unless one exists there already
// (fs.ErrExist): a temporary file is hard-linked into place, which never replaces a file.
func writeFileExclusive(path string, data []byte, perm os.FileMode) error {
	tmp := path + ".new-" + randomPassword()
	if err := writeFileAtomic(tmp, data, perm); err != nil {
		return err
	}
	defer os.Remove(tmp)
	return os.Link(tmp, path)
}

func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
