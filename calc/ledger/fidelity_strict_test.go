package ledger

import (
	"path/filepath"
	"testing"
)

// The featured ledger saved as Strict Open XML: after processing, everything of the cadre's
// is there as in the transitional original.
func TestFidelityStrictFeatured(t *testing.T) {
	for _, mode := range []string{ModeColumns, ModeSheet} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			plain, in, out := filepath.Join(dir, "plain.xlsx"), filepath.Join(dir, "strict.xlsx"), filepath.Join(dir, "out.xlsx")
			buildFidFeatured(t, plain)
			toStrictFile(t, plain, in)
			opt := processOptions(t)
			opt.Write.Mode = mode
			rep, err := Process(in, out, opt)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Summary.Households != 50 {
				t.Errorf("%d households", rep.Summary.Households)
			}
			fidValidate(t, out)
			widths := map[string]int{fidIncome: 29, fidStock: 13, fidLabor: 13, fidNotes: 3, fidParams: 1, fidChart: 1}
			for _, sh := range fidSortedKeys(widths) {
				fidCompareCells(t, plain, out, sh)
				fidCompareExtras(t, plain, out, sh, widths[sh])
			}
			if a, b := fidDefinedNames(t, plain), fidDefinedNames(t, out); len(a) != len(b) {
				t.Errorf("defined names:\nbefore %v\nafter  %v", a, b)
			}
		})
	}
}
