package calc

import (
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"strconv"
	"strings"
)

// Fen is money in fen (0.01 yuan). Sums of money are always exact: never float64.
type Fen int64

// Yuan returns y yuan.
func Yuan(y int64) Fen { return Fen(y * 100) }

// String formats as yuan with two decimals: "800.00", "-12.50".
func (f Fen) String() string {
	var buf [24]byte
	return string(appendFixed(buf[:0], int64(f), 100, 2))
}

// appendFixed appends v ÷ den (den = 10^digits) as a decimal with exactly digits decimals,
// "-" first when v < 0: what fmt's "%s%d.%02d" and big.Rat.FloatString give, without either.
func appendFixed(b []byte, v int64, den uint64, digits int) []byte {
	u := uint64(v)
	if v < 0 {
		b = append(b, '-')
		u = -u
	}
	b = strconv.AppendUint(b, u/den, 10)
	b = append(b, '.')
	frac := u % den
	for d := den / 10; d > 1 && frac < d; d /= 10 {
		b = append(b, '0')
	}
	return strconv.AppendUint(b, frac, 10)
}

// trimDecimal drops trailing zeros of the decimals and then a trailing point: "0.07500" → "0.075".
func trimDecimal(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	if len(b) > 0 && b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	return b
}

// Text is the amount for a Chinese sentence: "800元", "812.5元".
func (f Fen) Text() string {
	var buf [32]byte
	return string(appendFenText(buf[:0], f))
}

// ParseYuan reads a plain decimal yuan amount ("800", "812.5", "-3.25"); at most two decimals.
func ParseYuan(s string) (Fen, error) {
	r, ok := new(big.Rat).SetString(strings.TrimSpace(s))
	if !ok {
		return 0, fmt.Errorf("parse yuan %q: not a number", s)
	}
	r.Mul(r, big.NewRat(100, 1))
	if !r.IsInt() {
		return 0, fmt.Errorf("parse yuan %q: more than two decimals", s)
	}
	if !r.Num().IsInt64() {
		return 0, fmt.Errorf("parse yuan %q: too large", s)
	}
	return Fen(r.Num().Int64()), nil
}

// MulRate returns f × r rounded down to the fen (towards zero), so that "not above r × f" holds.
func (f Fen) MulRate(r Rate) Fen {
	if hi, lo := bits.Mul64(uint64(abs64(int64(f))), uint64(abs64(int64(r)))); hi == 0 && lo <= math.MaxInt64 && f != math.MinInt64 && r != math.MinInt64 {
		q := int64(lo / uint64(RateOne)) // truncated towards zero, as big.Int.Quo
		if (f < 0) != (r < 0) {
			q = -q
		}
		return Fen(q)
	}
	return Fen(new(big.Int).Quo(new(big.Int).Mul(big.NewInt(int64(f)), big.NewInt(int64(r))), big.NewInt(int64(RateOne))).Int64())
}

// Rat returns f in yuan as an exact rational.
func (f Fen) Rat() *big.Rat { return big.NewRat(int64(f), 100) }

// MinFen returns the smallest of its arguments.
func MinFen(a Fen, rest ...Fen) Fen {
	for _, b := range rest {
		if b < a {
			a = b
		}
	}
	return a
}

// MaxFen returns the largest of its arguments.
func MaxFen(a Fen, rest ...Fen) Fen {
	for _, b := range rest {
		if b > a {
			a = b
		}
	}
	return a
}

// Rate is a ratio in millionths: 0.075 is Rate(75000), 30% is Rate(300000).
type Rate int64

// RateOne is the rate 1 (100%).
const RateOne Rate = 1_000_000

// ParseRate reads "0.075", "7.5%", "1".
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	pct := strings.HasSuffix(s, "%")
	s = strings.TrimSuffix(s, "%")
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, fmt.Errorf("parse rate %q: not a number", s)
	}
	r.Mul(r, big.NewRat(int64(RateOne), 1))
	if pct {
		r.Quo(r, big.NewRat(100, 1))
	}
	if !r.IsInt() {
		return 0, fmt.Errorf("parse rate %q: more than six decimals", s)
	}
	return Rate(r.Num().Int64()), nil
}

// RateOf returns the rate of a ratio held as a float (config files); exact to the millionth.
func RateOf(x float64) Rate {
	v, err := ParseRate(strconv.FormatFloat(x, 'f', -1, 64))
	if err != nil { // more than six decimals: round
		return Rate(x*float64(RateOne) + 0.5)
	}
	return v
}

// String is the plain decimal: "0.075", "1", "-0.2".
func (r Rate) String() string {
	var buf [32]byte
	return string(trimDecimal(appendFixed(buf[:0], int64(r), uint64(RateOne), 6)))
}

// Percent is the rate as a percentage: "7.5%".
func (r Rate) Percent() string {
	var buf [32]byte
	return string(append(trimDecimal(appendFixed(buf[:0], int64(r), uint64(RateOne)/100, 4)), '%'))
}

// Rat returns r as an exact rational.
func (r Rate) Rat() *big.Rat { return big.NewRat(int64(r), int64(RateOne)) }

// Area is a land area in hundredths of a mu (亩): 2.5亩 is Area(250).
type Area int64

// String formats as mu with up to two decimals: "2.5".
func (a Area) String() string {
	// "%d.%02d" of a/100 and |a|%100: the integer part carries the sign (-0.5 mu is "0.5").
	var buf [32]byte
	b := strconv.AppendInt(buf[:0], int64(a)/100, 10)
	b = append(b, '.')
	frac := abs64(int64(a)) % 100
	if frac < 10 {
		b = append(b, '0')
	}
	b = strconv.AppendInt(b, frac, 10)
	return string(trimDecimal(b))
}

// Times returns the money for this area at per mu (exact, in fen; hundredths of a fen dropped).
func (a Area) Times(per Fen) Fen { return Fen(int64(a) * int64(per) / 100) }

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
