package ledger

import (
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"
)

// 高于全市平均 in 汇总 compares a unit with every household of the workbook. A unit that holds
// them all (each level of a one-village ledger) would be compared with itself and always read
// 否: it is blank. With two villages, each village row says 是 or 否 and the township and
// county rows (which hold every household) are blank.
func TestSummaryAboveCityOnlyForPartOfTheWorkbook(t *testing.T) {
	for _, villages := range []int{1, 2} {
		dir := t.TempDir()
		in, out := filepath.Join(dir, "in.xlsx"), filepath.Join(dir, "out.xlsx")
		if err := GenerateFile(in, 60, 5, GenOptions{Villages: villages}); err != nil {
			t.Fatal(err)
		}
		if _, err := Process(in, out, processOptions(t)); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenFile(out)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.GetRows(SheetSummary)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		col, growth, level, seen := -1, -1, 0, 0
		for _, r := range rows {
			if col < 0 {
				for i, c := range r {
					switch c {
					case "高于全市平均":
						col = i
					case "收入增速":
						growth = i
					}
				}
				continue
			}
			if len(r) <= growth || r[growth] == "" {
				continue // no growth: blank anyway
			}
			cell := ""
			if col < len(r) {
				cell = r[col]
			}
			seen++
			whole := villages == 1 || r[0] != "嘎查村" // the level column: 旗县区, 苏木乡镇, 嘎查村
			if whole != (cell == "") {
				t.Errorf("%d villages: row %v: 高于全市平均 = %q", villages, r[:3], cell)
			}
			if cell != "" {
				level++
			}
		}
		if col < 0 || seen == 0 {
			t.Fatalf("%d villages: no 高于全市平均 column or no unit with a growth: %v", villages, rows)
		}
		if villages == 2 && level != 2 {
			t.Errorf("two villages: %d rows say 是/否, want the 2 village rows", level)
		}
	}
}
