package ledger

import (
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// A ledger sheet whose name needs quoting in references (a space, brackets, an apostrophe, a
// leading digit): processed twice, the output is valid and the cadre's cells stay.
func TestFidelityAwkwardSheetName(t *testing.T) {
	const name = "2026年 脱贫户(收入)台账'一组"
	for _, mode := range []string{ModeColumns, ModeSheet} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			base := fidBase(t, dir)
			f, err := excelize.OpenFile(base)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.SetSheetName(fidIncome, name); err != nil {
				t.Fatal(err)
			}
			in := filepath.Join(dir, "in.xlsx")
			if err := f.SaveAs(in); err != nil {
				t.Fatal(err)
			}
			f.Close()
			for _, out := range fidTwice(t, dir, mode, in, 50) {
				fidValidate(t, out)
				fidCompareCells(t, in, out, name)
			}
		})
	}
}

// A ledger written by the Open XML SDK style: every element of the sheet with a namespace
// prefix (<x:row>, <x:c>). The splicing writer does not take it; the result is still valid
// and the cadre's cells stay.
func TestFidelityPrefixedSheetXML(t *testing.T) {
	for _, mode := range []string{ModeColumns, ModeSheet} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			base := fidBase(t, dir)
			in := filepath.Join(dir, "in.xlsx")
			re := regexp.MustCompile(`<(/?)([A-Za-z][A-Za-z0-9]*)([\s>/])`)
			fidEditSheet(t, base, in, fidIncome, func(s string) string {
				s = re.ReplaceAllString(s, `<${1}x:$2$3`)
				s = strings.Replace(s, `<x:worksheet xmlns="`, `<x:worksheet xmlns:x="`, 1)
				return s
			})
			for _, out := range fidTwice(t, dir, mode, in, 50) {
				fidValidate(t, out)
				fidCompareCells(t, base, out, fidIncome)
			}
		})
	}
}

// A chart sheet (a sheet that is only a chart) and a workbook whose structure is protected:
// both kept, the sheet-scoped names still on their sheets after our sheets come and go.
func TestFidelityChartSheetAndWorkbookProtection(t *testing.T) {
	for _, mode := range []string{ModeColumns, ModeSheet} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			base := fidBase(t, dir)
			f, err := excelize.OpenFile(base)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.AddChartSheet("收入图表", &excelize.Chart{Type: excelize.Col, Series: []excelize.ChartSeries{{
				Name: "'脱贫户收入台账'!$K$3", Categories: "'脱贫户收入台账'!$K$4:$O$4", Values: "'脱贫户收入台账'!$K$57:$O$57"}}}); err != nil {
				t.Fatal(err)
			}
			if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: "'务工就业清单'!$1:$2", Scope: fidLabor}); err != nil {
				t.Fatal(err)
			}
			if err := f.ProtectWorkbook(&excelize.WorkbookProtectionOptions{Password: "x", LockStructure: true}); err != nil {
				t.Fatal(err)
			}
			in := filepath.Join(dir, "in.xlsx")
			if err := f.SaveAs(in); err != nil {
				t.Fatal(err)
			}
			f.Close()
			for _, out := range fidTwice(t, dir, mode, in, 0) {
				fidValidate(t, out)
				for _, sh := range []string{fidIncome, fidStock, fidLabor} {
					fidCompareCells(t, in, out, sh)
				}
				if a, b := fidDefinedNames(t, in), fidDefinedNames(t, out); !reflect.DeepEqual(a, b) {
					t.Errorf("defined names:\nbefore %v\nafter  %v", a, b)
				}
				wb := fidZipPart(t, out, "xl/workbook.xml")
				if !strings.Contains(wb, `name="收入图表"`) || !strings.Contains(wb, "<workbookProtection") {
					t.Errorf("chart sheet or workbook protection lost: %s", wb)
				}
			}
		})
	}
}

// Cells without their r attribute (allowed: a cell is then the next column), as some
// streaming writers save them: the splicing writer does not take the sheet; the result is
// valid, the cadre's cells stay where they were.
func TestFidelityCellsWithoutReferences(t *testing.T) {
	for _, mode := range []string{ModeColumns, ModeSheet} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			base := fidBase(t, dir)
			in := filepath.Join(dir, "in.xlsx")
			re := regexp.MustCompile(`<c r="[A-Z]+\d+"`)
			fidEditSheet(t, base, in, fidIncome, func(s string) string {
				// only rows whose cells are contiguous from A can lose their references
				return regexp.MustCompile(`<row r="(\d+)">(<c r="A\d+".*?)</row>`).ReplaceAllStringFunc(s, func(row string) string {
					cols := regexp.MustCompile(`<c r="([A-Z]+)\d+"`).FindAllStringSubmatch(row, -1)
					for i, c := range cols {
						if n, _ := excelize.ColumnNameToNumber(c[1]); n != i+1 {
							return row
						}
					}
					return re.ReplaceAllString(row, `<c`)
				})
			})
			if x := fidSheetXML(t, in, fidIncome); !strings.Contains(x, "<c>") && !strings.Contains(x, "<c s=") && !strings.Contains(x, "<c t=") {
				t.Fatal("no cell lost its reference")
			}
			for _, out := range fidTwice(t, dir, mode, in, 50) {
				if mode == ModeColumns {
					fidValidate(t, out)
				}
				fidCompareCells(t, base, out, fidIncome)
			}
		})
	}
}
