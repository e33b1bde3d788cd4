package calc

import "math/big"

// IncomeToDate returns a household's cumulative per-capita net income this year up to the
// period's quarter (A_q of clause （一）), to the fen (rounded down), or nil when the ledger does
// not give it. The service stores it per period so later uploads see the trend (PriorIncome).
func IncomeToDate(p Period, h *Household) *Fen {
	if p.Quarter < 1 || p.Quarter > 4 {
		return nil
	}
	f := readIncome(h, p.Quarter)
	if f.ytd == nil {
		return nil
	}
	cents := new(big.Rat).Mul(f.ytd, big.NewRat(100, 1))
	v := Fen(new(big.Int).Quo(cents.Num(), cents.Denom()).Int64())
	return &v
}
