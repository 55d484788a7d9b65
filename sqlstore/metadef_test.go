package sqlstore

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/glimpse-image/glimpse"
	"github.com/glimpse-image/glimpse/sqlstore/sqltest"
)

// runMetadefSuite runs the metadata definitions tests against databases from open.
func runMetadefSuite(t *testing.T, open opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, opener)
	}{
		{"NamespaceRoundTrip", testMetadefNamespaceRoundTrip},
		{"NamespaceListing", testMetadefNamespaceListing},
		{"NamespaceUpdateDelete", testMetadefNamespaceUpdateDelete},
		{"ObjectsProperties", testMetadefObjectsProperties},
		{"Tags", testMetadefTags},
		{"Associations", testMetadefAssociations},
		{"Seed", testMetadefSeed},
		{"TrailingSpaces", testMetadefTrailingSpaces},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open) })
	}
}

func TestMetadefSQLite(t *testing.T) {
	runMetadefSuite(t, func(t *testing.T) *DB {
		t.Helper()
		return openTestDB(t, "sqlite://"+filepath.Join(t.TempDir(), "glimpse.db"))
	})
}

func TestMetadefPostgres(t *testing.T) {
	sqltest.ServerDSN(t, sqltest.PostgresEnv)
	runMetadefSuite(t, func(t *testing.T) *DB {
		t.Helper()
		return openTestDB(t, sqltest.NewDatabase(t, sqltest.PostgresEnv))
	})
}

func TestMetadefMySQL(t *testing.T) {
	sqltest.ServerDSN(t, sqltest.MySQLEnv)
	runMetadefSuite(t, func(t *testing.T) *DB {
		t.Helper()
		return openTestDB(t, sqltest.NewDatabase(t, sqltest.MySQLEnv))
	})
}

func wantMetadefErr(t *testing.T, err error, code, message string) {
	t.Helper()
	if glimpse.ErrorCode(err) != code {
		t.Fatalf("error %v: code %q, want %q", err, glimpse.ErrorCode(err), code)
	}
	if message != "" && glimpse.ErrorMessage(err) != message {
		t.Fatalf("message %q, want %q", glimpse.ErrorMessage(err), message)
	}
}

func mustMetadef(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func testMetadefNamespaceRoundTrip(t *testing.T, open opener) {
	db, ctx := open(t), context.Background()
	ns := &glimpse.MetadefNamespace{Namespace: "OS::Test", DisplayName: "Test", Visibility: "public", Protected: true, Owner: "p1",
		Associations: []glimpse.MetadefAssociation{{Name: "OS::Glance::Image", Prefix: "hw_"}, {Name: "OS::Nova::Flavor", PropertiesTarget: "flavor"}}}
	contents := &glimpse.MetadefContents{
		Properties: []*glimpse.MetadefProperty{{Name: "zeta", Schema: json.RawMessage(`{"type": "string", "title": "Z"}`)}, {Name: "alpha", Schema: json.RawMessage(`{"type":"integer","title":"A"}`)}},
		Objects: []*glimpse.MetadefObject{{Name: "obj", Required: []string{"b"},
			Properties: []glimpse.MetadefProperty{{Name: "b", Schema: json.RawMessage(`{"type":"string","title":"B"}`)}, {Name: "a", Schema: json.RawMessage(`{"type":"string","title":"A"}`)}}}},
		Tags: []*glimpse.MetadefTag{{Name: "t1"}, {Name: "t2"}},
	}
	mustMetadef(t, db.CreateNamespace(ctx, ns, contents))
	if ns.CreatedAt.IsZero() || ns.UpdatedAt == nil {
		t.Fatalf("times not set: %+v", ns)
	}
	got, err := db.FindNamespace(ctx, "OS::Test")
	mustMetadef(t, err)
	if got.DisplayName != "Test" || got.Description != "" || !got.Protected || got.Owner != "p1" || len(got.Associations) != 2 ||
		got.Associations[0].Prefix != "hw_" || got.Associations[1].PropertiesTarget != "flavor" || got.Associations[1].Prefix != "" {
		t.Fatalf("namespace %+v", got)
	}
	props, err := db.FindProperties(ctx, "OS::Test")
	mustMetadef(t, err)
	if len(props) != 2 || props[1].Name != "zeta" || string(props[1].Schema) != `{"type":"string","title":"Z"}` || props[0].Name != "alpha" {
		t.Fatalf("properties %+v", props)
	}
	objs, err := db.FindObjects(ctx, "OS::Test")
	mustMetadef(t, err)
	if len(objs) != 1 || !slices.Equal(objs[0].Required, []string{"b"}) || len(objs[0].Properties) != 2 || objs[0].Properties[0].Name != "b" {
		t.Fatalf("objects %+v", objs)
	}
	err = db.CreateNamespace(ctx, &glimpse.MetadefNamespace{Namespace: "OS::Test", Visibility: "public", Owner: "p2"}, nil)
	wantMetadefErr(t, err, glimpse.ECONFLICT, "The metadata definition namespace=OS::Test already exists.")
	_, err = db.FindNamespace(ctx, "nope")
	wantMetadefErr(t, err, glimpse.ENOTFOUND, "Metadata definition namespace=nope was not found.")

	// A failing content rolls the whole namespace back.
	err = db.CreateNamespace(ctx, &glimpse.MetadefNamespace{Namespace: "dup", Visibility: "public", Owner: "p"},
		&glimpse.MetadefContents{Tags: []*glimpse.MetadefTag{{Name: "x"}, {Name: "x"}}})
	wantMetadefErr(t, err, glimpse.ECONFLICT, "")
	_, err = db.FindNamespace(ctx, "dup")
	wantMetadefErr(t, err, glimpse.ENOTFOUND, "")
}

func testMetadefNamespaceListing(t *testing.T, open opener) {
	db, ctx := open(t), context.Background()
	for _, n := range []struct{ name, vis, owner, rt string }{
		{"a", "public", "p1", "OS::Glance::Image"}, {"b", "private", "p1", ""}, {"c", "private", "p2", "OS::Nova::Flavor"}, {"d", "public", "p2", ""},
	} {
		ns := &glimpse.MetadefNamespace{Namespace: n.name, Visibility: n.vis, Owner: n.owner}
		if n.rt != "" {
			ns.Associations = []glimpse.MetadefAssociation{{Name: n.rt}}
		}
		mustMetadef(t, db.CreateNamespace(ctx, ns, nil))
	}
	names := func(f glimpse.MetadefNamespaceFilter) []string {
		t.Helper()
		list, err := db.FindNamespaces(ctx, f)
		mustMetadef(t, err)
		var out []string
		for _, ns := range list {
			out = append(out, ns.Namespace)
		}
		return out
	}
	check := func(got, want []string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	// Same creation time (one per test clock tick at most): created_at desc, then id desc.
	check(names(glimpse.MetadefNamespaceFilter{SortKey: "namespace"}), []string{"a", "b", "c", "d"})
	check(names(glimpse.MetadefNamespaceFilter{SortKey: "namespace", SortDesc: true}), []string{"d", "c", "b", "a"})
	check(names(glimpse.MetadefNamespaceFilter{SortKey: "namespace", Viewer: &glimpse.Viewer{ProjectID: "p1"}}), []string{"a", "b", "d"})
	check(names(glimpse.MetadefNamespaceFilter{SortKey: "namespace", Viewer: &glimpse.Viewer{}}), []string{"a", "d"})
	check(names(glimpse.MetadefNamespaceFilter{SortKey: "namespace", Viewer: &glimpse.Viewer{Admin: true}, Visibility: "private"}), []string{"b", "c"})
	check(names(glimpse.MetadefNamespaceFilter{SortKey: "namespace", ResourceTypes: []string{"OS::Nova::Flavor", "OS::Glance::Image"}}), []string{"a", "c"})
	check(names(glimpse.MetadefNamespaceFilter{SortKey: "namespace", Limit: 2, Marker: "a"}), []string{"b", "c"})
	_, err := db.FindNamespaces(ctx, glimpse.MetadefNamespaceFilter{Marker: "c", Viewer: &glimpse.Viewer{ProjectID: "p1"}})
	wantMetadefErr(t, err, glimpse.ENOTFOUND, "")
	_, err = db.FindNamespaces(ctx, glimpse.MetadefNamespaceFilter{SortKey: "bogus"})
	wantMetadefErr(t, err, glimpse.EINVALID, "")
	list, err := db.FindNamespaces(ctx, glimpse.MetadefNamespaceFilter{})
	mustMetadef(t, err)
	for _, ns := range list {
		if ns.Namespace == "a" && (len(ns.Associations) != 1 || ns.Associations[0].Name != "OS::Glance::Image") {
			t.Fatalf("associations of a: %+v", ns.Associations)
		}
	}
}

func testMetadefNamespaceUpdateDelete(t *testing.T, open opener) {
	db, ctx := open(t), context.Background()
	mustMetadef(t, db.CreateNamespace(ctx, &glimpse.MetadefNamespace{Namespace: "x", Visibility: "public", Owner: "p"},
		&glimpse.MetadefContents{Tags: []*glimpse.MetadefTag{{Name: "t"}}, Objects: []*glimpse.MetadefObject{{Name: "o"}},
			Properties: []*glimpse.MetadefProperty{{Name: "p", Schema: json.RawMessage(`{}`)}}}))
	mustMetadef(t, db.CreateNamespace(ctx, &glimpse.MetadefNamespace{Namespace: "y", Visibility: "public", Owner: "p"}, nil))
	_, err := db.UpdateNamespace(ctx, "x", func(ns *glimpse.MetadefNamespace) error { ns.Namespace = "y"; return nil })
	wantMetadefErr(t, err, glimpse.ECONFLICT, "Invalid update. It would result in a duplicate metadata definition namespace with the same name of y")
	ns, err := db.UpdateNamespace(ctx, "x", func(ns *glimpse.MetadefNamespace) error {
		ns.Namespace, ns.Visibility, ns.Description = "z", "private", "d"
		return nil
	})
	mustMetadef(t, err)
	if ns.Namespace != "z" || ns.Visibility != "private" {
		t.Fatalf("updated %+v", ns)
	}
	if tags, err := db.FindTags(ctx, "z", glimpse.MetadefTagFilter{}); err != nil || len(tags) != 1 {
		t.Fatalf("tags follow the rename: %v %v", tags, err)
	}
	mustMetadef(t, db.DeleteNamespaceContent(ctx, "z", glimpse.MetadefObjects))
	if objs, _ := db.FindObjects(ctx, "z"); len(objs) != 0 {
		t.Fatalf("objects left: %v", objs)
	}
	if props, _ := db.FindProperties(ctx, "z"); len(props) != 1 {
		t.Fatalf("properties removed too: %v", props)
	}
	mustMetadef(t, db.DeleteNamespace(ctx, "z"))
	wantMetadefErr(t, db.DeleteNamespace(ctx, "z"), glimpse.ENOTFOUND, "")
	// The name is free again, with nothing left of the old contents.
	mustMetadef(t, db.CreateNamespace(ctx, &glimpse.MetadefNamespace{Namespace: "z", Visibility: "public", Owner: "p"}, nil))
	if props, _ := db.FindProperties(ctx, "z"); len(props) != 0 {
		t.Fatalf("stale properties: %v", props)
	}
}

func testMetadefObjectsProperties(t *testing.T, open opener) {
	db, ctx := open(t), context.Background()
	mustMetadef(t, db.CreateNamespace(ctx, &glimpse.MetadefNamespace{Namespace: "n", Visibility: "public", Owner: "p"}, nil))
	o := &glimpse.MetadefObject{Name: "o1", Description: "d"}
	mustMetadef(t, db.CreateObject(ctx, "n", o))
	wantMetadefErr(t, db.CreateObject(ctx, "n", &glimpse.MetadefObject{Name: "o1"}), glimpse.ECONFLICT,
		"A metadata definition object with name=o1 already exists in namespace=n.")
	wantMetadefErr(t, db.CreateObject(ctx, "nope", &glimpse.MetadefObject{Name: "o1"}), glimpse.ENOTFOUND, "")
	mustMetadef(t, db.CreateObject(ctx, "n", &glimpse.MetadefObject{Name: "o2"}))
	upd := &glimpse.MetadefObject{Name: "o3", Required: []string{}}
	mustMetadef(t, db.UpdateObject(ctx, "n", "o1", upd))
	if upd.CreatedAt != o.CreatedAt {
		t.Fatalf("created_at changed: %v != %v", upd.CreatedAt, o.CreatedAt)
	}
	got, err := db.FindObject(ctx, "n", "o3")
	mustMetadef(t, err)
	if got.Description != "" || got.Required == nil || len(got.Required) != 0 {
		t.Fatalf("object %+v", got)
	}
	wantMetadefErr(t, db.UpdateObject(ctx, "n", "o3", &glimpse.MetadefObject{Name: "o2"}), glimpse.ECONFLICT,
		"Invalid update. It would result in a duplicate metadata definition object with the same name=o2 in namespace=n.")
	_, err = db.FindObject(ctx, "n", "o1")
	wantMetadefErr(t, err, glimpse.ENOTFOUND, "The metadata definition object with name=o1 was not found in namespace=n.")
	mustMetadef(t, db.DeleteObject(ctx, "n", "o3"))
	wantMetadefErr(t, db.DeleteObject(ctx, "n", "o3"), glimpse.ENOTFOUND, "")

	p := &glimpse.MetadefProperty{Name: "p1", Schema: json.RawMessage(`{"type": "string",  "title": "P"}`)}
	mustMetadef(t, db.CreateProperty(ctx, "n", p))
	wantMetadefErr(t, db.CreateProperty(ctx, "n", &glimpse.MetadefProperty{Name: "p1"}), glimpse.ECONFLICT,
		"A metadata definition property with name=p1 already exists in namespace=n.")
	mustMetadef(t, db.UpdateProperty(ctx, "n", "p1", &glimpse.MetadefProperty{Name: "p2", Schema: json.RawMessage(`{"type":"integer","title":"Q"}`)}))
	gp, err := db.FindProperty(ctx, "n", "p2")
	mustMetadef(t, err)
	if string(gp.Schema) != `{"type":"integer","title":"Q"}` || gp.UpdatedAt == nil {
		t.Fatalf("property %+v", gp)
	}
	_, err = db.FindProperty(ctx, "n", "p1")
	wantMetadefErr(t, err, glimpse.ENOTFOUND, "The metadata definition property with name=p1 was not found in namespace=n.")
	mustMetadef(t, db.DeleteProperty(ctx, "n", "p2"))
	wantMetadefErr(t, db.DeleteProperty(ctx, "n", "p2"), glimpse.ENOTFOUND, "")
}

func testMetadefTags(t *testing.T, open opener) {
	db, ctx := open(t), context.Background()
	mustMetadef(t, db.CreateNamespace(ctx, &glimpse.MetadefNamespace{Namespace: "n", Visibility: "public", Owner: "p"}, nil))
	_, err := db.CreateTags(ctx, "n", []string{"a", "b", "c"}, false)
	mustMetadef(t, err)
	tagNames := func(f glimpse.MetadefTagFilter) []string {
		t.Helper()
		tags, err := db.FindTags(ctx, "n", f)
		mustMetadef(t, err)
		var out []string
		for _, tg := range tags {
			out = append(out, tg.Name)
		}
		return out
	}
	if got := tagNames(glimpse.MetadefTagFilter{SortDesc: true}); !slices.Equal(got, []string{"c", "b", "a"}) {
		t.Fatalf("default order %v", got)
	}
	if got := tagNames(glimpse.MetadefTagFilter{SortKey: "name", Marker: "a", Limit: 1}); !slices.Equal(got, []string{"b"}) {
		t.Fatalf("page %v", got)
	}
	_, err = db.CreateTags(ctx, "n", []string{"d"}, true)
	mustMetadef(t, err)
	_, err = db.CreateTags(ctx, "n", []string{"e", "a"}, true)
	wantMetadefErr(t, err, glimpse.ECONFLICT, "A metadata tag with name=a already exists in namespace=n. (Please note that metadata tag names are case insensitive).")
	if got := tagNames(glimpse.MetadefTagFilter{SortKey: "name"}); !slices.Equal(got, []string{"a", "b", "c", "d"}) {
		t.Fatalf("after append %v", got)
	}
	_, err = db.CreateTags(ctx, "n", []string{"x"}, false)
	mustMetadef(t, err)
	if got := tagNames(glimpse.MetadefTagFilter{}); !slices.Equal(got, []string{"x"}) {
		t.Fatalf("after replace %v", got)
	}
	tg, err := db.RenameTag(ctx, "n", "x", "y")
	mustMetadef(t, err)
	if tg.Name != "y" {
		t.Fatalf("renamed %+v", tg)
	}
	_, err = db.FindTag(ctx, "n", "x")
	wantMetadefErr(t, err, glimpse.ENOTFOUND, "The metadata definition tag with name=x was not found in namespace=n.")
	mustMetadef(t, db.DeleteTag(ctx, "n", "y"))
	wantMetadefErr(t, db.DeleteTag(ctx, "n", "y"), glimpse.ENOTFOUND, "")
}

func testMetadefAssociations(t *testing.T, open opener) {
	db, ctx := open(t), context.Background()
	mustMetadef(t, db.CreateNamespace(ctx, &glimpse.MetadefNamespace{Namespace: "n", Visibility: "public", Owner: "p"}, nil))
	mustMetadef(t, db.CreateAssociation(ctx, "n", &glimpse.MetadefAssociation{Name: "OS::New::Type", Prefix: "x_"}))
	err := db.CreateAssociation(ctx, "n", &glimpse.MetadefAssociation{Name: "OS::New::Type"})
	wantMetadefErr(t, err, glimpse.ECONFLICT, "The metadata definition resource-type association of resource-type=OS::New::Type to namespace=n already exists.")
	types, err := db.FindResourceTypes(ctx)
	mustMetadef(t, err)
	if len(types) != 1 || types[0].Name != "OS::New::Type" || types[0].Protected {
		t.Fatalf("resource types %+v", types)
	}
	mustMetadef(t, db.DeleteAssociation(ctx, "n", "OS::New::Type"))
	wantMetadefErr(t, db.DeleteAssociation(ctx, "n", "OS::New::Type"), glimpse.ENOTFOUND, "")
	if types, _ := db.FindResourceTypes(ctx); len(types) != 1 {
		t.Fatalf("resource type removed with its association: %+v", types)
	}
	// Deleting a namespace leaves its resource types.
	mustMetadef(t, db.CreateAssociation(ctx, "n", &glimpse.MetadefAssociation{Name: "OS::New::Type"}))
	mustMetadef(t, db.DeleteNamespace(ctx, "n"))
	if types, _ := db.FindResourceTypes(ctx); len(types) != 1 {
		t.Fatalf("resource types after namespace delete: %+v", types)
	}
}

func testMetadefSeed(t *testing.T, open opener) {
	db, ctx := open(t), context.Background()
	seed := func() (bool, error) {
		types := []*glimpse.MetadefResourceType{{Name: "OS::Glance::Image", Protected: true}, {Name: "OS::Nova::Flavor", Protected: true}}
		nss := []*glimpse.MetadefSeedNamespace{{
			Namespace: &glimpse.MetadefNamespace{Namespace: "OS::Seeded", Visibility: "public", Protected: true, Owner: "admin",
				Associations: []glimpse.MetadefAssociation{{Name: "OS::Glance::Image", Prefix: "hw_"}}},
			Contents: glimpse.MetadefContents{Properties: []*glimpse.MetadefProperty{{Name: "p", Schema: json.RawMessage(`{"title":"P","type":"string"}`)}}},
		}}
		return db.SeedMetadefs(ctx, types, nss)
	}
	var wg sync.WaitGroup
	results := make([]bool, 3)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := seed()
			if err != nil {
				t.Errorf("seed: %v", err)
			}
			results[i] = ok
		}()
	}
	wg.Wait()
	if n := len(slices.DeleteFunc(slices.Clone(results), func(b bool) bool { return !b })); n != 1 {
		t.Fatalf("seeded %d times, want once: %v", n, results)
	}
	types, err := db.FindResourceTypes(ctx)
	mustMetadef(t, err)
	if len(types) != 2 || types[0].Name != "OS::Glance::Image" || !types[0].Protected || types[0].UpdatedAt != nil {
		t.Fatalf("seeded types %+v", types)
	}
	ns, err := db.FindNamespace(ctx, "OS::Seeded")
	mustMetadef(t, err)
	if ns.UpdatedAt != nil || len(ns.Associations) != 1 || ns.Associations[0].UpdatedAt != nil {
		t.Fatalf("seeded namespace %+v", ns)
	}
	// Emptied catalogs are not seeded again.
	mustMetadef(t, db.DeleteNamespace(ctx, "OS::Seeded"))
	if ok, err := seed(); ok || err != nil {
		t.Fatalf("second seed: %v %v", ok, err)
	}
	_, err = db.FindNamespace(ctx, "OS::Seeded")
	wantMetadefErr(t, err, glimpse.ENOTFOUND, "")
}

// testMetadefTrailingSpaces checks that names differing only by trailing spaces are
// distinct (MySQL's PAD SPACE collations would make them collide).
func testMetadefTrailingSpaces(t *testing.T, open opener) {
	db, ctx := open(t), context.Background()
	for _, name := range []string{"n", "n "} {
		mustMetadef(t, db.CreateNamespace(ctx, &glimpse.MetadefNamespace{Namespace: name, Visibility: "public", Owner: "p"}, nil))
	}
	if ns, err := db.FindNamespace(ctx, "n "); err != nil || ns.Namespace != "n " {
		t.Fatalf("FindNamespace(n ) = %+v, %v", ns, err)
	}
	_, err := db.CreateTags(ctx, "n", []string{"a ", "a"}, false)
	mustMetadef(t, err)
	if tg, err := db.FindTag(ctx, "n", "a "); err != nil || tg.Name != "a " {
		t.Fatalf("FindTag(a ) = %+v, %v", tg, err)
	}
}
