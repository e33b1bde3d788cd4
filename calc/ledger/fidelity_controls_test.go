package ledger

import (
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"
)

// Check boxes (form controls, drawn in the same VML part as the notes) beside the households
// and a cadre's note: our notes join the VML part, the check boxes and the note stay, through
// a second run.
func TestFidelityFormControls(t *testing.T) {
	for _, mode := range []string{ModeColumns, ModeSheet} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			base := fidBase(t, dir)
			f, err := excelize.OpenFile(base)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []string{"AC6", "AC7"} {
				if err := f.AddFormControl(fidIncome, excelize.FormControl{Cell: c, Type: excelize.FormControlCheckBox, Text: "已落实", Checked: true}); err != nil {
					t.Fatal(err)
				}
			}
			if err := f.AddComment(fidIncome, excelize.Comment{Cell: "F8", Author: "李会计", Paragraph: []excelize.RichTextRun{{Text: "户主待核实"}}}); err != nil {
				t.Fatal(err)
			}
			in := filepath.Join(dir, "in.xlsx")
			if err := f.SaveAs(in); err != nil {
				t.Fatal(err)
			}
			f.Close()
			for _, out := range fidTwice(t, dir, mode, in, 0) {
				fidValidate(t, out)
				fidWellFormed(t, out)
				fidCompareCells(t, in, out, fidIncome)
				g, err := excelize.OpenFile(out)
				if err != nil {
					t.Fatal(err)
				}
				fc, err := g.GetFormControls(fidIncome)
				if err != nil || len(fc) != 2 || fc[0].Cell != "AC6" || !fc[0].Checked || fc[1].Text != "已落实" {
					t.Errorf("%s: form controls %+v (%v)", filepath.Base(out), fc, err)
				}
				cms, _ := g.GetComments(fidIncome)
				cadre := 0
				for _, c := range cms {
					if c.Author == "李会计" && c.Cell == "F8" {
						cadre++
					}
				}
				if cadre != 1 {
					t.Errorf("%s: the cadre's note on F8 is there %d times", filepath.Base(out), cadre)
				}
				g.Close()
			}
		})
	}
}
