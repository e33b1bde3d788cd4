package ledger

// Issue 9 benchmarks beside the reader's and writer's (BenchmarkDetectHeader, BenchmarkReadRows,
// BenchmarkWrite, BenchmarkProcess300): the excelize floor on the same generated ledger, and the
// whole pipeline at 10,000 households, both reporting households per second. Only under -bench:
//
//	go test ./calc/ledger/ -run '^$' -bench 'Floor|Process10k|ReadRows' -benchmem
//
// `zengshou bench` measures the same at 1k/10k/100k as separate processes with peak RSS.

import (
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
	"zengshou/config"
)

var benchPeriod = calc.Period{Year: 2026, Quarter: 3}

func benchLedger(b *testing.B, n int) (dir, path string) {
	b.Helper()
	dir = b.TempDir()
	path = filepath.Join(dir, "bench.xlsx")
	if err := GenerateFile(path, n, 1, GenOptions{}); err != nil {
		b.Fatal(err)
	}
	return dir, path
}

// BenchmarkFloorRead10k: a bare excelize streaming read (raw values) of every sheet of the
// ledger BenchmarkReadRows reads: the floor of the reader.
func BenchmarkFloorRead10k(b *testing.B) {
	_, path := benchLedger(b, 10_000)
	b.ReportAllocs()
	for b.Loop() {
		f, err := excelize.OpenFile(path, excelize.Options{RawCellValue: true})
		if err != nil {
			b.Fatal(err)
		}
		cells := 0
		for _, name := range f.GetSheetList() {
			rows, err := f.Rows(name)
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
				cols, err := rows.Columns()
				if err != nil {
					b.Fatal(err)
				}
				cells += len(cols)
			}
			rows.Close()
		}
		f.Close()
		if cells == 0 {
			b.Fatal("no cells")
		}
	}
	b.ReportMetric(10_000*float64(b.N)/b.Elapsed().Seconds(), "households/s")
}

// BenchmarkProcess10k: Read → Evaluate → Write of a generated 10,000-household ledger.
func BenchmarkProcess10k(b *testing.B) {
	dir, path := benchLedger(b, 10_000)
	opt := Options{Policy: config.DefaultPolicy(), Period: benchPeriod, Read: ReadOptions{Limits: Limits{TmpDir: dir}}}
	out := filepath.Join(dir, "out.xlsx")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Process(path, out, opt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(10_000*float64(b.N)/b.Elapsed().Seconds(), "households/s")
}

// BenchmarkEvaluateRead10k: rule evaluation alone on what the reader made of the 10k ledger.
func BenchmarkEvaluateRead10k(b *testing.B) {
	_, path := benchLedger(b, 10_000)
	led, err := Read(path, ReadOptions{Period: benchPeriod})
	if err != nil {
		b.Fatal(err)
	}
	pol := config.DefaultPolicy()
	b.ReportAllocs()
	for b.Loop() {
		calc.Evaluate(benchPeriod, pol, &led.Inputs)
	}
	b.ReportMetric(float64(len(led.Inputs.Households))*float64(b.N)/b.Elapsed().Seconds(), "households/s")
}
