package ledger

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
	"zengshou/config"
)

var q3 = calc.Period{Year: 2026, Quarter: 3}

func processOptions(t testing.TB) Options {
	return Options{Policy: config.DefaultPolicy(), Period: q3, Read: ReadOptions{Limits: Limits{TmpDir: t.TempDir()}}}
}

func TestProcessGenerated(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.xlsx"), filepath.Join(dir, "out.xlsx")
	if err := GenerateFile(in, 300, 1, GenOptions{}); err != nil {
		t.Fatal(err)
	}
	rep, err := Process(in, out, processOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.MarshalIndent(rep.Summary, "", " ")
	t.Logf("mode %s summary %s", rep.Mode, b)
	for _, s := range rep.Sheets {
		t.Logf("sheet %s kind %s header %v first %d last %d rows %d", s.Name, s.Kind, s.HeaderRows, s.FirstRow, s.LastRow, s.DataRows)
	}
	for i, e := range rep.Errors {
		if i < 10 {
			t.Logf("error %+v", e)
		}
	}
	if rep.Summary.Households != 300 {
		t.Errorf("%d households, want 300", rep.Summary.Households)
	}
	if rep.Mode != ModeColumns {
		t.Errorf("mode %s", rep.Mode)
	}
	// The JSON report has the shape: money as yuan strings, due dates as days.
	js, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"period":"2026Q3"`, `"findings":[`, `"tasks":[`, `"errors":[`, `"summary":{`, `"sheets":[`} {
		if !bytes.Contains(js, []byte(k)) {
			t.Errorf("report lacks %s", k)
		}
	}
	if len(rep.Tasks) > 0 && len(rep.Tasks[0].Due) != 10 {
		t.Errorf("due %q", rep.Tasks[0].Due)
	}
	// Processing the output again gives the same columns and sheets.
	out2 := filepath.Join(dir, "out2.xlsx")
	rep2, err := Process(out, out2, processOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep2.Errors) != len(rep.Errors) || len(rep2.Findings) != len(rep.Findings) || len(rep2.Tasks) != len(rep.Tasks) || len(rep2.Sheets) != len(rep.Sheets) {
		t.Errorf("reprocessed: %d/%d/%d/%d errors/findings/tasks/sheets, first %d/%d/%d/%d", len(rep2.Errors), len(rep2.Findings),
			len(rep2.Tasks), len(rep2.Sheets), len(rep.Errors), len(rep.Findings), len(rep.Tasks), len(rep.Sheets))
	}
	sheet := "脱贫户收入台账"
	h1, _ := headerRow(t, out, sheet, 3)
	h2, _ := headerRow(t, out2, sheet, 3)
	if strings.Join(h1, "|") != strings.Join(h2, "|") {
		t.Errorf("reprocessing changed the header row:\n%v\n%v", h1, h2)
	}
}

func headerRow(t testing.TB, path, sheet string, row int) ([]string, []string) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	return rows[row-1], f.GetSheetList()
}

func TestProcessFileError(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "bad.xlsx")
	if err := os.WriteFile(in, []byte("not a workbook"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Process(in, filepath.Join(dir, "out.xlsx"), processOptions(t))
	var fe *FileError
	if err == nil || !asFileError(err, &fe) || fe.Message == "" {
		t.Fatalf("err = %v, want a FileError", err)
	}
}

func asFileError(err error, fe **FileError) bool {
	for err != nil {
		if e, ok := err.(*FileError); ok {
			*fe = e
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}
