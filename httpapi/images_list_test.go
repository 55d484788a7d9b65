package httpapi

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/glimpse-image/glimpse"
)

// listNames lists as user with query and returns the image names in order and the body.
func (e *imageEnv) listNames(user, query string) ([]string, map[string]any) {
	e.t.Helper()
	r := e.do(user, "GET", "/v2/images"+query, "")
	mustStatus(e.t, r, http.StatusOK)
	body := r.json(e.t)
	var names []string
	for _, img := range body["images"].([]any) {
		name, _ := img.(map[string]any)["name"].(string)
		names = append(names, name)
	}
	return names, body
}

func expectNames(t *testing.T, query string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
		t.Errorf("GET /v2/images%s = %q, want %q", query, got, want)
	}
}

// TestImageGoldenList follows golden 008 and 024-032: default order (newest first), sort
// syntaxes, pages with first/next links, filters.
func TestImageGoldenList(t *testing.T) {
	e := newImageEnv(t)
	names, body := e.listNames("admin", "")
	expectNames(t, "", names)
	if body["first"] != "/v2/images" || body["schema"] != "/v2/schemas/images" || body["next"] != nil {
		t.Errorf("empty list body = %v", body)
	}
	r := e.do("admin", "GET", "/v2/images", "")
	expectText(t, r, `{"images": [], "first": "/v2/images", "schema": "/v2/schemas/images"}`)

	raw := e.createImage("admin", `{"name":"Ubuntu22.04","disk_format":"raw","container_format":"bare","visibility":"public"}`)
	e.upload("admin", raw, smallImage)
	qcow := e.createImage("admin", `{"name":"Ubuntu22.04-qcow2","disk_format":"qcow2","container_format":"bare","visibility":"public"}`)
	e.upload("admin", qcow, smallImage+smallImage+smallImage)
	cli := e.createImage("admin", `{"name":"Ubuntu22.04-cli","disk_format":"qcow2","container_format":"bare","visibility":"public","owner_specified.openstack.object":"images/Ubuntu22.04-cli"}`)

	for _, c := range []struct {
		query string
		want  []string
	}{
		{"", []string{"Ubuntu22.04-cli", "Ubuntu22.04-qcow2", "Ubuntu22.04"}},
		{"?sort=name:asc,status:desc", []string{"Ubuntu22.04", "Ubuntu22.04-cli", "Ubuntu22.04-qcow2"}},
		{"?sort_key=name&sort_dir=desc", []string{"Ubuntu22.04-qcow2", "Ubuntu22.04-cli", "Ubuntu22.04"}},
		{"?sort_key=name&sort_key=id&sort_dir=asc", []string{"Ubuntu22.04", "Ubuntu22.04-cli", "Ubuntu22.04-qcow2"}},
		{"?sort=name", []string{"Ubuntu22.04-qcow2", "Ubuntu22.04-cli", "Ubuntu22.04"}},
		{"?disk_format=qcow2", []string{"Ubuntu22.04-cli", "Ubuntu22.04-qcow2"}},
		{"?name=Ubuntu22.04", []string{"Ubuntu22.04"}},
		{"?name=in:Ubuntu22.04,Ubuntu22.04-cli", []string{"Ubuntu22.04-cli", "Ubuntu22.04"}},
		{"?name=in:%22Ubuntu22.04%22,nothing", []string{"Ubuntu22.04"}},
		{"?size_min=100", []string{"Ubuntu22.04-qcow2"}},
		{"?size_max=100", []string{"Ubuntu22.04"}},
		{"?status=queued", []string{"Ubuntu22.04-cli"}},
		{"?owner_specified.openstack.object=images/Ubuntu22.04-cli", []string{"Ubuntu22.04-cli"}},
		{"?id=" + raw, []string{"Ubuntu22.04"}},
		{"?protected=false&sort=name:asc", []string{"Ubuntu22.04", "Ubuntu22.04-cli", "Ubuntu22.04-qcow2"}},
		{"?protected=true", nil},
		{"?created_at=lt:2000-01-01T00:00:00Z", nil},
		{"?created_at=gte:2000-01-01T00:00:00Z&sort=name:asc", []string{"Ubuntu22.04", "Ubuntu22.04-cli", "Ubuntu22.04-qcow2"}},
		{"?limit=0", nil},
	} {
		names, _ := e.listNames("admin", c.query)
		expectNames(t, c.query, names, c.want...)
	}

	// 027, 028: pages of one, next links that keep the other parameters.
	names, body = e.listNames("admin", "?limit=1")
	expectNames(t, "?limit=1", names, "Ubuntu22.04-cli")
	if body["first"] != "/v2/images?limit=1" || body["next"] != "/v2/images?limit=1&marker="+cli {
		t.Errorf("page 1 links: first %v next %v", body["first"], body["next"])
	}
	names, body = e.listNames("admin", "?limit=1&marker="+cli)
	expectNames(t, "page 2", names, "Ubuntu22.04-qcow2")
	if body["first"] != "/v2/images?limit=1" || body["next"] != "/v2/images?limit=1&marker="+qcow {
		t.Errorf("page 2 links: first %v next %v", body["first"], body["next"])
	}
	names, body = e.listNames("admin", "?limit=1&marker="+qcow)
	expectNames(t, "page 3", names, "Ubuntu22.04")
	names, body = e.listNames("admin", "?limit=1&marker="+raw)
	expectNames(t, "page 4", names)
	if _, ok := body["next"]; ok {
		t.Errorf("empty page has a next link: %v", body["next"])
	}
	_, body = e.listNames("admin", "?sort=name:asc,status:desc")
	if body["first"] != "/v2/images?sort=name%3Aasc%2Cstatus%3Adesc" {
		t.Errorf("first = %v", body["first"])
	}
	_, body = e.listNames("admin", "?sort=name:asc&limit=2&name=in:Ubuntu22.04,Ubuntu22.04-cli")
	next, _ := body["next"].(string)
	if next != "/v2/images?sort=name%3Aasc&limit=2&name=in%3AUbuntu22.04%2CUbuntu22.04-cli&marker="+cli {
		t.Errorf("next = %v", next)
	}
	// Following the next link ends the listing.
	u, _ := url.Parse(next)
	names, _ = e.listNames("admin", "?"+u.RawQuery)
	expectNames(t, next, names)
}

// TestImageListVisibility: what each project lists (shared images by member status, os_hidden,
// community, private), as golden 063, 064 and 067 and Glance's defaults.
func TestImageListVisibility(t *testing.T) {
	e := newImageEnv(t)
	e.createImage("admin", `{"name":"public","visibility":"public"}`)
	e.createImage("admin", `{"name":"admin-private","visibility":"private"}`)
	e.createImage("admin", `{"name":"hidden","visibility":"public","os_hidden":true}`)
	shared := e.createImage("demo", `{"name":"demo-shared","visibility":"shared"}`)
	e.createImage("demo", `{"name":"demo-community","visibility":"community"}`)

	names, _ := e.listNames("alt_demo", "?sort=name:asc")
	expectNames(t, "alt before sharing", names, "public")
	r := e.do("demo", "POST", "/v2/images/"+shared+"/members", `{"member":"`+e.projects["alt_demo"]+`"}`)
	mustStatus(t, r, http.StatusOK)
	names, _ = e.listNames("alt_demo", "?sort=name:asc")
	expectNames(t, "063 alt while pending", names, "public")
	names, _ = e.listNames("alt_demo", "?member_status=pending&sort=name:asc")
	expectNames(t, "064 alt member_status=pending", names, "demo-shared", "public")
	r = e.do("alt_demo", "PUT", "/v2/images/"+shared+"/members/"+e.projects["alt_demo"], `{"status":"accepted"}`)
	mustStatus(t, r, http.StatusOK)
	names, _ = e.listNames("alt_demo", "?sort=name:asc")
	expectNames(t, "067 alt after accepting", names, "demo-shared", "public")
	names, _ = e.listNames("alt_demo", "?visibility=community")
	expectNames(t, "alt community", names, "demo-community")
	names, _ = e.listNames("alt_demo", "?os_hidden=true")
	expectNames(t, "alt hidden", names, "hidden")
	names, _ = e.listNames("demo", "?sort=name:asc")
	expectNames(t, "demo", names, "demo-community", "demo-shared", "public")
	names, _ = e.listNames("admin", "?sort=name:asc")
	expectNames(t, "admin", names, "admin-private", "demo-shared", "public") // as Glance: community only with visibility
	names, _ = e.listNames("admin", "?visibility=all&sort=name:asc")
	expectNames(t, "admin all", names, "admin-private", "demo-community", "demo-shared", "public")
	names, _ = e.listNames("admin", "?visibility=private")
	expectNames(t, "admin private", names, "admin-private")
}

// TestParseImageListQuery checks the query parser on its own: conditions, sort pairs, tags.
func TestParseImageListQuery(t *testing.T) {
	q, err := parseImageListQuery(`name=in:"a,b",c&tag=x&tag=%20y&sort_key=name&sort_key=size&sort_dir=asc&limit=5000&os_distro=ubuntu&updated_at=2020-01-02T03:04:05%2B01:00&size_min=10&member_status=all&visibility=all`)
	if err != nil {
		t.Fatal(err)
	}
	if q.Limit != imageListMaxLimit {
		t.Errorf("limit = %d, want the cap %d", q.Limit, imageListMaxLimit)
	}
	if !slices.Equal(q.Filter.Tags, []string{"x", "y"}) {
		t.Errorf("tags = %q", q.Filter.Tags)
	}
	wantSort := []glimpse.SortKey{{Field: "name"}, {Field: "size"}, {Field: "created_at"}, {Field: "id"}}
	if !slices.Equal(q.Filter.Sort, wantSort) {
		t.Errorf("sort = %v, want %v", q.Filter.Sort, wantSort)
	}
	if q.Filter.MemberStatus != "all" || q.Filter.Visibility != "all" {
		t.Errorf("member status %q visibility %q", q.Filter.MemberStatus, q.Filter.Visibility)
	}
	wantConds := []glimpse.Condition{
		{Field: "name", Op: glimpse.OpIn, Values: []string{"a,b", "c"}},
		{Field: "updated_at", Op: glimpse.OpEq, Values: []string{"2020-01-02T02:04:05Z"}},
		{Field: "size", Op: glimpse.OpGte, Values: []string{"10"}},
		{Field: "os_hidden", Op: glimpse.OpEq, Values: []string{"false"}},
	}
	if len(q.Filter.Conditions) != len(wantConds) {
		t.Fatalf("conditions = %v, want %v", q.Filter.Conditions, wantConds)
	}
	for i, c := range wantConds {
		got := q.Filter.Conditions[i]
		if got.Field != c.Field || got.Op != c.Op || !slices.Equal(got.Values, c.Values) {
			t.Errorf("condition %d = %v, want %v", i, got, c)
		}
	}
	if len(q.Filter.Properties) != 1 || q.Filter.Properties[0].Field != "os_distro" || q.Filter.Properties[0].Values[0] != "ubuntu" {
		t.Errorf("properties = %v", q.Filter.Properties)
	}

	q, err = parseImageListQuery("")
	if err != nil {
		t.Fatal(err)
	}
	if q.Limit != imageListDefaultLimit || !slices.Equal(q.Filter.Sort, []glimpse.SortKey{{Field: "created_at", Desc: true}, {Field: "id", Desc: true}}) {
		t.Errorf("defaults: limit %d sort %v", q.Limit, q.Filter.Sort)
	}
	for _, bad := range []string{`name=in:"a`, `name=in:x"a"`, `name=gt:x`, `sort=name:up`, `sort_dir=asc&sort_dir=desc`, `os_hidden=maybe`, `changes-since=2020`} {
		if _, err := parseImageListQuery(bad); err == nil {
			t.Errorf("parseImageListQuery(%q) accepted", bad)
		}
	}
}

func TestSplitFilterValueForQuotes(t *testing.T) {
	for in, want := range map[string][]string{
		`a,b`:           {"a", "b"},
		`"a,b",c`:       {"a,b", "c"},
		`a,,b`:          {"a", "", "b"},
		`"x\"y",z`:      {`x\"y`, "z"},
		`single`:        {"single"},
		`"quoted only"`: {"quoted only"},
	} {
		got, err := splitFilterValueForQuotes(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("split(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// TestImageListTieBreakers: images equal on the sort keys are ordered by created_at and id
// in the one sort direction given, and descending when each key has its own direction
// (Glance's image_get_all); paging with a marker follows the same order.
func TestImageListTieBreakers(t *testing.T) {
	e := newImageEnv(t)
	for _, seq := range []string{"1", "2", "3"} {
		e.createImage("admin", `{"name":"twin","seq":"`+seq+`","disk_format":"raw","container_format":"bare"}`)
	}
	seqs := func(query string) []string {
		r := e.do("admin", "GET", "/v2/images"+query, "")
		mustStatus(t, r, http.StatusOK)
		var out []string
		for _, img := range r.json(t)["images"].([]any) {
			out = append(out, img.(map[string]any)["seq"].(string))
		}
		return out
	}
	for query, want := range map[string][]string{
		"?sort_key=name&sort_dir=asc":                 {"1", "2", "3"},
		"?sort=name:asc":                              {"1", "2", "3"},
		"?sort_key=name":                              {"3", "2", "1"},
		"?sort_key=name&sort_dir=desc":                {"3", "2", "1"},
		"?sort=name:asc,status:asc":                   {"3", "2", "1"},
		"?sort_key=name&sort_key=status&sort_dir=asc": {"1", "2", "3"},
	} {
		if got := seqs(query); !slices.Equal(got, want) {
			t.Errorf("GET /v2/images%s: seq %v, want %v", query, got, want)
		}
	}
	// Page by page, one image each, ascending.
	var paged []string
	next := "/v2/images?sort_key=name&sort_dir=asc&limit=1"
	for next != "" && len(paged) < 5 {
		r := e.do("admin", "GET", next, "")
		mustStatus(t, r, http.StatusOK)
		body := r.json(t)
		for _, img := range body["images"].([]any) {
			paged = append(paged, img.(map[string]any)["seq"].(string))
		}
		next, _ = body["next"].(string)
	}
	if !slices.Equal(paged, []string{"1", "2", "3"}) {
		t.Errorf("paged ascending: seq %v, want [1 2 3]", paged)
	}
}

// TestImageListIntegerFilters: size, virtual_size, min_ram and min_disk match exactly, and
// a value that is not a whole number matches nothing (200 and an empty list, as Glance 25).
func TestImageListIntegerFilters(t *testing.T) {
	e := newImageEnv(t)
	e.createImage("admin", `{"name":"small","min_ram":512,"disk_format":"raw","container_format":"bare"}`)
	for query, want := range map[string][]string{
		"?min_ram=512":      {"small"},
		"?min_ram=0":        nil,
		"?min_ram=abc":      nil,
		"?min_ram=gt:20":    nil,
		"?min_disk=0":       {"small"},
		"?min_disk=x":       nil,
		"?size=12":          nil,
		"?virtual_size=1.5": nil,
	} {
		names, _ := e.listNames("admin", query)
		expectNames(t, query, names, want...)
	}
}

// TestImageListDeletedMarker: an admin may page on from an image deleted between two pages
// (Glance's marker lookup sees deleted rows for admins); anyone else gets 400, as does an
// unknown marker.
func TestImageListDeletedMarker(t *testing.T) {
	e := newImageEnv(t)
	e.createImage("demo", `{"name":"older"}`)
	gone := e.createImage("demo", `{"name":"gone"}`)
	mustStatus(t, e.do("demo", "DELETE", "/v2/images/"+gone, ""), http.StatusNoContent)
	names, _ := e.listNames("admin", "?marker="+gone)
	expectNames(t, "?marker=<deleted> as admin", names, "older")
	for _, c := range []struct{ user, marker string }{{"demo", gone}, {"admin", "00000000-0000-0000-0000-000000000000"}} {
		r := e.do(c.user, "GET", "/v2/images?marker="+c.marker, "", "Accept: application/json")
		expectMessage(t, r, http.StatusBadRequest, "No image found with ID "+c.marker)
	}
}
