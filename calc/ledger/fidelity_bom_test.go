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
		for _, out := range fidTwice(t, dir, mode, in, 50) {
			fidValidate(t, out)
			fidCompareCells(t, base, out, fidIncome)
		}
	}
}
