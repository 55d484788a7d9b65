package sqlstore

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/glimpse-image/glimpse"
)

// testLongText stores values longer than 65,535 bytes (MySQL's TEXT) in the free-text
// columns that hold user-supplied values of any length, as Glance accepts them.
func testLongText(t *testing.T, open opener) {
	db := open(t)
	long := strings.Repeat("é", 40000) // 80,000 bytes
	img := mustCreateImage(t, db, &glimpse.Image{
		Properties: map[string]string{"long": long},
		Locations: []glimpse.Location{{URL: "https://example.com/" + long, Metadata: map[string]any{"k": long},
			Status: "active"}},
	})
	got, err := db.FindImageByID(ctx, img.ID)
	must(t, err)
	if got.Properties["long"] != long || got.Locations[0].URL != img.Locations[0].URL ||
		got.Locations[0].Metadata["k"] != long {
		t.Fatalf("long values did not round-trip")
	}
	// The property index (a prefix of the value on MySQL) still finds the exact value.
	f := glimpse.ImageFilter{Properties: []glimpse.Condition{{Field: "long", Op: glimpse.OpEq, Values: []string{long}}}}
	if got := findNames(t, db, f); len(got) != 1 {
		t.Errorf("filter on the long value: %q", got)
	}
	f.Properties[0].Values = []string{long + "x"}
	if got := findNames(t, db, f); len(got) != 0 {
		t.Errorf("filter on a longer value: %q", got)
	}
	_, err = db.UpdateImage(ctx, img.ID, func(u *glimpse.Image) error {
		u.Properties["long"] = long + "x"
		u.Properties["other"] = long
		return nil
	})
	must(t, err)
	got, err = db.FindImageByID(ctx, img.ID)
	must(t, err)
	if got.Properties["long"] != long+"x" || got.Properties["other"] != long {
		t.Errorf("long values did not survive an update")
	}
	d := &glimpse.Domain{Name: "d", Description: long}
	must(t, db.CreateDomain(ctx, d))
	if got, err := db.FindDomainByID(ctx, d.ID); err != nil || got.Description != long {
		t.Errorf("long domain description: %v", err)
	}
	// A property name longer than MySQL's VARCHAR(255) is stored elsewhere, and refused
	// there as the client's mistake (400), never an internal error.
	err = mustCreateImageErr(db, &glimpse.Image{Properties: map[string]string{strings.Repeat("k", 300): "v"}})
	if code := glimpse.ErrorCode(err); err != nil && code != glimpse.EINVALID {
		t.Errorf("a 300-character property name: %v (code %s), want success or EINVALID", err, code)
	}
}

func mustCreateImageErr(db *DB, img *glimpse.Image) error { return db.CreateImage(ctx, img) }

// testTrailingSpaces checks that strings differing only by trailing spaces are distinct
// in unique keys, equality filters and sorting (MySQL's PAD SPACE collations would make
// "x" and "x " equal).
func testTrailingSpaces(t *testing.T, open opener) {
	db := open(t)
	c := useClock(db, t0)
	img := mustCreateImage(t, db, &glimpse.Image{Name: ptr("a "), Tags: []string{"x ", "x"},
		Properties: map[string]string{"k ": "1", "k": "2", "v": "w "}})
	got, err := db.FindImageByID(ctx, img.ID)
	must(t, err)
	if !slices.Equal(got.Tags, []string{"x ", "x"}) || !reflect.DeepEqual(got.Properties, img.Properties) {
		t.Fatalf("tags %q properties %q", got.Tags, got.Properties)
	}
	// Adding "y " to an image tagged "y" (PUT /v2/images/{id}/tags/y%20).
	c.Set(t0.Add(time.Second))
	img2 := mustCreateImage(t, db, &glimpse.Image{Name: ptr("a"), Tags: []string{"y"}, Properties: map[string]string{"k": "1"}})
	_, err = db.UpdateImage(ctx, img2.ID, func(u *glimpse.Image) error {
		u.Tags = append(u.Tags, "y ")
		u.Properties["k "] = "3"
		u.Properties["v"] = "w"
		return nil
	})
	must(t, err)
	got, err = db.FindImageByID(ctx, img2.ID)
	must(t, err)
	if !slices.Equal(got.Tags, []string{"y", "y "}) || got.Properties["k "] != "3" || got.Properties["k"] != "1" {
		t.Fatalf("after update: tags %q properties %q", got.Tags, got.Properties)
	}
	// Equality filters match exactly.
	for _, tc := range []struct {
		f    glimpse.ImageFilter
		want string
	}{
		{glimpse.ImageFilter{Conditions: []glimpse.Condition{{Field: "name", Op: glimpse.OpEq, Values: []string{"a"}}}}, img2.ID},
		{glimpse.ImageFilter{Conditions: []glimpse.Condition{{Field: "name", Op: glimpse.OpEq, Values: []string{"a "}}}}, img.ID},
		{glimpse.ImageFilter{Tags: []string{"x "}}, img.ID},
		{glimpse.ImageFilter{Tags: []string{"y"}}, img2.ID},
		{glimpse.ImageFilter{Properties: []glimpse.Condition{{Field: "v", Op: glimpse.OpEq, Values: []string{"w"}}}}, img2.ID},
		{glimpse.ImageFilter{Properties: []glimpse.Condition{{Field: "v", Op: glimpse.OpNeq, Values: []string{"w"}}}}, img.ID},
	} {
		imgs, err := db.FindImages(ctx, tc.f)
		must(t, err)
		if got := ids(imgs); !slices.Equal(got, []string{tc.want}) {
			t.Errorf("%+v: %q, want %q", tc.f, got, tc.want)
		}
	}

	// Members "p" and "p ".
	for _, p := range []string{"p", "p "} {
		must(t, db.CreateMember(ctx, &glimpse.Member{ImageID: img.ID, MemberID: p}))
	}
	if m, err := db.FindMember(ctx, img.ID, "p "); err != nil || m.MemberID != "p " {
		t.Errorf("FindMember(p ) = %+v, %v", m, err)
	}

	// Names sort byte by byte: "b" < "b\t" < "b " (a PAD SPACE collation puts "b\t" first),
	// and keyset paging steps through them one by one.
	for i, name := range []string{"b ", "b\t", "b"} {
		c.Set(t0.Add(time.Duration(10+i) * time.Second))
		mustCreateImage(t, db, &glimpse.Image{Name: ptr(name)})
	}
	f := glimpse.ImageFilter{Sort: []glimpse.SortKey{{Field: "name"}}, Limit: 1}
	var order []string
	for {
		page, err := db.FindImages(ctx, f)
		must(t, err)
		if len(page) == 0 {
			break
		}
		order = append(order, *page[0].Name)
		f.Marker = page[0].ID
	}
	if want := []string{"a", "a ", "b", "b\t", "b "}; !slices.Equal(order, want) {
		t.Errorf("paged by name: %q, want %q", order, want)
	}

	// Identity names.
	for _, name := range []string{"d", "d "} {
		must(t, db.CreateDomain(ctx, &glimpse.Domain{ID: "id-" + name, Name: name, Enabled: true}))
	}
	if d, err := db.FindDomainByName(ctx, "d "); err != nil || d.ID != "id-d " {
		t.Errorf("FindDomainByName(d ) = %+v, %v", d, err)
	}
	for _, name := range []string{"u", "u "} {
		must(t, db.CreateUser(ctx, &glimpse.User{ID: "id-" + name, Name: name, DomainID: "id-d"}))
		must(t, db.CreateProject(ctx, &glimpse.Project{ID: "pid-" + name, Name: name, DomainID: "id-d"}))
		must(t, db.CreateRole(ctx, &glimpse.Role{ID: "rid-" + name, Name: name}))
	}
	if u, err := db.FindUserByName(ctx, "id-d", "u "); err != nil || u.ID != "id-u " {
		t.Errorf("FindUserByName(u ) = %+v, %v", u, err)
	}
	if p, err := db.FindProjectByName(ctx, "id-d", "u "); err != nil || p.ID != "pid-u " {
		t.Errorf("FindProjectByName(u ) = %+v, %v", p, err)
	}
	if r, err := db.FindRoleByName(ctx, "u "); err != nil || r.ID != "rid-u " {
		t.Errorf("FindRoleByName(u ) = %+v, %v", r, err)
	}
}

// unstorable are strings PostgreSQL cannot hold (a NUL byte, invalid UTF-8); MySQL cannot
// hold invalid UTF-8. SQLite holds them all.
var unstorable = []string{"a\x00b", "\x00", "a\xffb", "\xc3"}

// notInternal fails the test when err is an internal error (an HTTP 500).
func notInternal(t *testing.T, what string, err error) {
	t.Helper()
	if code := glimpse.ErrorCode(err); code != "" && code != glimpse.EINVALID {
		t.Errorf("%s: %v (code %q), want success or %q", what, err, code, glimpse.EINVALID)
	}
}

// testUnstorableStrings checks that a string the database cannot hold is never an internal
// error: a lookup finds nothing, as it would on SQLite, and a write or a filter on it is
// stored (SQLite) or refused as invalid.
func testUnstorableStrings(t *testing.T, open opener) {
	db := open(t)
	must(t, db.CreateDomain(ctx, &glimpse.Domain{ID: "default", Name: "Default", Enabled: true}))
	must(t, db.CreateUser(ctx, &glimpse.User{ID: "u1", Name: "a", DomainID: "default"}))
	must(t, db.CreateProject(ctx, &glimpse.Project{ID: "p1", Name: "a", DomainID: "default"}))
	img := mustCreateImage(t, db, &glimpse.Image{Name: ptr("a"), Tags: []string{"a"}, Properties: map[string]string{"a": "a"},
		Visibility: glimpse.ImageVisibilityShared})
	must(t, db.CreateMember(ctx, &glimpse.Member{ImageID: img.ID, MemberID: "a"}))

	for _, s := range unstorable {
		// Lookups: nothing is found.
		_, err := db.FindImageByID(ctx, s)
		wantError(t, err, glimpse.ENOTFOUND, "No image found with ID "+s)
		_, err = db.UpdateImage(ctx, s, func(*glimpse.Image) error { return nil })
		wantCode(t, err, glimpse.ENOTFOUND)
		_, err = db.FindMember(ctx, img.ID, s)
		wantCode(t, err, glimpse.ENOTFOUND)
		_, err = db.FindMembers(ctx, s)
		wantCode(t, err, glimpse.ENOTFOUND)
		_, err = db.FindImages(ctx, glimpse.ImageFilter{Marker: s})
		wantError(t, err, glimpse.EINVALID, "No image found with ID "+s)
		_, err = db.FindImages(ctx, glimpse.ImageFilter{Marker: s, Viewer: &glimpse.Viewer{Admin: true}})
		wantError(t, err, glimpse.EINVALID, "No image found with ID "+s)
		_, err = db.FindDomainByName(ctx, s)
		wantCode(t, err, glimpse.ENOTFOUND)
		_, err = db.FindUserByName(ctx, "default", s)
		wantCode(t, err, glimpse.ENOTFOUND)
		_, err = db.FindUserByID(ctx, s)
		wantCode(t, err, glimpse.ENOTFOUND)
		_, err = db.FindProjectByName(ctx, "default", s)
		wantCode(t, err, glimpse.ENOTFOUND)
		_, err = db.FindTaskByID(ctx, s)
		wantCode(t, err, glimpse.ENOTFOUND)
		_, err = db.UpdateTask(ctx, s, func(*glimpse.Task) error { return nil })
		wantCode(t, err, glimpse.ENOTFOUND)
		_, err = db.FindNamespace(ctx, s)
		wantCode(t, err, glimpse.ENOTFOUND)

		// Filters: nothing matches (the image named "a" least of all), or the value is refused.
		for _, f := range []glimpse.ImageFilter{
			{Conditions: []glimpse.Condition{{Field: "name", Op: glimpse.OpEq, Values: []string{s}}}},
			{Conditions: []glimpse.Condition{{Field: "name", Op: glimpse.OpIn, Values: []string{s, "zz"}}}},
			{Conditions: []glimpse.Condition{{Field: "owner", Op: glimpse.OpEq, Values: []string{s}}}},
			{Tags: []string{s}},
			{Properties: []glimpse.Condition{{Field: "a", Op: glimpse.OpEq, Values: []string{s}}}},
			{Properties: []glimpse.Condition{{Field: s, Op: glimpse.OpEq, Values: []string{"a"}}}},
			{Viewer: &glimpse.Viewer{ProjectID: s}},
		} {
			imgs, err := db.FindImages(ctx, f)
			notInternal(t, "FindImages", err)
			if len(imgs) != 0 {
				t.Errorf("%+v matched %q", f, ids(imgs))
			}
		}

		// Writes: stored or refused.
		wantCode(t, db.DeleteImage(ctx, s), glimpse.ENOTFOUND)
		if u, err := db.ImageUsage(ctx, s); err != nil || *u != (glimpse.ImageUsage{}) {
			t.Errorf("ImageUsage = %+v, %v", u, err)
		}
		notInternal(t, "CreateImage name", db.CreateImage(ctx, &glimpse.Image{Name: ptr(s)}))
		notInternal(t, "CreateImage tag", db.CreateImage(ctx, &glimpse.Image{Tags: []string{s}}))
		notInternal(t, "CreateImage property name", db.CreateImage(ctx, &glimpse.Image{Properties: map[string]string{s: "v"}}))
		notInternal(t, "CreateImage property value", db.CreateImage(ctx, &glimpse.Image{Properties: map[string]string{"k": s}}))
		_, err = db.UpdateImage(ctx, img.ID, func(u *glimpse.Image) error {
			u.Name = ptr(s)
			return nil
		})
		notInternal(t, "UpdateImage", err)
		notInternal(t, "CreateMember", db.CreateMember(ctx, &glimpse.Member{ImageID: img.ID, MemberID: s}))
		notInternal(t, "CreateDomain", db.CreateDomain(ctx, &glimpse.Domain{Name: s}))
		notInternal(t, "CreateUser", db.CreateUser(ctx, &glimpse.User{Name: s, DomainID: "default"}))
	}
}
