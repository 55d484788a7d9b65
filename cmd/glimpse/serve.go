package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/glimpse-image/glimpse"
	"github.com/glimpse-image/glimpse/httpapi"
	"github.com/glimpse-image/glimpse/identity"
	"github.com/glimpse-image/glimpse/metadefseed"
	"github.com/glimpse-image/glimpse/sqlstore"
	"github.com/glimpse-image/glimpse/store/filesystem"
	"github.com/glimpse-image/glimpse/store/httpstore"
)

// shutdownGrace is how long in-flight requests (uploads) may run after SIGTERM; uploads
// still running then are cut off, which rolls their images back to queued.
const shutdownGrace = 30 * time.Second

// rollbackGrace is how long cut-off requests get to roll back after shutdownGrace.
const rollbackGrace = 15 * time.Second

// tracked counts h's requests in flight in wg.
func tracked(wg *sync.WaitGroup, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wg.Add(1)
		defer wg.Done()
		h.ServeHTTP(w, r)
	})
}

func runServe(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("glimpse serve", flag.ContinueOnError)
	cfg, err := loadConfig(fs, args)
	if err != nil {
		return err
	}
	level, _ := parseLevel(cfg.LogLevel)
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	// The policy file is checked first: a mistake in it stops glimpse before anything runs.
	authorizer, err := openPolicy(cfg, logger)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	unlock, err := lockDataDir(cfg)
	if err != nil {
		return err
	}
	defer unlock()
	// Listen before touching any state, so that a taken port fails at once.
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

	// Nodes sharing a database may start together: one bootstraps, the others then find
	// everything in place.
	var password string
	var generated bool
	err = db.Locked(ctx, "bootstrap", func(ctx context.Context) (err error) {
		password, generated, err = bootstrap(ctx, cfg, db, logger)
		return err
	})
	if err != nil {
		return err
	}
	if err := metadefseed.Seed(ctx, db, logger); err != nil {
		return err
	}

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
	filter, err := cfg.uriFilter()
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

		ShowMultipleLocations: cfg.ShowMultipleLocations,
		ShowDirectURL:         cfg.ShowImageDirectURL,
		External:              httpstore.New(filter),
	}
	var inflight sync.WaitGroup
	servers := []*http.Server{
		{Handler: tracked(&inflight, api.ImageHandler()), ReadHeaderTimeout: 30 * time.Second},
		{Handler: tracked(&inflight, api.IdentityHandler()), ReadHeaderTimeout: 30 * time.Second},
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
			// their images back to queued.
			s.Close()
		}
	}
	// Close does not wait for handlers: wait for the cut-off uploads to roll back before
	// the database closes.
	done := make(chan struct{})
	go func() { inflight.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(rollbackGrace):
		logger.Error("requests still running after shutdown; their images may stay in saving", "waited", rollbackGrace.String())
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
		if err := privateDatabaseFiles(path); err != nil {
			return nil, err
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

// privateDatabaseFiles makes the SQLite database readable by its owner only: it holds
// password hashes and private image metadata. The file is created 0600 before SQLite
// opens it (SQLite gives its -wal and -shm files the database file's mode), and the files
// of an existing database are set to 0600.
func privateDatabaseFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("database: %w", err)
		}
	}
	return nil
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

// bootstrap creates the admin, roles, region and catalog on first start. It returns the
// admin password when this start knows it: given by the operator or generated now on the
// first start, or, on later starts, found in the openrc written before and still valid.
// openrc and clouds.yaml are (re)written only with a password that works, so that a
// changed public URL reaches them without ever blanking the password.
func bootstrap(ctx context.Context, cfg *Config, store glimpse.IdentityStore, logger *slog.Logger) (password string, generated bool, err error) {
	admin, err := store.FindUserByName(ctx, identity.DefaultDomainID, "admin")
	firstStart := glimpse.ErrorCode(err) == glimpse.ENOTFOUND
	if err != nil && !firstStart {
		return "", false, fmt.Errorf("bootstrap: %w", err)
	}
	password = cfg.AdminPassword
	if firstStart && password == "" {
		password, generated = randomPassword(), true
	}
	if _, err := identity.Bootstrap(ctx, store, identity.BootstrapOptions{
		AdminPassword: password,
		Region:        cfg.Region,
		IdentityURL:   cfg.IdentityPublicURL + "/v3",
		ImageURL:      cfg.ImagePublicURL,
		// A database shared by several nodes keeps the catalog the operator set up.
		KeepEndpointURLs: !strings.HasPrefix(cfg.Database, "sqlite:"),
	}); err != nil {
		return "", false, fmt.Errorf("bootstrap: %w", err)
	}
	if !firstStart {
		password = knownAdminPassword(cfg, admin, logger)
	}
	if password != "" {
		if err := writeClientFiles(cfg, password); err != nil {
			return "", false, err
		}
	}
	return password, generated, nil
}

// knownAdminPassword returns the operator's GLIMPSE_ADMIN_PASSWORD, else the password of the
// openrc written earlier, if it is still the admin's password; otherwise "".
func knownAdminPassword(cfg *Config, admin *glimpse.User, logger *slog.Logger) string {
	if cfg.AdminPassword != "" {
		if identity.CheckPassword(admin.PasswordHash, cfg.AdminPassword) {
			return cfg.AdminPassword
		}
		// Fall through to openrc: a stale variable must not stop openrc from following
		// a change of host or ports.
		logger.Warn("GLIMPSE_ADMIN_PASSWORD sets the admin password on the first start only, and it is not " +
			"the admin's password now; change it with: openstack user set --password-prompt admin")
	}
	pw, ok := readOpenrcPassword(filepath.Join(cfg.DataDir, "openrc"))
	if ok && identity.CheckPassword(admin.PasswordHash, pw) {
		return pw
	}
	logger.Warn("the admin password in openrc is missing or no longer valid; openrc and clouds.yaml are left as they are",
		"openrc", filepath.Join(cfg.DataDir, "openrc"))
	return ""
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
	if password == "" {
		// Nothing was written (another node bootstrapped the shared database, or the admin's
		// password was changed): do not point at files that may not exist.
		fmt.Fprintf(&b, "\nopenrc and clouds.yaml were not written: this node does not know the admin's password.\n"+
			"Set GLIMPSE_ADMIN_PASSWORD to it to have them written to %s.\n", cfg.DataDir)
		fmt.Fprint(os.Stdout, b.String())
		return
	}
	fmt.Fprintf(&b, "\nTo use it from another shell:\n")
	fmt.Fprintf(&b, "  source %s\n  openstack image list\n", filepath.Join(cfg.DataDir, "openrc"))
	fmt.Fprintf(&b, "or: OS_CLIENT_CONFIG_FILE=%s openstack --os-cloud glimpse image list\n",
		filepath.Join(cfg.DataDir, "clouds.yaml"))
	fmt.Fprint(os.Stdout, b.String())
}
