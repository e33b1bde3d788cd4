package calc

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// Clause （一）: 增收常态排查, 倒推算, 按季逐户核算 (POLICY.md （一）).
//
// Per household, for quarter q of year Y:
//
//	A_q = cumulative per-capita net income this year up to q (YTDPerCapita, else Σ of Q1..Qq)
//	s_q = cumulative share of the year's income by the end of q (household's own LastYearShares,
//	      else policy quarter_share; s_4 = 1)
//	Â   = A_q ÷ s_q;  g = Â ÷ I0 − 1 (I0 = last year's per-capita net income)
//	T   = I0 × (1 + g_local);  R_q = T × s_q;  gap = (R_q − A_q) × 家庭人口数 when positive
//
// Every comparison is exact (math/big.Rat): |g| = flat_tolerance is 持平.

// incomeFacts is what （一） reads from a household's income columns for the period.
type incomeFacts struct {
	given   bool        // some income figure up to the quarter is present
	ytd     *big.Rat    // A_q in yuan; nil when it cannot be read
	family  *big.Rat    // cumulative family net income in yuan, when known
	cum     [4]*big.Rat // A_k from this year's quarterly columns (k ≤ q), nil when a quarter is missing
	source  string      // how A_q was read
	missing string      // the missing column when ytd is nil: "家庭人口数", "第2季度收入"
}

// quarterIncome returns one quarter's per-capita and family net income (yuan). needMembers is
// true when the per-capita figure needs 家庭人口数 and it is missing.
func quarterIncome(in *Income, members int) (pc, fam *big.Rat, needMembers bool) {
	switch {
	case in.Net != nil:
		fam = in.Net.Rat()
	case in.Wage != 0 || in.Business != 0 || in.Property != 0 || in.Transfer != 0 || in.BusinessCost != 0 || in.PerCapita == nil:
		fam = (in.Wage + in.Business + in.Property + in.Transfer - in.BusinessCost).Rat()
	}
	if in.PerCapita != nil {
		pc = in.PerCapita.Rat()
		if fam == nil && members > 0 {
			fam = new(big.Rat).Mul(pc, intRat(members))
		}
		return pc, fam, false
	}
	if members <= 0 {
		return nil, fam, true
	}
	return new(big.Rat).Quo(fam, intRat(members)), fam, false
}

// readIncome reads the household's cumulative income up to quarter q. It has no side effects.
func readIncome(h *Household, q int) incomeFacts {
	var f incomeFacts
	sum, fam := new(big.Rat), new(big.Rat)
	famKnown, broken := true, false
	for k := 1; k <= q; k++ {
		in := h.Quarters[k-1]
		if in == nil {
			if !broken && f.missing == "" {
				f.missing = fmt.Sprintf("第%d季度收入", k)
			}
			broken = true
			continue
		}
		f.given = true
		pc, fm, need := quarterIncome(in, h.Members)
		if need {
			if f.missing == "" {
				f.missing = "家庭人口数"
			}
			broken = true
		}
		if fm == nil {
			famKnown = false
		} else {
			fam.Add(fam, fm)
		}
		if broken {
			continue
		}
		sum.Add(sum, pc)
		f.cum[k-1] = new(big.Rat).Set(sum)
	}
	if h.YTDPerCapita != nil {
		f.given = true
		f.ytd = h.YTDPerCapita.Rat()
		f.source = "累计人均纯收入"
		if h.Members > 0 {
			f.family = new(big.Rat).Mul(f.ytd, intRat(h.Members))
		}
		f.missing = ""
		return f
	}
	if f.cum[q-1] != nil {
		f.ytd = f.cum[q-1]
		f.source = fmt.Sprintf("第1至%d季度收入合计", q)
		if q == 1 {
			f.source = "第1季度收入"
		}
		if famKnown {
			f.family = fam
		}
		f.missing = ""
	}
	return f
}

// incomeShares returns the cumulative quarterly shares for the household: its own last-year
// shares when the ledger has valid ones, else the policy's quarter_share.
func (e *eval) incomeShares(h *Household) (s Shares, own bool, used Used) {
	if h.LastYearShares != nil {
		valid := true
		prev := Rate(0)
		for _, x := range h.LastYearShares {
			if x <= 0 || x > RateOne || x < prev {
				valid = false
			}
			prev = x
		}
		if valid {
			return *h.LastYearShares, true, Used{}
		}
		e.res.Errors = append(e.res.Errors, DataError{Sheet: h.Sheet, Row: h.Row, Column: "上年各季度累计收入占比",
			Message: rowText(h.Ref) + "‘上年各季度累计收入占比’不是0到1之间逐季不减的比例，改用统一比例", Rule: "income_gap", Warning: true})
	}
	s, used = pValue(e, &e.pol.QuarterShare, h.County, e.asOf)
	return s, false, used
}

// shareAt is the cumulative share at quarter q (s_4 = 1: at year end g = A_4 ÷ I0 − 1).
func shareAt(s Shares, q int) *big.Rat {
	if q == 4 {
		return big.NewRat(1, 1)
	}
	return s[q-1].Rat()
}

// growthOf is Â ÷ I0 − 1 for cumulative a at quarter q (all in yuan).
func growthOf(a *big.Rat, s Shares, q int, base *big.Rat) *big.Rat {
	proj := new(big.Rat).Quo(a, shareAt(s, q))
	g := new(big.Rat).Quo(proj, base)
	return g.Sub(g, big.NewRat(1, 1))
}

// monitorState collects the flags that put a household under 增收监测.
type monitorState struct {
	flags []string // Chinese titles of the flags found
}

func evalMonitoring(e *eval) {
	year := e.p.Year
	yearEnd := e.p.End()
	lineWarned := false
	prior := map[string][]IncomePoint{} // earlier uploads by household
	for _, pt := range e.in.PriorIncome {
		prior[pt.Household] = append(prior[pt.Household], pt)
	}
	for i := range e.in.Households {
		h := &e.in.Households[i]
		if h.Category == CategoryOrdinary {
			continue // scope: 脱贫户 and 监测对象
		}
		f := readIncome(h, e.p.Quarter)
		if !f.given {
			continue // no income columns for this household: nothing to account
		}
		if f.ytd == nil {
			col := f.missing
			msg := fmt.Sprintf("‘%s’为空，无法核算本年累计收入", col)
			if col == "家庭人口数" {
				msg = "‘家庭人口数’为空，无法计算人均收入"
			}
			e.cellError(h.Ref, col, "income_gap", msg)
			continue
		}
		q := e.p.Quarter
		shares, ownShares, sharesU := e.incomeShares(h)
		sq := shareAt(shares, q)
		proj := new(big.Rat).Quo(f.ytd, sq)
		if e.proj == nil {
			e.proj = projMemo{}
		}
		e.proj[h] = proj // read-only from here on; the unit summaries reuse it

		tol, tolU := pValue(e, &e.pol.FlatTolerance, h.County, e.asOf)
		gl, glU, glOK := pLatest(e, &e.pol.LocalIncomeGrowth, h.County, yearEnd)
		if glOK && glU.Stale {
			e.warnStaleGrowth(year, gl, glU)
		}
		if !glOK {
			e.warn("当地农牧民收入增速未设置%d年数值，无法计算增收目标（倒推算）和‘增速低于当地’", year)
		}

		inputs := []Input{{"本年累计人均纯收入", fmt.Sprintf("%s（%s，截至%s）", ratText(f.ytd), f.source, e.p.Chinese())}}
		shareName := "统一累计收入占比"
		if ownShares {
			shareName = "本户上年累计收入占比"
		}
		if q < 4 {
			inputs = append(inputs, Input{shareName, fmt.Sprintf("第%d季度末%s", q, shares[q-1].Percent())},
				Input{"全年预计人均纯收入", ratText(proj)})
		}
		if h.Members > 0 {
			inputs = append(inputs, Input{"家庭人口数", strconv.Itoa(h.Members)})
		}
		var shareParams []Used
		if !ownShares && q < 4 {
			shareParams = []Used{sharesU}
		}

		var state monitorState
		flag := func(rule, title string, extra []Input, params []Used, explain string) {
			fd := householdFinding(rule, h)
			fd.Kind, fd.Monitored = KindFlag, true
			fd.Inputs = append(append([]Input(nil), inputs...), extra...)
			fd.Params = params
			fd.Explain = explain
			e.emit(fd)
			state.flags = append(state.flags, title)
		}
		projText := func() string {
			if q == 4 {
				return fmt.Sprintf("全年人均纯收入%s", ratText(f.ytd))
			}
			return fmt.Sprintf("倒推算：截至第%d季度累计人均纯收入%s÷%s=全年预计%s", q, ratText(f.ytd), shares[q-1].Percent(), ratText(proj))
		}

		// Base I0.
		var base *big.Rat
		switch {
		case h.LastYearPerCapita == nil:
			e.cellError(h.Ref, "上年人均纯收入", "income_decrease", "‘上年人均纯收入’为空，无法计算增速")
		case *h.LastYearPerCapita > 0:
			base = h.LastYearPerCapita.Rat()
			inputs = append(inputs, Input{"上年人均纯收入", h.LastYearPerCapita.Text()})
		case *h.LastYearPerCapita == 0 && f.ytd.Sign() > 0:
			// I0 = 0 with income now: growth, not an error; no growth rate exists and no flag fires.
		case *h.LastYearPerCapita == 0:
			e.cellError(h.Ref, "上年人均纯收入", "income_decrease", "‘上年人均纯收入’为0且本年累计收入不大于0，无法计算增速，请核实")
		default:
			e.cellError(h.Ref, "上年人均纯收入", "income_decrease", fmt.Sprintf("‘上年人均纯收入’为负数（%s），无法计算增速，请核实", h.LastYearPerCapita.Text()))
		}

		if base != nil {
			g := growthOf(f.ytd, shares, q, base)
			gIn := Input{"增速", pctText(g)}
			tolR := tol.Rat()
			negTol := new(big.Rat).Neg(tolR)
			params := append(append([]Used(nil), shareParams...), tolU)
			head := fmt.Sprintf("%s，比上年人均%s", projText(), h.LastYearPerCapita.Text())
			decrease, flat := g.Cmp(negTol) < 0, new(big.Rat).Abs(g).Cmp(tolR) <= 0
			switch {
			case decrease:
				flag("income_decrease", "收入同比减少", []Input{gIn}, params,
					fmt.Sprintf("%s下降%s，降幅超过%s，收入同比减少", head, pctText(new(big.Rat).Neg(g)), tol.Percent()))
			case flat:
				flag("income_flat", "收入持平", []Input{gIn}, params,
					fmt.Sprintf("%s增速%s，在±%s以内，收入持平", head, pctText(g), tol.Percent()))
			case glOK && g.Cmp(gl.Rat()) < 0:
				flag("income_below_local", "收入增速低于当地", []Input{gIn}, append(append([]Used(nil), shareParams...), tolU, glU),
					fmt.Sprintf("%s增长%s，低于当地农牧民收入增速%s", head, pctText(g), gl.Percent()))
			}
			e.incomeTrend(h, f, prior[h.ID], shares, base, gl, glU, glOK, shareParams, flag)
			if glOK {
				target := new(big.Rat).Mul(base, new(big.Rat).Add(big.NewRat(1, 1), gl.Rat()))
				req := new(big.Rat).Mul(target, sq)
				short := new(big.Rat).Sub(req, f.ytd)
				if short.Sign() > 0 {
					if h.Members <= 0 {
						e.cellError(h.Ref, "家庭人口数", "income_gap", "‘家庭人口数’为空，无法计算家庭增收差额")
					} else {
						gap := ratFen(new(big.Rat).Mul(short, intRat(h.Members)))
						fd := householdFinding("income_gap", h)
						fd.Kind, fd.Amount = KindAmount, &gap
						fd.Inputs = append(append([]Input(nil), inputs...), Input{"增收目标（全年人均）", ratText(target)},
							Input{"本季度累计目标（人均）", ratText(req)})
						fd.Params = append(append([]Used(nil), shareParams...), glU)
						reqText := fmt.Sprintf("目标全年人均%s（上年%s×(1+%s)）×%s=%s", ratText(target), h.LastYearPerCapita.Text(), gl.Percent(), shares[q-1].Percent(), ratText(req))
						if q == 4 {
							reqText = fmt.Sprintf("目标全年人均%s（上年%s×(1+%s)）", ratText(target), h.LastYearPerCapita.Text(), gl.Percent())
						}
						fd.Explain = fmt.Sprintf("本季度距增收目标还差%s：%s，已实现人均%s，人均差%s×%d人", gap.Text(), reqText, ratText(f.ytd), ratText(short), h.Members)
						e.emit(fd)
					}
				}
			}
		}

		// Monitoring line: needs no base.
		if line, lineU, ok := pAt(e, &e.pol.MonitoringLine, h.County, yearEnd); ok {
			if proj.Cmp(line.Rat()) < 0 {
				what := "全年预计人均纯收入"
				if q == 4 {
					what = "全年人均纯收入"
				}
				flag("below_monitoring_line", "低于防返贫监测收入标准", nil, append(append([]Used(nil), shareParams...), lineU),
					fmt.Sprintf("%s%s，低于%d年防返贫监测收入标准%s", what, ratText(proj), year, line.Text()))
			}
		} else if !lineWarned {
			e.warn("防返贫监测收入标准未设置%d年数值，已跳过‘低于监测标准’检查（不作推测），请管理员设置", year)
			lineWarned = true
		}

		// Each monitored household needs a recorded, finished measure and a responsible cadre.
		if len(state.flags) > 0 {
			var miss []string
			switch {
			case strings.TrimSpace(h.Measure) == "":
				miss = append(miss, "未记录帮扶措施")
			case !h.MeasureDone:
				miss = append(miss, fmt.Sprintf("帮扶措施（%s）尚未落实", h.Measure))
			}
			if strings.TrimSpace(h.Cadre) == "" {
				miss = append(miss, "未明确帮扶责任人")
			}
			if len(miss) > 0 {
				fd := householdFinding("measure_missing", h)
				fd.Inputs = []Input{{"监测原因", strings.Join(state.flags, "、")}, {"帮扶措施", h.Measure}, {"帮扶责任人", h.Cadre}}
				why := fmt.Sprintf("已纳入增收监测（%s），%s", strings.Join(state.flags, "、"), strings.Join(miss, "，"))
				fd.Explain = why
				e.taskFinding(fd, h.Cadre, "该户"+why+"，请落实并在台账中记录", "")
			}
		}
	}
}

// incomeTrend applies 有收入下降趋势: the year-on-year projected growth fell for trend_quarters
// consecutive quarters (this year's quarterly columns, then earlier uploads), or A_q < R_q and
// the shortfall widened since last quarter as a share of the target (progress A_q ÷ R_q fell),
// within the year.
func (e *eval) incomeTrend(h *Household, f incomeFacts, prior []IncomePoint, shares Shares, base *big.Rat, gl Rate, glU Used, glOK bool,
	shareParams []Used, flag func(rule, title string, extra []Input, params []Used, explain string)) {
	p := e.p
	n, nU := pValue(e, &e.pol.TrendQuarters, h.County, e.asOf)
	series := map[Period]*big.Rat{}
	cum := map[Period]*big.Rat{} // A at earlier quarters of this year, for the shortfall
	for k := 1; k <= p.Quarter; k++ {
		if f.cum[k-1] != nil {
			series[Period{p.Year, k}] = growthOf(f.cum[k-1], shares, k, base)
			cum[Period{p.Year, k}] = f.cum[k-1]
		}
	}
	series[p] = growthOf(f.ytd, shares, p.Quarter, base)
	cum[p] = f.ytd
	fromPrior := false
	for _, pt := range prior {
		if !pt.Period.Before(p) || pt.BasePerCapita <= 0 || !pt.Period.Valid() {
			continue
		}
		if _, have := series[pt.Period]; have {
			continue // this upload's columns win
		}
		series[pt.Period] = growthOf(pt.YTDPerCapita.Rat(), shares, pt.Period.Quarter, pt.BasePerCapita.Rat())
		if pt.Period.Year == p.Year {
			cum[pt.Period] = pt.YTDPerCapita.Rat()
		}
		fromPrior = true
	}
	if n >= 1 {
		chain := []Period{p}
		ok := true
		for i := 0; i < n && ok; i++ {
			cur := chain[len(chain)-1]
			prev := cur.Prev()
			gp, have := series[prev]
			ok = have && series[cur].Cmp(gp) < 0
			chain = append(chain, prev)
		}
		if ok {
			var parts []string
			for i := len(chain) - 1; i >= 0; i-- {
				parts = append(parts, fmt.Sprintf("%s%s", chain[i].Chinese(), pctText(series[chain[i]])))
			}
			src := "本年各季度收入"
			if fromPrior {
				src = "本年及以往上传的台账"
			}
			flag("income_downtrend", "有收入下降趋势", []Input{{"各季度预计增速", strings.Join(parts, "→")}},
				append(append([]Used(nil), shareParams...), nU),
				fmt.Sprintf("年度预计增速连续%d个季度下降（%s）：%s", n, src, strings.Join(parts, "→")))
			return
		}
	}
	if !glOK || p.Quarter < 2 {
		return
	}
	prev := p.Prev()
	aPrev, have := cum[prev]
	if !have {
		return
	}
	// The shortfall is compared as a share of the quarter's target (A_q ÷ R_q, the progress
	// towards 倒推算): a household steadily 7% behind has an absolute shortfall that grows every
	// quarter with R_q, but it is not falling further behind; only a falling progress is a trend.
	target := new(big.Rat).Mul(base, new(big.Rat).Add(big.NewRat(1, 1), gl.Rat()))
	req := new(big.Rat).Mul(target, shareAt(shares, p.Quarter))
	reqPrev := new(big.Rat).Mul(target, shareAt(shares, prev.Quarter))
	if req.Sign() <= 0 || reqPrev.Sign() <= 0 || f.ytd.Cmp(req) >= 0 {
		return
	}
	progress := new(big.Rat).Quo(f.ytd, req)
	progressPrev := new(big.Rat).Quo(aPrev, reqPrev)
	if progress.Cmp(progressPrev) < 0 {
		flag("income_downtrend", "有收入下降趋势",
			[]Input{{"上季度累计人均纯收入", ratText(aPrev)}, {"倒推算完成进度", fmt.Sprintf("%s→%s", pctText(progressPrev), pctText(progress))}},
			append(append([]Used(nil), shareParams...), glU),
			fmt.Sprintf("累计收入低于倒推算进度，且完成进度由第%d季度%s降到第%d季度%s", prev.Quarter, pctText(progressPrev), p.Quarter, pctText(progress)))
	}
}

// evalGapMeasures completes each income_gap finding with the measures that could close the gap
// (POLICY.md （一）: "shown with the measures that could close it"): the subsidies the household
// qualifies for but has not received in full, the amounts it gets once a pending step is done
// (crops sold, contract signed), and the headroom under the （六） project subsidy cap. It runs
// after every amount rule (see Evaluate).
func evalGapMeasures(e *eval) {
	gaps := map[string]bool{}
	for _, f := range e.res.Findings {
		if f.Rule == "income_gap" {
			gaps[f.Household] = true
		}
	}
	if len(gaps) == 0 {
		return
	}
	measures := map[string][]string{} // household → measures, in finding order
	for _, f := range e.res.Findings {
		if !gaps[f.Household] || f.Rule == "income_gap" || f.Amount == nil {
			continue
		}
		r, _ := RuleByID(f.Rule)
		switch f.Kind {
		case KindAmount:
			paid := Fen(0)
			if f.Paid != nil {
				paid = *f.Paid
			}
			if *f.Amount > paid {
				measures[f.Household] = append(measures[f.Household], fmt.Sprintf("%s尚未发放%s", r.Title, (*f.Amount-paid).Text()))
			}
		case KindTask:
			if *f.Amount > 0 {
				measures[f.Household] = append(measures[f.Household], fmt.Sprintf("%s待办结后可得%s", r.Title, f.Amount.Text()))
			}
		}
	}
	caps, _ := e.projectCaps()
	for hid := range gaps {
		if c := caps[hid]; c != nil && c.byPerson >= 0 && c.subsidy < c.cap {
			measures[hid] = append(measures[hid], fmt.Sprintf("到户项目补助尚可增加%s（上限%s）", (c.cap-c.subsidy).Text(), c.cap.Text()))
		}
	}
	for i := range e.res.Findings {
		gf := &e.res.Findings[i]
		if gf.Rule != "income_gap" {
			continue
		}
		m := measures[gf.Household]
		if len(m) == 0 {
			gf.Explain += "；暂无可享未享的补贴，请因户施策"
			continue
		}
		gf.Inputs = append(gf.Inputs, Input{"可享未享补贴", strings.Join(m, "、")})
		gf.Explain += "；可享未享：" + strings.Join(m, "、")
	}
}

// warnStaleGrowth says once that local income growth is not set for the year and which year's
// figure is used instead.
func (e *eval) warnStaleGrowth(year int, gl Rate, u Used) {
	from := "最近一次设置的"
	if len(u.From) >= 4 {
		from = u.From[:4] + "年"
	}
	e.warn("当地农牧民收入增速未设置%d年数值，使用%s数值（%s），请管理员补充", year, from, gl.Percent()) // warn dedupes
}
