package ledger

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

const fidIncome2 = "东风村收入台账"

// buildFidMulti makes a workbook with two household sheets (two villages), the second a copy of
// the first with its own households.
func buildFidMulti(t testing.TB, dir string) string {
	t.Helper()
	must := fidMust(t)
	base := fidBase(t, dir)
	f, err := excelize.OpenFile(base)
	must(err)
	defer f.Close()
	idx, err := f.NewSheet(fidIncome2)
	must(err)
	must(f.CopySheet(0, idx))
	rows, err := f.GetRows(fidIncome2)
	must(err)
	for r := 6; r <= len(rows); r++ {
		row := rows[r-1]
		if len(row) < 6 || row[4] == "" || !strings.HasPrefix(row[4], "150422") {
			continue
		}
		must(f.SetCellStr(fidIncome2, fmt.Sprintf("D%d", r), "东风村"))
		must(f.SetCellStr(fidIncome2, fmt.Sprintf("E%d", r), "1504222"+row[4][7:]))
		must(f.SetCellStr(fidIncome2, fmt.Sprintf("F%d", r), row[5]+"东"))
	}
	in := filepath.Join(dir, "multi.xlsx")
	must(f.SaveAs(in))
	return in
}

func TestFidelityTwoHouseholdSheets(t *testing.T) {
	for _, mode := range []string{ModeColumns, ModeSheet} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			in := buildFidMulti(t, dir)
			out, out2 := filepath.Join(dir, "out.xlsx"), filepath.Join(dir, "out2.xlsx")
			opt := processOptions(t)
			opt.Write.Mode = mode
			rep, err := Process(in, out, opt)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Summary.Households != 100 {
				t.Errorf("%d households, want 100", rep.Summary.Households)
			}
			opt2 := processOptions(t)
			opt2.Write.Mode = mode
			rep2, err := Process(out, out2, opt2)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(rep.Summary, rep2.Summary) || len(rep.Findings) != len(rep2.Findings) {
				t.Errorf("second run differs")
			}
			for _, o := range []string{out, out2} {
				fidValidate(t, o)
				for _, sh := range []string{fidIncome, fidIncome2, fidStock, fidLabor} {
					fidCompareCells(t, in, o, sh)
				}
			}
			f, _ := excelize.OpenFile(out)
			f2, _ := excelize.OpenFile(out2)
			defer f.Close()
			defer f2.Close()
			for _, sh := range []string{fidIncome, fidIncome2} {
				h1, _ := f.GetRows(sh)
				h2, _ := f2.GetRows(sh)
				if !reflect.DeepEqual(h1, h2) {
					t.Errorf("%s differs after the second run", sh)
				}
				if mode == ModeColumns {
					if len(h1) < 3 || len(h1[2]) < 30 || h1[2][29] != ResultMarker+ColFlags {
						t.Errorf("%s: no result columns: %q", sh, h1[2])
					}
				}
			}
			if mode == ModeSheet {
				res, _ := f.GetRows(SheetResults)
				seen := map[string]bool{}
				for _, r := range res[1:] {
					seen[r[0]] = true
				}
				if !seen[fidIncome] || !seen[fidIncome2] {
					t.Errorf("result sheet names sheets %v", seen)
				}
			}
		})
	}
}

// A ledger written with result columns, then processed in sheet mode (grown past the limit):
// the cadre's cells stay. Sheet mode leaves the cadre's sheets byte for byte, so the earlier
// run's 【增收计算】 columns stay beside the rows with their old figures: 汇总 says so.
func TestFidelityColumnsThenSheetMode(t *testing.T) {
	dir := t.TempDir()
	in := fidBase(t, dir)
	out, out2 := filepath.Join(dir, "out.xlsx"), filepath.Join(dir, "out2.xlsx")
	opt := processOptions(t)
	opt.Write.Mode = ModeColumns
	if _, err := Process(in, out, opt); err != nil {
		t.Fatal(err)
	}
	opt2 := processOptions(t)
	opt2.Write.Mode = ModeSheet
	if _, err := Process(out, out2, opt2); err != nil {
		t.Fatal(err)
	}
	fidValidate(t, out2)
	for _, sh := range []string{fidIncome, fidStock, fidLabor} {
		fidCompareCells(t, in, out2, sh)
	}
	f, _ := excelize.OpenFile(out2)
	defer f.Close()
	rows, _ := f.GetRows(SheetSummary)
	var all []string
	for _, r := range rows {
		all = append(all, strings.Join(r, " "))
	}
	if text := strings.Join(all, "\n"); !strings.Contains(text, "“"+fidIncome+"”") || !strings.Contains(text, "中表头以"+ResultMarker+"开头的列是此前一次计算留下的") {
		t.Errorf("汇总 does not say the old result columns are stale:\n%s", text)
	}
	// a ledger without old columns gets no such note
	out3 := filepath.Join(dir, "out3.xlsx")
	if _, err := Process(in, out3, opt2); err != nil {
		t.Fatal(err)
	}
	g, _ := excelize.OpenFile(out3)
	defer g.Close()
	rows, _ = g.GetRows(SheetSummary)
	for _, r := range rows {
		if strings.Contains(strings.Join(r, " "), "此前一次计算留下的") {
			t.Errorf("a first run says: %q", r)
		}
	}
}
