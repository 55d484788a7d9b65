package memory_test

import (
	"testing"

	"github.com/glimpse-image/glimpse"
	"github.com/glimpse-image/glimpse/store/memory"
	"github.com/glimpse-image/glimpse/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (glimpse.Store, func() []string) {
		s := memory.New("memory")
		return s, s.Keys
	})
}
