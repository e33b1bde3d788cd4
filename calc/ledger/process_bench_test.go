package ledger

import (
	"path/filepath"
	"testing"

	"zengshou/calc"
	"zengshou/config"
)

// BenchmarkProcess300 processes a generated 300-household village workbook end to end
// (Read → Evaluate → Write, result columns beside the rows, comments, 汇总 with a chart).
func BenchmarkProcess300(b *testing.B) {
	dir := b.TempDir()
	in := filepath.Join(dir, "in.xlsx")
	if err := GenerateFile(in, 300, 1, GenOptions{}); err != nil {
		b.Fatal(err)
	}
	opt := Options{Policy: config.DefaultPolicy(), Period: q3, Read: ReadOptions{Limits: Limits{TmpDir: dir}}}
	out := filepath.Join(dir, "out.xlsx")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Process(in, out, opt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWrite is the write step alone on the same workbook, in both modes.
func BenchmarkWrite(b *testing.B) {
	dir := b.TempDir()
	in := filepath.Join(dir, "in.xlsx")
	if err := GenerateFile(in, 300, 1, GenOptions{}); err != nil {
		b.Fatal(err)
	}
	led, err := Read(in, ReadOptions{Limits: Limits{TmpDir: dir}, Period: q3})
	if err != nil {
		b.Fatal(err)
	}
	res := calc.Evaluate(q3, config.DefaultPolicy(), &led.Inputs)
	for _, mode := range []string{ModeColumns, ModeSheet} {
		b.Run(mode, func(b *testing.B) {
			out := filepath.Join(dir, mode+".xlsx")
			b.ReportAllocs()
			for b.Loop() {
				if err := Write(in, out, led, res, WriteOptions{Mode: mode, Limits: Limits{TmpDir: dir}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
