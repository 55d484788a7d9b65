package sqlstore

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/glimpse-image/glimpse"
)

// names returns the names of imgs ("<nil>" for a null name), sorted.
func names(imgs []*glimpse.Image) []string {
	out := make([]string, len(imgs))
	for i, img := range imgs {
		out[i] = "<nil>"
		if img.Name != nil {
			out[i] = *img.Name
		}
	}
	slices.Sort(out)
	return out
}

func findNames(t *testing.T, db *DB, f glimpse.ImageFilter) []string {
	t.Helper()
	imgs, err := db.FindImages(ctx, f)
	must(t, err)
	return names(imgs)
}

func split(s string) []string {
	if s == "" {
		return []string{}
	}
	out := strings.Fields(s)
	slices.Sort(out)
	return out
}

func testFindImagesOps(t *testing.T, open opener) {
	db := open(t)
	c := useClock(db, t0)
	mk := func(name string, size *int64, disk string, protected bool, minRAM int, status string) {
		img := &glimpse.Image{Name: ptr(name), Size: size, Protected: protected, MinRAM: minRAM, Status: status,
			Visibility: glimpse.ImageVisibilityPublic, Owner: "p-" + name}
		if disk != "" {
			img.DiskFormat = ptr(disk)
		}
		mustCreateImage(t, db, img)
		c.Set(c.Now().Add(time.Second))
	}
	mk("a", ptr(int64(10)), "raw", false, 0, glimpse.ImageStatusActive)               // created t0
	mk("b", ptr(int64(20)), "qcow2", true, 128, glimpse.ImageStatusQueued)            // t0+1s
	mk("c", ptr(int64(30)), "raw", false, 256, glimpse.ImageStatusActive)             // t0+2s
	mk("d", nil, "", false, 512, glimpse.ImageStatusQueued)                           // t0+3s
	mustCreateImage(t, db, &glimpse.Image{Visibility: glimpse.ImageVisibilityPublic}) // no name, t0+4s

	at := func(d time.Duration) string { return t0.Add(d).UTC().Format(time.RFC3339Nano) }
	cases := []struct {
		field, op string
		values    []string
		want      string
	}{
		{"name", glimpse.OpEq, []string{"b"}, "b"},
		{"name", glimpse.OpNeq, []string{"b"}, "a c d"}, // NULL names never match a comparison
		{"name", glimpse.OpIn, []string{"a", "c", "zz"}, "a c"},
		{"name", glimpse.OpGt, []string{"b"}, "c d"},
		{"name", glimpse.OpLte, []string{"b"}, "a b"},
		{"size", glimpse.OpEq, []string{"20"}, "b"},
		{"size", glimpse.OpNeq, []string{"20"}, "a c"},
		{"size", glimpse.OpGt, []string{"10"}, "b c"},
		{"size", glimpse.OpGte, []string{"10"}, "a b c"},
		{"size", glimpse.OpLt, []string{"30"}, "a b"},
		{"size", glimpse.OpLte, []string{"20"}, "a b"},
		{"size", glimpse.OpIn, []string{"10", "30"}, "a c"},
		{"size", glimpse.OpGte, []string{"9"}, "a b c"}, // numeric, not text, comparison
		{"disk_format", glimpse.OpIn, []string{"raw", "vhd"}, "a c"},
		{"disk_format", glimpse.OpEq, []string{"qcow2"}, "b"},
		{"status", glimpse.OpEq, []string{"queued"}, "<nil> b d"},
		{"status", glimpse.OpNeq, []string{"queued"}, "a c"},
		{"protected", glimpse.OpEq, []string{"true"}, "b"},
		{"protected", glimpse.OpEq, []string{"False"}, "<nil> a c d"},
		{"min_ram", glimpse.OpGte, []string{"256"}, "c d"},
		{"min_ram", glimpse.OpLt, []string{"128"}, "<nil> a"},
		{"owner", glimpse.OpEq, []string{"p-c"}, "c"},
		{"visibility", glimpse.OpEq, []string{"public"}, "<nil> a b c d"},
		{"created_at", glimpse.OpGt, []string{at(time.Second)}, "<nil> c d"},
		{"created_at", glimpse.OpGte, []string{at(time.Second)}, "<nil> b c d"},
		{"created_at", glimpse.OpLt, []string{at(time.Second)}, "a"},
		{"created_at", glimpse.OpLte, []string{"2026-03-04T05:06:08.123456+01:00"}, "a b"}, // other zone, same instant as t0+1s
		{"created_at", glimpse.OpEq, []string{at(2 * time.Second)}, "c"},
		{"updated_at", glimpse.OpNeq, []string{at(2 * time.Second)}, "<nil> a b d"},
		{"updated_at", glimpse.OpLt, []string{"2026-03-04T04:06:08Z"}, "a"},
	}
	for _, tc := range cases {
		got := findNames(t, db, glimpse.ImageFilter{Conditions: []glimpse.Condition{{Field: tc.field, Op: tc.op, Values: tc.values}}})
		if !slices.Equal(got, split(tc.want)) {
			t.Errorf("%s %s %q: got %q, want %q", tc.field, tc.op, tc.values, got, split(tc.want))
		}
	}
	// Conditions combine with AND.
	got := findNames(t, db, glimpse.ImageFilter{Conditions: []glimpse.Condition{
		{Field: "size", Op: glimpse.OpGte, Values: []string{"10"}},
		{Field: "size", Op: glimpse.OpLte, Values: []string{"20"}},
		{Field: "disk_format", Op: glimpse.OpEq, Values: []string{"raw"}},
	}})
	if !slices.Equal(got, []string{"a"}) {
		t.Errorf("size 10..20 and raw: got %q, want [a]", got)
	}
	// Limit.
	imgs, err := db.FindImages(ctx, glimpse.ImageFilter{Limit: 2})
	must(t, err)
	if len(imgs) != 2 {
		t.Errorf("Limit 2 returned %d images", len(imgs))
	}
}

func testFindImagesInvalid(t *testing.T, open opener) {
	db := open(t)
	mustCreateImage(t, db, &glimpse.Image{})
	for _, f := range []glimpse.ImageFilter{
		{Conditions: []glimpse.Condition{{Field: "nosuch", Op: glimpse.OpEq, Values: []string{"x"}}}},
		{Conditions: []glimpse.Condition{{Field: "name", Op: "like", Values: []string{"x"}}}},
		{Conditions: []glimpse.Condition{{Field: "name", Op: glimpse.OpEq, Values: []string{"x", "y"}}}},
		{Conditions: []glimpse.Condition{{Field: "name", Op: glimpse.OpIn}}},
		{Conditions: []glimpse.Condition{{Field: "size", Op: glimpse.OpGt, Values: []string{"ten"}}}},
		{Conditions: []glimpse.Condition{{Field: "protected", Op: glimpse.OpEq, Values: []string{"maybe"}}}},
		{Conditions: []glimpse.Condition{{Field: "created_at", Op: glimpse.OpGt, Values: []string{"yesterday"}}}},
		{Properties: []glimpse.Condition{{Field: "k", Op: "like", Values: []string{"x"}}}},
		{Sort: []glimpse.SortKey{{Field: "nosuch"}}},
		{Visibility: "secret"},
		{MemberStatus: "maybe"},
		{Limit: -1},
		{Marker: "no-such-image"},
	} {
		_, err := db.FindImages(ctx, f)
		wantCode(t, err, glimpse.EINVALID)
	}
}

func testFindImagesTagsProperties(t *testing.T, open opener) {
	db := open(t)
	mk := func(name string, tags []string, props map[string]string) {
		mustCreateImage(t, db, &glimpse.Image{Name: ptr(name), Tags: tags, Properties: props})
	}
	mk("a", []string{"x", "y"}, map[string]string{"os": "linux", "arch": "x86_64"})
	mk("b", []string{"y"}, map[string]string{"os": "windows"})
	mk("c", []string{"x", "y", "z"}, map[string]string{"arch": "aarch64"})
	mk("d", nil, nil)
	cases := []struct {
		tags  []string
		props []glimpse.Condition
		want  string
	}{
		{[]string{"x"}, nil, "a c"},
		{[]string{"x", "y"}, nil, "a c"},
		{[]string{"x", "z"}, nil, "c"},
		{[]string{"y"}, nil, "a b c"},
		{[]string{"nope"}, nil, ""},
		{nil, []glimpse.Condition{{Field: "os", Op: glimpse.OpEq, Values: []string{"linux"}}}, "a"},
		{nil, []glimpse.Condition{{Field: "os", Op: glimpse.OpIn, Values: []string{"linux", "windows"}}}, "a b"},
		{nil, []glimpse.Condition{{Field: "os", Op: glimpse.OpNeq, Values: []string{"linux"}}}, "b"},
		{nil, []glimpse.Condition{{Field: "os", Op: glimpse.OpEq, Values: []string{"x86_64"}}}, ""}, // name and value match together
		{nil, []glimpse.Condition{{Field: "os", Op: glimpse.OpEq, Values: []string{"linux"}}, {Field: "arch", Op: glimpse.OpEq, Values: []string{"x86_64"}}}, "a"},
		{[]string{"x"}, []glimpse.Condition{{Field: "arch", Op: glimpse.OpEq, Values: []string{"aarch64"}}}, "c"},
	}
	for _, tc := range cases {
		got := findNames(t, db, glimpse.ImageFilter{Tags: tc.tags, Properties: tc.props})
		if !slices.Equal(got, split(tc.want)) {
			t.Errorf("tags %q props %+v: got %q, want %q", tc.tags, tc.props, got, split(tc.want))
		}
	}
}

// testFindImagesVisibility checks the listing scope against what Glance 25 answered for
// the same set of images (admin, demo = A, alt_demo = B; see images_find.go).
func testFindImagesVisibility(t *testing.T, open opener) {
	db := open(t)
	const A, B, C, ADM = "proj-a", "proj-b", "proj-c", "proj-admin"
	mk := func(name, owner, vis string, memberStatus string) {
		img := mustCreateImage(t, db, &glimpse.Image{Name: ptr(name), Owner: owner, Visibility: vis})
		if memberStatus != "" {
			must(t, db.CreateMember(ctx, &glimpse.Member{ImageID: img.ID, MemberID: B, Status: memberStatus}))
		}
	}
	mk("a-priv", A, "private", "")
	mk("a-comm", A, "community", "")
	mk("a-sh-pend", A, "shared", "pending")
	mk("a-sh-acc", A, "shared", "accepted")
	mk("a-sh-rej", A, "shared", "rejected")
	mk("a-sh-none", A, "shared", "")
	mk("b-comm", B, "community", "")
	mk("b-priv", B, "private", "")
	mk("adm-priv", ADM, "private", "")
	mk("adm-comm", ADM, "community", "")
	mk("adm-pub", ADM, "public", "")
	mk("noowner-priv", "", "private", "")
	// An accepted membership of a private image does not show it (Glance: shared only).
	priv, err := db.FindImages(ctx, glimpse.ImageFilter{Conditions: []glimpse.Condition{{Field: "name", Op: glimpse.OpEq, Values: []string{"a-priv"}}}})
	must(t, err)
	must(t, db.CreateMember(ctx, &glimpse.Member{ImageID: priv[0].ID, MemberID: B, Status: "accepted"}))

	admin := &glimpse.Viewer{ProjectID: ADM, Admin: true}
	a := &glimpse.Viewer{ProjectID: A}
	b := &glimpse.Viewer{ProjectID: B}
	c := &glimpse.Viewer{ProjectID: C}
	const aShared = "a-sh-acc a-sh-none a-sh-pend a-sh-rej"
	const allPrivate = "a-priv adm-priv b-priv noowner-priv"
	const allComm = "a-comm adm-comm b-comm"
	cases := []struct {
		who        string
		v          *glimpse.Viewer
		visibility string
		status     string
		want       string
	}{
		{"admin", admin, "", "", "adm-comm adm-pub " + allPrivate + " " + aShared},
		{"admin", admin, "all", "", allComm + " adm-pub " + allPrivate + " " + aShared},
		{"admin", admin, "shared", "", aShared},
		{"admin", admin, "community", "", allComm},
		{"admin", admin, "private", "", allPrivate},
		{"admin", admin, "public", "", "adm-pub"},
		{"admin", admin, "", "pending", "adm-comm adm-pub " + allPrivate + " " + aShared},
		{"admin", admin, "", "all", "adm-comm adm-pub " + allPrivate + " " + aShared},
		{"owner", a, "", "", "a-comm a-priv adm-pub " + aShared},
		{"owner", a, "all", "", allComm + " a-priv adm-pub " + aShared},
		{"owner", a, "shared", "", aShared},
		{"owner", a, "community", "", allComm},
		{"owner", a, "private", "", "a-priv"},
		{"owner", a, "public", "", "adm-pub"},
		{"owner", a, "", "pending", "a-comm a-priv adm-pub " + aShared},
		{"owner", a, "", "rejected", "a-comm a-priv adm-pub " + aShared},
		{"owner", a, "", "all", "a-comm a-priv adm-pub " + aShared},
		{"owner", a, "all", "all", allComm + " a-priv adm-pub " + aShared},
		{"member", b, "", "", "a-sh-acc adm-pub b-comm b-priv"},
		{"member", b, "all", "", allComm + " a-sh-acc adm-pub b-priv"},
		{"member", b, "shared", "", "a-sh-acc"},
		{"member", b, "community", "", allComm},
		{"member", b, "private", "", "b-priv"},
		{"member", b, "public", "", "adm-pub"},
		{"member", b, "", "pending", "a-sh-pend adm-pub b-comm b-priv"},
		{"member", b, "", "accepted", "a-sh-acc adm-pub b-comm b-priv"},
		{"member", b, "", "rejected", "a-sh-rej adm-pub b-comm b-priv"},
		{"member", b, "", "all", "a-sh-acc a-sh-pend a-sh-rej adm-pub b-comm b-priv"},
		{"member", b, "shared", "all", "a-sh-acc a-sh-pend a-sh-rej"},
		{"member", b, "all", "all", allComm + " a-sh-acc a-sh-pend a-sh-rej adm-pub b-priv"},
		{"other", c, "", "", "adm-pub"},
		{"other", c, "all", "all", allComm + " adm-pub"},
		{"other", c, "shared", "all", ""},
		{"other", c, "private", "", ""},
		{"unscoped", &glimpse.Viewer{}, "", "", "adm-pub"},
		{"unscoped", &glimpse.Viewer{}, "all", "", allComm + " adm-pub"},
		{"internal", nil, "", "", allComm + " adm-pub " + allPrivate + " " + aShared},
		{"internal", nil, "community", "", allComm},
	}
	for _, tc := range cases {
		got := findNames(t, db, glimpse.ImageFilter{Viewer: tc.v, Visibility: tc.visibility, MemberStatus: tc.status})
		if want := split(tc.want); !slices.Equal(got, want) {
			t.Errorf("%s visibility=%q member_status=%q:\n got %q\nwant %q", tc.who, tc.visibility, tc.status, got, want)
		}
	}
}

func testFindImagesMarker(t *testing.T, open opener) {
	db := open(t)
	c := useClock(db, t0)
	var all []*glimpse.Image
	for i, vis := range []string{"public", "private", "public", "shared", "public"} {
		c.Set(t0.Add(time.Duration(i) * time.Second))
		all = append(all, mustCreateImage(t, db, &glimpse.Image{Name: ptr(fmt.Sprint(i)), Owner: "owner", Visibility: vis}))
	}
	must(t, db.CreateMember(ctx, &glimpse.Member{ImageID: all[3].ID, MemberID: "member", Status: "pending"}))
	other := &glimpse.Viewer{ProjectID: "other"}

	// Default order is created_at desc: 4 3 2 1 0; "other" sees 4 2 0.
	page, err := db.FindImages(ctx, glimpse.ImageFilter{Viewer: other, Marker: all[4].ID})
	must(t, err)
	if got := ids(page); !slices.Equal(got, []string{all[2].ID, all[0].ID}) {
		t.Errorf("after marker 4: %q", got)
	}
	// A marker on an image the viewer cannot see is refused, whatever the other filters.
	for _, m := range []string{all[1].ID, all[3].ID} {
		_, err = db.FindImages(ctx, glimpse.ImageFilter{Viewer: other, Marker: m})
		wantError(t, err, glimpse.EINVALID, "No image found with ID "+m)
	}
	// A member sees the shared image whatever its status, so it may page from it.
	page, err = db.FindImages(ctx, glimpse.ImageFilter{Viewer: &glimpse.Viewer{ProjectID: "member"}, Marker: all[3].ID})
	must(t, err)
	if got := ids(page); !slices.Equal(got, []string{all[2].ID, all[0].ID}) {
		t.Errorf("member after marker 3: %q", got)
	}
	// The owner and an admin may use the private image as a marker.
	for _, v := range []*glimpse.Viewer{{ProjectID: "owner"}, {ProjectID: "x", Admin: true}, nil} {
		page, err = db.FindImages(ctx, glimpse.ImageFilter{Viewer: v, Marker: all[1].ID})
		must(t, err)
		if got := ids(page); !slices.Equal(got, []string{all[0].ID}) {
			t.Errorf("%+v after marker 1: %q", v, got)
		}
	}
	// A marker need not match the other filters.
	page, err = db.FindImages(ctx, glimpse.ImageFilter{Marker: all[3].ID, Visibility: "public"})
	must(t, err)
	if got := ids(page); !slices.Equal(got, []string{all[2].ID, all[0].ID}) {
		t.Errorf("public after marker 3: %q", got)
	}
	// Deleted and unknown markers are refused.
	must(t, db.DeleteImage(ctx, all[2].ID))
	_, err = db.FindImages(ctx, glimpse.ImageFilter{Marker: all[2].ID})
	wantError(t, err, glimpse.EINVALID, "No image found with ID "+all[2].ID)
}

// compareImages orders a and b by keys (then created_at desc, id desc) with NULLs before
// every value, independently of the SQL.
func compareImages(a, b *glimpse.Image, keys []glimpse.SortKey) int {
	keys = append(slices.Clone(keys), glimpse.SortKey{Field: "created_at", Desc: true}, glimpse.SortKey{Field: "id", Desc: true})
	for _, k := range keys {
		var c int
		switch k.Field {
		case "name":
			c = cmpNullable(a.Name, b.Name)
		case "size":
			c = cmpNullable(a.Size, b.Size)
		case "disk_format":
			c = cmpNullable(a.DiskFormat, b.DiskFormat)
		case "status":
			c = cmp.Compare(a.Status, b.Status)
		case "min_ram":
			c = cmp.Compare(a.MinRAM, b.MinRAM)
		case "protected":
			c = cmp.Compare(boolInt(a.Protected), boolInt(b.Protected))
		case "created_at":
			c = a.CreatedAt.Compare(b.CreatedAt)
		case "updated_at":
			c = a.UpdatedAt.Compare(b.UpdatedAt)
		case "id":
			c = cmp.Compare(a.ID, b.ID)
		default:
			panic("compareImages: " + k.Field)
		}
		if k.Desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func cmpNullable[T cmp.Ordered](a, b *T) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return cmp.Compare(*a, *b)
}

func testFindImagesKeysetPaging(t *testing.T, open opener) {
	db := open(t)
	c := useClock(db, t0)
	strs := []*string{nil, ptr("alpha"), ptr("beta"), nil, ptr("alpha"), ptr(""), ptr("gamma"), nil, ptr("beta"), ptr("Zulu")}
	sizes := []*int64{nil, ptr(int64(5)), nil, ptr(int64(5)), ptr(int64(0)), ptr(int64(100)), nil, ptr(int64(7)), ptr(int64(5)), nil}
	disks := []*string{ptr("raw"), nil, ptr("qcow2"), ptr("raw"), nil, nil, ptr("raw"), ptr("iso"), nil, ptr("qcow2")}
	for i := range 30 {
		// Several images share a creation time, so the id tie-breaker matters.
		c.Set(t0.Add(time.Duration(i/3) * time.Second))
		mustCreateImage(t, db, &glimpse.Image{
			Name: strs[i%len(strs)], Size: sizes[(i*7)%len(sizes)], DiskFormat: disks[(i*3)%len(disks)],
			Status: []string{"active", "queued", "killed"}[i%3], MinRAM: i % 4, Protected: i%5 == 0,
			Visibility: glimpse.ImageVisibilityPublic,
		})
	}
	asc := func(f string) glimpse.SortKey { return glimpse.SortKey{Field: f} }
	desc := func(f string) glimpse.SortKey { return glimpse.SortKey{Field: f, Desc: true} }
	sorts := [][]glimpse.SortKey{
		nil,
		{asc("name")},
		{desc("name")},
		{asc("size"), desc("name")},
		{desc("size"), asc("name")},
		{asc("disk_format"), asc("size"), asc("name")},
		{desc("disk_format"), desc("size"), desc("name")},
		{asc("status"), desc("disk_format")},
		{desc("min_ram"), asc("protected"), desc("size")},
		{asc("created_at")},
		{asc("id")},
		{desc("name"), asc("created_at"), asc("id")},
		{asc("updated_at"), desc("name")},
	}
	for _, keys := range sorts {
		full, err := db.FindImages(ctx, glimpse.ImageFilter{Sort: keys})
		must(t, err)
		if len(full) != 30 {
			t.Fatalf("sort %v: %d images, want 30", keys, len(full))
		}
		for i := 1; i < len(full); i++ {
			if compareImages(full[i-1], full[i], keys) >= 0 {
				t.Fatalf("sort %v: images %d and %d out of order: %+v, %+v", keys, i-1, i, full[i-1], full[i])
			}
		}
		for _, limit := range []int{1, 4} {
			var walked []string
			marker := ""
			for range 40 {
				page, err := db.FindImages(ctx, glimpse.ImageFilter{Sort: keys, Limit: limit, Marker: marker})
				must(t, err)
				if len(page) > limit {
					t.Fatalf("sort %v: page of %d > limit %d", keys, len(page), limit)
				}
				if len(page) == 0 {
					break
				}
				walked = append(walked, ids(page)...)
				marker = page[len(page)-1].ID
			}
			if !slices.Equal(walked, ids(full)) {
				t.Errorf("sort %v limit %d: paging visited\n%q\nfull list is\n%q", keys, limit, walked, ids(full))
			}
		}
	}
}

// testFindImagesDeletedMarker pages from a deleted image: an admin may, as in Glance (whose
// marker lookup sees deleted rows when context.can_see_deleted), and continues after it;
// anyone else is refused.
func testFindImagesDeletedMarker(t *testing.T, open opener) {
	db := open(t)
	c := useClock(db, t0)
	var all []*glimpse.Image
	for i, name := range []string{"a", "b", "c", "d"} {
		c.Set(t0.Add(time.Duration(i) * time.Second))
		all = append(all, mustCreateImage(t, db, &glimpse.Image{Name: ptr(name), Owner: "owner",
			Visibility: glimpse.ImageVisibilityPublic}))
	}
	must(t, db.DeleteImage(ctx, all[2].ID))
	admin := &glimpse.Viewer{ProjectID: "admin-project", Admin: true}
	for _, tc := range []struct {
		f    glimpse.ImageFilter
		want []string
	}{
		{glimpse.ImageFilter{Viewer: admin, Marker: all[2].ID}, []string{all[1].ID, all[0].ID}},
		{glimpse.ImageFilter{Viewer: admin, Marker: all[2].ID, Limit: 1}, []string{all[1].ID}},
		{glimpse.ImageFilter{Viewer: admin, Marker: all[2].ID, Sort: []glimpse.SortKey{{Field: "name"}}}, []string{all[3].ID}},
		{glimpse.ImageFilter{Viewer: admin, Marker: all[2].ID, Visibility: "all",
			Conditions: []glimpse.Condition{{Field: "name", Op: glimpse.OpNeq, Values: []string{"a"}}}}, []string{all[1].ID}},
	} {
		page, err := db.FindImages(ctx, tc.f)
		must(t, err)
		if got := ids(page); !slices.Equal(got, tc.want) {
			t.Errorf("%+v: %q, want %q", tc.f, got, tc.want)
		}
	}
	for _, v := range []*glimpse.Viewer{{ProjectID: "owner"}, {ProjectID: "other"}, nil} {
		_, err := db.FindImages(ctx, glimpse.ImageFilter{Viewer: v, Marker: all[2].ID})
		wantError(t, err, glimpse.EINVALID, "No image found with ID "+all[2].ID)
	}
}
