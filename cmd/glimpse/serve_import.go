package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glimpse-image/glimpse"
	"github.com/glimpse-image/glimpse/imagedata"
	"github.com/glimpse-image/glimpse/sqlstore"
	"github.com/glimpse-image/glimpse/store/filesystem"
	"github.com/glimpse-image/glimpse/store/httpstore"
	"github.com/glimpse-image/glimpse/task"
)

// openImport builds the image data service (uploads go to the default store; staged data
// to the staging directory), the importer and the task runner that executes imports.
func openImport(cfg *Config, db *sqlstore.DB, stores []glimpse.Store, logger *slog.Logger) (*imagedata.Service, *task.Importer, *task.Runner, error) {
	byID := map[string]glimpse.Store{}
	for _, st := range stores {
		byID[st.ID()] = st
	}
	ids := cfg.storesDefaultFirst()
	ordered := make([]glimpse.Store, 0, len(ids))
	for _, id := range ids {
		ordered = append(ordered, byID[id])
	}
	staging, err := filesystem.New(glimpse.StagingStoreID, cfg.StagingDir)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("staging area: %w", err)
	}
	// Partial files of a process that died mid-upload, in the staging area and the stores.
	removeStaleTempFiles(staging.Dir(), logger)
	for _, st := range stores {
		if d, ok := st.(interface{ Dir() string }); ok {
			removeStaleTempFiles(d.Dir(), logger)
		}
	}
	filter, err := cfg.uriFilter()
	if err != nil {
		return nil, nil, nil, err
	}
	data := imagedata.New(db, ordered, logger, cfg.MaxImageSize).WithStaging(staging)
	// External locations (show_multiple_locations) are read through the same filter.
	data.SetExternal(httpstore.New(filter))
	// One stable runner id per node (host and image listen address): after a crash, the
	// restarted process fails its predecessor's tasks at once instead of after their lease.
	host, _ := os.Hostname()
	runner := &task.Runner{Tasks: db, Workers: int(cfg.ImportWorkers), Logger: logger, ID: host + "/" + cfg.ImageListen}
	importer := &task.Importer{
		Images: db, Tasks: db, Data: data, StoreIDs: ids, Filter: filter,
		Notify: runner.Notify, Logger: logger, Catalog: db,
	}
	runner.Exec = importer
	return data, importer, runner, nil
}

// staleAfter is how long a partial file in the staging directory goes unmodified before
// it is taken for the leftover of a process that died while writing it.
const staleAfter = time.Hour

// removeStaleTempFiles deletes the partial files (".put-*") a crashed process left in dir.
// Files still being written, perhaps by another node sharing the directory, are recent.
func removeStaleTempFiles(dir string, logger *slog.Logger) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".put-") {
			continue
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > staleAfter {
			if err := os.Remove(filepath.Join(dir, e.Name())); err == nil {
				logger.Info("removed a partial file left by a stopped process", "file", filepath.Join(dir, e.Name()))
			}
		}
	}
}

// describedStore is a configured filesystem store with what GET /v2/info/stores and
// /v2/info/stores/detail show of it: its description, and Glance's file-store type and
// properties.
type describedStore struct {
	*filesystem.Store
	description string
}

func (d describedStore) Description() string { return d.description }

func (d describedStore) Type() string { return "file" }

func (d describedStore) Properties() map[string]any {
	return map[string]any{"data_dir": d.Dir() + "/", "chunk_size": 65536, "thin_provisioning": false}
}
