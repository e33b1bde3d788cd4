package ledger

import (
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestWriteTemplatesAll(t *testing.T) {
	dir := t.TempDir()
	paths, err := WriteTemplates("all", dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != len(TemplateKinds) {
		t.Fatalf("%d files for %d kinds", len(paths), len(TemplateKinds))
	}
	for i, p := range paths {
		kind := TemplateKinds[i]
		f, err := excelize.OpenFile(p)
		if err != nil {
			t.Fatal(err)
		}
		sh := f.GetSheetList()[0]
		rows, _ := f.GetRows(sh)
		cols := templateCols[kind]
		if len(rows) != 4 || len(rows[2]) != len(cols) || rows[2][0] != "序号" {
			t.Errorf("%s: rows = %v", kind, rows)
		}
		cms, _ := f.GetComments(sh)
		if len(cms) != len(cols) {
			t.Errorf("%s: %d header comments for %d columns", kind, len(cms), len(cols))
		}
		lists := 0
		for _, c := range cols {
			if len(c.list) > 0 {
				lists++
			}
		}
		dvs, _ := f.GetDataValidations(sh)
		if len(dvs) != lists {
			t.Errorf("%s: %d validations, want %d", kind, len(dvs), lists)
		}
		f.Close()
	}
	if _, err := WriteTemplates("nonsense", dir); err == nil {
		t.Error("unknown kind accepted")
	}
}
