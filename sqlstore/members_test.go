package sqlstore

import (
	"reflect"
	"testing"
	"time"

	"github.com/glimpse-image/glimpse"
)

func testMembers(t *testing.T, open opener) {
	db := open(t)
	c := useClock(db, t0)
	img := mustCreateImage(t, db, &glimpse.Image{Visibility: glimpse.ImageVisibilityShared})
	other := mustCreateImage(t, db, &glimpse.Image{Visibility: glimpse.ImageVisibilityShared})

	var created []*glimpse.Member
	for i, p := range []string{"zz-first", "aa-second", "mm-third"} {
		c.Set(t0.Add(time.Duration(i) * time.Second))
		m := &glimpse.Member{ImageID: img.ID, MemberID: p}
		must(t, db.CreateMember(ctx, m))
		at := t0.Add(time.Duration(i) * time.Second).UTC().Truncate(time.Microsecond)
		want := &glimpse.Member{ImageID: img.ID, MemberID: p, Status: glimpse.MemberStatusPending, CreatedAt: at, UpdatedAt: at}
		if !reflect.DeepEqual(m, want) {
			t.Fatalf("CreateMember set %+v, want %+v", m, want)
		}
		created = append(created, want)
	}
	must(t, db.CreateMember(ctx, &glimpse.Member{ImageID: other.ID, MemberID: "zz-first", Status: glimpse.MemberStatusAccepted}))

	err := db.CreateMember(ctx, &glimpse.Member{ImageID: img.ID, MemberID: "aa-second"})
	wantError(t, err, glimpse.ECONFLICT, "Member aa-second is duplicated for image "+img.ID)
	wantError(t, db.CreateMember(ctx, &glimpse.Member{ImageID: "nope", MemberID: "p"}), glimpse.ENOTFOUND, "No image found with ID nope")

	got, err := db.FindMember(ctx, img.ID, "aa-second")
	must(t, err)
	if !reflect.DeepEqual(got, created[1]) {
		t.Errorf("FindMember = %+v, want %+v", got, created[1])
	}
	_, err = db.FindMember(ctx, img.ID, "nobody")
	wantCode(t, err, glimpse.ENOTFOUND)
	_, err = db.FindMember(ctx, "nope", "aa-second")
	wantCode(t, err, glimpse.ENOTFOUND)

	list, err := db.FindMembers(ctx, img.ID)
	must(t, err)
	if !reflect.DeepEqual(list, created) {
		t.Errorf("FindMembers = %+v, want %+v (by creation time)", list, created)
	}
	_, err = db.FindMembers(ctx, "nope")
	wantCode(t, err, glimpse.ENOTFOUND)

	c.Set(t0.Add(time.Hour))
	upd := &glimpse.Member{ImageID: img.ID, MemberID: "mm-third", Status: glimpse.MemberStatusAccepted}
	must(t, db.UpdateMember(ctx, upd))
	want := *created[2]
	want.Status = glimpse.MemberStatusAccepted
	want.UpdatedAt = t0.Add(time.Hour).UTC().Truncate(time.Microsecond)
	if !reflect.DeepEqual(upd, &want) {
		t.Errorf("UpdateMember left %+v, want %+v", upd, &want)
	}
	got, err = db.FindMember(ctx, img.ID, "mm-third")
	must(t, err)
	if !reflect.DeepEqual(got, &want) {
		t.Errorf("after update FindMember = %+v, want %+v", got, &want)
	}
	wantCode(t, db.UpdateMember(ctx, &glimpse.Member{ImageID: img.ID, MemberID: "nobody", Status: "accepted"}), glimpse.ENOTFOUND)

	must(t, db.DeleteMember(ctx, img.ID, "zz-first"))
	_, err = db.FindMember(ctx, img.ID, "zz-first")
	wantCode(t, err, glimpse.ENOTFOUND)
	wantCode(t, db.DeleteMember(ctx, img.ID, "zz-first"), glimpse.ENOTFOUND)
	// The same project's membership of another image is untouched.
	if _, err := db.FindMember(ctx, other.ID, "zz-first"); err != nil {
		t.Errorf("deleting one membership removed another: %v", err)
	}
	list, err = db.FindMembers(ctx, img.ID)
	must(t, err)
	if len(list) != 2 {
		t.Errorf("%d members left, want 2", len(list))
	}
}

func testMembersDeletedImage(t *testing.T, open opener) {
	db := open(t)
	img := mustCreateImage(t, db, &glimpse.Image{Visibility: glimpse.ImageVisibilityShared})
	must(t, db.CreateMember(ctx, &glimpse.Member{ImageID: img.ID, MemberID: "p1"}))
	must(t, db.DeleteImage(ctx, img.ID))
	_, err := db.FindMember(ctx, img.ID, "p1")
	wantCode(t, err, glimpse.ENOTFOUND)
	_, err = db.FindMembers(ctx, img.ID)
	wantCode(t, err, glimpse.ENOTFOUND)
	wantCode(t, db.CreateMember(ctx, &glimpse.Member{ImageID: img.ID, MemberID: "p2"}), glimpse.ENOTFOUND)
}
