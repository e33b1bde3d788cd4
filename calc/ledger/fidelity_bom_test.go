package ledger

import (
	"path/filepath"
	"strings"
	"testing"
)

// Every XML part starting with a byte-order mark (some exporters write one): processed twice,
// valid, the cadre's cells kept.
func TestFidelityByteOrderMark(t *testing.T) {
	for _, mode := range []string{ModeColumns, ModeSheet} {
		dir := t.TempDir()
		base := fidBase(t, dir)
		in := filepath.Join(dir, "in.xlsx")
		fidRewriteZip(t, base, in, func(name, body string) string {
			if strings.HasSuffix(name, ".xml") || strings.HasSuffix(name, ".rels") {
				return "\ufeff" + body
			}
			return body
		}, nil)
		cur := in
		for i := 0; i < 2; i++ {
			out := filepath.Join(dir, mode+strings.Repeat("2", i)+".xlsx")
			o := processOptions(t)
			o.Write.Mode = mode
			rep, err := Process(cur, out, o)
			if err != nil {
				t.Fatalf("%s %d: %v", mode, i, err)
			}
			if rep.Summary.Households != 50 {
				t.Errorf("%s %d: %d households", mode, i, rep.Summary.Households)
			}
			fidValidate(t, out)
			fidCompareCells(t, base, out, fidIncome)
			cur = out
		}
	}
}
