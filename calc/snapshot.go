package calc

import "math/big"

// IncomeToDate returns a household's cumulative per-capita net income this year up to the
// period's quarter (A_q of clause （一）), to the fen (rounded down), or nil when the ledger does
// not give it. The service stores it per period so later uploads see the trend (PriorIncome).
func IncomeToDate(p Period, h *Household) *Fen {
	if p.Quarter < 1 || p.Quarter > 4 {
		return nil
	}
	ytd := readIncomeX(h, p.Quarter).ytd
	if !ytd.ok() {
		return nil
	}
	// ytd × 100 truncated towards zero, in int64 while it fits.
	if ytd.b == nil {
		if cents, ok := mul64(ytd.n, 100); ok {
			v := Fen(cents / ytd.d)
			return &v
		}
	}
	cents := new(big.Rat).Mul(ytd.rat(), big.NewRat(100, 1))
	v := Fen(new(big.Int).Quo(cents.Num(), cents.Denom()).Int64())
	return &v
}
