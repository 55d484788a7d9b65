package sqlstore

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/glimpse-image/glimpse"
)

// fullImage returns an image with every field set.
func fullImage() *glimpse.Image {
	return &glimpse.Image{
		ID:              "6f1e2c3a-1b2c-4d5e-8f90-123456789abc",
		Name:            ptr("cirros"),
		Status:          glimpse.ImageStatusActive,
		Visibility:      glimpse.ImageVisibilityPrivate,
		Protected:       true,
		OSHidden:        true,
		Owner:           "project-a",
		Size:            ptr(int64(1 << 40)),
		VirtualSize:     ptr(int64(1<<41 + 3)),
		Checksum:        ptr("d41d8cd98f00b204e9800998ecf8427e"),
		OSHashAlgo:      ptr("sha512"),
		OSHashValue:     ptr("cf83e1357eefb8bd"),
		DiskFormat:      ptr("qcow2"),
		ContainerFormat: ptr("bare"),
		MinDisk:         10,
		MinRAM:          512,
		Tags:            []string{"zeta", "alpha", "mid"},
		Properties:      map[string]string{"os_distro": "cirros", "hw_disk_bus": "virtio", "empty": ""},
		Locations: []glimpse.Location{
			{URL: "file:///var/lib/glimpse/images/x", StoreID: "local", Metadata: map[string]any{}, Status: "active"},
			{URL: "s3://bucket/x", StoreID: "backup", Metadata: map[string]any{"region": "r1", "k": "v", "n": []any{"a", map[string]any{"b": "c"}}}, Status: "pending_delete"},
		},
	}
}

func testImageRoundTrip(t *testing.T, open opener) {
	db := open(t)
	useClock(db, t0)
	img := fullImage()
	mustCreateImage(t, db, img)
	want := fullImage()
	want.CreatedAt = t0.UTC().Truncate(time.Microsecond)
	want.UpdatedAt = want.CreatedAt
	if !reflect.DeepEqual(img, want) {
		t.Fatalf("CreateImage changed the image to\n%+v\nwant\n%+v", img, want)
	}
	got, err := db.FindImageByID(ctx, img.ID)
	must(t, err)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("FindImageByID =\n%+v\nwant\n%+v", got, want)
	}
	list, err := db.FindImages(ctx, glimpse.ImageFilter{})
	must(t, err)
	if len(list) != 1 || !reflect.DeepEqual(list[0], want) {
		t.Fatalf("FindImages = %+v, want [%+v]", list, want)
	}
}

func testImageDefaults(t *testing.T, open opener) {
	db := open(t)
	img := mustCreateImage(t, db, &glimpse.Image{Tags: []string{"a", "b", "a"}})
	if len(img.ID) != 36 || img.ID[14] != '4' {
		t.Errorf("ID = %q, want a UUID v4", img.ID)
	}
	if img.Status != glimpse.ImageStatusQueued || img.Visibility != glimpse.ImageVisibilityShared {
		t.Errorf("status, visibility = %q, %q; want queued, shared", img.Status, img.Visibility)
	}
	got, err := db.FindImageByID(ctx, img.ID)
	must(t, err)
	if got.Name != nil || got.Size != nil || got.Owner != "" || got.DeletedAt != nil {
		t.Errorf("unset fields read back as %+v", got)
	}
	if !slices.Equal(got.Tags, []string{"a", "b"}) {
		t.Errorf("Tags = %q, want [a b] (unique, in order)", got.Tags)
	}
	if got.Properties == nil || len(got.Properties) != 0 || got.Locations == nil || len(got.Locations) != 0 {
		t.Errorf("Properties, Locations = %#v, %#v; want empty, non-nil", got.Properties, got.Locations)
	}
	_, err = db.FindImageByID(ctx, "00000000-0000-4000-8000-000000000000")
	wantError(t, err, glimpse.ENOTFOUND, "No image found with ID 00000000-0000-4000-8000-000000000000")
}

func testImageDuplicateID(t *testing.T, open opener) {
	db := open(t)
	img := mustCreateImage(t, db, &glimpse.Image{Name: ptr("first")})
	err := db.CreateImage(ctx, &glimpse.Image{ID: img.ID, Name: ptr("second"), Tags: []string{"x"}})
	wantError(t, err, glimpse.ECONFLICT, "Image with identifier "+img.ID+" already exists!")
	got, err := db.FindImageByID(ctx, img.ID)
	must(t, err)
	if *got.Name != "first" || len(got.Tags) != 0 {
		t.Errorf("the failed create changed the image: %+v", got)
	}
	// A deleted image keeps its id.
	must(t, db.DeleteImage(ctx, img.ID))
	wantCode(t, db.CreateImage(ctx, &glimpse.Image{ID: img.ID}), glimpse.ECONFLICT)
}

func testImageTimesUTC(t *testing.T, open opener) {
	db := open(t)
	c := useClock(db, t0)
	img := mustCreateImage(t, db, &glimpse.Image{})
	want := time.Date(2026, 3, 4, 4, 6, 7, 123456000, time.UTC)
	got, err := db.FindImageByID(ctx, img.ID)
	must(t, err)
	for name, tm := range map[string]time.Time{"CreatedAt": got.CreatedAt, "UpdatedAt": got.UpdatedAt, "returned CreatedAt": img.CreatedAt} {
		if !tm.Equal(want) || tm.Location() != time.UTC {
			t.Errorf("%s = %v, want %v in UTC", name, tm, want)
		}
	}
	c.Set(t0.Add(1500 * time.Nanosecond))
	updated, err := db.UpdateImage(ctx, img.ID, func(img *glimpse.Image) error { img.MinRAM = 1; return nil })
	must(t, err)
	wantUpdated := time.Date(2026, 3, 4, 4, 6, 7, 123458000, time.UTC) // 123456789ns + 1500ns, truncated
	got, err = db.FindImageByID(ctx, img.ID)
	must(t, err)
	if !got.UpdatedAt.Equal(wantUpdated) || !updated.UpdatedAt.Equal(wantUpdated) || !got.CreatedAt.Equal(want) {
		t.Errorf("after update: created %v updated %v (returned %v), want %v and %v", got.CreatedAt, got.UpdatedAt, updated.UpdatedAt, want, wantUpdated)
	}
}

func testImageUpdate(t *testing.T, open opener) {
	db := open(t)
	c := useClock(db, t0)
	img := mustCreateImage(t, db, fullImage())
	c.Set(t0.Add(time.Second))

	var want *glimpse.Image
	got, err := db.UpdateImage(ctx, img.ID, func(u *glimpse.Image) error {
		u.Name = nil
		u.Status = glimpse.ImageStatusDeactivated
		u.Visibility = glimpse.ImageVisibilityCommunity
		u.Protected = false
		u.OSHidden = false
		u.Owner = ""
		u.Size = ptr(int64(7))
		u.VirtualSize = nil
		u.Checksum = ptr("other")
		u.DiskFormat = ptr("raw")
		u.ContainerFormat = nil
		u.MinDisk, u.MinRAM = 1, 2
		u.Tags = []string{"mid", "new", "zeta", "new"}
		delete(u.Properties, "hw_disk_bus")
		u.Properties["os_distro"] = "ubuntu"
		u.Properties["added"] = "yes"
		u.Locations = []glimpse.Location{u.Locations[1], {URL: "file:///third", StoreID: "local"}}
		want = cloneImage(u)
		return nil
	})
	must(t, err)
	want.UpdatedAt = t0.UTC().Add(time.Second).Truncate(time.Microsecond)
	want.Tags = []string{"mid", "new", "zeta"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("UpdateImage returned\n%+v\nwant\n%+v", got, want)
	}
	stored, err := db.FindImageByID(ctx, img.ID)
	must(t, err)
	want.Locations[1].Metadata = map[string]any{}
	want.Locations[1].Status = "active"
	if !reflect.DeepEqual(stored, want) {
		t.Fatalf("stored\n%+v\nwant\n%+v", stored, want)
	}

	// An fn that changes nothing leaves everything but UpdatedAt as it was.
	c.Set(t0.Add(2 * time.Second))
	_, err = db.UpdateImage(ctx, img.ID, func(*glimpse.Image) error { return nil })
	must(t, err)
	again, err := db.FindImageByID(ctx, img.ID)
	must(t, err)
	want.UpdatedAt = t0.UTC().Add(2 * time.Second).Truncate(time.Microsecond)
	if !reflect.DeepEqual(again, want) {
		t.Fatalf("after a no-op update\n%+v\nwant\n%+v", again, want)
	}
}

func testImageUpdateErrors(t *testing.T, open opener) {
	db := open(t)
	img := mustCreateImage(t, db, &glimpse.Image{Name: ptr("keep"), Tags: []string{"t"}})
	boom := errors.New("boom")
	_, err := db.UpdateImage(ctx, img.ID, func(u *glimpse.Image) error {
		u.Name = ptr("lost")
		u.Tags = nil
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("UpdateImage error = %v, want fn's error", err)
	}
	got, err := db.FindImageByID(ctx, img.ID)
	must(t, err)
	if *got.Name != "keep" || !slices.Equal(got.Tags, []string{"t"}) {
		t.Errorf("a failed update was written: %+v", got)
	}
	// fn cannot change the id.
	got, err = db.UpdateImage(ctx, img.ID, func(u *glimpse.Image) error { u.ID = "other"; return nil })
	must(t, err)
	if got.ID != img.ID {
		t.Errorf("UpdateImage changed the id to %q", got.ID)
	}
	_, err = db.UpdateImage(ctx, "missing", func(*glimpse.Image) error { t.Error("fn called for a missing image"); return nil })
	wantError(t, err, glimpse.ENOTFOUND, "No image found with ID missing")
	must(t, db.DeleteImage(ctx, img.ID))
	_, err = db.UpdateImage(ctx, img.ID, func(*glimpse.Image) error { t.Error("fn called for a deleted image"); return nil })
	wantCode(t, err, glimpse.ENOTFOUND)
}

func testImageUpdateConcurrent(t *testing.T, open opener) {
	db := open(t)
	img := mustCreateImage(t, db, &glimpse.Image{Properties: map[string]string{}})
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := db.UpdateImage(ctx, img.ID, func(u *glimpse.Image) error {
				u.Tags = append(u.Tags, fmt.Sprintf("tag-%02d", i))
				u.Properties[fmt.Sprintf("p%02d", i)] = "v"
				u.MinRAM++
				return nil
			})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	got, err := db.FindImageByID(ctx, img.ID)
	must(t, err)
	if len(got.Tags) != n || len(got.Properties) != n || got.MinRAM != n {
		t.Fatalf("after %d concurrent updates: %d tags, %d properties, min_ram %d; want %d of each",
			n, len(got.Tags), len(got.Properties), got.MinRAM, n)
	}
	tags := slices.Sorted(slices.Values(got.Tags))
	for i := range n {
		if tags[i] != fmt.Sprintf("tag-%02d", i) {
			t.Fatalf("tags = %q", tags)
		}
	}
}

// testImageUploadRace starts several "uploads" of one queued image at once, each moving it
// queued → saving as imagedata does: exactly one wins, the others see saving and fail with
// 409, whatever the dialect's locking.
func testImageUploadRace(t *testing.T, open opener) {
	db := open(t)
	img := mustCreateImage(t, db, &glimpse.Image{})
	const n = 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	var won []int
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := db.UpdateImage(ctx, img.ID, func(u *glimpse.Image) error {
				if u.Status != glimpse.ImageStatusQueued {
					return glimpse.Errorf(glimpse.ECONFLICT, "Image status transition from %s to saving is not allowed", u.Status)
				}
				u.Status = glimpse.ImageStatusSaving
				u.Properties["uploader"] = fmt.Sprint(i)
				return nil
			})
			if err == nil {
				mu.Lock()
				won = append(won, i)
				mu.Unlock()
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	conflicts := 0
	for err := range errs {
		if err != nil {
			wantCode(t, err, glimpse.ECONFLICT)
			conflicts++
		}
	}
	if len(won) != 1 || conflicts != n-1 {
		t.Fatalf("%d uploads won (%v) and %d got 409; want exactly one winner", len(won), won, conflicts)
	}
	got, err := db.FindImageByID(ctx, img.ID)
	must(t, err)
	if got.Status != glimpse.ImageStatusSaving || got.Properties["uploader"] != fmt.Sprint(won[0]) {
		t.Errorf("image after the race: status %s, uploader %q; want saving by %d", got.Status, got.Properties["uploader"], won[0])
	}
}

func testImageSoftDelete(t *testing.T, open opener) {
	db := open(t)
	c := useClock(db, t0)
	img := mustCreateImage(t, db, &glimpse.Image{Visibility: glimpse.ImageVisibilityPublic, Tags: []string{"x"},
		Locations: []glimpse.Location{{URL: "file:///x", StoreID: "local"}}})
	keep := mustCreateImage(t, db, &glimpse.Image{Visibility: glimpse.ImageVisibilityPublic})
	c.Set(t0.Add(time.Minute))
	must(t, db.DeleteImage(ctx, img.ID))

	_, err := db.FindImageByID(ctx, img.ID)
	wantError(t, err, glimpse.ENOTFOUND, "No image found with ID "+img.ID)
	wantError(t, db.DeleteImage(ctx, img.ID), glimpse.ENOTFOUND, "No image found with ID "+img.ID)
	wantCode(t, db.DeleteImage(ctx, "missing"), glimpse.ENOTFOUND)

	for _, f := range []glimpse.ImageFilter{
		{},
		{Visibility: "all", MemberStatus: glimpse.MemberStatusAll},
		{Viewer: &glimpse.Viewer{Admin: true}, Visibility: "all"},
		{Tags: []string{"x"}},
		{Conditions: []glimpse.Condition{{Field: "status", Op: glimpse.OpEq, Values: []string{glimpse.ImageStatusDeleted}}}},
	} {
		list, err := db.FindImages(ctx, f)
		must(t, err)
		if slices.Contains(ids(list), img.ID) {
			t.Errorf("FindImages(%+v) lists the deleted image", f)
		}
	}
	list, err := db.FindImages(ctx, glimpse.ImageFilter{})
	must(t, err)
	if !slices.Equal(ids(list), []string{keep.ID}) {
		t.Errorf("FindImages = %q, want only %s", ids(list), keep.ID)
	}
	// The row stays, with status, deleted_at and its locations, for cleanup.
	tx, err := db.beginTx(ctx, false)
	must(t, err)
	defer tx.Rollback()
	row := tx.queryRow(ctx, "SELECT "+imageSelect+" FROM images i WHERE i.id = ?", img.ID)
	raw, err := scanImage(row)
	must(t, err)
	wantAt := t0.Add(time.Minute).UTC().Truncate(time.Microsecond)
	if raw.Status != glimpse.ImageStatusDeleted || raw.DeletedAt == nil || !raw.DeletedAt.Equal(wantAt) || !raw.UpdatedAt.Equal(wantAt) {
		t.Errorf("deleted row: status %q deleted_at %v updated_at %v, want deleted at %v", raw.Status, raw.DeletedAt, raw.UpdatedAt, wantAt)
	}
}
