package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/glimpse-image/glimpse/policy"
)

// openPolicy builds the policy enforcer from the policy_mode and policy_file settings.
func openPolicy(cfg *Config, logger *slog.Logger) (*policy.Enforcer, error) {
	mode, err := policy.ParseMode(cfg.PolicyMode)
	if err != nil {
		return nil, err
	}
	overrides, err := policy.LoadFile(cfg.PolicyFile)
	if err != nil {
		return nil, err
	}
	e, err := policy.New(mode, overrides)
	if err != nil {
		return nil, err
	}
	if names := policy.Unregistered(overrides); len(names) > 0 {
		logger.Warn("policy file names rules that are not Glance policies (usable only as rule:<name>)",
			"file", cfg.PolicyFile, "rules", names)
	}
	logger.Info("policy", "mode", string(mode), "file", cfg.PolicyFile, "overrides", len(overrides))
	return e, nil
}

// runPolicy is "glimpse policy defaults [--mode legacy]" (every rule with its default as a
// commented policy file) and "glimpse policy markdown" (docs/policy.md).
func runPolicy(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: glimpse policy defaults [--mode secure|legacy] | glimpse policy markdown")
	}
	fs := flag.NewFlagSet("glimpse policy "+args[0], flag.ContinueOnError)
	modeName := fs.String("mode", "secure", "secure or legacy")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch args[0] {
	case "defaults":
		mode, err := policy.ParseMode(*modeName)
		if err != nil {
			return err
		}
		_, err = os.Stdout.Write(policy.DefaultsYAML(mode))
		return err
	case "markdown":
		_, err := os.Stdout.Write(policy.Markdown())
		return err
	}
	return fmt.Errorf("unknown policy command %q", args[0])
}
