package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is glimpse's whole configuration. Each setting comes, in increasing precedence,
// from its default, the YAML config file, its GLIMPSE_* environment variable and its flag.
type Config struct {
	DataDir           string        `yaml:"data_dir"`            // GLIMPSE_DATA_DIR
	ImageListen       string        `yaml:"image_listen"`        // GLIMPSE_IMAGE_LISTEN
	IdentityListen    string        `yaml:"identity_listen"`     // GLIMPSE_IDENTITY_LISTEN
	PublicHost        string        `yaml:"public_host"`         // GLIMPSE_PUBLIC_HOST
	ImagePublicURL    string        `yaml:"image_public_url"`    // GLIMPSE_IMAGE_PUBLIC_URL
	IdentityPublicURL string        `yaml:"identity_public_url"` // GLIMPSE_IDENTITY_PUBLIC_URL
	Database          string        `yaml:"database"`            // GLIMPSE_DATABASE
	AdminPassword     string        `yaml:"admin_password"`      // GLIMPSE_ADMIN_PASSWORD
	Region            string        `yaml:"region"`              // GLIMPSE_REGION
	TokenTTL          time.Duration `yaml:"token_ttl"`           // GLIMPSE_TOKEN_TTL
	TokenKeysFile     string        `yaml:"token_keys_file"`     // GLIMPSE_TOKEN_KEYS_FILE
	MaxImageSize      int64         `yaml:"max_image_size"`      // GLIMPSE_MAX_IMAGE_SIZE (bytes)
	CacheMaxSize      int64         `yaml:"cache_max_size"`      // GLIMPSE_CACHE_MAX_SIZE (bytes; 0: no image cache)
	// Per-project image quotas, Glance's keystone unified limits (-1: no limit).
	ImageSizeTotal      int64  `yaml:"image_size_total"`      // GLIMPSE_IMAGE_SIZE_TOTAL (MiB)
	ImageStageTotal     int64  `yaml:"image_stage_total"`     // GLIMPSE_IMAGE_STAGE_TOTAL (MiB)
	ImageCountTotal     int64  `yaml:"image_count_total"`     // GLIMPSE_IMAGE_COUNT_TOTAL
	ImageCountUploading int64  `yaml:"image_count_uploading"` // GLIMPSE_IMAGE_COUNT_UPLOADING
	LogLevel            string `yaml:"log_level"`             // GLIMPSE_LOG_LEVEL
	PolicyMode          string `yaml:"policy_mode"`           // GLIMPSE_POLICY_MODE: secure (default) or legacy
	PolicyFile          string `yaml:"policy_file"`           // GLIMPSE_POLICY_FILE: YAML rule overrides
	// Glance's show_multiple_locations and show_image_direct_url (both off by default).
	ShowMultipleLocations bool          `yaml:"show_multiple_locations"` // GLIMPSE_SHOW_MULTIPLE_LOCATIONS
	ShowImageDirectURL    bool          `yaml:"show_image_direct_url"`   // GLIMPSE_SHOW_IMAGE_DIRECT_URL
	Stores                []StoreConfig `yaml:"stores"`

	// ImportConfig: default store, staging, import workers, web-download filter (config_import.go).
	ImportConfig `yaml:",inline"`
}

// StoreConfig is one image data store. Type is the discriminator; today "filesystem".
type StoreConfig struct {
	ID   string `yaml:"id"`
	Type string `yaml:"type"`
	Path string `yaml:"path"` // filesystem: the directory holding image files
	// Description is shown by GET /v2/info/stores (optional).
	Description string `yaml:"description"`
}

// setting binds one Config field to its environment variable and flag.
type setting struct {
	name, env, usage string
	ptr              any // *string, *int64, *bool, *[]string or *time.Duration
}

func (c *Config) settings() []setting {
	return append([]setting{
		{"data-dir", "GLIMPSE_DATA_DIR", "directory for the SQLite database, image files, keys, openrc and clouds.yaml", &c.DataDir},
		{"image-listen", "GLIMPSE_IMAGE_LISTEN", "address of the image API", &c.ImageListen},
		{"identity-listen", "GLIMPSE_IDENTITY_LISTEN", "address of the identity API", &c.IdentityListen},
		{"public-host", "GLIMPSE_PUBLIC_HOST", "host name clients use to reach glimpse (catalog URLs)", &c.PublicHost},
		{"image-public-url", "GLIMPSE_IMAGE_PUBLIC_URL", "full public URL of the image API (overrides public-host)", &c.ImagePublicURL},
		{"identity-public-url", "GLIMPSE_IDENTITY_PUBLIC_URL", "full public URL of the identity API, without /v3 (overrides public-host)", &c.IdentityPublicURL},
		{"database", "GLIMPSE_DATABASE", "metadata database: sqlite:///path/glimpse.db, postgres://user:pass@host:5432/db, or mysql://user:pass@host:3306/db (several nodes may share PostgreSQL or MySQL)", &c.Database},
		{"admin-password", "GLIMPSE_ADMIN_PASSWORD", "password of the bootstrapped admin user (first start only; generated when empty)", &c.AdminPassword},
		{"region", "GLIMPSE_REGION", "region of the bootstrapped catalog", &c.Region},
		{"token-ttl", "GLIMPSE_TOKEN_TTL", "token lifetime, e.g. 1h", &c.TokenTTL},
		{"token-keys-file", "GLIMPSE_TOKEN_KEYS_FILE", "file of token keys, one base64 key a line, first one signs (shared by every node)", &c.TokenKeysFile},
		{"max-image-size", "GLIMPSE_MAX_IMAGE_SIZE", "largest image upload in bytes", &c.MaxImageSize},
		{"cache-max-size", "GLIMPSE_CACHE_MAX_SIZE", "size bound of the local image cache in bytes, e.g. 10737418240 (Glance's default); 0 (the default) turns the cache off", &c.CacheMaxSize},
		{"image-size-total", "GLIMPSE_IMAGE_SIZE_TOTAL", "quota: MiB of image data per project (-1: none)", &c.ImageSizeTotal},
		{"image-stage-total", "GLIMPSE_IMAGE_STAGE_TOTAL", "quota: MiB of staged data per project (-1: none)", &c.ImageStageTotal},
		{"image-count-total", "GLIMPSE_IMAGE_COUNT_TOTAL", "quota: images per project (-1: none)", &c.ImageCountTotal},
		{"image-count-uploading", "GLIMPSE_IMAGE_COUNT_UPLOADING", "quota: images uploading or importing at once per project (-1: none)", &c.ImageCountUploading},
		{"log-level", "GLIMPSE_LOG_LEVEL", "debug, info, warn or error", &c.LogLevel},
		{"policy-mode", "GLIMPSE_POLICY_MODE", "policy defaults: secure (Glance's secure RBAC) or legacy (Glance's deprecated defaults)", &c.PolicyMode},
		{"policy-file", "GLIMPSE_POLICY_FILE", "YAML policy file overriding single rules (see glimpse policy defaults)", &c.PolicyFile},
		{"show-multiple-locations", "GLIMPSE_SHOW_MULTIPLE_LOCATIONS", "true: images show \"locations\", and PATCH may add external http(s) locations (checked by the web-download filter), replace their metadata and remove them (Glance's show_multiple_locations; it reveals where data is stored)", &c.ShowMultipleLocations},
		{"show-image-direct-url", "GLIMPSE_SHOW_IMAGE_DIRECT_URL", "true: images show \"direct_url\", the URL of their first location (Glance's show_image_direct_url)", &c.ShowImageDirectURL},
	}, c.importSettings()...)
}

// defaultDataDir is $XDG_DATA_HOME/glimpse, else ~/.local/share/glimpse, else ./glimpse-data.
func defaultDataDir() string {
	if x := os.Getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "glimpse")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "glimpse")
	}
	return "glimpse-data"
}

// loadConfig reads the config file (--config or GLIMPSE_CONFIG, optional), then the
// environment, then flags in args, fills in derived defaults and validates the result.
func loadConfig(fs *flag.FlagSet, args []string) (*Config, error) {
	c := &Config{
		ImageListen:         "127.0.0.1:9292",
		IdentityListen:      "127.0.0.1:5000",
		Region:              "RegionOne",
		TokenTTL:            time.Hour,
		MaxImageSize:        1 << 40, // Glance's image_size_cap default: 1 TiB
		ImageSizeTotal:      -1,
		ImageStageTotal:     -1,
		ImageCountTotal:     -1,
		ImageCountUploading: -1,
		LogLevel:            "info",
	}
	configPath := fs.String("config", os.Getenv("GLIMPSE_CONFIG"), "YAML config file (GLIMPSE_CONFIG)")
	for _, s := range c.settings() {
		fs.Func(s.name, s.usage+" ("+s.env+")", func(v string) error { return setValue(s.ptr, v) })
	}
	path := configFlag(args, *configPath)
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("config %s: %s", path, yamlMessage(err))
		}
	}
	for _, s := range c.settings() {
		if v, ok := os.LookupEnv(s.env); ok && v != "" {
			if err := setValue(s.ptr, v); err != nil {
				return nil, fmt.Errorf("%s: %w", s.env, err)
			}
		}
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q: settings are flags (%s -h lists them)", fs.Arg(0), fs.Name())
	}
	return c, c.complete()
}

// yamlMessage rewords the YAML decoder's errors in the terms of the config file.
func yamlMessage(err error) string {
	msg := err.Error()
	msg = unknownField.ReplaceAllString(msg, "unknown setting $1 (the settings are listed in README.md)")
	msg = badDuration.ReplaceAllString(msg, "$1 is not a duration such as 1h or 30m")
	return strings.TrimPrefix(msg, "yaml: ")
}

var (
	unknownField = regexp.MustCompile(`field (\S+) not found in type main\.\w+`)
	badDuration  = regexp.MustCompile("cannot unmarshal !!\\w+ (`[^`]*`) into time\\.Duration")
)

// configFlag finds --config in args before the flags are parsed, since the file's values
// must sit below the environment and the other flags.
func configFlag(args []string, def string) string {
	for i, a := range args {
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "config" {
			continue
		}
		if hasValue {
			return value
		}
		if i+1 < len(args) {
			return args[i+1]
		}
	}
	return def
}

func setValue(ptr any, v string) error {
	switch p := ptr.(type) {
	case *string:
		*p = v
	case *int64:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", v)
		}
		*p = n
	case *[]string: // a comma-separated list
		*p = splitList(v)
	case *bool:
		// The words YAML reads as booleans too, so a setting means the same in both.
		switch strings.ToLower(v) {
		case "true", "yes", "on", "1":
			*p = true
		case "false", "no", "off", "0":
			*p = false
		default:
			return fmt.Errorf("%q is not true or false", v)
		}
	case *time.Duration:
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("%q is not a duration such as 1h or 30m", v)
		}
		*p = d
	}
	return nil
}

// complete derives the defaults that depend on other settings and validates.
func (c *Config) complete() error {
	if c.DataDir == "" {
		c.DataDir = defaultDataDir()
	}
	abs, err := filepath.Abs(c.DataDir)
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	c.DataDir = abs
	if c.Database == "" {
		c.Database = "sqlite://" + filepath.Join(c.DataDir, "glimpse.db")
	}
	if c.TokenKeysFile == "" {
		c.TokenKeysFile = filepath.Join(c.DataDir, "token-keys")
	}
	if len(c.Stores) == 0 {
		c.Stores = []StoreConfig{{ID: "file", Type: "filesystem", Path: filepath.Join(c.DataDir, "images")}}
	}
	for i, s := range c.Stores {
		if s.ID == "" || strings.HasPrefix(s.ID, "os_glance_") {
			return fmt.Errorf("stores[%d]: id %q: give each store a name not starting with os_glance_", i, s.ID)
		}
		if s.Type != "filesystem" {
			return fmt.Errorf("stores[%d] (%s): type %q is not supported; use filesystem", i, s.ID, s.Type)
		}
		if s.Path == "" {
			return fmt.Errorf("stores[%d] (%s): path is required", i, s.ID)
		}
	}
	for _, l := range []struct{ name, addr string }{{"image-listen", c.ImageListen}, {"identity-listen", c.IdentityListen}} {
		if _, _, err := net.SplitHostPort(l.addr); err != nil {
			return fmt.Errorf("%s %q: want host:port", l.name, l.addr)
		}
	}
	if c.ImagePublicURL == "" {
		c.ImagePublicURL = publicURL(c.PublicHost, c.ImageListen)
	}
	if c.IdentityPublicURL == "" {
		c.IdentityPublicURL = publicURL(c.PublicHost, c.IdentityListen)
	}
	for _, u := range []string{c.ImagePublicURL, c.IdentityPublicURL} {
		if p, err := url.Parse(u); err != nil || p.Host == "" || (p.Scheme != "http" && p.Scheme != "https") {
			return fmt.Errorf("public URL %q: want http(s)://host:port", u)
		}
	}
	c.ImagePublicURL = strings.TrimRight(c.ImagePublicURL, "/")
	c.IdentityPublicURL = strings.TrimSuffix(strings.TrimRight(c.IdentityPublicURL, "/"), "/v3")
	if c.TokenTTL <= 0 {
		return fmt.Errorf("token-ttl %s: must be positive", c.TokenTTL)
	}
	if c.CacheMaxSize < 0 {
		return fmt.Errorf("cache-max-size %d: must be 0 (no cache) or a size in bytes", c.CacheMaxSize)
	}
	for _, q := range []struct {
		name  string
		value int64
	}{{"image-size-total", c.ImageSizeTotal}, {"image-stage-total", c.ImageStageTotal},
		{"image-count-total", c.ImageCountTotal}, {"image-count-uploading", c.ImageCountUploading}} {
		if q.value < -1 {
			return fmt.Errorf("%s %d: must be -1 (no limit) or a limit of 0 or more", q.name, q.value)
		}
	}
	if c.MaxImageSize <= 0 {
		return fmt.Errorf("max-image-size %d: must be positive", c.MaxImageSize)
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return err
	}
	if err := c.completeImport(); err != nil {
		return err
	}
	return nil
}

// publicURL is http://host:port of a listen address, with host replaced by publicHost when
// given, and a wildcard listen host replaced by 127.0.0.1.
func publicURL(publicHost, listen string) string {
	host, port, _ := net.SplitHostPort(listen)
	if publicHost != "" {
		host = publicHost
	} else if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("log-level %q: use debug, info, warn or error", s)
	}
	return l, nil
}
