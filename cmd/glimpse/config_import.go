package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/glimpse-image/glimpse/task"
	"github.com/glimpse-image/glimpse/urlfilter"
)

// ImportConfig holds the settings of multi-store and interoperable image import. Its
// fields sit at the top level of the config file (yaml inline).
type ImportConfig struct {
	// DefaultStore is the id of the store uploads and imports go to by default; "" means
	// the first of stores (Glance's default_backend).
	DefaultStore string `yaml:"default_store"` // GLIMPSE_DEFAULT_STORE
	// StagingDir holds data staged for glance-direct and fetched by web-download until it
	// is imported (Glance's os_glance_staging_store); default <data dir>/staging.
	StagingDir    string `yaml:"staging_dir"`    // GLIMPSE_STAGING_DIR
	ImportWorkers int64  `yaml:"import_workers"` // GLIMPSE_IMPORT_WORKERS: imports run at once per node
	// The web-download filter (Glance's [import_filtering_opts]); see urlfilter.Filter.
	ImportAllowedSchemes  []string `yaml:"import_allowed_schemes"`  // GLIMPSE_IMPORT_ALLOWED_SCHEMES
	ImportAllowedHosts    []string `yaml:"import_allowed_hosts"`    // GLIMPSE_IMPORT_ALLOWED_HOSTS
	ImportDisallowedHosts []string `yaml:"import_disallowed_hosts"` // GLIMPSE_IMPORT_DISALLOWED_HOSTS
	ImportAllowedPorts    []string `yaml:"import_allowed_ports"`    // GLIMPSE_IMPORT_ALLOWED_PORTS
	ImportDisallowedPorts []string `yaml:"import_disallowed_ports"` // GLIMPSE_IMPORT_DISALLOWED_PORTS
}

func (c *Config) importSettings() []setting {
	return []setting{
		{"default-store", "GLIMPSE_DEFAULT_STORE", "id of the default store (default: the first configured store)", &c.DefaultStore},
		{"staging-dir", "GLIMPSE_STAGING_DIR", "directory of data staged for import (glance-direct, web-download)", &c.StagingDir},
		{"import-workers", "GLIMPSE_IMPORT_WORKERS", "image imports run at once on this node", &c.ImportWorkers},
		{"import-allowed-schemes", "GLIMPSE_IMPORT_ALLOWED_SCHEMES", "URL schemes web-download may fetch, comma-separated", &c.ImportAllowedSchemes},
		{"import-allowed-hosts", "GLIMPSE_IMPORT_ALLOWED_HOSTS", "loopback or link-local hosts web-download may fetch from anyway, comma-separated", &c.ImportAllowedHosts},
		{"import-disallowed-hosts", "GLIMPSE_IMPORT_DISALLOWED_HOSTS", "hosts web-download must never fetch from, comma-separated", &c.ImportDisallowedHosts},
		{"import-allowed-ports", "GLIMPSE_IMPORT_ALLOWED_PORTS", "ports web-download may connect to, comma-separated (empty: any)", &c.ImportAllowedPorts},
		{"import-disallowed-ports", "GLIMPSE_IMPORT_DISALLOWED_PORTS", "ports web-download must never connect to, comma-separated", &c.ImportDisallowedPorts},
	}
}

// splitList splits a comma-separated setting, dropping blanks.
func splitList(v string) []string {
	out := []string{}
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// completeImport fills in the import defaults and validates them.
func (c *Config) completeImport() error {
	ids := map[string]bool{}
	for _, s := range c.Stores {
		if ids[s.ID] {
			return fmt.Errorf("stores: id %q appears twice", s.ID)
		}
		ids[s.ID] = true
	}
	if c.DefaultStore == "" {
		c.DefaultStore = c.Stores[0].ID
	} else if !ids[c.DefaultStore] {
		return fmt.Errorf("default_store %q is not one of the configured stores", c.DefaultStore)
	}
	if c.StagingDir == "" {
		c.StagingDir = filepath.Join(c.DataDir, "staging")
	}
	if c.ImportWorkers == 0 {
		c.ImportWorkers = task.DefaultWorkers
	}
	if c.ImportWorkers < 0 {
		return fmt.Errorf("import-workers %d: must be positive", c.ImportWorkers)
	}
	if c.ImportAllowedSchemes == nil {
		c.ImportAllowedSchemes = []string{"http", "https"}
	}
	if c.ImportAllowedPorts == nil {
		c.ImportAllowedPorts = []string{"80", "443"}
	}
	_, err := c.uriFilter()
	return err
}

// uriFilter is the web-download filter of the configuration.
func (c *Config) uriFilter() (*urlfilter.Filter, error) {
	f := &urlfilter.Filter{
		AllowedSchemes:  lower(c.ImportAllowedSchemes),
		AllowedHosts:    lower(c.ImportAllowedHosts),
		DisallowedHosts: lower(c.ImportDisallowedHosts),
	}
	for _, l := range []struct {
		name string
		in   []string
		out  *[]int
	}{{"import-allowed-ports", c.ImportAllowedPorts, &f.AllowedPorts}, {"import-disallowed-ports", c.ImportDisallowedPorts, &f.DisallowedPorts}} {
		for _, p := range l.in {
			n, err := strconv.Atoi(p)
			if err != nil || n < 1 || n > 65535 {
				return nil, fmt.Errorf("%s: %q is not a port number", l.name, p)
			}
			*l.out = append(*l.out, n)
		}
	}
	return f, nil
}

func lower(in []string) []string {
	out := slices.Clone(in)
	for i := range out {
		out[i] = strings.ToLower(out[i])
	}
	return out
}

// storesDefaultFirst returns the configured stores' ids with the default one first.
func (c *Config) storesDefaultFirst() []string {
	ids := []string{c.DefaultStore}
	for _, s := range c.Stores {
		if s.ID != c.DefaultStore {
			ids = append(ids, s.ID)
		}
	}
	return ids
}
