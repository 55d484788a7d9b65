package httpapi

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/glimpse-image/glimpse"
)

// pyISOTime is how Glance writes task times in GET /v2/images/{id}/tasks: Python's
// datetime.isoformat() of a naive UTC time (microseconds only when non-zero, no zone).
func pyISOTime(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02T15:04:05")
	}
	return t.Format("2006-01-02T15:04:05.000000")
}

func anyMap(m map[string]any) any {
	if m == nil {
		return nil
	}
	return m
}

// imageTaskView is one task of GET /v2/images/{image_id}/tasks ("Show image tasks"), in
// Glance's key order.
func imageTaskView(t *glimpse.Task) pyObject {
	var expires any
	if t.ExpiresAt != nil {
		expires = pyISOTime(*t.ExpiresAt)
	}
	input := t.Input
	if input == nil {
		input = map[string]any{}
	}
	return pyObject{
		{"id", t.ID},
		{"type", t.Type},
		{"status", t.Status},
		{"owner", t.Owner},
		{"expires_at", expires},
		{"created_at", pyISOTime(t.CreatedAt)},
		{"updated_at", pyISOTime(t.UpdatedAt)},
		{"deleted_at", nil},
		{"deleted", false},
		{"image_id", t.ImageID},
		{"request_id", t.RequestID},
		{"user_id", t.UserID},
		{"input", input},
		{"result", anyMap(t.Result)},
		{"message", t.Message},
	}
}

// taskView is GET /v2/tasks/{task_id} ("Show task"); expires_at only once set.
func taskView(t *glimpse.Task) pyObject {
	input := t.Input
	if input == nil {
		input = map[string]any{}
	}
	o := pyObject{
		{"id", t.ID},
		{"input", input},
		{"type", t.Type},
		{"status", t.Status},
		{"owner", t.Owner},
		{"message", t.Message},
		{"result", anyMap(t.Result)},
		{"created_at", formatGlanceTime(t.CreatedAt)},
		{"updated_at", formatGlanceTime(t.UpdatedAt)},
		{"self", "/v2/tasks/" + t.ID},
		{"schema", "/v2/schemas/task"},
		{"image_id", t.ImageID},
		{"request_id", t.RequestID},
		{"user_id", t.UserID},
	}
	if t.ExpiresAt != nil {
		o = append(o, pyField{"expires_at", formatGlanceTime(*t.ExpiresAt)})
	}
	return o
}

// taskSummaryView is one task of GET /v2/tasks ("List tasks").
func taskSummaryView(t *glimpse.Task) pyObject {
	o := pyObject{
		{"id", t.ID},
		{"type", t.Type},
		{"status", t.Status},
		{"owner", t.Owner},
		{"created_at", formatGlanceTime(t.CreatedAt)},
		{"updated_at", formatGlanceTime(t.UpdatedAt)},
		{"self", "/v2/tasks/" + t.ID},
		{"schema", "/v2/schemas/task"},
	}
	if t.ExpiresAt != nil {
		o = append(o, pyField{"expires_at", formatGlanceTime(*t.ExpiresAt)})
	}
	return o
}

// handleImageTasks answers GET /v2/images/{image_id}/tasks ("Show image tasks", API
// 2.12): the image's tasks, oldest first; 404 for an image the caller cannot see.
func (s *Server) handleImageTasks(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("image_id")
	img, err := s.findVisibleImage(r.Context(), imageCaller(r), id)
	if err != nil {
		return err
	}
	if img == nil || s.Tasks == nil {
		return errDefault(http.StatusNotFound)
	}
	tasks, err := s.Tasks.FindTasks(r.Context(), glimpse.TaskFilter{ImageID: id})
	if err != nil {
		return err
	}
	slices.Reverse(tasks)
	views := make([]pyObject, len(tasks))
	for i, t := range tasks {
		views[i] = imageTaskView(t)
	}
	writePyJSONResponse(w, http.StatusOK, pyObject{{"tasks", views}})
	return nil
}

// errTasksForbidden is Glance's answer to a non-admin on /v2/tasks (policy
// "tasks_api_access", admin only by default).
func errTasksForbidden() *webobError {
	return errExplained(http.StatusForbidden, "You are not authorized to complete tasks_api_access action.")
}

// handleTaskShow answers GET /v2/tasks/{task_id} ("Show task"), admins only.
func (s *Server) handleTaskShow(w http.ResponseWriter, r *http.Request) error {
	if !s.callerAllowed(imageCaller(r), "tasks_api_access") {
		return errTasksForbidden()
	}
	id := r.PathValue("task_id")
	if s.Tasks == nil {
		return errExplained(http.StatusNotFound, "Failed to find task %s", id)
	}
	t, err := s.Tasks.FindTaskByID(r.Context(), id)
	if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
		return errExplained(http.StatusNotFound, "Failed to find task %s", id)
	} else if err != nil {
		return err
	}
	writePyJSONResponse(w, http.StatusOK, taskView(t))
	return nil
}

// Task listing limits: Glance's limit_param_default and api_limit_max.
const (
	taskListDefaultLimit = 25
	taskListMaxLimit     = 1000
)

// handleTaskList answers GET /v2/tasks ("List tasks"), admins only: newest first, with
// limit, marker, status and type filters and a "next" link while a page is full.
func (s *Server) handleTaskList(w http.ResponseWriter, r *http.Request) error {
	if !s.callerAllowed(imageCaller(r), "tasks_api_access") {
		return errTasksForbidden()
	}
	q := r.URL.Query()
	limit := taskListDefaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return errExplained(http.StatusBadRequest, "limit param must be an integer")
		}
		limit = min(n, taskListMaxLimit)
	}
	f := glimpse.TaskFilter{Limit: limit, Marker: q.Get("marker"), Status: q.Get("status"), Type: q.Get("type")}
	var tasks []*glimpse.Task
	if s.Tasks != nil && limit > 0 {
		var err error
		tasks, err = s.Tasks.FindTasks(r.Context(), f)
		if glimpse.ErrorCode(err) == glimpse.EINVALID {
			return errExplained(http.StatusBadRequest, "%s", glimpse.ErrorMessage(err))
		} else if err != nil {
			return err
		}
	}
	views := make([]pyObject, len(tasks))
	for i, t := range tasks {
		views[i] = taskSummaryView(t)
	}
	first := "/v2/tasks"
	if r.URL.RawQuery != "" {
		first += "?" + r.URL.RawQuery
	}
	out := pyObject{{"tasks", views}, {"first", first}, {"schema", "/v2/schemas/tasks"}}
	if limit > 0 && len(tasks) == limit {
		next := url.Values{}
		for k, v := range q {
			if k != "marker" {
				next[k] = v
			}
		}
		next.Set("marker", tasks[len(tasks)-1].ID)
		out = append(out, pyField{"next", "/v2/tasks?" + next.Encode()})
	}
	writePyJSONResponse(w, http.StatusOK, out)
	return nil
}
