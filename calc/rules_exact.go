package calc

import (
	"math"
	"math/big"
	"math/bits"
)

// xrat is an exact rational number n/d (d > 0) held in two int64s while it fits, and in a
// math/big.Rat only when a result would overflow (issue 9: clause （一） must never be the
// bottleneck). It is not kept in lowest terms: n/d and 2n/2d are the same number, and every use
// of a value — comparison (exact 128-bit cross-multiplication), rounding to the fen or to a
// percentage — gives exactly what the same computation with math/big.Rat gives.
//
// The zero xrat (d = 0, b = nil) is "no value", like a nil *big.Rat.
type xrat struct {
	n, d int64
	b    *big.Rat // when non-nil, the value (n and d unused)
}

// xfrac is n/d for d > 0.
func xfrac(n, d int64) xrat { return xrat{n: n, d: d} }

// xint is n as a rational.
func xint(n int64) xrat { return xrat{n: n, d: 1} }

// xfen is f in yuan.
func xfen(f Fen) xrat { return xrat{n: int64(f), d: 100} }

// xrate is r as a ratio.
func xrate(r Rate) xrat { return xrat{n: int64(r), d: int64(RateOne)} }

// xbig wraps a big.Rat (kept as is).
func xbig(r *big.Rat) xrat { return xrat{b: r} }

// ok reports whether x holds a value.
func (x xrat) ok() bool { return x.d != 0 || x.b != nil }

// rat returns x as a new big.Rat (nil when x holds no value).
func (x xrat) rat() *big.Rat {
	switch {
	case x.b != nil:
		return new(big.Rat).Set(x.b)
	case x.d == 0:
		return nil
	}
	return new(big.Rat).SetFrac64(x.n, x.d)
}

func uabs(v int64) uint64 {
	if v < 0 {
		return -uint64(v)
	}
	return uint64(v)
}

// mul64 is a × b, ok false on overflow.
func mul64(a, b int64) (int64, bool) {
	hi, lo := bits.Mul64(uabs(a), uabs(b))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, false
	}
	if (a < 0) != (b < 0) {
		return -int64(lo), true
	}
	return int64(lo), true
}

// add64 is a + b, ok false on overflow.
func add64(a, b int64) (int64, bool) {
	c := a + b
	if (a >= 0) == (b >= 0) && (c >= 0) != (a >= 0) {
		return 0, false
	}
	return c, true
}

// gcd64 is the greatest common divisor (gcd(0, v) = v).
func gcd64(a, b uint64) uint64 {
	if a == 0 {
		return b
	}
	if b == 0 {
		return a
	}
	if a == 1 || b == 1 || a == b {
		return min(a, b)
	}
	shift := bits.TrailingZeros64(a | b)
	a >>= bits.TrailingZeros64(a)
	for b != 0 {
		b >>= bits.TrailingZeros64(b)
		if a > b {
			a, b = b, a
		}
		b -= a
	}
	return a << shift
}

// reduce returns x in lowest terms (small form only).
func (x xrat) reduce() xrat {
	if x.b != nil || x.d == 0 {
		return x
	}
	if g := gcd64(uabs(x.n), uint64(x.d)); g > 1 {
		x.n /= int64(g)
		x.d /= int64(g)
	}
	return x
}

// sign is -1, 0 or +1.
func (x xrat) sign() int {
	if x.b != nil {
		return x.b.Sign()
	}
	switch {
	case x.n < 0:
		return -1
	case x.n > 0:
		return 1
	}
	return 0
}

func xneg(x xrat) xrat {
	if x.b == nil && x.n != math.MinInt64 {
		return xrat{n: -x.n, d: x.d}
	}
	return xbig(new(big.Rat).Neg(x.rat()))
}

func xabs(x xrat) xrat {
	if x.sign() < 0 {
		return xneg(x)
	}
	return x
}

func xmul(a, b xrat) xrat {
	if a.b == nil && b.b == nil {
		if n, ok := mul64(a.n, b.n); ok {
			if d, ok := mul64(a.d, b.d); ok {
				return xrat{n: n, d: d}
			}
		}
		a, b = a.reduce(), b.reduce()
		if g := gcd64(uabs(a.n), uint64(b.d)); g > 1 {
			a.n, b.d = a.n/int64(g), b.d/int64(g)
		}
		if g := gcd64(uabs(b.n), uint64(a.d)); g > 1 {
			b.n, a.d = b.n/int64(g), a.d/int64(g)
		}
		if n, ok := mul64(a.n, b.n); ok {
			if d, ok := mul64(a.d, b.d); ok {
				return xrat{n: n, d: d}
			}
		}
	}
	return xbig(new(big.Rat).Mul(a.rat(), b.rat()))
}

// xquo is a ÷ b; it panics when b is zero, as big.Rat.Quo does.
func xquo(a, b xrat) xrat {
	if b.b == nil {
		switch {
		case b.n > 0:
			return xmul(a, xrat{n: b.d, d: b.n})
		case b.n < 0 && b.n != math.MinInt64:
			return xmul(a, xrat{n: -b.d, d: -b.n})
		}
	}
	return xbig(new(big.Rat).Quo(a.rat(), b.rat()))
}

func xadd(a, b xrat) xrat {
	if a.b == nil && b.b == nil {
		if a.d == b.d {
			if n, ok := add64(a.n, b.n); ok {
				return xrat{n: n, d: a.d}
			}
		}
		for try := 0; try < 2; try++ {
			if try == 1 {
				a, b = a.reduce(), b.reduce()
			}
			g := gcd64(uint64(a.d), uint64(b.d))
			da, db := a.d/int64(g), b.d/int64(g) // lcm = a.d × db = b.d × da
			x, ok1 := mul64(a.n, db)
			y, ok2 := mul64(b.n, da)
			d, ok3 := mul64(a.d, db)
			if ok1 && ok2 && ok3 {
				if n, ok := add64(x, y); ok {
					return xrat{n: n, d: d}
				}
			}
		}
	}
	return xbig(new(big.Rat).Add(a.rat(), b.rat()))
}

func xsub(a, b xrat) xrat { return xadd(a, xneg(b)) }

// xcmp compares a and b exactly: -1, 0 or +1.
func xcmp(a, b xrat) int {
	if a.b != nil || b.b != nil {
		return a.rat().Cmp(b.rat())
	}
	// a.n × b.d against b.n × a.d (denominators are positive).
	sa, sb := xint(a.n).sign(), xint(b.n).sign()
	if sa != sb {
		if sa < sb {
			return -1
		}
		return 1
	}
	if sa == 0 {
		return 0
	}
	h1, l1 := bits.Mul64(uabs(a.n), uint64(b.d))
	h2, l2 := bits.Mul64(uabs(b.n), uint64(a.d))
	c := 0
	switch {
	case h1 < h2 || (h1 == h2 && l1 < l2):
		c = -1
	case h1 > h2 || l1 > l2:
		c = 1
	}
	return c * sa
}

// roundScaled is x × scale rounded half away from zero; ok false when x is big or the result
// does not fit (the caller then rounds with math/big).
func (x xrat) roundScaled(scale uint64) (int64, bool) {
	if x.b != nil || x.d <= 0 {
		return 0, false
	}
	d := uint64(x.d)
	hi, lo := bits.Mul64(uabs(x.n), scale)
	if hi >= d {
		return 0, false
	}
	q, r := bits.Div64(hi, lo, d)
	if r >= d-r { // 2r ≥ d
		q++
	}
	if q > math.MaxInt64 {
		return 0, false
	}
	if x.n < 0 {
		return -int64(q), true
	}
	return int64(q), true
}

// fen is x (yuan) rounded to the fen, half away from zero: ratFen.
func (x xrat) fen() Fen {
	if v, ok := x.roundScaled(100); ok {
		return Fen(v)
	}
	return ratFen(x.rat())
}

// text is ratText: "4837.5元".
func (x xrat) text() string { return x.fen().Text() }

// pct is pctText: "7.5%", "-1.01%".
func (x xrat) pct() string {
	var buf [32]byte
	if b, ok := x.appendPct(buf[:0]); ok {
		return string(b)
	}
	return pctText(x.rat())
}

// appendPct appends x.pct() to b; ok is false (b unchanged) when x is big or too large to
// round in int64 (the caller then uses pctText).
func (x xrat) appendPct(b []byte) ([]byte, bool) {
	v, ok := x.roundScaled(10000)
	if !ok {
		return b, false
	}
	k := len(b)
	b = trimDecimal(appendFixed(b, v, 100, 2)) // stops at the '.' appendFixed writes
	if string(b[k:]) == "-0" {
		b = append(b[:k], '0')
	}
	return append(b, '%'), true
}

// xpct returns x.pct() ("7.5%") in the evaluation's texts.
func (t *texts) xpct(x xrat) string {
	t.addXPct(x)
	return t.done()
}

// addXPct appends x.pct() to the string being built.
func (t *texts) addXPct(x xrat) {
	t.room(32)
	if b, ok := x.appendPct(t.buf); ok {
		t.buf = b
		return
	}
	t.add(pctText(x.rat()))
}

// xyuan returns x.text() ("4837.5元") in the evaluation's texts.
func (t *texts) xyuan(x xrat) string { return t.fen(x.fen()) }

// rate is ratRate: x rounded to the millionth, half away from zero.
func (x xrat) rate() Rate {
	if v, ok := x.roundScaled(uint64(RateOne)); ok {
		return Rate(v)
	}
	return ratRate(x.rat())
}
