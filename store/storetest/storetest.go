// Package storetest is the conformance suite of glimpse.Store: every driver runs it from a
// three-line test,
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) (glimpse.Store, func() []string) { … })
//	}
//
// The suite checks round trips of several sizes with known and unknown length, ranged
// reads, Stat, Delete, replacing an object, atomicity when the reader fails or ctx is
// cancelled mid-stream, concurrent Puts and the errors of missing objects. Every subtest
// removes what it wrote, and fails at teardown if the store still holds anything.
package storetest

import (
	"context"
	"testing"

	"github.com/glimpse-image/glimpse"
)

// NewStore returns a new, empty store for one subtest, and a function listing whatever the
// store holds at that moment: one entry per object, and one per temporary or partial object
// (for a directory: every entry in it), so that anything a failed Put left behind shows.
type NewStore func(t *testing.T) (store glimpse.Store, leftovers func() []string)

// Run runs the conformance suite against the stores newStore returns.
func Run(t *testing.T, newStore NewStore) {
	for _, c := range []struct {
		name string
		test func(*harness)
	}{
		{"RoundTrip", testRoundTrip},
		{"RangedReads", testRangedReads},
		{"Stat", testStat},
		{"DeleteTwice", testDeleteTwice},
		{"OpenMissing", testOpenMissing},
		{"PutOverExisting", testPutOverExisting},
		{"ReaderFailsHalfway", testReaderFailsHalfway},
		{"ContextCancelledMidStream", testContextCancelledMidStream},
		{"ContextCancelledBeforePut", testContextCancelledBeforePut},
		{"ConcurrentPuts", testConcurrentPuts},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.test(setup(t, newStore))
		})
	}
}

// harness is one subtest's store and the expectation that it ends empty.
type harness struct {
	t         *testing.T
	store     glimpse.Store
	leftovers func() []string
}

func setup(t *testing.T, newStore NewStore) *harness {
	store, leftovers := newStore(t)
	if store == nil || leftovers == nil {
		t.Fatal("storetest: newStore returned a nil store or leftovers function")
	}
	if got := leftovers(); len(got) != 0 {
		t.Fatalf("new store is not empty: %q", got)
	}
	// Registered after newStore's own cleanups, so it runs before them.
	t.Cleanup(func() {
		if got := leftovers(); len(got) != 0 {
			t.Errorf("store holds %d unexpected objects at teardown: %q", len(got), got)
		}
	})
	return &harness{t: t, store: store, leftovers: leftovers}
}

func (h *harness) ctx() context.Context { return h.t.Context() }
