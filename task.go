package glimpse

import (
	"context"
	"time"
)

// Task types and statuses (Glance API reference, "Tasks" and "Show image tasks").
const (
	TaskTypeImageImport = "api_image_import"

	TaskStatusPending    = "pending"
	TaskStatusProcessing = "processing"
	TaskStatusSuccess    = "success"
	TaskStatusFailure    = "failure"
)

// Import methods ("Interoperable image import" in the Glance API reference).
const (
	ImportGlanceDirect = "glance-direct"
	ImportWebDownload  = "web-download"
	ImportCopyImage    = "copy-image"
	// ImportGlanceDownload copies an image from another region's image service, found in
	// the identity catalog (method parameters glance_image_id, glance_region,
	// glance_service_interface).
	ImportGlanceDownload = "glance-download"
)

// Image properties that interoperable import maintains on the image (Glance's
// os_glance_* reserved namespace): the stores still to import to, the stores that failed
// (both comma-separated store ids) and the id of the task holding the image's import lock.
const (
	PropImportingToStores = "os_glance_importing_to_stores"
	PropFailedImport      = "os_glance_failed_import"
	PropImportTask        = "os_glance_import_task"
)

// StagingStoreID is the id of the hidden store that holds staged data (PUT
// /v2/images/{id}/stage), as Glance names it; it is never listed in GET /v2/info/stores.
const StagingStoreID = "os_glance_staging_store"

// Task is one asynchronous operation, today always an image import. Input is the task
// input Glance shows: {"image_id": …, "import_req": <the import request body>,
// "backend": [store ids]}; Result is {"image_id": …} once done. Lease fields say which
// worker runs a processing task and until when its claim holds: a task whose lease ran
// out belonged to a worker that died.
type Task struct {
	ID        string
	Type      string // TaskTypeImageImport
	Status    string // TaskStatus*
	Input     map[string]any
	Result    map[string]any // nil until set
	Message   string
	Owner     string // project id of the image owner
	ImageID   string
	RequestID string // x-openstack-request-id of the call that created the task
	UserID    string
	CreatedAt time.Time
	UpdatedAt time.Time
	ExpiresAt *time.Time // set when the task ends (Glance's task_time_to_live)

	LeaseOwner string     // id of the worker running the task; "" when none
	LeaseUntil *time.Time // the claim holds until then
}

// TaskFilter selects tasks for TaskService.FindTasks; empty fields match anything.
type TaskFilter struct {
	ImageID string
	Owner   string
	Status  string
	Type    string
	Limit   int    // 0: no limit
	Marker  string // id of the last task of the previous page (newest first)
}

// TaskService stores tasks. Errors: ENOTFOUND for a missing task, ECONFLICT for a
// duplicate id.
type TaskService interface {
	// CreateTask stores t, setting ID (when empty), CreatedAt and UpdatedAt.
	CreateTask(ctx context.Context, t *Task) error
	FindTaskByID(ctx context.Context, id string) (*Task, error)
	// FindTasks returns tasks newest first (created_at desc, id desc).
	FindTasks(ctx context.Context, f TaskFilter) ([]*Task, error)
	// UpdateTask reads the task, calls fn and writes back what fn changed, in one
	// transaction; an error from fn aborts and is returned as is.
	UpdateTask(ctx context.Context, id string, fn func(t *Task) error) (*Task, error)
	// ClaimTask moves the oldest pending task to processing with a lease for worker
	// until now+lease and returns it, or returns nil, nil when none is pending. Two
	// workers, even on different nodes sharing the database, never claim the same task.
	ClaimTask(ctx context.Context, worker string, lease time.Duration) (*Task, error)
	// RenewLease extends the lease of a processing task the worker holds; ECONFLICT when
	// the worker no longer holds it.
	RenewLease(ctx context.Context, id, worker string, lease time.Duration) error
	// FindExpiredTasks returns the processing tasks whose lease ended before now.
	FindExpiredTasks(ctx context.Context) ([]*Task, error)
}

// ImportRequest is one POST /v2/images/{image_id}/import call ("Import an image"), its
// body already checked for shape by the API layer.
type ImportRequest struct {
	ImageID string
	Method  string // ImportGlanceDirect, ImportWebDownload or ImportCopyImage
	URI     string // web-download: the URL to fetch
	// Stores is the "stores" list when HasStores; AllStores is "all_stores".
	Stores    []string
	HasStores bool
	AllStores bool
	// AllStoresMustSucceed is "all_stores_must_succeed" (default true).
	AllStoresMustSucceed bool
	Body                 map[string]any // the request body, kept as the task input's import_req
	RequestID            string         // x-openstack-request-id of the call
	Caller               *Principal
	// AuthToken is the caller's token; glance-download sends it to the remote image
	// service. It is kept in memory only, never stored with the task.
	AuthToken string
	// Authorize, when set, decides whether Caller may run this import on img (the API's
	// policy); it is called after the image's status checks, as Glance does. Nil applies
	// the default rules: copy-image for admins, the other methods for who may modify img.
	Authorize func(img *Image) error
}
