package main

import (
	"path/filepath"
	"reflect"
	"testing"
	"unsafe"

	"zengshou/calc"
	"zengshou/calc/ledger"
	"zengshou/config"
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
	if r.Households != 120 || r.Runs < 3 || r.Median <= 0 || r.OutputMedian <= 0 {
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

// outputFloor hands back the same results (every field equal) in memory of its own: the
// explanations and task ids it copies share no bytes with the evaluation's.
func TestOutputFloorCopiesTheResults(t *testing.T) {
	clearEnv(t)
	path := filepath.Join(t.TempDir(), "g.xlsx")
	if err := ledger.GenerateFile(path, 200, 1, ledger.GenOptions{}); err != nil {
		t.Fatal(err)
	}
	p := calc.Period{Year: 2026, Quarter: 3}
	led, err := ledger.Read(path, ledger.ReadOptions{Period: p})
	if err != nil {
		t.Fatal(err)
	}
	res := calc.Evaluate(p, config.DefaultPolicy(), &led.Inputs)
	if len(res.Findings) == 0 || len(res.Tasks) == 0 || len(res.Units) == 0 {
		t.Fatalf("the generated ledger gives nothing to copy: %d findings, %d tasks, %d units", len(res.Findings), len(res.Tasks), len(res.Units))
	}
	out := outputFloor(res)
	if !reflect.DeepEqual(out, res) {
		t.Fatal("outputFloor's copy differs from the evaluation's results")
	}
	for i := range res.Findings {
		if a, b := res.Findings[i].Explain, out.Findings[i].Explain; a != "" && unsafe.StringData(a) == unsafe.StringData(b) {
			t.Fatalf("finding %d: the explanation was not copied", i)
		}
	}
	if unsafe.StringData(res.Tasks[0].ID) == unsafe.StringData(out.Tasks[0].ID) {
		t.Fatal("the task id was not copied")
	}
}
