// Package task runs Glance's interoperable image imports ("Interoperable image import"
// in the Glance API reference) as background tasks: Importer checks an import request
// and records an api_image_import task, and Runner executes pending tasks under the
// process context with bounded concurrency. Tasks are claimed in the database with a
// lease, so several glimpse nodes sharing a database never run one task twice, and a task
// whose worker died (its lease ran out) is failed and its image returned to queued.
package task

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/glimpse-image/glimpse"
	"github.com/glimpse-image/glimpse/imagedata"
	"github.com/glimpse-image/glimpse/urlfilter"
	"github.com/google/uuid"
)

// DefaultTaskTTL is how long a finished task is kept (Glance's task_time_to_live, 48 h);
// it becomes the task's expires_at.
const DefaultTaskTTL = 48 * time.Hour

// Importer checks import requests, records their tasks and executes them.
type Importer struct {
	Images glimpse.ImageService
	Tasks  glimpse.TaskService
	Data   *imagedata.Service
	// StoreIDs are the configured stores, the default first.
	StoreIDs []string
	Filter   *urlfilter.Filter // web-download filter; nil means DefaultURIFilter
	// Notify, when set, is called after a task is recorded (Runner.Notify).
	Notify func()
	TTL    time.Duration // 0: DefaultTaskTTL
	Logger *slog.Logger
	// Client fetches web-download URLs and glance-download images; nil means the filter's
	// own client for web-download and a plain one for glance-download.
	Client *http.Client
	// Catalog finds other regions' image endpoints for glance-download; nil turns that
	// method off.
	Catalog Catalog
	// StallTimeout ends a web-download whose source sends nothing for that long
	// (0: DefaultStallTimeout); WatchEvery is how often a download checks it and whether
	// its image still exists (0: DefaultWatchEvery).
	StallTimeout, WatchEvery time.Duration

	tokens sync.Map // task id → the caller's token, for glance-download
}

// Catalog is the part of the identity store glance-download reads.
type Catalog interface {
	FindServices(ctx context.Context) ([]*glimpse.Service, error)
	FindEndpoints(ctx context.Context) ([]*glimpse.Endpoint, error)
}

// Methods returns the import methods that work here, in Glance's order: glance-direct
// and web-download always, copy-image when there is a second store to copy to,
// glance-download when there is a catalog to find other regions in.
func (im *Importer) Methods() []string {
	m := []string{glimpse.ImportGlanceDirect, glimpse.ImportWebDownload}
	if len(im.StoreIDs) > 1 {
		m = append(m, glimpse.ImportCopyImage)
	}
	if im.Catalog != nil {
		m = append(m, glimpse.ImportGlanceDownload)
	}
	return m
}

// Stage stores the data of a glance-direct import (PUT /v2/images/{id}/stage).
func (im *Importer) Stage(ctx context.Context, imageID string, r io.Reader, size int64) (*glimpse.Image, error) {
	return im.Data.Stage(ctx, imageID, r, size)
}

func (im *Importer) logger() *slog.Logger {
	if im.Logger == nil {
		return slog.Default()
	}
	return im.Logger
}

func (im *Importer) filter() *urlfilter.Filter {
	if im.Filter == nil {
		return urlfilter.Default()
	}
	return im.Filter
}

// activeTask reports whether the import lock taskID belongs to a task still pending or
// processing.
func (im *Importer) activeTask(ctx context.Context, taskID string) (bool, error) {
	if taskID == "" {
		return false, nil
	}
	t, err := im.Tasks.FindTaskByID(ctx, taskID)
	if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return t.Status == glimpse.TaskStatusPending || t.Status == glimpse.TaskStatusProcessing, nil
}

// checkStatus applies Glance's image checks of an import request, in its order.
func checkStatus(img *glimpse.Image, method string) error {
	switch {
	case img.Status == glimpse.ImageStatusActive && method != glimpse.ImportCopyImage:
		return glimpse.Errorf(glimpse.ECONFLICT, "Image with status active cannot be target for import")
	case img.Status != glimpse.ImageStatusActive && method == glimpse.ImportCopyImage:
		return glimpse.Errorf(glimpse.ECONFLICT, "Only images with status active can be targeted for copying")
	case img.Status != glimpse.ImageStatusQueued && (method == glimpse.ImportWebDownload || method == glimpse.ImportGlanceDownload):
		return glimpse.Errorf(glimpse.ECONFLICT, "Image needs to be in 'queued' state to use '%s' method", method)
	case img.Status != glimpse.ImageStatusUploading && method == glimpse.ImportGlanceDirect:
		return glimpse.Errorf(glimpse.ECONFLICT, "Image needs to be staged before 'glance-direct' method can be used")
	case img.ContainerFormat == nil || *img.ContainerFormat == "":
		return glimpse.Errorf(glimpse.ECONFLICT, "'container_format' needs to be set before import")
	case img.DiskFormat == nil || *img.DiskFormat == "":
		return glimpse.Errorf(glimpse.ECONFLICT, "'disk_format' needs to be set before import")
	}
	return nil
}

// Submit checks an import request against the image and, when it may run, takes the
// image's import lock (os_glance_import_task), moves it to importing (copy-image: it stays
// active), sets os_glance_importing_to_stores, records a pending task and wakes the runner.
//
// Errors, with Glance's messages: ENOTFOUND; ECONFLICT for an image in the wrong status,
// without formats, with an import in progress ("Image has active task"), or an unknown
// store; EFORBIDDEN when the caller may not change the image (copy-image: unless admin);
// EINVALID for all_stores with stores, a store already holding the image (copy-image) or a
// URL that does not pass the web-download filter.
func (im *Importer) Submit(ctx context.Context, req glimpse.ImportRequest) (*glimpse.Task, error) {
	img, err := im.Images.FindImageByID(ctx, req.ImageID)
	if err != nil {
		if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
			return nil, glimpse.Errorf(glimpse.ENOTFOUND, "No image found with ID %s", req.ImageID)
		}
		return nil, err
	}
	if active, err := im.activeTask(ctx, img.Properties[glimpse.PropImportTask]); err != nil {
		return nil, err
	} else if active {
		return nil, glimpse.Errorf(glimpse.ECONFLICT, "Image has active task")
	}
	if err := checkStatus(img, req.Method); err != nil {
		return nil, err
	}
	if req.Method == glimpse.ImportGlanceDownload {
		if err := checkGlanceDownload(&req); err != nil {
			return nil, err
		}
	}
	p := req.Caller
	if p == nil {
		p = &glimpse.Principal{}
	}
	switch {
	case req.Authorize != nil:
		if err := req.Authorize(img); err != nil {
			return nil, err
		}
	case req.Method == glimpse.ImportCopyImage && !p.IsAdmin():
		return nil, glimpse.Errorf(glimpse.EFORBIDDEN, "You are not authorized to complete copy_image action.")
	case req.Method != glimpse.ImportCopyImage && !glimpse.CanModifyImage(p, img):
		return nil, glimpse.Errorf(glimpse.EFORBIDDEN, "You do not own this image")
	}
	stores, err := im.resolveStores(img, req)
	if err != nil {
		return nil, err
	}
	if len(stores) == 0 {
		// copy-image to all stores of an image already in all of them: nothing to do (Glance
		// answers 202 and starts nothing).
		return nil, nil
	}
	if req.Method == glimpse.ImportWebDownload && im.filter().Check(req.URI) != nil {
		uri := req.URI
		if uri == "" {
			uri = "None"
		}
		return nil, glimpse.Errorf(glimpse.EINVALID, "URI for web-download does not pass filtering: %s", uri)
	}

	backend := make([]any, len(stores))
	for i, s := range stores {
		backend[i] = s
	}
	t := &glimpse.Task{
		ID:     uuid.NewString(),
		Type:   glimpse.TaskTypeImageImport,
		Status: glimpse.TaskStatusPending,
		Input: map[string]any{
			"image_id":   req.ImageID,
			"import_req": req.Body,
			"backend":    backend,
		},
		Owner:     img.Owner,
		ImageID:   req.ImageID,
		RequestID: req.RequestID,
		UserID:    p.UserID,
	}
	prevStatus := img.Status
	_, err = im.Images.UpdateImage(ctx, req.ImageID, func(img *glimpse.Image) error {
		if lock := img.Properties[glimpse.PropImportTask]; lock != "" {
			if active, err := im.activeTask(ctx, lock); err != nil {
				return err
			} else if active {
				return glimpse.Errorf(glimpse.ECONFLICT, "New operation on image '%s' is not permitted as prior operation is still in progress", req.ImageID)
			}
		}
		if err := checkStatus(img, req.Method); err != nil {
			return err
		}
		if img.Properties == nil {
			img.Properties = map[string]string{}
		}
		img.Properties[glimpse.PropImportTask] = t.ID
		img.Properties[glimpse.PropImportingToStores] = strings.Join(stores, ",")
		if req.Method != glimpse.ImportCopyImage {
			img.Properties[glimpse.PropFailedImport] = ""
			img.Status = glimpse.ImageStatusImporting
		} else if _, ok := img.Properties[glimpse.PropFailedImport]; !ok {
			img.Properties[glimpse.PropFailedImport] = ""
		}
		return nil
	})
	if err != nil {
		if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
			return nil, glimpse.Errorf(glimpse.ENOTFOUND, "No image found with ID %s", req.ImageID)
		}
		return nil, err
	}
	if req.Method == glimpse.ImportGlanceDownload {
		im.tokens.Store(t.ID, req.AuthToken)
	}
	if err := im.Tasks.CreateTask(ctx, t); err != nil {
		im.tokens.Delete(t.ID)
		im.releaseLock(ctx, req.ImageID, t.ID, prevStatus)
		return nil, fmt.Errorf("task: record import task: %w", err)
	}
	im.logger().InfoContext(ctx, "image import submitted", slog.String("image_id", req.ImageID),
		slog.String("task_id", t.ID), slog.String("method", req.Method), slog.String("stores", strings.Join(stores, ",")))
	if im.Notify != nil {
		im.Notify()
	}
	return t, nil
}

// releaseLock undoes Submit's image changes when the task could not be recorded.
func (im *Importer) releaseLock(ctx context.Context, imageID, taskID, prevStatus string) {
	_, err := im.Images.UpdateImage(context.WithoutCancel(ctx), imageID, func(img *glimpse.Image) error {
		if img.Properties[glimpse.PropImportTask] != taskID {
			return nil
		}
		delete(img.Properties, glimpse.PropImportTask)
		img.Properties[glimpse.PropImportingToStores] = ""
		if img.Status == glimpse.ImageStatusImporting {
			img.Status = prevStatus
		}
		return nil
	})
	if err != nil {
		im.logger().ErrorContext(ctx, "cannot release the import lock", slog.String("image_id", imageID), slog.Any("error", err))
	}
}

// resolveStores returns the target stores of req (Glance's get_stores_from_request):
// every store for all_stores, the "stores" list, or the default store.
func (im *Importer) resolveStores(img *glimpse.Image, req glimpse.ImportRequest) ([]string, error) {
	if req.AllStores && req.HasStores {
		return nil, glimpse.Errorf(glimpse.EINVALID, "All_stores parameter can't be used with x-image-meta-store header or stores parameter")
	}
	var stores []string
	switch {
	case req.AllStores:
		stores = slices.Clone(im.StoreIDs)
	case req.HasStores && len(req.Stores) > 0:
		stores = slices.Compact(slices.Clone(req.Stores))
	case len(im.StoreIDs) > 0:
		stores = []string{im.StoreIDs[0]}
	}
	for _, s := range stores {
		if !slices.Contains(im.StoreIDs, s) {
			return nil, glimpse.Errorf(glimpse.ECONFLICT, "Store for identifier %s not found", s)
		}
	}
	if req.Method == glimpse.ImportCopyImage {
		have := img.Stores()
		if req.AllStores {
			stores = slices.DeleteFunc(stores, func(s string) bool { return slices.Contains(have, s) })
		} else {
			for _, s := range stores {
				if slices.Contains(have, s) {
					return nil, glimpse.Errorf(glimpse.EINVALID, "Image is already present at store '%s'", s)
				}
			}
		}
	}
	return stores, nil
}

// Execute runs a claimed task to its end and records the outcome on the task (success
// with result {"image_id": …}, or failure with a message) and the image (active, or back
// to queued — copy-image: still active — with os_glance_failed_import). worker is the
// lease owner; a task whose lease was taken away meanwhile is left as it is.
func (im *Importer) Execute(ctx context.Context, t *glimpse.Task, worker string) {
	log := im.logger().With(slog.String("task_id", t.ID), slog.String("image_id", t.ImageID))
	method, uri, opts := importInput(t)
	copying := method == glimpse.ImportCopyImage
	defer im.tokens.Delete(t.ID)
	res, err := im.run(ctx, t, method, uri, opts)
	if err != nil {
		msg := failureMessage(err)
		if ctx.Err() != nil {
			msg = "Import interrupted: glimpse was stopped while the task ran."
		}
		log.WarnContext(ctx, "image import failed", slog.String("method", method), slog.Any("error", err))
		if ferr := im.Data.FailImport(context.WithoutCancel(ctx), t.ImageID, copying); ferr != nil {
			log.ErrorContext(ctx, "cannot roll back the failed import", slog.Any("error", ferr))
		}
		im.finish(ctx, t.ID, worker, glimpse.TaskStatusFailure, msg, log)
		return
	}
	msg := fmt.Sprintf("Copied %d MiB", res.Bytes>>20)
	if len(res.Failed) > 0 {
		msg += fmt.Sprintf("; failed stores: %s", strings.Join(res.Failed, ","))
	}
	log.InfoContext(ctx, "image import finished", slog.String("method", method), slog.Int64("bytes", res.Bytes))
	im.finish(ctx, t.ID, worker, glimpse.TaskStatusSuccess, msg, log)
}

func (im *Importer) run(ctx context.Context, t *glimpse.Task, method, uri string, opts imagedata.ImportOptions) (*imagedata.ImportResult, error) {
	img, err := im.Images.FindImageByID(ctx, t.ImageID)
	if err != nil {
		return nil, err
	}
	if img.Properties[glimpse.PropImportTask] != t.ID {
		return nil, glimpse.Errorf(glimpse.ECONFLICT, "Image %s is locked by another import task.", t.ImageID)
	}
	switch method {
	case glimpse.ImportGlanceDirect:
		return im.Data.ImportStaged(ctx, t.ImageID, opts)
	case glimpse.ImportWebDownload:
		if err := im.download(ctx, t.ImageID, uri); err != nil {
			return nil, err
		}
		return im.Data.ImportStaged(ctx, t.ImageID, opts)
	case glimpse.ImportCopyImage:
		return im.Data.CopyToStores(ctx, t.ImageID, opts)
	case glimpse.ImportGlanceDownload:
		if err := im.glanceDownload(ctx, t); err != nil {
			return nil, err
		}
		return im.Data.ImportStaged(ctx, t.ImageID, opts)
	}
	return nil, glimpse.Errorf(glimpse.EINVALID, "Unknown import method name '%s'.", method)
}

// downloadError is a web-download failure whose message is safe to show in the task.
type downloadError struct{ msg string }

func (e *downloadError) Error() string { return e.msg }

// Defaults of Importer.StallTimeout and Importer.WatchEvery.
const (
	DefaultStallTimeout = 2 * time.Minute
	DefaultWatchEvery   = 5 * time.Second
)

var (
	errStalled      = errors.New("task: the source stopped sending data")
	errImageDeleted = errors.New("task: the image was deleted")
)

// download fetches uri (the filter applies to it, every address it resolves to and every
// redirect) into the staging store. A watchdog stops it when the source sends nothing for
// StallTimeout, or when the image is deleted meanwhile: neither a hung server nor an
// endless one can hold an import worker and fill the staging area for ever.
func (im *Importer) download(ctx context.Context, imageID, uri string) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	progress := &progressReader{}
	progress.touch()
	go im.watchDownload(ctx, cancel, imageID, progress)
	err := im.fetch(ctx, imageID, uri, progress)
	switch cause := context.Cause(ctx); {
	case err == nil:
		return nil
	case errors.Is(cause, errStalled):
		return &downloadError{fmt.Sprintf("Failed to download %s: no data received for %s", uri, im.stallTimeout())}
	case errors.Is(cause, errImageDeleted):
		return &downloadError{fmt.Sprintf("Image %s was deleted during the download from %s.", imageID, uri)}
	}
	return err
}

func (im *Importer) stallTimeout() time.Duration {
	if im.StallTimeout > 0 {
		return im.StallTimeout
	}
	return DefaultStallTimeout
}

// watchDownload cancels ctx with errStalled or errImageDeleted; it returns when ctx ends.
func (im *Importer) watchDownload(ctx context.Context, cancel context.CancelCauseFunc, imageID string, progress *progressReader) {
	every := im.WatchEvery
	if every <= 0 {
		every = DefaultWatchEvery
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if progress.idle() > im.stallTimeout() {
			cancel(errStalled)
			return
		}
		img, err := im.Images.FindImageByID(ctx, imageID)
		if glimpse.ErrorCode(err) == glimpse.ENOTFOUND || err == nil && img.Status == glimpse.ImageStatusDeleted {
			cancel(errImageDeleted)
			return
		}
	}
}

// progressReader records when its reader last returned data.
type progressReader struct {
	r    io.Reader
	last atomic.Int64 // unix nanoseconds
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.touch()
	}
	return n, err
}

func (p *progressReader) touch() { p.last.Store(time.Now().UnixNano()) }

func (p *progressReader) idle() time.Duration { return time.Since(time.Unix(0, p.last.Load())) }

// fetch is the download itself: the response body, through progress, into staging.
func (im *Importer) fetch(ctx context.Context, imageID, uri string, progress *progressReader) error {
	f := im.filter()
	if err := f.Check(uri); err != nil {
		return &downloadError{fmt.Sprintf("URI for web-download does not pass filtering: %s", uri)}
	}
	client := im.Client
	if client == nil {
		client = f.Client()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return &downloadError{fmt.Sprintf("Invalid URL %s: %v", uri, err)}
	}
	resp, err := client.Do(req)
	if err != nil {
		return &downloadError{fmt.Sprintf("Failed to download %s: %v", uri, errors.Unwrap(err))}
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &downloadError{fmt.Sprintf("Failed to download %s: the remote server answered HTTP %s", uri, resp.Status)}
	}
	progress.r = resp.Body
	if _, err := im.Data.StageImporting(ctx, imageID, progress, resp.ContentLength); err != nil {
		return err
	}
	return nil
}

// failureMessage is the task message of a failed import.
func failureMessage(err error) string {
	var de *downloadError
	if errors.As(err, &de) {
		return de.msg
	}
	if code := glimpse.ErrorCode(err); code != glimpse.EINTERNAL {
		return glimpse.ErrorMessage(err)
	}
	return "Import failed: " + err.Error()
}

// finish records the task's end if worker still holds it.
func (im *Importer) finish(ctx context.Context, taskID, worker, status, msg string, log *slog.Logger) {
	ttl := im.TTL
	if ttl <= 0 {
		ttl = DefaultTaskTTL
	}
	_, err := im.Tasks.UpdateTask(context.WithoutCancel(ctx), taskID, func(t *glimpse.Task) error {
		if t.Status != glimpse.TaskStatusProcessing || t.LeaseOwner != worker {
			return errLeaseLost
		}
		now := time.Now().UTC()
		exp := now.Add(ttl)
		t.Status, t.Message, t.ExpiresAt = status, msg, &exp
		t.Result = map[string]any{"image_id": t.ImageID}
		t.LeaseOwner, t.LeaseUntil = "", nil
		return nil
	})
	if errors.Is(err, errLeaseLost) {
		log.WarnContext(ctx, "import task was taken from this worker; its outcome is not recorded")
	} else if err != nil {
		log.ErrorContext(ctx, "cannot record the end of the import task", slog.Any("error", err))
	}
}

var errLeaseLost = errors.New("task: lease lost")

// Abandon fails a task whose worker died (its lease ran out, or it was this node's
// previous process): worker takes the task over with a lease of its own (so that one
// recoverer only acts), rolls the image back if the task still holds its import lock (to
// queued; copy-image: stays active; its stores in os_glance_failed_import), then records
// the task as failed.
func (im *Importer) Abandon(ctx context.Context, t *glimpse.Task, worker string) {
	log := im.logger().With(slog.String("task_id", t.ID), slog.String("image_id", t.ImageID))
	_, err := im.Tasks.UpdateTask(ctx, t.ID, func(cur *glimpse.Task) error {
		if cur.Status != glimpse.TaskStatusProcessing || cur.LeaseOwner != t.LeaseOwner ||
			cur.LeaseUntil == nil || t.LeaseUntil == nil || !cur.LeaseUntil.Equal(*t.LeaseUntil) {
			return errLeaseLost // finished, renewed or taken over meanwhile
		}
		until := time.Now().UTC().Add(DefaultLease)
		cur.LeaseOwner, cur.LeaseUntil = worker, &until
		return nil
	})
	if errors.Is(err, errLeaseLost) {
		return
	} else if err != nil {
		log.ErrorContext(ctx, "cannot take over an abandoned import task", slog.Any("error", err))
		return
	}
	img, err := im.Images.FindImageByID(ctx, t.ImageID)
	if err == nil && img.Properties[glimpse.PropImportTask] == t.ID {
		method, _, _ := importInput(t)
		if err := im.Data.FailImport(ctx, t.ImageID, method == glimpse.ImportCopyImage); err != nil {
			log.ErrorContext(ctx, "cannot roll back an abandoned import", slog.Any("error", err))
		}
	}
	im.finish(ctx, t.ID, worker, glimpse.TaskStatusFailure, "Import interrupted: the glimpse process running it stopped.", log)
	log.WarnContext(ctx, "abandoned import task failed and its image rolled back")
}

// importInput reads the method, URL and store options back from a task's input.
func importInput(t *glimpse.Task) (method, uri string, opts imagedata.ImportOptions) {
	req, _ := t.Input["import_req"].(map[string]any)
	m, _ := req["method"].(map[string]any)
	method, _ = m["name"].(string)
	uri, _ = m["uri"].(string)
	opts.AllMustSucceed = true
	if v, ok := req["all_stores_must_succeed"].(bool); ok {
		opts.AllMustSucceed = v
	}
	backend, _ := t.Input["backend"].([]any)
	for _, b := range backend {
		if s, ok := b.(string); ok {
			opts.Stores = append(opts.Stores, s)
		}
	}
	return method, uri, opts
}
