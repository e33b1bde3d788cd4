package calc

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// Fen is money in fen (0.01 yuan). Sums of money are always exact: never float64.
type Fen int64

// Yuan returns y yuan.
func Yuan(y int64) Fen { return Fen(y * 100) }

// String formats as yuan with two decimals: "800.00", "-12.50".
func (f Fen) String() string {
	sign := ""
	v := int64(f)
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// Text is the amount for a Chinese sentence: "800元", "812.5元".
func (f Fen) Text() string {
	s := f.String()
	s = strings.TrimSuffix(s, ".00")
	if strings.Contains(s, ".") {
		s = strings.TrimSuffix(s, "0")
	}
	return s + "元"
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
	s := new(big.Rat).SetFrac64(int64(r), int64(RateOne)).FloatString(6)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// Percent is the rate as a percentage: "7.5%".
func (r Rate) Percent() string {
	s := new(big.Rat).SetFrac64(int64(r), int64(RateOne)/100).FloatString(4)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".") + "%"
}

// Rat returns r as an exact rational.
func (r Rate) Rat() *big.Rat { return big.NewRat(int64(r), int64(RateOne)) }

// Area is a land area in hundredths of a mu (亩): 2.5亩 is Area(250).
type Area int64

// String formats as mu with up to two decimals: "2.5".
func (a Area) String() string {
	s := fmt.Sprintf("%d.%02d", int64(a)/100, abs64(int64(a))%100)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// Times returns the money for this area at per mu (exact, in fen; hundredths of a fen dropped).
func (a Area) Times(per Fen) Fen { return Fen(int64(a) * int64(per) / 100) }

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
