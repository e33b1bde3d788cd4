package ledger

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// The standard templates' example row (王建国, 户编号 150422101001), left in by a cadre, is not
// a household: it is skipped with a note, in every template that has it; the cadre's own rows
// below it are read.
func TestTemplateExampleRowSkipped(t *testing.T) {
	dir := t.TempDir()
	paths, err := WriteTemplates("all", dir)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range paths {
		kind := TemplateKinds[i]
		if kind == KindEntities || kind == KindRelief {
			continue // no 户编号, name or ID number in the example
		}
		led, err := Read(p, ReadOptions{Period: q3})
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		s := led.Sheets[0]
		checkErrors(t, led.Errors, []wantErr{{s.Name, 4, "", "第4行是标准模板自带的填写示例（王建国），未计算；请删除这一行"}})
		if s.Kind != kind || s.DataRows != 0 || len(s.Skipped) != 1 || s.Skipped[0] != 4 {
			t.Errorf("%s: sheet %+v, want the example row skipped", kind, s)
		}
		if n := len(led.Inputs.Households) + len(led.Inputs.Livestock) + len(led.Inputs.Land) + len(led.Inputs.Laborers) +
			len(led.Inputs.Projects) + len(led.Inputs.Employers) + len(led.Inputs.Posts) + len(led.Inputs.Dibao) +
			len(led.Inputs.Insurance) + len(led.Inputs.Filial) + len(led.Inputs.Payments); n != 0 {
			t.Errorf("%s: %d records from the example row: %+v", kind, n, led.Inputs)
		}
	}
	// the household template with the example left in and the cadre's household in row 5
	p := paths[0]
	f, err := excelize.OpenFile(p)
	if err != nil {
		t.Fatal(err)
	}
	sh := f.GetSheetList()[0]
	if err := rowsAt(f, sh, 5, [][]any{{2, "巴林左旗", "林东镇", "红旗村", "HQ001", "王建国", idA, nil, "脱贫户", nil, 3}}); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(filepath.Join(dir, "filled.xlsx")); err != nil {
		t.Fatal(err)
	}
	f.Close()
	led, err := Read(filepath.Join(dir, "filled.xlsx"), ReadOptions{Period: q3})
	if err != nil {
		t.Fatal(err)
	}
	// a real 王建国 with his own 户编号 and ID number is a household
	if len(led.Inputs.Households) != 1 || led.Inputs.Households[0].ID != "HQ001" || led.Inputs.Households[0].Row != 5 ||
		led.Inputs.Households[0].Members != 3 {
		t.Errorf("households %+v, want HQ001 from row 5", led.Inputs.Households)
	}
}

// A ledger with its header and no data rows says so, instead of a bare 0户; one sheet with data
// is enough for the workbook to say nothing.
func TestReadHeaderOnly(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "empty.xlsx")
	f := ledgerFile(t, [][]any{
		{"红旗村脱贫户收入台账"},
		{"户编号", "户主姓名", "身份证号", "家庭人口数", "工资性收入（元）", "人均纯收入（元）"},
	})
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	led, err := Read(p, ReadOptions{Period: q3})
	if err != nil {
		t.Fatal(err)
	}
	checkErrors(t, led.Errors, []wantErr{{formulaSheet, 0, "", "‘脱贫户收入台账’只有表头，没有读到数据行（第3行起），没有可计算的内容；请填写后重新上传"}})
	// a second, filled sheet
	if _, err := f.NewSheet("务工"); err != nil {
		t.Fatal(err)
	}
	if err := rowsAt(f, "务工", 1, [][]any{
		{"户编号", "姓名", "身份证号", "就业类型", "务工时长", "月工资"},
		{"HQ001", "包玉山", idA, "稳定就业", 6, 4500},
	}); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if led, err = Read(p, ReadOptions{Period: q3}); err != nil {
		t.Fatal(err)
	}
	for _, e := range led.Errors {
		if strings.Contains(e.Message, "只有表头") {
			t.Errorf("%+v with a filled sheet", e)
		}
	}
}
