package calc

import (
	"strconv"
	"strings"
)

// Clause （三）: 产业发展类补贴 — calves and lambs sold, contracted land, entrusted land — each
// capped separately per household per year (or per person where the county's cap_basis is
// "person"), and the livestock ledger's consistency.

func evalIndustry(e *eval) {
	e.evalLivestock()
	e.evalLand()
}

// livestockIssue is a contradiction of a livestock row: the column and the message.
type livestockIssue struct{ col, msg string }

// livestockIssues appends the contradictions of one livestock row to out.
func livestockIssues(t *texts, r *LivestockRecord, out []livestockIssue) []livestockIssue {
	neg := [...]struct {
		col string
		v   int
	}{{"年初存栏", r.StockStart}, {"受孕", r.Pregnant}, {"出生", r.Born}, {"购入", r.Bought}, {"出售", r.Sold}, {"出售幼畜", r.YoungSold}, {"死淘", r.Died}}
	n := len(out)
	for _, x := range neg {
		if x.v < 0 {
			out = append(out, livestockIssue{x.col, t.cat("‘", x.col, "’为负数（", t.itoa(x.v), "）")})
		}
	}
	if r.StockEnd != nil && *r.StockEnd < 0 {
		out = append(out, livestockIssue{"存栏", t.cat("‘存栏’为负数（", t.itoa(*r.StockEnd), "）")})
	}
	if len(out) > n {
		return out
	}
	sold := soldName(r.Species)
	avail := r.StockStart + r.Born + r.Bought
	if r.Sold > avail {
		out = append(out, livestockIssue{"出售", t.cat("‘出售’", t.itoa(r.Sold), "头（只）多于年初存栏", t.itoa(r.StockStart),
			"+出生", t.itoa(r.Born), "+购入", t.itoa(r.Bought), "=", t.itoa(avail))})
	}
	if r.Sold > 0 && r.YoungSold > r.Sold {
		out = append(out, livestockIssue{sold, t.cat("‘", sold, "’", t.itoa(r.YoungSold), "多于‘出售’合计", t.itoa(r.Sold))})
	}
	if r.Sold == 0 && r.YoungSold > avail {
		out = append(out, livestockIssue{sold, t.cat("‘", sold, "’", t.itoa(r.YoungSold), "多于年初存栏", t.itoa(r.StockStart),
			"+出生", t.itoa(r.Born), "+购入", t.itoa(r.Bought), "=", t.itoa(avail))})
	}
	if r.StockEnd != nil {
		sold := r.Sold
		if sold == 0 {
			sold = r.YoungSold
		}
		want := avail - sold - r.Died
		if *r.StockEnd != want {
			out = append(out, livestockIssue{"存栏", t.cat("‘存栏’", t.itoa(*r.StockEnd), "不等于年初存栏", t.itoa(r.StockStart),
				"+出生", t.itoa(r.Born), "+购入", t.itoa(r.Bought), "−出售", t.itoa(sold), "−死淘", t.itoa(r.Died), "=", t.itoa(want))})
		}
	}
	return out
}

func youngName(species string) string {
	if species == Sheep {
		return "羔羊"
	}
	return "犊牛"
}

// soldName is the column of the young sold: "出售" + youngName(species).
func soldName(species string) string {
	if species == Sheep {
		return "出售羔羊"
	}
	return "出售犊牛"
}

// subsidyRate is one of clause （三）'s subsidies in a county: the amount per unit, the yearly
// cap and the parameters they come from.
type subsidyRate struct {
	per, cap Fen
	perText  string // per.Text()
	params   [2]Used
}

// rateCache keeps a subsidy's rate for the county of the last record (records come by county).
type rateCache struct {
	county string
	ok     bool
	subsidyRate
}

func (c *rateCache) get(e *eval, perP, capP *Param[Fen], county string) *subsidyRate {
	if !c.ok || c.county != county {
		per, perU := pValue(e, perP, county, e.asOf)
		capV, capU := pValue(e, capP, county, e.asOf)
		c.county, c.ok = county, true
		c.subsidyRate = subsidyRate{per: per, cap: capV, perText: e.t.fen(per), params: [2]Used{perU, capU}}
	}
	return &c.subsidyRate
}

// countyOf is the county of household h ("" when unknown).
func countyOf(h *Household) string {
	if h == nil {
		return ""
	}
	return h.County
}

type youngKey struct{ household, species string }

type youngSum struct {
	first *LivestockRecord
	h     *Household
	n     int   // young sold
	row   int   // the first row number (0: none)
	more  []int // the row numbers after it
}

func (e *eval) evalLivestock() {
	// Several rows of one household and species add up before the cap; inconsistent rows are
	// excluded (never fixed).
	index := make(map[youngKey]int, len(e.in.Livestock)) // into sums
	sums := make([]youngSum, 0, len(e.in.Livestock))
	var issues [8]livestockIssue
	for i := range e.in.Livestock {
		r := &e.in.Livestock[i]
		if r.Species != Cattle && r.Species != Sheep {
			e.res.Errors = append(e.res.Errors, DataError{Sheet: r.Sheet, Row: r.Row, Column: "畜种", Rule: "livestock_inconsistent", Warning: true,
				Message: e.t.cat(rowText(r.Ref), "畜种‘", r.Species, "’无法识别（应为牛或羊），未计算出售奖补")})
			continue
		}
		if is := livestockIssues(&e.t, r, issues[:0]); len(is) > 0 {
			e.livestockInconsistent(r, is)
			continue
		}
		if r.YoungSold <= 0 {
			continue
		}
		k := youngKey{r.Household, r.Species}
		j, ok := index[k]
		if !ok {
			j = len(sums)
			index[k] = j
			sums = append(sums, youngSum{first: r, h: e.household(r.Household)})
		}
		s := &sums[j]
		s.n += r.YoungSold
		if r.Row > 0 {
			if s.row == 0 {
				s.row = r.Row
			} else {
				s.more = append(s.more, r.Row)
			}
		}
	}
	var calf, lamb rateCache
	for i := range sums {
		s := &sums[i]
		r, h := s.first, s.h
		if h != nil && h.Category == CategoryOrdinary {
			continue
		}
		county := countyOf(h)
		var rule, unit string
		var rt *subsidyRate
		if r.Species == Sheep {
			rule, unit, rt = "lamb_sale", "只", lamb.get(e, &e.pol.LambPerHead, &e.pol.LambCap, county)
		} else {
			rule, unit, rt = "calf_sale", "头", calf.get(e, &e.pol.CalfPerHead, &e.pol.CalfCap, county)
		}
		sold, num := soldName(r.Species), e.t.num(s.n, unit)
		inputs := e.ins.take(2, Input{sold, num})
		if len(s.more) > 0 {
			inputs = append(inputs, Input{"台账行", rowList(&e.t, s.row, s.more)})
		}
		e.cappedAmount(rule, r.Household, r.Ref, h, county, e.t.cat(sold, num), int64(s.n), rt, unit, inputs, e.used.take(1, rt.params[:]...))
	}
}

// livestockInconsistent reports a livestock row with contradictions: a data error per issue
// and a finding.
func (e *eval) livestockInconsistent(r *LivestockRecord, issues []livestockIssue) {
	for _, is := range issues {
		e.cellError(r.Ref, is.col, "livestock_inconsistent", e.t.cat(is.msg, "，本行不计算奖补，请核实"))
	}
	// The explanation is built piece by piece in e.t: nothing else may write to e.t until done.
	e.t.add("牲畜台账数据前后不一致：")
	for i, is := range issues {
		if i > 0 {
			e.t.add("；")
		}
		e.t.add(is.msg)
	}
	e.t.add("，本行不计算出售奖补")
	explain := e.t.done()
	fd := Finding{Rule: "livestock_inconsistent", Kind: KindData, Subject: r.Household, Household: r.Household, Ref: r.Ref,
		Inputs: e.livestockInputs(r), Explain: explain}
	if h := e.household(r.Household); h != nil {
		fd.SubjectName, fd.Unit = h.Head, h.Unit
	}
	e.emit(fd)
}

func (e *eval) livestockInputs(r *LivestockRecord) []Input {
	t := &e.t
	in := e.ins.take(1, Input{"年初存栏", t.itoa(r.StockStart)}, Input{"出生", t.itoa(r.Born)}, Input{"购入", t.itoa(r.Bought)},
		Input{"出售", t.itoa(r.Sold)}, Input{soldName(r.Species), t.itoa(r.YoungSold)}, Input{"死淘", t.itoa(r.Died)})
	if r.StockEnd != nil {
		in = append(in, Input{"存栏", t.itoa(*r.StockEnd)})
	}
	return in
}

// rowList is the row numbers first, more… joined with "、": "12、15".
func rowList(t *texts, first int, more []int) string {
	t.room(24 * (1 + len(more)))
	b := strconv.AppendInt(t.buf, int64(first), 10)
	for _, n := range more {
		b = strconv.AppendInt(append(b, "、"...), int64(n), 10)
	}
	t.buf = b
	return t.done()
}

// muText is a.String() + "亩": "2.5亩".
func muText(t *texts, a Area) string {
	t.room(32)
	b := strconv.AppendInt(t.buf, int64(a)/100, 10)
	b = append(b, '.')
	frac := abs64(int64(a)) % 100
	if frac < 10 {
		b = append(b, '0')
	}
	b = strconv.AppendInt(b, frac, 10)
	t.buf = append(trimDecimal(b), "亩"...)
	return t.done()
}

// cappedAmount emits the entitlement for qty units at rt.per each (qty in units, or for land in
// hundredths of a mu when unit is "亩"), capped at rt.cap per household (or per person). params
// (room for one more) are the rate's.
func (e *eval) cappedAmount(rule, hid string, ref Ref, h *Household, county, what string, qty int64, rt *subsidyRate, unit string,
	inputs []Input, params []Used) {
	limit, capText, basisU, ok := e.capLimit(rt.cap, h, county)
	if !ok {
		e.cellError(ref, "家庭人口数", rule, e.t.cat("户", hid, "‘家庭人口数’为空或不在户表中，本县按人计算补贴上限，无法计算", what))
		return
	}
	var raw Fen
	perUnit := ""
	if unit == "亩" {
		raw, perUnit = Area(qty).Times(rt.per), "/亩"
	} else {
		raw = Fen(qty * int64(rt.per))
	}
	fd := Finding{Rule: rule, Subject: hid, Household: hid, Ref: ref, Inputs: inputs, Params: append(params, basisU), Cap: capText}
	if h != nil {
		fd.SubjectName, fd.Unit = h.Head, h.Unit
		if h.Members > 0 {
			fd.Inputs = append(fd.Inputs, Input{"家庭人口数", e.t.itoa(h.Members)})
		}
	}
	owed := raw
	if raw > limit {
		owed = limit
		fd.Explain = e.t.cat(what, "×", rt.perText, perUnit, "=", e.t.fen(raw), "，超过", capText, "上限，按", e.t.fen(limit))
	} else {
		fd.Explain = e.t.cat(what, "×", rt.perText, perUnit, "=", e.t.fen(raw), "，未超过", capText, "上限")
	}
	e.entitlement(fd, owed)
}

type landKey struct{ household, kind string }

type landSum struct {
	owedArea, pendArea Area
	first              *LandRecord
	h                  *Household
	pendRef            Ref
	why                string
}

func (e *eval) evalLand() {
	index := make(map[landKey]int, len(e.in.Land)) // into sums
	sums := make([]landSum, 0, len(e.in.Land))
	for i := range e.in.Land {
		r := &e.in.Land[i]
		if r.Kind != LandContract && r.Kind != LandEntrust {
			continue
		}
		if r.Area <= 0 {
			if r.Area < 0 {
				e.cellError(r.Ref, "面积", landRule(r.Kind), e.t.cat("‘面积’为负数（", muText(&e.t, r.Area), "），本行不计算补贴"))
			}
			continue
		}
		h := e.household(r.Household)
		if h != nil && h.Category == CategoryOrdinary {
			continue
		}
		k := landKey{r.Household, r.Kind}
		j, ok := index[k]
		if !ok {
			j = len(sums)
			index[k] = j
			sums = append(sums, landSum{first: r, h: h})
		}
		s := &sums[j]
		if r.Kind == LandContract {
			if r.CropsSold {
				s.owedArea += r.Area
			} else {
				if s.pendArea == 0 {
					s.pendRef = r.Ref
				}
				s.pendArea += r.Area
			}
			continue
		}
		// 代耕代种/托管/流转: land of a member who lost labor capacity 因病/因年龄, with a signed contract.
		why := r.LostLaborWhy
		if why == "" && h != nil {
			why = h.LaborLostWhy
		}
		if why == "" {
			e.res.Errors = append(e.res.Errors, DataError{Sheet: r.Sheet, Row: r.Row, Column: "丧失劳动能力原因", Rule: "land_entrust", Warning: true,
				Message: e.t.cat(rowText(r.Ref), "‘丧失劳动能力原因’为空，无法确认是否因病、因年龄丧失劳动能力，本行暂不计算代耕代种补贴")})
			continue
		}
		if !lostLaborCovered(why) {
			continue // the seed covers 因病、因年龄增长 only
		}
		s.why = why
		if r.ContractSigned {
			s.owedArea += r.Area
		} else {
			if s.pendArea == 0 {
				s.pendRef = r.Ref
			}
			s.pendArea += r.Area
		}
	}
	var contract, entrust rateCache
	for i := range sums {
		s := &sums[i]
		r, h := s.first, s.h
		county := countyOf(h)
		var rule, name string
		var rt *subsidyRate
		if r.Kind == LandEntrust {
			rule, name, rt = "land_entrust", "代耕代种/流转土地", entrust.get(e, &e.pol.LandEntrustPerMu, &e.pol.LandEntrustCap, county)
		} else {
			rule, name, rt = "land_contract", "承包他人耕地", contract.get(e, &e.pol.LandContractPerMu, &e.pol.LandContractCap, county)
		}
		if s.owedArea > 0 {
			mu := muText(&e.t, s.owedArea)
			second := Input{"所种作物", "已出售"}
			if r.Kind == LandEntrust {
				second = Input{"丧失劳动能力原因", s.why}
			}
			e.cappedAmount(rule, r.Household, r.Ref, h, county, e.t.cat(name, mu), int64(s.owedArea), rt, "亩",
				e.ins.take(1, Input{name, mu}, second), e.used.take(1, rt.params[:]...))
		}
		if s.pendArea == 0 {
			continue
		}

		// Not yet owed: what the household would get once the crops are sold / the contract signed.
		limit, capText, basisU, ok := e.capLimit(rt.cap, h, county)
		if !ok {
			limit, capText = rt.cap, e.t.cat("每户每年", e.t.fen(rt.cap))
		}
		now := MinFen(s.owedArea.Times(rt.per), limit)
		potential := MinFen((s.owedArea+s.pendArea).Times(rt.per), limit) - now
		if potential <= 0 {
			continue // already at the cap: selling or signing adds nothing
		}
		fd := Finding{Rule: rule, Subject: r.Household, Household: r.Household, Ref: s.pendRef, Amount: e.fens.ptr(potential),
			Params: e.used.take(0, rt.params[0], rt.params[1], basisU), Cap: capText}
		cadre := ""
		if h != nil {
			fd.SubjectName, fd.Unit = h.Head, h.Unit
			cadre = h.Cadre
		}
		mu, potText := muText(&e.t, s.pendArea), e.t.fen(potential)
		if r.Kind == LandContract {
			fd.Inputs = e.ins.take(0, Input{name, mu}, Input{"所种作物", "未出售"})
			fd.Explain = e.t.cat("承包他人耕地", mu, "，所种作物尚未出售；作物出售后可享每亩", rt.perText, "奖补（", capText, "上限），可得", potText)
			e.taskFinding(fd, cadre, e.t.cat(fd.Explain, "，请跟进作物出售并登记"), "crops")
		} else {
			fd.Inputs = e.ins.take(0, Input{name, mu}, Input{"代耕托管/流转合同", "未签订"})
			fd.Explain = e.t.cat("因", strings.TrimPrefix(s.why, "因"), "丧失劳动能力，土地", mu,
				"由他人代耕代种，尚未签订托管或流转合同；签订代耕托管或流转合同后可享每亩", rt.perText, "补贴（", capText, "上限），可得", potText)
			e.taskFinding(fd, cadre, e.t.cat(fd.Explain, "，请协助签订托管或流转合同"), "contract")
		}
	}
}

// landRule is the rule id of a land record's kind.
func landRule(kind string) string {
	if kind == LandEntrust {
		return "land_entrust"
	}
	return "land_contract"
}
