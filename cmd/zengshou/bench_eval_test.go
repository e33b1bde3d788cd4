package main

import (
	"path/filepath"
	"testing"

	"zengshou/calc/ledger"
)

// bench-eval evaluates every household the reader finds in the ledger, at least 3 times.
func TestBenchEvalCountsTheLedgersHouseholds(t *testing.T) {
	clearEnv(t)
	path := filepath.Join(t.TempDir(), "g.xlsx")
	if err := ledger.GenerateFile(path, 120, 1, ledger.GenOptions{}); err != nil {
		t.Fatal(err)
	}
	r, err := benchEval(path, "2026Q3", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if r.Households != 120 || r.Runs < 3 || r.Median <= 0 {
		t.Fatalf("%+v", r)
	}
}

func TestGroupThousands(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 150125.4: "150,125", 1e6: "1,000,000", 12345678: "12,345,678"} {
		if got := groupThousands(in); got != want {
			t.Errorf("groupThousands(%v) = %q, want %q", in, got, want)
		}
	}
}
