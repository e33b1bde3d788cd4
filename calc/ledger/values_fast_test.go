package ledger

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"zengshou/calc"
)

// The fast paths of parseFen, parseCount and cleanText give what the general code gives.

func slowFen(s string) (calc.Fen, bool, error) {
	r, ok, err := ParseNumber(s)
	if err != nil || !ok {
		return 0, ok, err
	}
	v, fits := roundRat(r, 100)
	if !fits {
		return 0, true, verr("数值过大")
	}
	return calc.Fen(v), true, nil
}

func slowClean(s string) string {
	s = norm.NFKC.String(s)
	var b strings.Builder
	for _, r := range s {
		if unicode.IsSpace(r) || isZeroWidth(r) || r == utf8.RuneError {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func TestFastPathsMatch(t *testing.T) {
	cases := []string{"0", "-0", "1200", "3050.5", "0.125", "-0.005", "-0.004", "0.005", "2.675", "999999999999999",
		"-999999999999.99", "12.", ".5", "1e3", "+5", "007", "1,200", " 12 ", "１２", "3.0000000001", "2.5", "-3", "1000000001",
		"99999999999999.995", "0.0000000000001", "--1", "1.2.3", "", "-", "a b\tc\n", "中 文", "x\u200by", "\x7f ", "ab"}
	rng := rand.New(rand.NewSource(1))
	for range 2000 {
		cases = append(cases, fmt.Sprintf("%.*f", rng.Intn(8), (rng.Float64()-0.3)*math10(rng.Intn(14))))
	}
	for _, s := range cases {
		f1, ok1, e1 := parseFen(s)
		f2, ok2, e2 := slowFen(s)
		if f1 != f2 || ok1 != ok2 || (e1 == nil) != (e2 == nil) {
			t.Errorf("parseFen(%q) = %v %v %v, general %v %v %v", s, f1, ok1, e1, f2, ok2, e2)
		}
		if got, want := cleanText(s), slowClean(s); got != want {
			t.Errorf("cleanText(%q) = %q, want %q", s, got, want)
		}
	}
	for _, s := range []string{"0", "12", "1000000000", "1000000001", "-1", "2.0", "3"} {
		n1, ok1, e1 := parseCount(s)
		r, ok2, e2 := ParseNumber(s)
		var n2 int
		if e2 == nil && ok2 {
			if r.Sign() < 0 {
				e2 = verr("neg")
			} else if v, fits := roundRat(r, 1); !fits || v > 1e9 {
				e2 = verr("big")
			} else {
				n2 = int(v)
			}
		}
		if n1 != n2 || ok1 != ok2 || (e1 == nil) != (e2 == nil) {
			t.Errorf("parseCount(%q) = %v %v %v, general %v %v %v", s, n1, ok1, e1, n2, ok2, e2)
		}
	}
}

func math10(n int) float64 {
	v := 1.0
	for range n {
		v *= 10
	}
	return v
}
