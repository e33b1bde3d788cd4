package ledger

import (
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
	"zengshou/config"
)

// A cadre who froze the name columns of a wide ledger keeps them frozen in the result (with
// the header rows); without frozen columns the result freezes the header as before.
func TestWriteKeepsFrozenColumns(t *testing.T) {
	for _, c := range []struct {
		name  string
		panes *excelize.Panes
		want  excelize.Panes
	}{
		{"columns and header", &excelize.Panes{Freeze: true, XSplit: 2, YSplit: 1, TopLeftCell: "C2", ActivePane: "bottomRight"},
			excelize.Panes{Freeze: true, XSplit: 2, YSplit: 1, TopLeftCell: "C2", ActivePane: "bottomRight"}},
		{"columns only", &excelize.Panes{Freeze: true, XSplit: 3, TopLeftCell: "D1", ActivePane: "topRight"},
			excelize.Panes{Freeze: true, XSplit: 3, YSplit: 1, TopLeftCell: "D2", ActivePane: "bottomRight"}},
		{"none", nil, excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}},
	} {
		for _, path := range []string{"spliced", "dom"} {
			t.Run(c.name+"/"+path, func(t *testing.T) {
				dir := t.TempDir()
				in, out := filepath.Join(dir, "in.xlsx"), filepath.Join(dir, "out.xlsx")
				f := ledgerFile(t, [][]any{
					{"户编号", "户主姓名", "身份证号", "家庭人口数", "工资性收入（元）", "人均纯收入（元）"},
					{"HQ001", "包玉山", idA, 4, 12000, 3000},
				})
				if c.panes != nil {
					if err := f.SetPanes(formulaSheet, c.panes); err != nil {
						t.Fatal(err)
					}
				}
				if err := f.SaveAs(in); err != nil {
					t.Fatal(err)
				}
				f.Close()
				if path == "dom" {
					led, err := Read(in, ReadOptions{Period: q3})
					if err != nil {
						t.Fatal(err)
					}
					res := calc.Evaluate(q3, config.DefaultPolicy(), &led.Inputs)
					if err := writeColumnsDOM(in, out, led, res, WriteOptions{Mode: ModeColumns}, ModeColumns); err != nil {
						t.Fatal(err)
					}
				} else {
					opt := processOptions(t)
					opt.Write.Mode = ModeColumns
					if _, err := Process(in, out, opt); err != nil {
						t.Fatal(err)
					}
				}
				g, err := excelize.OpenFile(out)
				if err != nil {
					t.Fatal(err)
				}
				defer g.Close()
				p, err := g.GetPanes(formulaSheet)
				if err != nil {
					t.Fatal(err)
				}
				if p.Freeze != c.want.Freeze || p.XSplit != c.want.XSplit || p.YSplit != c.want.YSplit || p.TopLeftCell != c.want.TopLeftCell || p.ActivePane != c.want.ActivePane {
					t.Errorf("panes %+v, want %+v", p, c.want)
				}
			})
		}
	}
}
