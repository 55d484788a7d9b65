package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glimpse-image/glimpse"
	"github.com/glimpse-image/glimpse/httpapi"
	"github.com/glimpse-image/glimpse/identity"
	"github.com/glimpse-image/glimpse/metadefseed"
	"github.com/glimpse-image/glimpse/sqlstore"
	"github.com/glimpse-image/glimpse/store/filesystem"
)

// shutdownGrace is how long in-flight requests (uploads) may run after SIGTERM; uploads
// still running then are cut off, which rolls their images back to queued.
const shutdownGrace = 30 * time.Second

func runServe(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("glimpse serve", flag.ContinueOnError)
	cfg, err := loadConfig(fs, args)
	if err != nil {
		return err
	}
	level, _ := parseLevel(cfg.LogLevel)
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	db, err := openDatabase(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()

	stores := make([]glimpse.Store, 0, len(cfg.Stores))
	for _, sc := range cfg.Stores {
		st, err := filesystem.New(sc.ID, sc.Path)
		if err != nil {
			return fmt.Errorf("store %s: %w", sc.ID, err)
		}
		stores = append(stores, describedStore{st, sc.Description})
	}

	keys, err := loadTokenKeys(cfg.TokenKeysFile)
	if err != nil {
		return err
	}
	tokens := identity.New(db, db, keys, cfg.TokenTTL, logger)
	go tokens.Run(ctx)

	password, generated, err := bootstrap(ctx, cfg, db)
	if err != nil {
		return err
	}
	if err := metadefseed.Seed(ctx, db, logger); err != nil {
		return err
	}

	// Listen before starting background work, so that a taken port fails at once.
	imageLn, err := net.Listen("tcp", cfg.ImageListen)
	if err != nil {
		return fmt.Errorf("image API: %w", err)
	}
	defer imageLn.Close()
	identityLn, err := net.Listen("tcp", cfg.IdentityListen)
	if err != nil {
		return fmt.Errorf("identity API: %w", err)
	}
	defer identityLn.Close()

	data, importer, runner, err := openImport(cfg, db, stores, logger)
	if err != nil {
		return err
	}
	// The runner stops with the process, or when serve returns early (a port is taken);
	// running imports roll back before the database closes.
	runnerCtx, stopRunner := context.WithCancel(ctx)
	runnerDone := make(chan struct{})
	go func() { runner.Run(runnerCtx); close(runnerDone) }()
	defer func() { stopRunner(); <-runnerDone }()

	imageData, cache, err := openImageCache(ctx, cfg, db, data, logger)
	if err != nil {
		return err
	}
	authorizer, err := openPolicy(cfg, logger)
	if err != nil {
		return err
	}
	api := &httpapi.Server{
		Authorizer:   authorizer,
		Images:       db,
		Members:      db,
		ImageData:    imageData,
		Cache:        cache,
		Quotas:       quotas(cfg, db),
		Tokens:       tokens,
		Identity:     db,
		Metadefs:     db,
		Stores:       stores,
		DefaultStore: cfg.DefaultStore,
		Tasks:        db,
		Importer:     importer,
		Logger:       logger,
		IdentityURL:  cfg.IdentityPublicURL,
		ImageURL:     cfg.ImagePublicURL,
		MaxImageSize: cfg.MaxImageSize,
	}
	servers := []*http.Server{
		{Handler: api.ImageHandler(), ReadHeaderTimeout: 30 * time.Second},
		{Handler: api.IdentityHandler(), ReadHeaderTimeout: 30 * time.Second},
	}
	errc := make(chan error, 2)
	for i, ln := range []net.Listener{imageLn, identityLn} {
		go func() { errc <- servers[i].Serve(ln) }()
	}
	printWelcome(cfg, password, generated)
	logger.Info("serving", "image_api", imageLn.Addr().String(), "identity_api", identityLn.Addr().String(),
		"data_dir", cfg.DataDir, "version", version)

	select {
	case <-ctx.Done():
	case err := <-errc:
		return fmt.Errorf("server: %w", err)
	}
	logger.Info("shutting down: waiting for requests in flight", "grace", shutdownGrace.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	for _, s := range servers {
		if err := s.Shutdown(shutdownCtx); err != nil {
			// Cutting the connections off makes the uploads' readers fail, which rolls
			// their images back to queued before the database closes.
			s.Close()
		}
	}
	logger.Info("stopped")
	return nil
}

func openDatabase(ctx context.Context, cfg *Config) (*sqlstore.DB, error) {
	if strings.HasPrefix(cfg.Database, "sqlite://") {
		path := strings.TrimPrefix(cfg.Database, "sqlite://")
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("database dir: %w", err)
		}
	}
	// sqlstore.Open migrates; on PostgreSQL and MySQL it holds a database-wide lock while
	// it does, so nodes sharing a database may start together.
	db, err := sqlstore.Open(ctx, cfg.Database)
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", redactDSN(cfg.Database), err)
	}
	return db, nil
}

// redactDSN hides the password of a database URL (user:***@host) and any password
// parameter (?password=***) so that it can be printed.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		if at := strings.LastIndex(dsn, "@"); at > 0 {
			if scheme := strings.Index(dsn, "://"); scheme >= 0 && scheme < at {
				return dsn[:scheme+3] + "***" + dsn[at:]
			}
		}
		return dsn
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "***")
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "***")
		u.RawQuery = q.Encode()
	}
	return strings.Replace(u.String(), ":%2A%2A%2A@", ":***@", 1)
}

// bootstrap creates the admin, roles, region and catalog on first start and writes openrc
// and clouds.yaml; later starts point the catalog at the current public URLs. It returns
// the admin password when it is known (set by the operator, or generated now).
func bootstrap(ctx context.Context, cfg *Config, store glimpse.IdentityStore) (password string, generated bool, err error) {
	password = cfg.AdminPassword
	if password == "" {
		if _, err := store.FindUserByName(ctx, "default", "admin"); glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
			password, generated = randomPassword(), true
		} else if err != nil {
			return "", false, fmt.Errorf("bootstrap: %w", err)
		}
	}
	created, err := identity.Bootstrap(ctx, store, identity.BootstrapOptions{
		AdminPassword: password,
		Region:        cfg.Region,
		IdentityURL:   cfg.IdentityPublicURL + "/v3",
		ImageURL:      cfg.ImagePublicURL,
	})
	if err != nil {
		return "", false, fmt.Errorf("bootstrap: %w", err)
	}
	if err := syncCatalog(ctx, store, cfg); err != nil {
		return "", false, fmt.Errorf("catalog: %w", err)
	}
	if created || password != "" {
		if err := writeClientFiles(cfg, password); err != nil {
			return "", false, err
		}
	}
	return password, generated, nil
}

// syncCatalog points the endpoints of the identity and image services at the URLs this
// start is configured with, so a changed GLIMPSE_PUBLIC_HOST reaches clients' catalogs.
func syncCatalog(ctx context.Context, store glimpse.IdentityStore, cfg *Config) error {
	services, err := store.FindServices(ctx)
	if err != nil {
		return err
	}
	want := map[string]string{}
	for _, s := range services {
		switch s.Type {
		case "identity":
			want[s.ID] = cfg.IdentityPublicURL + "/v3"
		case "image":
			want[s.ID] = cfg.ImagePublicURL
		}
	}
	endpoints, err := store.FindEndpoints(ctx)
	if err != nil {
		return err
	}
	for _, e := range endpoints {
		if url, ok := want[e.ServiceID]; ok && e.URL != url && e.RegionID == cfg.Region {
			e.URL = url
			if err := store.UpdateEndpoint(ctx, e); err != nil {
				return err
			}
		}
	}
	return nil
}

func printWelcome(cfg *Config, password string, generated bool) {
	var b strings.Builder
	fmt.Fprintf(&b, "glimpse %s\n", version)
	fmt.Fprintf(&b, "  image API     %s\n", cfg.ImagePublicURL)
	fmt.Fprintf(&b, "  identity API  %s/v3\n", cfg.IdentityPublicURL)
	fmt.Fprintf(&b, "  data          %s\n", cfg.DataDir)
	if generated {
		fmt.Fprintf(&b, "\nadmin password (shown once; also in %s): %s\n", filepath.Join(cfg.DataDir, "openrc"), password)
	}
	fmt.Fprintf(&b, "\nTo use it from another shell:\n")
	fmt.Fprintf(&b, "  source %s\n  openstack image list\n", filepath.Join(cfg.DataDir, "openrc"))
	fmt.Fprintf(&b, "or: OS_CLIENT_CONFIG_FILE=%s openstack --os-cloud glimpse image list\n",
		filepath.Join(cfg.DataDir, "clouds.yaml"))
	fmt.Fprint(os.Stdout, b.String())
}
