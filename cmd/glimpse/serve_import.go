package main

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/glimpse-image/glimpse"
	"github.com/glimpse-image/glimpse/imagedata"
	"github.com/glimpse-image/glimpse/sqlstore"
	"github.com/glimpse-image/glimpse/store/filesystem"
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
	filter, err := cfg.uriFilter()
	if err != nil {
		return nil, nil, nil, err
	}
	data := imagedata.New(db, ordered, logger, cfg.MaxImageSize).WithStaging(staging)
	// One stable runner id per node (host and image listen address): after a crash, the
	// restarted process fails its predecessor's tasks at once instead of after their lease.
	host, _ := os.Hostname()
	runner := &task.Runner{Tasks: db, Workers: int(cfg.ImportWorkers), Logger: logger, ID: host + "/" + cfg.ImageListen}
	importer := &task.Importer{
		Images: db, Tasks: db, Data: data, StoreIDs: ids, Filter: filter,
		Notify: runner.Notify, Logger: logger,
	}
	runner.Exec = importer
	return data, importer, runner, nil
}
