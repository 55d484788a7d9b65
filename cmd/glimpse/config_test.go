package main

import (
	"flag"
	"strings"
	"testing"
)

// TestConfigValues: limits that make no sense stop glimpse with the setting's name, and a
// boolean takes the same words from the environment as from YAML.
func TestConfigValues(t *testing.T) {
	t.Setenv("GLIMPSE_DATA_DIR", t.TempDir())
	for env, want := range map[string]string{
		"GLIMPSE_CACHE_MAX_SIZE=-5":             "cache-max-size -5",
		"GLIMPSE_IMAGE_COUNT_TOTAL=-2":          "image-count-total -2",
		"GLIMPSE_IMAGE_SIZE_TOTAL=-3":           "image-size-total -3",
		"GLIMPSE_SHOW_MULTIPLE_LOCATIONS=maybe": `"maybe" is not true or false`,
	} {
		k, v, _ := strings.Cut(env, "=")
		t.Run(k, func(t *testing.T) {
			t.Setenv(k, v)
			_, err := loadConfig(flag.NewFlagSet("test", flag.ContinueOnError), nil)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %v, want an error saying %q", env, err, want)
			}
		})
	}
	for v, want := range map[string]bool{"yes": true, "on": true, "TRUE": true, "no": false, "off": false, "0": false} {
		t.Setenv("GLIMPSE_SHOW_MULTIPLE_LOCATIONS", v)
		cfg, err := loadConfig(flag.NewFlagSet("test", flag.ContinueOnError), nil)
		if err != nil || cfg.ShowMultipleLocations != want {
			t.Errorf("GLIMPSE_SHOW_MULTIPLE_LOCATIONS=%s: %v, %v; want %v", v, cfg != nil && cfg.ShowMultipleLocations, err, want)
		}
	}
	t.Setenv("GLIMPSE_IMAGE_COUNT_TOTAL", "-1")
	if _, err := loadConfig(flag.NewFlagSet("test", flag.ContinueOnError), nil); err != nil {
		t.Errorf("-1 (no limit): %v", err)
	}
}
