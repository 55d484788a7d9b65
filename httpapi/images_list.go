package httpapi

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/glimpse-image/glimpse"
)

// Listing defaults of Glance (glance-api.conf limit_param_default and api_limit_max).
const (
	imageListDefaultLimit = 25
	imageListMaxLimit     = 1000
)

// imageSortKeys are the sort keys Glance accepts, in the order its error message lists them.
var imageSortKeys = []string{"name", "status", "container_format", "disk_format", "size", "id", "created_at", "updated_at"}

// queryParam is one key=value of a query string.
type queryParam struct{ Key, Value string }

// queryParams is a query string in order, as webob's MultiDict: Get returns the last value
// of a key, Pop removes and returns the first.
type queryParams []queryParam

// parseQueryParams splits a raw query as Python's parse_qsl(keep_blank_values=True).
func parseQueryParams(raw string) queryParams {
	var q queryParams
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			continue
		}
		q = append(q, queryParam{k, v})
	}
	return q
}

func (q queryParams) Has(key string) bool {
	return slices.ContainsFunc(q, func(p queryParam) bool { return p.Key == key })
}

func (q queryParams) Get(key string) (string, bool) {
	for i := len(q) - 1; i >= 0; i-- {
		if q[i].Key == key {
			return q[i].Value, true
		}
	}
	return "", false
}

func (q *queryParams) Pop(key string) (string, bool) {
	for i, p := range *q {
		if p.Key == key {
			*q = slices.Delete(*q, i, i+1)
			return p.Value, true
		}
	}
	return "", false
}

// encodeAsDict is urlencode(dict(params)): one entry per key in first-seen order with the
// key's last value, quoted as Python's quote_plus.
func (q queryParams) encodeAsDict() string {
	var keys []string
	for _, p := range q {
		if !slices.Contains(keys, p.Key) {
			keys = append(keys, p.Key)
		}
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		v, _ := q.Get(k)
		parts[i] = url.QueryEscape(k) + "=" + url.QueryEscape(v)
	}
	return strings.Join(parts, "&")
}

// imageListQuery is a parsed GET /v2/images query.
type imageListQuery struct {
	Filter glimpse.ImageFilter // Viewer is set by the handler
	Limit  int                 // after defaults and the cap; 0 lists nothing
	Params queryParams         // the request's parameters, for the first and next links
}

// parseImageListQuery reads the query of GET /v2/images as Glance's request deserializer
// and controller do ("List images" in the Image API reference: filters, sort, sort_key /
// sort_dir, limit, marker, member_status, tag). Errors are Glance's 400s.
func parseImageListQuery(raw string) (*imageListQuery, error) {
	all := parseQueryParams(raw)
	params := slices.Clone(all)
	q := &imageListQuery{Params: all, Limit: imageListDefaultLimit}
	if v, ok := params.Pop("limit"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return nil, errExplained(http.StatusBadRequest, "limit param must be an integer")
		}
		if n < 0 {
			return nil, errExplained(http.StatusBadRequest, "limit param must be positive")
		}
		q.Limit = min(n, imageListMaxLimit)
	}
	if v, ok := params.Pop("marker"); ok {
		if v == "" { // Glance looks the empty id up, and finds nothing
			return nil, errExplained(http.StatusBadRequest, "No image found with ID %s", v)
		}
		q.Filter.Marker = v
	}
	memberStatus := glimpse.MemberStatusAccepted
	if v, ok := params.Pop("member_status"); ok {
		memberStatus = v
	}
	switch memberStatus {
	case glimpse.MemberStatusPending, glimpse.MemberStatusAccepted, glimpse.MemberStatusRejected, glimpse.MemberStatusAll:
		q.Filter.MemberStatus = memberStatus
	default:
		return nil, errExplained(http.StatusBadRequest, "Invalid status: %s", memberStatus)
	}
	for params.Has("tag") {
		v, _ := params.Pop("tag")
		q.Filter.Tags = append(q.Filter.Tags, strings.TrimSpace(v))
	}
	if v, _ := params.Get("visibility"); v != "" {
		if !slices.Contains([]string{"community", "public", "private", "shared", "all"}, v) {
			return nil, errExplained(http.StatusBadRequest, "Invalid visibility value: %s", v)
		}
	}
	if v, _ := params.Get("changes-since"); v != "" {
		return nil, errExplained(http.StatusBadRequest, `The "changes-since" filter is no longer available on v2.`)
	}
	sort, err := parseImageSort(&params)
	if err != nil {
		return nil, err
	}
	q.Filter.Sort = sort
	if err := addImageFilters(&q.Filter, params); err != nil {
		return nil, err
	}
	return q, nil
}

// parseImageSort reads sort=key:dir,… or the repeatable sort_key / sort_dir (Glance pairs
// them; one sort_dir applies to every key); mixing both syntaxes is 400.
func parseImageSort(params *queryParams) ([]glimpse.SortKey, error) {
	var keys []string
	var dirs []string
	if params.Has("sort") {
		if params.Has("sort_key") || params.Has("sort_dir") {
			return nil, errExplained(http.StatusBadRequest, "Old and new sorting syntax cannot be combined")
		}
		v, _ := params.Pop("sort")
		for _, item := range strings.Split(strings.TrimSpace(v), ",") {
			key, dir, _ := strings.Cut(item, ":")
			if dir == "" {
				dir = "desc"
			}
			key, dir = strings.TrimSpace(key), strings.TrimSpace(dir)
			if err := checkSortKey(key); err != nil {
				return nil, err
			}
			if err := checkSortDir(dir); err != nil {
				return nil, err
			}
			keys = append(keys, key)
			dirs = append(dirs, dir)
		}
	} else {
		for params.Has("sort_key") {
			v, _ := params.Pop("sort_key")
			v = strings.TrimSpace(v)
			if err := checkSortKey(v); err != nil {
				return nil, err
			}
			keys = append(keys, v)
		}
		for params.Has("sort_dir") {
			v, _ := params.Pop("sort_dir")
			v = strings.TrimSpace(v)
			if err := checkSortDir(v); err != nil {
				return nil, err
			}
			dirs = append(dirs, v)
		}
		if len(dirs) > 1 && len(dirs) != len(keys) {
			return nil, errExplained(http.StatusBadRequest, "Number of sort dirs does not match the number of sort keys")
		}
	}
	if len(keys) == 0 {
		keys = []string{"created_at"}
	}
	if len(dirs) == 0 {
		dirs = []string{"desc"}
	}
	sort := make([]glimpse.SortKey, len(keys))
	for i, k := range keys {
		dir := dirs[0]
		if i < len(dirs) {
			dir = dirs[i]
		}
		sort[i] = glimpse.SortKey{Field: k, Desc: dir == "desc"}
	}
	// The tie-breakers created_at and id follow the one sort direction given; with one
	// direction per key they are descending (Glance's image_get_all).
	tieDesc := len(dirs) != 1 || dirs[0] == "desc"
	for _, k := range []string{"created_at", "id"} {
		if !slices.ContainsFunc(sort, func(s glimpse.SortKey) bool { return s.Field == k }) {
			sort = append(sort, glimpse.SortKey{Field: k, Desc: tieDesc})
		}
	}
	return sort, nil
}

func checkSortKey(key string) error {
	if !slices.Contains(imageSortKeys, key) {
		return errExplained(http.StatusBadRequest, "Invalid sort key: %s. It must be one of the following: %s.",
			key, strings.Join(imageSortKeys, ", "))
	}
	return nil
}

func checkSortDir(dir string) error {
	if dir != "asc" && dir != "desc" {
		return errExplained(http.StatusBadRequest, "Invalid sort direction: %s", dir)
	}
	return nil
}

// addImageFilters turns the remaining parameters into conditions, as Glance's
// _make_conditions_from_filters: in: lists for name, id, status and the formats;
// comparison operators on created_at / updated_at; *_min / *_max ranges; booleans for
// protected and os_hidden (default: hidden images are not listed); exact matches on the
// other core attributes; anything else is a custom property.
func addImageFilters(f *glimpse.ImageFilter, params queryParams) error {
	osHidden := "false"
	if v, ok := params.Get("os_hidden"); ok {
		osHidden = strings.ToLower(v)
		if osHidden != "true" && osHidden != "false" {
			return errExplained(http.StatusBadRequest, "Invalid value '%s' for 'os_hidden' filter. Valid values are 'true' or 'false'.", osHidden)
		}
	}
	if v, ok := params.Get("protected"); ok && v != "true" && v != "false" {
		return errExplained(http.StatusBadRequest, "Invalid value '%s' for 'protected' filter. Valid values are 'true' or 'false'.", v)
	}
	var keys []string
	for _, p := range params {
		if !slices.Contains(keys, p.Key) {
			keys = append(keys, p.Key)
		}
	}
	cond := func(field, op string, values ...string) {
		f.Conditions = append(f.Conditions, glimpse.Condition{Field: field, Op: op, Values: values})
	}
	for _, k := range keys {
		v, _ := params.Get(k)
		switch k {
		case "visibility":
			f.Visibility = v
		case "os_hidden", "deleted":
		case "protected":
			cond(k, glimpse.OpEq, v)
		case "size_min", "size_max", "virtual_size_min", "virtual_size_max", "min_ram_min", "min_ram_max", "min_disk_min", "min_disk_max":
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return errExplained(http.StatusBadRequest, "Unable to filter on a range with a non-numeric value.")
			}
			op := glimpse.OpGte
			if strings.HasSuffix(k, "_max") {
				op = glimpse.OpLte
			}
			cond(k[:len(k)-4], op, strconv.FormatInt(n, 10))
		case "created_at", "updated_at":
			op, value := splitFilterOp(v)
			t, err := parseISOTime(value)
			if err != nil {
				return errExplained(http.StatusBadRequest, `Bad "%s" query filter format. Use ISO 8601 DateTime notation.`, k)
			}
			if !slices.Contains([]string{"eq", "neq", "gt", "gte", "lt", "lte"}, op) {
				return errExplained(http.StatusBadRequest, "Unable to filter on a unknown operator.")
			}
			cond(k, op, t.UTC().Format(time.RFC3339Nano))
		case "name", "id", "status", "container_format", "disk_format":
			op, value := splitFilterOp(v)
			switch op {
			case "in":
				values, err := splitFilterValueForQuotes(value)
				if err != nil {
					return err
				}
				cond(k, glimpse.OpIn, values...)
			case "eq":
				cond(k, glimpse.OpEq, value)
			default:
				return errExplained(http.StatusBadRequest, "Unable to filter by unknown operator '%s'.", op)
			}
		case "size", "virtual_size", "min_ram", "min_disk":
			// Glance compares the integer column with the text as given, so a value that is
			// not a whole number (min_ram=abc, min_ram=gt:20) matches no image: 200 with an
			// empty list, not 400. These columns are never negative.
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				v = "-1"
			}
			cond(k, glimpse.OpEq, v)
		case "owner", "checksum", "os_hash_algo", "os_hash_value":
			cond(k, glimpse.OpEq, v)
		default:
			f.Properties = append(f.Properties, glimpse.Condition{Field: k, Op: glimpse.OpEq, Values: []string{v}})
		}
	}
	cond("os_hidden", glimpse.OpEq, osHidden)
	return nil
}

// splitFilterOp is Glance's split_filter_op: "op:value", or "eq" when there is no colon
// or the whole expression is an ISO 8601 time.
func splitFilterOp(expr string) (op, value string) {
	left, right, found := strings.Cut(expr, ":")
	if !found {
		return "eq", expr
	}
	if _, err := parseISOTime(expr); err == nil {
		return "eq", expr
	}
	return left, right
}

// isoTimeLayouts are the ISO 8601 forms accepted in time filters (what iso8601.parse_date
// accepts, most common first).
var isoTimeLayouts = []string{
	"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05",
	"2006-01-02T15:04:05.999999999", "2006-01-02T15:04Z07:00", "2006-01-02T15:04", "2006-01-02T15Z07:00",
	"2006-01-02T15", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05", "2006-01-02", "2006-01", "2006",
	"20060102T150405Z07:00", "20060102T150405", "20060102",
}

// parseISOTime parses an ISO 8601 date-time; without a zone it is UTC.
func parseISOTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	var err error
	for _, layout := range isoTimeLayouts {
		var t time.Time
		if t, err = time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}

var filterValueForQuotes = regexp.MustCompile(`"([^"\\]*(?:\\.[^"\\]*)*)",?|([^,]+),?|,`)

// splitFilterValueForQuotes splits an in: list by commas, with "double quoted" values that
// may contain commas, as Glance's split_filter_value_for_quotes.
func splitFilterValueForQuotes(value string) ([]string, error) {
	open := true
	for i := 0; i < len(value); i++ {
		if value[i] != '"' || (i > 0 && value[i-1] == '\\') {
			continue
		}
		if open {
			if i > 0 && value[i-1] != ',' {
				return nil, errExplained(http.StatusBadRequest, "Invalid filter value %s. There is no comma before opening quotation mark.", value)
			}
		} else if i+1 != len(value) && value[i+1] != ',' {
			return nil, errExplained(http.StatusBadRequest, "Invalid filter value %s. There is no comma after closing quotation mark.", value)
		}
		open = !open
	}
	if !open {
		return nil, errExplained(http.StatusBadRequest, "Invalid filter value %s. The quote is not closed.", value)
	}
	var values []string
	for _, m := range filterValueForQuotes.FindAllStringSubmatch(value, -1) {
		if m[1] != "" {
			values = append(values, m[1])
		} else {
			values = append(values, m[2])
		}
	}
	return values, nil
}

// handleImageList answers GET /v2/images ("List images"): {"images": [...], "first",
// "schema"} plus "next" when the page is full; first and next keep the other parameters.
func (s *Server) handleImageList(w http.ResponseWriter, r *http.Request) error {
	q, err := parseImageListQuery(r.URL.RawQuery)
	if err != nil {
		return err
	}
	p := imageCaller(r)
	if err := s.authz().Authorize(p, "get_images", glimpse.PolicyTarget{"project_id": noneIfEmpty(p.ProjectID)}); err != nil {
		return errExplained(http.StatusForbidden, "%s", glimpse.ErrorMessage(err))
	}
	q.Filter.Viewer = s.viewer(p)
	q.Filter.Limit = q.Limit
	// The marker must be an image the caller can see (400 otherwise). An admin sees every
	// image, deleted ones included (Glance's can_see_deleted): the store checks that marker.
	if q.Filter.Marker != "" && !s.isAdmin(p) {
		img, err := s.findVisibleImage(r.Context(), p, q.Filter.Marker)
		if err != nil {
			return err
		}
		if img == nil {
			return errExplained(http.StatusBadRequest, "No image found with ID %s", q.Filter.Marker)
		}
	}
	var images []*glimpse.Image
	if q.Limit > 0 {
		images, err = s.Images.FindImages(r.Context(), q.Filter)
		if err != nil {
			return err
		}
	}
	// Glance lists what its database shows the caller, then drops the images get_image
	// denies; a full database page still gets a next link (to the last image kept).
	fullPage := len(images) > 0 && len(images) == q.Limit
	images = slices.DeleteFunc(images, func(img *glimpse.Image) bool { return !s.allowed(p, "get_image", img) })
	views := make([]pyObject, len(images))
	for i, img := range images {
		views[i] = s.viewImage(p, img)
	}
	params := slices.DeleteFunc(slices.Clone(q.Params), func(p queryParam) bool { return p.Key == "marker" })
	first := "/v2/images"
	if query := params.encodeAsDict(); query != "" {
		first += "?" + query
	}
	body := pyObject{{"images", views}, {"first", first}, {"schema", "/v2/schemas/images"}}
	if len(images) > 0 && fullPage {
		next := append(params, queryParam{"marker", images[len(images)-1].ID})
		body = append(body, pyField{"next", "/v2/images?" + next.encodeAsDict()})
	}
	writePyJSONResponse(w, http.StatusOK, body)
	return nil
}
