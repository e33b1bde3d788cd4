package calc

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestSortBySheetRowIsTheStableSort checks sortByRef (integer keys, in-place permutation) against
// slices.SortStableFunc with the comparison it replaces, on random findings with few sheets,
// repeated rows and runs already in order.
func TestSortBySheetRowIsTheStableSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	sheets := []string{"户表", "牲畜", "务工", "", "到户项目"}
	for round := range 200 {
		n := r.IntN(300)
		s := make([]Finding, n)
		for i := range s {
			row := r.IntN(40) - 2
			if round%3 == 1 { // rows far apart: the comparison sort
				row = r.IntN(1 << 30)
			}
			s[i].Ref = Ref{Sheet: sheets[r.IntN(len(sheets))], Row: row}
			s[i].Explain = strings.Repeat("x", i%7) + string(rune('a'+i%26)) // tells equal keys apart
			s[i].Rule = Rules[i%len(Rules)].ID
		}
		if round%5 == 0 { // already in order
			slices.SortStableFunc(s, func(a, b Finding) int { return cmp.Compare(a.Ref.Row, b.Ref.Row) })
		}
		want := slices.Clone(s)
		slices.SortStableFunc(want, func(a, b Finding) int {
			if c := strings.Compare(a.Ref.Sheet, b.Ref.Sheet); c != 0 {
				return c
			}
			return cmp.Compare(a.Ref.Row, b.Ref.Row)
		})
		got := sortBySheetRow(s, func(f *Finding) (string, int) { return f.Ref.Sheet, f.Ref.Row })
		for i := range want {
			if got[i].Ref != want[i].Ref || got[i].Explain != want[i].Explain || got[i].Rule != want[i].Rule {
				t.Fatalf("round %d, n %d: position %d is %+v, want %+v", round, n, i, got[i].Ref, want[i].Ref)
			}
		}
		// sortStable on the same data with the same comparison.
		s2 := slices.Clone(want)
		r.Shuffle(len(s2), func(i, j int) { s2[i], s2[j] = s2[j], s2[i] })
		w2 := slices.Clone(s2)
		slices.SortStableFunc(w2, func(a, b Finding) int { return strings.Compare(a.Explain, b.Explain) })
		g2 := sortStable(s2, func(a, b *Finding) int { return strings.Compare(a.Explain, b.Explain) })
		for i := range w2 {
			if g2[i].Explain != w2[i].Explain || g2[i].Ref != w2[i].Ref {
				t.Fatalf("sortStable round %d: position %d differs", round, i)
			}
		}
	}
}
