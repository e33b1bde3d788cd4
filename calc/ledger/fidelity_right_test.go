package ledger

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// Cells the cadre keeps right of the table, under no header (a note, a check sum): our result
// columns must not overwrite them.
func TestFidelityCellsRightOfTable(t *testing.T) {
	for _, mode := range []string{ModeColumns, ModeSheet} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			base := fidBase(t, dir)
			f, err := excelize.OpenFile(base)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct{ cell, v string }{{"AD6", "已核实"}, {"AE7", "2025年返贫风险户"}, {"AF8", "备注：外出务工"}, {"AJ9", "x"}, {"AK10", "右侧备注"}} {
				if err := f.SetCellStr(fidIncome, c.cell, c.v); err != nil {
					t.Fatal(err)
				}
			}
			if err := f.SetCellInt(fidIncome, "AH12", 12345); err != nil {
				t.Fatal(err)
			}
			in := filepath.Join(dir, "in.xlsx")
			if err := f.SaveAs(in); err != nil {
				t.Fatal(err)
			}
			f.Close()
			out := filepath.Join(dir, "out.xlsx")
			opt := processOptions(t)
			opt.Write.Mode = mode
			rep, err := Process(in, out, opt)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range rep.Sheets {
				if s.Name == fidIncome {
					t.Logf("last col %d", s.LastCol)
				}
			}
			fidCompareCells(t, in, out, fidIncome)
			fidValidate(t, out)
			out2 := filepath.Join(dir, "out2.xlsx")
			opt2 := processOptions(t)
			opt2.Write.Mode = mode
			if _, err := Process(out, out2, opt2); err != nil {
				t.Fatal(err)
			}
			fidCompareCells(t, in, out2, fidIncome)
		})
	}
}

// A household ledger formatted as a table (ListObject): the table keeps its range and columns,
// no autofilter is laid over it, and LibreOffice-free checks hold on a second run.
func TestFidelityLedgerAsTable(t *testing.T) {
	dir := t.TempDir()
	f := excelize.NewFile()
	if err := genTemplate(f); err != nil {
		t.Fatal(err)
	}
	sh := f.GetSheetName(0)
	rows, _ := f.GetRows(sh)
	ref := "A1:P" + strconv.Itoa(len(rows))
	if err := f.AddTable(sh, &excelize.Table{Range: ref, Name: "收入表", StyleName: "TableStyleMedium9"}); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "in.xlsx")
	if err := f.SaveAs(in); err != nil {
		t.Fatal(err)
	}
	f.Close()
	out, out2 := filepath.Join(dir, "out.xlsx"), filepath.Join(dir, "out2.xlsx")
	if _, err := Process(in, out, processOptions(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := Process(out, out2, processOptions(t)); err != nil {
		t.Fatal(err)
	}
	for _, o := range []string{out, out2} {
		fidValidate(t, o)
		fidCompareCells(t, in, o, sh)
		g, err := excelize.OpenFile(o)
		if err != nil {
			t.Fatal(err)
		}
		ts, _ := g.GetTables(sh)
		if len(ts) != 1 || ts[0].Range != ref {
			t.Errorf("%s: tables %+v, want one on %s", filepath.Base(o), ts, ref)
		}
		head, _ := g.GetRows(sh)
		if len(head[0]) <= 16 || head[0][16] != ResultMarker+ColFlags {
			t.Errorf("%s: header %q", filepath.Base(o), head[0])
		}
		g.Close()
		if xml := fidSheetXML(t, o, sh); strings.Contains(xml, "<autoFilter") {
			t.Errorf("%s: an autofilter over a table", filepath.Base(o))
		}
	}
}

// The cadre hid every unused column right of the table (a clean sheet): our result columns sit
// there and must be visible.
func TestFidelityHiddenUnusedColumns(t *testing.T) {
	t.Parallel() // excelize splits the 16384-column range slowly
	for _, mode := range []string{ModeColumns} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			base := fidBase(t, dir)
			in := filepath.Join(dir, "in.xlsx")
			fidEditSheet(t, base, in, fidIncome, func(s string) string {
				return strings.Replace(s, "</cols>", `<col min="30" max="16384" width="9" hidden="1"/></cols>`, 1)
			})
			out := filepath.Join(dir, "out.xlsx")
			opt := processOptions(t)
			opt.Write.Mode = mode
			if _, err := Process(in, out, opt); err != nil {
				t.Fatal(err)
			}
			fidCompareCells(t, in, out, fidIncome)
			fidValidate(t, out)
			g, err := excelize.OpenFile(out)
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			for c := 30; c <= 36; c++ {
				n, _ := excelize.ColumnNumberToName(c)
				if v, _ := g.GetColVisible(fidIncome, n); !v {
					h, _ := g.GetCellValue(fidIncome, n+"3")
					t.Errorf("result column %s (%s) is hidden", n, h)
				}
			}
			if v, _ := g.GetColVisible(fidIncome, "AK"); v {
				t.Errorf("column AK, hidden by the cadre, is shown")
			}
			// and again, over our old columns
			out2 := filepath.Join(dir, "out2.xlsx")
			if _, err := Process(out, out2, opt); err != nil {
				t.Fatal(err)
			}
			fidValidate(t, out2)
			fidCompareCells(t, in, out2, fidIncome)
			g2, err := excelize.OpenFile(out2)
			if err != nil {
				t.Fatal(err)
			}
			defer g2.Close()
			for c := 30; c <= 37; c++ {
				n, _ := excelize.ColumnNumberToName(c)
				v, _ := g2.GetColVisible(fidIncome, n)
				h, _ := g2.GetCellValue(fidIncome, n+"3")
				if v != (c <= 36) || (c <= 36) != (h != "") {
					t.Errorf("second run: column %s (%q) visible %v", n, h, v)
				}
			}
		})
	}
}
