package calc

import (
	"fmt"
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

// livestockIssues lists the contradictions of one livestock row: (column, message) pairs.
func livestockIssues(r *LivestockRecord) [][2]string {
	var out [][2]string
	neg := []struct {
		col string
		v   int
	}{{"年初存栏", r.StockStart}, {"受孕", r.Pregnant}, {"出生", r.Born}, {"购入", r.Bought}, {"出售", r.Sold}, {"出售幼畜", r.YoungSold}, {"死淘", r.Died}}
	for _, x := range neg {
		if x.v < 0 {
			out = append(out, [2]string{x.col, fmt.Sprintf("‘%s’为负数（%d）", x.col, x.v)})
		}
	}
	if r.StockEnd != nil && *r.StockEnd < 0 {
		out = append(out, [2]string{"存栏", fmt.Sprintf("‘存栏’为负数（%d）", *r.StockEnd)})
	}
	if len(out) > 0 {
		return out
	}
	young := youngName(r.Species)
	avail := r.StockStart + r.Born + r.Bought
	if r.Sold > avail {
		out = append(out, [2]string{"出售", fmt.Sprintf("‘出售’%d头（只）多于年初存栏%d+出生%d+购入%d=%d", r.Sold, r.StockStart, r.Born, r.Bought, avail)})
	}
	if r.Sold > 0 && r.YoungSold > r.Sold {
		out = append(out, [2]string{"出售" + young, fmt.Sprintf("‘出售%s’%d多于‘出售’合计%d", young, r.YoungSold, r.Sold)})
	}
	if r.Sold == 0 && r.YoungSold > avail {
		out = append(out, [2]string{"出售" + young, fmt.Sprintf("‘出售%s’%d多于年初存栏%d+出生%d+购入%d=%d", young, r.YoungSold, r.StockStart, r.Born, r.Bought, avail)})
	}
	if r.StockEnd != nil {
		sold := r.Sold
		if sold == 0 {
			sold = r.YoungSold
		}
		want := avail - sold - r.Died
		if *r.StockEnd != want {
			out = append(out, [2]string{"存栏", fmt.Sprintf("‘存栏’%d不等于年初存栏%d+出生%d+购入%d−出售%d−死淘%d=%d", *r.StockEnd, r.StockStart, r.Born, r.Bought, sold, r.Died, want)})
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

type youngSum struct {
	n     int
	rows  []string
	first *LivestockRecord
}

func (e *eval) evalLivestock() {
	// Several rows of one household and species add up before the cap; inconsistent rows are
	// excluded (never fixed).
	sums := map[string]*youngSum{} // household|species
	var order []string
	for i := range e.in.Livestock {
		r := &e.in.Livestock[i]
		if r.Species != Cattle && r.Species != Sheep {
			e.res.Errors = append(e.res.Errors, DataError{Sheet: r.Sheet, Row: r.Row, Column: "畜种", Rule: "livestock_inconsistent", Warning: true,
				Message: rowText(r.Ref) + fmt.Sprintf("畜种‘%s’无法识别（应为牛或羊），未计算出售奖补", r.Species)})
			continue
		}
		if issues := livestockIssues(r); len(issues) > 0 {
			var msgs []string
			for _, is := range issues {
				e.cellError(r.Ref, is[0], "livestock_inconsistent", is[1]+"，本行不计算奖补，请核实")
				msgs = append(msgs, is[1])
			}
			fd := Finding{Rule: "livestock_inconsistent", Kind: KindData, Subject: r.Household, Household: r.Household, Ref: r.Ref,
				Inputs: livestockInputs(r), Explain: "牲畜台账数据前后不一致：" + strings.Join(msgs, "；") + "，本行不计算出售奖补"}
			if h := e.household(r.Household); h != nil {
				fd.SubjectName, fd.Unit = h.Head, h.Unit
			}
			e.emit(fd)
			continue
		}
		if r.YoungSold <= 0 {
			continue
		}
		k := r.Household + "|" + r.Species
		s := sums[k]
		if s == nil {
			s = &youngSum{first: r}
			sums[k] = s
			order = append(order, k)
		}
		s.n += r.YoungSold
		if r.Row > 0 {
			s.rows = append(s.rows, strconv.Itoa(r.Row))
		}
	}
	for _, k := range order {
		s := sums[k]
		r := s.first
		h := e.household(r.Household)
		if h != nil && h.Category == CategoryOrdinary {
			continue
		}
		rule, per, capP, unit := "calf_sale", &e.pol.CalfPerHead, &e.pol.CalfCap, "头"
		if r.Species == Sheep {
			rule, per, capP, unit = "lamb_sale", &e.pol.LambPerHead, &e.pol.LambCap, "只"
		}
		county := e.county(r.Household)
		perV, perU := pValue(e, per, county, e.asOf)
		capV, capU := pValue(e, capP, county, e.asOf)
		young := youngName(r.Species)
		what := fmt.Sprintf("出售%s%d%s", young, s.n, unit)
		inputs := []Input{{"出售" + young, fmt.Sprintf("%d%s", s.n, unit)}}
		if len(s.rows) > 1 {
			inputs = append(inputs, Input{"台账行", strings.Join(s.rows, "、")})
		}
		e.cappedAmount(rule, r.Household, r.Ref, h, county, what, int64(s.n), perV, unit, capV, inputs, []Used{perU, capU})
	}
}

func livestockInputs(r *LivestockRecord) []Input {
	in := []Input{{"年初存栏", strconv.Itoa(r.StockStart)}, {"出生", strconv.Itoa(r.Born)}, {"购入", strconv.Itoa(r.Bought)},
		{"出售", strconv.Itoa(r.Sold)}, {"出售" + youngName(r.Species), strconv.Itoa(r.YoungSold)}, {"死淘", strconv.Itoa(r.Died)}}
	if r.StockEnd != nil {
		in = append(in, Input{"存栏", strconv.Itoa(*r.StockEnd)})
	}
	return in
}

// cappedAmount emits the entitlement for qty units at per each (qty in units, or for land in
// hundredths of a mu when unit is "亩"), capped at cap per household (or per person).
func (e *eval) cappedAmount(rule, hid string, ref Ref, h *Household, county, what string, qty int64, per Fen, unit string,
	capV Fen, inputs []Input, params []Used) {
	var raw Fen
	var calc string
	if unit == "亩" {
		raw = Area(qty).Times(per)
		calc = what + "×" + per.Text() + "/亩=" + raw.Text()
	} else {
		raw = Fen(qty * int64(per))
		calc = what + "×" + per.Text() + "=" + raw.Text()
	}
	limit, capText, basisU, ok := e.capLimit(capV, h, county)
	params = append(params, basisU)
	fd := Finding{Rule: rule, Subject: hid, Household: hid, Ref: ref, Inputs: inputs, Params: params}
	if h != nil {
		fd.SubjectName, fd.Unit = h.Head, h.Unit
		if h.Members > 0 {
			fd.Inputs = append(fd.Inputs, Input{"家庭人口数", strconv.Itoa(h.Members)})
		}
	}
	if !ok {
		e.cellError(ref, "家庭人口数", rule, fmt.Sprintf("户%s‘家庭人口数’为空或不在户表中，本县按人计算补贴上限，无法计算%s", hid, what))
		return
	}
	owed := raw
	fd.Cap = capText
	if raw > limit {
		owed = limit
		fd.Explain = calc + "，超过" + capText + "上限，按" + limit.Text()
	} else {
		fd.Explain = calc + "，未超过" + capText + "上限"
	}
	e.entitlement(fd, owed)
}

type landSum struct {
	owedArea, pendArea Area
	first              *LandRecord
	pendRef            Ref
	why                string
}

func (e *eval) evalLand() {
	sums := map[string]*landSum{} // household|kind
	var order []string
	for i := range e.in.Land {
		r := &e.in.Land[i]
		if r.Kind != LandContract && r.Kind != LandEntrust {
			continue
		}
		if r.Area <= 0 {
			if r.Area < 0 {
				e.cellError(r.Ref, "面积", landRule(r.Kind), fmt.Sprintf("‘面积’为负数（%s亩），本行不计算补贴", r.Area))
			}
			continue
		}
		h := e.household(r.Household)
		if h != nil && h.Category == CategoryOrdinary {
			continue
		}
		k := r.Household + "|" + r.Kind
		s := sums[k]
		if s == nil {
			s = &landSum{first: r}
			sums[k] = s
			order = append(order, k)
		}
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
				Message: rowText(r.Ref) + "‘丧失劳动能力原因’为空，无法确认是否因病、因年龄丧失劳动能力，本行暂不计算代耕代种补贴"})
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
	for _, k := range order {
		s := sums[k]
		r := s.first
		h := e.household(r.Household)
		county := e.county(r.Household)
		rule, perP, capP := "land_contract", &e.pol.LandContractPerMu, &e.pol.LandContractCap
		name := "承包他人耕地"
		if r.Kind == LandEntrust {
			rule, perP, capP = "land_entrust", &e.pol.LandEntrustPerMu, &e.pol.LandEntrustCap
			name = "代耕代种/流转土地"
		}
		per, perU := pValue(e, perP, county, e.asOf)
		capV, capU := pValue(e, capP, county, e.asOf)
		params := []Used{perU, capU}
		if s.owedArea > 0 {
			inputs := []Input{{name, s.owedArea.String() + "亩"}}
			if r.Kind == LandEntrust {
				inputs = append(inputs, Input{"丧失劳动能力原因", s.why})
			} else {
				inputs = append(inputs, Input{"所种作物", "已出售"})
			}
			e.cappedAmount(rule, r.Household, r.Ref, h, county, name+s.owedArea.String()+"亩", int64(s.owedArea), per, "亩", capV, inputs, params)
		}
		if s.pendArea == 0 {
			continue
		}

		// Not yet owed: what the household would get once the crops are sold / the contract signed.
		limit, capText, basisU, ok := e.capLimit(capV, h, county)
		if !ok {
			limit, capText = capV, fmt.Sprintf("每户每年%s", capV.Text())
		}
		now := MinFen(s.owedArea.Times(per), limit)
		potential := MinFen((s.owedArea+s.pendArea).Times(per), limit) - now
		fd := Finding{Rule: rule, Subject: r.Household, Household: r.Household, Ref: s.pendRef, Params: append(params, basisU), Cap: capText}
		if h != nil {
			fd.SubjectName, fd.Unit = h.Head, h.Unit
		}
		if potential > 0 {
			fd.Amount = fenPtr(potential)
		}
		var explain, detail string
		if r.Kind == LandContract {
			fd.Inputs = []Input{{name, s.pendArea.String() + "亩"}, {"所种作物", "未出售"}}
			explain = fmt.Sprintf("承包他人耕地%s亩，所种作物尚未出售；作物出售后可享每亩%s奖补（%s上限），可得%s", s.pendArea, per.Text(), capText, potential.Text())
			detail = "crops"
		} else {
			fd.Inputs = []Input{{name, s.pendArea.String() + "亩"}, {"代耕托管/流转合同", "未签订"}}
			explain = fmt.Sprintf("因%s丧失劳动能力，土地%s亩由他人代耕代种，尚未签订托管或流转合同；签订代耕托管或流转合同后可享每亩%s补贴（%s上限），可得%s", strings.TrimPrefix(s.why, "因"), s.pendArea, per.Text(), capText, potential.Text())
			detail = "contract"
		}
		if potential <= 0 {
			continue // already at the cap: selling or signing adds nothing
		}
		fd.Explain = explain
		cadre := ""
		if h != nil {
			cadre = h.Cadre
		}
		if r.Kind == LandContract {
			e.taskFinding(fd, cadre, explain+"，请跟进作物出售并登记", detail)
		} else {
			e.taskFinding(fd, cadre, explain+"，请协助签订托管或流转合同", detail)
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
