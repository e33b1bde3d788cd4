package ledger

import (
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
	"zengshou/config"
)

// A cadre's own sheet that happens to be called 汇总 is the cadre's data: it is read, kept
// and never replaced; our summary gets another name and only our marked sheets are replaced on
// reprocessing. The cadre's sheet-scoped print area stays on the cadre's sheet.
func TestCadreSheetNamedLikeOursIsKept(t *testing.T) {
	dir := t.TempDir()
	gen := filepath.Join(dir, "gen.xlsx")
	if err := GenerateFile(gen, 12, 3, GenOptions{Quarter: 4, Villages: 1}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(gen)
	if err != nil {
		t.Fatal(err)
	}
	households := f.GetSheetName(0)
	if err := f.SetSheetName(households, SheetSummary); err != nil {
		t.Fatal(err)
	}
	if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Area", RefersTo: "'汇总'!$A$1:$H$20", Scope: SheetSummary}); err != nil {
		t.Fatal(err)
	}
	title, _ := f.GetCellValue(SheetSummary, "A1")
	in := filepath.Join(dir, "in.xlsx")
	if err := f.SaveAs(in); err != nil {
		t.Fatal(err)
	}
	f.Close()

	opt := Options{Policy: config.DefaultPolicy(), Period: calc.Period{Year: 2026, Quarter: 4}}
	out1, out2 := filepath.Join(dir, "o1.xlsx"), filepath.Join(dir, "o2.xlsx")
	r1, err := Process(in, out1, opt)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := Process(out1, out2, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(r1.Inputs.Households) != 12 || len(r2.Inputs.Households) != 12 {
		t.Fatalf("households read: %d then %d, want the cadre's 12 both times", len(r1.Inputs.Households), len(r2.Inputs.Households))
	}
	for _, out := range []string{out1, out2} {
		g, err := excelize.OpenFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := g.GetCellValue(SheetSummary, "A1"); got != title {
			t.Errorf("%s: the cadre's 汇总 A1 = %q, want %q (their sheet must be kept)", filepath.Base(out), got, title)
		}
		ours := ourSheetsOf(g)
		if !ours[SheetSummary+"（增收）"] || ours[SheetSummary] || len(ours) != 2 {
			t.Errorf("%s: our sheets = %v, want 汇总（增收） and 问题清单 only; sheets %v", filepath.Base(out), ours, g.GetSheetList())
		}
		found := false
		for _, dn := range g.GetDefinedName() {
			if dn.Name == "_xlnm.Print_Area" {
				found = true
				if dn.Scope != SheetSummary {
					t.Errorf("%s: print area now on %q, want the cadre's %q", filepath.Base(out), dn.Scope, SheetSummary)
				}
			}
		}
		if !found {
			t.Errorf("%s: the cadre's print area was lost", filepath.Base(out))
		}
		g.Close()
	}
}

// A password-protected upload is read with the configured password and its results are written
// from the decrypted copy (the encrypted original cannot be reopened for writing), then locked
// with the same password: the workbook names households and ID numbers and goes back to a chat.
func TestPasswordProtectedWorkbookIsWrittenBack(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.xlsx")
	if err := GenerateFile(plain, 8, 4, GenOptions{Quarter: 4, Villages: 1}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	enc := filepath.Join(dir, "enc.xlsx")
	if err := f.SaveAs(enc, excelize.Options{Password: "mima123"}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	out := filepath.Join(dir, "out.xlsx")
	opt := Options{Policy: config.DefaultPolicy(), Period: calc.Period{Year: 2026, Quarter: 4}, Read: ReadOptions{Password: "mima123"}}
	rep, err := Process(enc, out, opt)
	if err != nil {
		t.Fatalf("process encrypted workbook: %v", err)
	}
	if len(rep.Inputs.Households) != 8 {
		t.Fatalf("households: %d, want 8", len(rep.Inputs.Households))
	}
	if g, err := excelize.OpenFile(out); err == nil {
		g.Close()
		t.Fatal("the result opens without the password")
	}
	g, err := excelize.OpenFile(out, excelize.Options{Password: "mima123"})
	if err != nil {
		t.Fatalf("result: %v", err)
	}
	defer g.Close()
	if len(ourSheetsOf(g)) == 0 {
		t.Fatalf("no result sheets in %v", g.GetSheetList())
	}
	// A plain upload stays plain.
	plainOut := filepath.Join(dir, "plain-out.xlsx")
	if _, err := Process(plain, plainOut, opt); err != nil {
		t.Fatal(err)
	}
	h, err := excelize.OpenFile(plainOut)
	if err != nil {
		t.Fatalf("plain result: %v", err)
	}
	h.Close()
}
