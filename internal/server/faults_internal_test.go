package server

import (
	"slices"
	"testing"
)

func TestFaultsAreDeterministic(t *testing.T) {
	t.Parallel()
	draws := func(seed int64) []bool {
		f := newFaultInjector(Faults{Fraction503: 0.5, Seed: seed})
		out := make([]bool, 64)
		for i := range out {
			out[i] = f.draw(0.5)
		}
		return out
	}
	a, b, c := draws(7), draws(7), draws(8)
	if !slices.Equal(a, b) {
		t.Fatal("the same seed gave different faults")
	}
	if slices.Equal(a, c) {
		t.Fatal("different seeds gave the same 64 draws")
	}
	hits := 0
	for _, v := range a {
		if v {
			hits++
		}
	}
	if hits < 16 || hits > 48 {
		t.Fatalf("%d of 64 draws hit at fraction 0.5", hits)
	}
	if newFaultInjector(Faults{}).draw(0) {
		t.Fatal("a zero fraction injected a fault")
	}
	// A fault that is off draws nothing, so turning one on does not reshuffle the others.
	f := newFaultInjector(Faults{Seed: 7})
	for i, want := range a {
		if f.draw(0) {
			t.Fatal("a zero fraction injected a fault")
		}
		if got := f.draw(0.5); got != want {
			t.Fatalf("draw %d: %v with a zero-fraction draw before it, %v without", i, got, want)
		}
	}
}
