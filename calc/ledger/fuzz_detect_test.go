package ledger

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
)

// FuzzDetectHeader feeds header detection (and the rest of Read) grids of arbitrary text: rows
// split by newlines, cells by tabs. Whatever the cells say, Read must return a ledger or a
// FileError, never panic or fail otherwise. The seeds run under plain `go test`.
func FuzzDetectHeader(f *testing.F) {
	f.Add("户主姓名\t身份证号\t家庭人口数\t工资性收入\n包玉山\t150422198803151234\t3\t1,200元")
	f.Add("××县2026年脱贫户台账\n填报单位：××镇\n序号\t户主\t家庭年收入\t\n\t\t工资性收入\t生产经营性收入\n1\t2\t3\t4\n1\t张三\t１２００\t/")
	f.Add("姓名\t就业类型\t务工时长（月）\t月工资\n李四\t稳定就业\t4\t3000\n合计\t\t\t3000")
	f.Add("户主姓名\t畜种\t年初存栏\t出售犊牛\n王五\t牛\t5\t三头")
	f.Add("\t\t\n\n=1+1\t#REF!\t" + strings.Repeat("长", 300))
	f.Fuzz(func(t *testing.T, grid string) {
		if len(grid) > 4000 {
			return
		}
		rows := strings.Split(grid, "\n")
		if len(rows) > 12 {
			rows = rows[:12]
		}
		x := excelize.NewFile()
		for i, r := range rows {
			cells := strings.Split(r, "\t")
			if len(cells) > 12 {
				cells = cells[:12]
			}
			vals := make([]any, len(cells))
			for j, c := range cells {
				vals[j] = strings.ToValidUTF8(c, "?")
			}
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := x.SetSheetRow("Sheet1", cell, &vals); err != nil {
				return // text excelize itself refuses (e.g. over 32,767 characters)
			}
		}
		path := filepath.Join(t.TempDir(), "f.xlsx")
		if err := x.SaveAs(path); err != nil {
			return
		}
		x.Close()
		led, err := Read(path, ReadOptions{Period: calc.Period{Year: 2026, Quarter: 3}})
		var fe *FileError
		if err != nil && !errors.As(err, &fe) {
			t.Fatalf("Read: %v (want a ledger or a FileError)", err)
		}
		if err == nil && led == nil {
			t.Fatal("Read returned neither a ledger nor an error")
		}
	})
}
