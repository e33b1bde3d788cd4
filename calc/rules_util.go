package calc

import (
	"math/big"
	"strconv"
	"strings"
)

// Small helpers shared by the rules of clauses （一）–（七）.

// ratFen rounds an exact amount in yuan to the fen, half away from zero.
func ratFen(r *big.Rat) Fen { return Fen(roundScaled(r, 100)) }

// ratRate rounds an exact ratio to a Rate (millionths), half away from zero.
func ratRate(r *big.Rat) Rate { return Rate(roundScaled(r, int64(RateOne))) }

// roundScaled returns r × scale rounded half away from zero.
func roundScaled(r *big.Rat, scale int64) int64 {
	x := new(big.Rat).Mul(r, big.NewRat(scale, 1))
	num, den := new(big.Int).Set(x.Num()), x.Denom()
	neg := num.Sign() < 0
	num.Abs(num)
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	if new(big.Int).Mul(m, big.NewInt(2)).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if neg {
		q.Neg(q)
	}
	return q.Int64()
}

// ratText is an exact yuan amount for a sentence, rounded to the fen: "4837.5元".
func ratText(r *big.Rat) string { return ratFen(r).Text() }

// pctText is a ratio as a percentage with at most two decimals, rounded half away from zero
// (for explanations only; comparisons are exact): "7.5%", "-1.01%".
func pctText(r *big.Rat) string {
	x := new(big.Rat).Mul(r, big.NewRat(100, 1))
	s := ratFen(x).String() // two decimals
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" {
		s = "0"
	}
	return s + "%"
}

// intRat is n as a rational.
func intRat(n int) *big.Rat { return big.NewRat(int64(n), 1) }

// lostLaborCovered reports whether a reason for lost labor capacity is one the seed names
// (因病、因年龄增长). Empty is not covered.
func lostLaborCovered(why string) bool {
	return strings.Contains(why, "病") || strings.Contains(why, "年龄") || strings.Contains(why, "老")
}

// householdFinding starts a finding about household h (subject, name, unit, row).
func householdFinding(rule string, h *Household) Finding {
	return Finding{Rule: rule, Subject: h.ID, SubjectName: h.Head, Household: h.ID, Unit: h.Unit, Ref: h.Ref}
}

// taskFinding emits a finding of kind task and the task for the responsible cadre. The task
// copies the finding's subject, household, unit, row and amount; explain is its text, which
// cites the clause.
func (e *eval) taskFinding(f Finding, cadre, explain, detail string) {
	f.Kind = KindTask
	e.emit(f)
	clause := f.Clause
	if clause == "" {
		if r, ok := e.rule(f.Rule); ok {
			clause = r.Clause
		}
	}
	e.task(Task{Rule: f.Rule, Clause: clause, Subject: f.Subject, SubjectName: f.SubjectName, Household: f.Household,
		Unit: f.Unit, Ref: f.Ref, Cadre: cadre, Amount: f.Amount, Explain: e.t.cat("依据《若干措施》", clause, "：", explain)}, detail)
}

// cellError reports a data error on a row: "第N行'列'…" when the row is known.
func (e *eval) cellError(ref Ref, column, rule, msg string) {
	if ref.Row > 0 {
		msg = e.t.cat("第", e.t.itoa(ref.Row), "行", msg)
	}
	e.dataError(ref, column, rule, msg)
}

// rowText is "第N行" for a known row, else "".
func rowText(ref Ref) string {
	if ref.Row > 0 {
		return "第" + strconv.Itoa(ref.Row) + "行"
	}
	return ""
}

// fenPtr returns a pointer to a copy of f.
func fenPtr(f Fen) *Fen { return &f }

// capLimit is a per-year cap for household h under the county's cap basis (clause （三）:
// "按户或者按人落实"): the cap itself per household, or cap × 家庭人口数 per person. ok is false
// when the basis is per person and the household's size is unknown.
func (e *eval) capLimit(cap Fen, h *Household, county string) (limit Fen, text string, used Used, ok bool) {
	basis, used := pValue(e, &e.pol.CapBasis, county, e.asOf)
	if basis == CapPerPerson {
		if h == nil || h.Members <= 0 {
			return 0, "", used, false
		}
		limit = Fen(int64(cap) * int64(h.Members))
		return limit, e.t.cat("每人每年", e.t.fen(cap), "（", e.t.itoa(h.Members), "人，共", e.t.fen(limit), "）"), used, true
	}
	return cap, e.t.cat("每户每年", e.t.fen(cap)), used, true
}
