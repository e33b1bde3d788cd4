package calc

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// TestTextsKeepEveryString builds many strings in texts — whole (cat, fen, num), piece by
// piece (add … done, across chunk boundaries) and long ones bigger than a chunk — and checks
// at the end that every string handed out still reads as it was built: nothing written later
// overwrites an earlier string.
func TestTextsKeepEveryString(t *testing.T) {
	var tx texts
	r := rand.New(rand.NewPCG(5, 6))
	var got, want []string
	for i := range 60000 {
		switch i % 4 {
		case 0:
			a, b := strings.Repeat("户", r.IntN(20)), strconv.Itoa(i)
			got, want = append(got, tx.cat(a, "第", b, "行")), append(want, a+"第"+b+"行")
		case 1:
			f := Fen(r.Int64N(1<<40) - 1<<39)
			got, want = append(got, tx.fen(f)), append(want, f.Text())
		case 2:
			var w strings.Builder
			for k := r.IntN(40); k > 0; k-- {
				p := strings.Repeat("收", r.IntN(9)) + strconv.Itoa(k)
				tx.add(p)
				w.WriteString(p)
			}
			got, want = append(got, tx.done()), append(want, w.String())
		default:
			if i%20000 == 3 { // longer than a chunk (rarely: the chunk after it is larger)
				s := strings.Repeat("长", textChunk/2)
				got, want = append(got, tx.cat(s, "尾")), append(want, s+"尾")
			} else {
				got, want = append(got, tx.num(i, "头")), append(want, strconv.Itoa(i)+"头")
			}
		}
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("string %d reads %q, was built as %q", i, got[i], want[i])
		}
	}
	var s slab[Input]
	a := s.take(1, Input{"甲", "1"})
	b := s.take(0, Input{"乙", "2"})
	a = append(a, Input{"丙", "3"}, Input{"丁", "4"}) // past the spare: a new array
	if b[0] != (Input{"乙", "2"}) || len(a) != 3 || a[2] != (Input{"丁", "4"}) {
		t.Fatalf("slab: a %v, b %v", a, b)
	}
}
