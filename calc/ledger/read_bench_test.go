package ledger

import (
	"path/filepath"
	"testing"

	"zengshou/calc"
)

// BenchmarkDetectHeader: header detection on a 30-row window with title, meta line, a 2-row
// merged header and a code row (issue 9 tracks it).
func BenchmarkDetectHeader(b *testing.B) {
	d := newDict(nil, nil)
	win := [][]string{
		{"××县新城镇2026年脱贫户及监测对象家庭收入台账"},
		{"填报单位（盖章）：新城镇人民政府", "", "", "", "", "填报时间：2026年3月", "", "", "", "单位：元、人"},
		{"序号", "行政村", "户主\n姓名", "身份证号码", "家庭人口\n（人）", "家庭年收入（元）", "", "", "", "生产经营性支出", "家庭年\n纯收入", "人均纯收入*", "2025年人均纯收入"},
		{"", "", "", "", "", "工资性收入", "生产经营性收入", "财产性收入", "转移性收入"},
		{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13"},
	}
	for i := 0; i < 25; i++ {
		win = append(win, []string{"1", "红旗村", "包玉山", idA, "4", "1,200元", "８０００", "/", "3000", "—", "12200", "3050", "3000"})
	}
	merges := []mergeRange{{1, 1, 1, 13}, {3, 6, 3, 9}}
	for _, c := range []int{1, 2, 3, 4, 5, 10, 11, 12, 13} {
		merges = append(merges, mergeRange{3, c, 4, c})
	}
	p := calc.Period{Year: 2026, Quarter: 1}
	b.ReportAllocs()
	for b.Loop() {
		if h := d.detectHeader(win, merges, p); h == nil || len(h.rows) != 2 {
			b.Fatal("header not found")
		}
	}
}

// BenchmarkReadRows: Read of a generated 10,000-household messy ledger (gen.go).
func BenchmarkReadRows(b *testing.B) {
	p := filepath.Join(b.TempDir(), "bench.xlsx")
	if err := GenerateFile(p, 10_000, 1, GenOptions{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		led, err := Read(p, ReadOptions{Period: calc.Period{Year: 2026, Quarter: 3}})
		if err != nil {
			b.Fatal(err)
		}
		if len(led.Inputs.Households) < 9000 {
			b.Fatalf("households = %d", len(led.Inputs.Households))
		}
	}
}
