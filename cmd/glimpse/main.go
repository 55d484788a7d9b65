// Command glimpse serves the OpenStack Image API v2 (Glance) and a Keystone v3 identity
// API from one process. It is the only place that wires glimpse's packages together.
//
//	glimpse serve     start the image API (:9292) and the identity API (:5000)
//	glimpse migrate   create or upgrade the metadata database, then exit
//	glimpse policy    print the policy defaults
//	glimpse version   print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "glimpse:", err)
		os.Exit(1)
	}
}

const usage = `usage: glimpse <command> [flags]

commands:
  serve     start the image API and the identity API (first start bootstraps an admin)
  migrate   create or upgrade the metadata database, then exit
  policy    print the policy defaults (policy defaults [--mode legacy]; policy markdown)
  version   print the version

Run "glimpse <command> -h" for the flags; every flag also has a GLIMPSE_* variable.
`

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return errors.New("no command given")
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, args)
	case "migrate":
		return runMigrate(ctx, args)
	case "policy":
		return runPolicy(args)
	case "version", "--version", "-version":
		fmt.Println("glimpse", version)
		return nil
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	}
	fmt.Fprint(os.Stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

func runMigrate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("glimpse migrate", flag.ContinueOnError)
	cfg, err := loadConfig(fs, args)
	if err != nil {
		return err
	}
	db, err := openDatabase(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Println("glimpse: database is up to date:", redactDSN(cfg.Database))
	return db.Close()
}
