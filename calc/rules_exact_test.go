package calc

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// TestXratMatchesBigRat checks the int64 rationals of clause （一） against math/big.Rat, the
// arithmetic they replaced: every operation, comparison and rounding, on small, edge and
// overflowing values.
func TestXratMatchesBigRat(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	pick := func() xrat {
		switch r.IntN(6) {
		case 0:
			return xfrac(r.Int64N(2001)-1000, 1+r.Int64N(1000))
		case 1:
			return xfen(Fen(r.Int64N(1<<40) - 1<<39))
		case 2:
			return xrate(Rate(r.Int64N(3_000_000) - 1_000_000))
		case 3:
			return xfrac(r.Int64()-r.Int64(), 1+r.Int64N(math.MaxInt64))
		case 4:
			edges := []int64{math.MinInt64, math.MinInt64 + 1, math.MaxInt64, -1, 0, 1, 1 << 62}
			return xfrac(edges[r.IntN(len(edges))], []int64{1, 3, math.MaxInt64, 1 << 40}[r.IntN(4)])
		}
		return xbig(big.NewRat(r.Int64N(1<<50)-1<<49, 1+r.Int64N(1<<50)))
	}
	same := func(op string, got xrat, want *big.Rat) {
		t.Helper()
		if got.rat().Cmp(want) != 0 {
			t.Fatalf("%s = %v, want %v", op, got.rat(), want)
		}
	}
	for range 200000 {
		a, b := pick(), pick()
		ra, rb := a.rat(), b.rat()
		same("add", xadd(a, b), new(big.Rat).Add(ra, rb))
		same("sub", xsub(a, b), new(big.Rat).Sub(ra, rb))
		same("mul", xmul(a, b), new(big.Rat).Mul(ra, rb))
		same("neg", xneg(a), new(big.Rat).Neg(ra))
		same("abs", xabs(a), new(big.Rat).Abs(ra))
		if rb.Sign() != 0 {
			same("quo", xquo(a, b), new(big.Rat).Quo(ra, rb))
		}
		if got, want := xcmp(a, b), ra.Cmp(rb); got != want {
			t.Fatalf("cmp(%v, %v) = %d, want %d", ra, rb, got, want)
		}
		if got, want := a.sign(), ra.Sign(); got != want {
			t.Fatalf("sign(%v) = %d, want %d", ra, got, want)
		}
		if got, want := a.fen(), ratFen(ra); got != want {
			t.Fatalf("fen(%v) = %d, want %d", ra, got, want)
		}
		if got, want := a.pct(), pctText(ra); got != want {
			t.Fatalf("pct(%v) = %q, want %q", ra, got, want)
		}
		if got, want := a.rate(), ratRate(ra); got != want {
			t.Fatalf("rate(%v) = %d, want %d", ra, got, want)
		}
	}
	// Halves round away from zero; the 持平 edge |g| = 0.01 compares equal.
	for _, c := range []struct {
		x    xrat
		fen  Fen
		pct  string
		rate Rate
	}{
		{xfrac(1, 200), 1, "0.5%", 5000},
		{xfrac(-1, 200), -1, "-0.5%", -5000},
		{xfrac(1, 20000), 0, "0.01%", 50},
		{xfrac(-1, 20000), 0, "-0.01%", -50},
		{xfrac(-1, 2000000), 0, "0%", -1},
	} {
		if c.x.fen() != c.fen || c.x.pct() != c.pct || c.x.rate() != c.rate {
			t.Errorf("%v: fen %d pct %q rate %d, want %d %q %d", c.x.rat(), c.x.fen(), c.x.pct(), c.x.rate(), c.fen, c.pct, c.rate)
		}
	}
	if xcmp(xabs(xfrac(-101, 10100)), xrate(10000)) != 0 {
		t.Error("|−0.01| ≠ 1%")
	}
}
