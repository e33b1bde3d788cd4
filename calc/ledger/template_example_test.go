package ledger

import (
	"path/filepath"
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
