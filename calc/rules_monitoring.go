package calc

import (
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

// incomeX is what （一） reads from a household's income columns for the period, in exact
// int64 rationals (rules_exact.go); a zero xrat is "no value".
type incomeX struct {
	given   bool    // some income figure up to the quarter is present
	ytd     xrat    // A_q in yuan; zero when it cannot be read
	family  xrat    // cumulative family net income in yuan, when known
	cum     [4]xrat // A_k from this year's quarterly columns (k ≤ q), zero when a quarter is missing
	source  string  // how A_q was read
	missing string  // the missing column when ytd is zero: "家庭人口数", "第2季度收入"
}

// quarterIncomeX returns one quarter's per-capita and family net income (yuan). needMembers is
// true when the per-capita figure needs 家庭人口数 and it is missing.
func quarterIncomeX(in *Income, members int) (pc, fam xrat, needMembers bool) {
	switch {
	case in.Net != nil:
		fam = xfen(*in.Net)
	case in.Wage != 0 || in.Business != 0 || in.Property != 0 || in.Transfer != 0 || in.BusinessCost != 0 || in.PerCapita == nil:
		fam = xfen(in.Wage + in.Business + in.Property + in.Transfer - in.BusinessCost)
	}
	if in.PerCapita != nil {
		pc = xfen(*in.PerCapita)
		if !fam.ok() && members > 0 {
			fam = xmul(pc, xint(int64(members)))
		}
		return pc, fam, false
	}
	if members <= 0 {
		return xrat{}, fam, true
	}
	return xquo(fam, xint(int64(members))), fam, false
}

var (
	sourceQuarters = [5]string{"", "第1季度收入", "第1至2季度收入合计", "第1至3季度收入合计", "第1至4季度收入合计"}
	quarterColumns = [5]string{"", "第1季度收入", "第2季度收入", "第3季度收入", "第4季度收入"}
)

// readIncomeX reads the household's cumulative income up to quarter q. It has no side effects.
func readIncomeX(h *Household, q int) incomeX {
	var f incomeX
	sum, fam := xint(0), xint(0)
	famKnown, broken := true, false
	for k := 1; k <= q; k++ {
		in := h.Quarters[k-1]
		if in == nil {
			if !broken && f.missing == "" {
				f.missing = quarterColumns[k]
			}
			broken = true
			continue
		}
		f.given = true
		pc, fm, need := quarterIncomeX(in, h.Members)
		if need {
			if f.missing == "" {
				f.missing = "家庭人口数"
			}
			broken = true
		}
		if !fm.ok() {
			famKnown = false
		} else {
			fam = xadd(fam, fm)
		}
		if broken {
			continue
		}
		sum = xadd(sum, pc)
		f.cum[k-1] = sum
	}
	if h.YTDPerCapita != nil {
		f.given = true
		f.ytd = xfen(*h.YTDPerCapita)
		f.source = "累计人均纯收入"
		if h.Members > 0 {
			f.family = xmul(f.ytd, xint(int64(h.Members)))
		} else {
			f.family = xrat{}
		}
		f.missing = ""
		return f
	}
	if f.cum[q-1].ok() {
		f.ytd = f.cum[q-1]
		f.source = sourceQuarters[q]
		if famKnown {
			f.family = fam
		}
		f.missing = ""
	}
	return f
}

// incomeShares returns the cumulative quarterly shares for the household: its own last-year
// shares when the ledger has valid ones, else the policy's quarter_share for its county (mp).
func (e *eval) incomeShares(h *Household, mp *monParams) (s Shares, own bool) {
	if validShares(h.LastYearShares) {
		return *h.LastYearShares, true
	}
	if h.LastYearShares != nil {
		e.res.Errors = append(e.res.Errors, DataError{Sheet: h.Sheet, Row: h.Row, Column: "上年各季度累计收入占比",
			Message: e.t.cat(rowText(h.Ref), "‘上年各季度累计收入占比’不是0到1之间逐季不减的比例，改用统一比例"), Rule: "income_gap", Warning: true})
	}
	return mp.shares, false
}

// validShares reports whether a household's own shares are usable: each in (0, 1], not
// decreasing. nil is not.
func validShares(s *Shares) bool {
	if s == nil {
		return false
	}
	prev := Rate(0)
	for _, x := range s {
		if x <= 0 || x > RateOne || x < prev {
			return false
		}
		prev = x
	}
	return true
}

// shareAtX is the cumulative share at quarter q (s_4 = 1: at year end g = A_4 ÷ I0 − 1).
func shareAtX(s Shares, q int) xrat {
	if q == 4 {
		return xint(1)
	}
	return xrate(s[q-1])
}

// growthOf is Â ÷ I0 − 1 for cumulative a at quarter q (all in yuan).
func growthOf(a xrat, s Shares, q int, base xrat) xrat {
	return xsub(xquo(xquo(a, shareAtX(s, q)), base), xint(1))
}

// periodText is Period.Chinese without fmt: "2026年第3季度".
func periodText(p Period) string {
	return strconv.Itoa(p.Year) + "年第" + strconv.Itoa(p.Quarter) + "季度"
}

// addPeriod appends periodText(p) to the string being built.
func (t *texts) addPeriod(p Period) {
	t.room(64)
	t.buf = append(strconv.AppendInt(t.buf, int64(p.Year), 10), "年第"...)
	t.buf = append(strconv.AppendInt(t.buf, int64(p.Quarter), 10), "季度"...)
}

// sharePct returns r.Percent() ("30%") in the evaluation's texts.
func (t *texts) sharePct(r Rate) string {
	t.room(32)
	t.buf = append(trimDecimal(appendFixed(t.buf, int64(r), uint64(RateOne)/100, 4)), '%') // trimming stops at the '.'
	return t.done()
}

// joined returns strings.Join(parts, sep) in the evaluation's texts.
func (t *texts) joined(parts []string, sep string) string {
	for i, p := range parts {
		if i > 0 {
			t.add(sep)
		}
		t.add(p)
	}
	return t.done()
}

// monParams are （一）'s parameters for one county, looked up once per county (not per household).
type monParams struct {
	county      string
	tol         Rate
	tolU        Used
	tolPct      string
	gl          Rate
	glU         Used
	glOK        bool
	glPct       string
	glNote      string // "（2026年未设置，暂用2024年数值）" when g_local is stale, else ""
	glGapNote   string // "，当地农牧民收入增速2026年未设置，暂用2024年数值" when stale, else ""
	line        Fen
	lineU       Used
	lineOK      bool
	lineText    string
	shares      Shares
	sharesU     Used
	sharePct    string // the policy's share at the period's quarter, when before Q4
	trendN      int
	trendU      Used
	growthNoted bool // the growth warnings were given for this county
	// Params of each finding, without [0] and with [1] the policy's quarter_share first.
	pTol, pBelow, pGap, pLine, pTrendN, pTrendGl [2][]Used
}

func (e *eval) monParamsFor(county string) *monParams {
	if m := e.mon; m != nil && m.county == county {
		return m
	}
	if m := e.monBy[county]; m != nil {
		e.mon = m
		return m
	}
	yearEnd := e.p.End()
	m := &monParams{county: county}
	m.tol, m.tolU = pValue(e, &e.pol.FlatTolerance, county, e.asOf)
	m.gl, m.glU, m.glOK = pLatest(e, &e.pol.LocalIncomeGrowth, county, yearEnd)
	m.line, m.lineU, m.lineOK = pAt(e, &e.pol.MonitoringLine, county, yearEnd)
	m.shares, m.sharesU = pValue(e, &e.pol.QuarterShare, county, e.asOf)
	m.trendN, m.trendU = pValue(e, &e.pol.TrendQuarters, county, e.asOf)
	m.tolPct, m.glPct, m.lineText = m.tol.Percent(), m.gl.Percent(), m.line.Text()
	if m.glOK && m.glU.Stale && len(m.glU.From) >= 4 {
		// The explanations say that the figure is another year's (the warning alone is not read
		// with the finding).
		why := strconv.Itoa(e.p.Year) + "年未设置，暂用" + m.glU.From[:4] + "年数值"
		m.glNote, m.glGapNote = "（"+why+"）", "，当地农牧民收入增速"+why
	}
	if q := e.p.Quarter; q < 4 {
		m.sharePct = m.shares[q-1].Percent()
	}
	list := func(us ...Used) [2][]Used {
		return [2][]Used{us, append([]Used{m.sharesU}, us...)}
	}
	m.pTol, m.pBelow, m.pGap, m.pLine = list(m.tolU), list(m.tolU, m.glU), list(m.glU), list(m.lineU)
	m.pTrendN, m.pTrendGl = list(m.trendU), list(m.glU)
	if e.monBy == nil {
		e.monBy = map[string]*monParams{}
	}
	e.monBy[county] = m
	e.mon = m
	return m
}

// monHousehold is one household's figures for the findings of （一）.
type monHousehold struct {
	e        *eval
	h        *Household
	inputs   []Input // the inputs every finding of the household shows
	withSh   int     // 1 when the findings cite the policy's quarter_share
	nflags   int
	flagBuf  [5]string // Chinese titles of the flags found
	ytdText  string
	projText string
}

// flag emits a flag that puts the household under 增收监测.
func (m *monHousehold) flag(rule, title string, extra []Input, params []Used, explain string) {
	fd := householdFinding(rule, m.h)
	fd.Kind, fd.Monitored = KindFlag, true
	if len(m.inputs)+len(extra) > 0 {
		fd.Inputs = append(m.e.ins.take(len(extra), m.inputs...), extra...)
	}
	fd.Params = params
	fd.Explain = explain
	m.e.emit(fd)
	if m.nflags < len(m.flagBuf) {
		m.flagBuf[m.nflags] = title
	}
	m.nflags++
}

func evalMonitoring(e *eval) {
	year := e.p.Year
	yearText := strconv.Itoa(year)
	q := e.p.Quarter
	qText := strconv.Itoa(q)
	periodCN := periodText(e.p)
	lineWarned := false
	var prior map[string][]IncomePoint // earlier uploads by household
	if len(e.in.PriorIncome) > 0 {
		prior = map[string][]IncomePoint{}
		for _, pt := range e.in.PriorIncome {
			prior[pt.Household] = append(prior[pt.Household], pt)
		}
	}
	e.proj = make([]xrat, len(e.in.Households))
	var inBuf [6]Input
	for i := range e.in.Households {
		h := &e.in.Households[i]
		if h.Category == CategoryOrdinary {
			continue // scope: 脱贫户 and 监测对象
		}
		f := readIncomeX(h, q)
		if !f.given {
			continue // no income columns for this household: nothing to account
		}
		if !f.ytd.ok() {
			col := f.missing
			msg := "‘家庭人口数’为空，无法计算人均收入"
			if col != "家庭人口数" {
				msg = e.t.cat("‘", col, "’为空，无法核算本年累计收入")
			}
			e.cellError(h.Ref, col, "income_gap", msg)
			continue
		}
		mp := e.monParamsFor(h.County)
		shares, ownShares := e.incomeShares(h, mp)
		sq := shareAtX(shares, q)
		proj := xquo(f.ytd, sq)
		e.proj[i] = proj // read-only from here on; the unit summaries reuse it

		if !mp.growthNoted {
			mp.growthNoted = true
			if mp.glOK && mp.glU.Stale {
				e.warnStaleGrowth(year, mp.gl, mp.glU)
			}
			if !mp.glOK {
				e.warn("当地农牧民收入增速未设置%d年数值，无法计算增收目标（倒推算）和‘增速低于当地’", year)
			}
		}

		m := &monHousehold{e: e, h: h, ytdText: e.t.xyuan(f.ytd)}
		inputs := append(inBuf[:0], Input{"本年累计人均纯收入", e.t.cat(m.ytdText, "（", f.source, "，截至", periodCN, "）")})
		sharePct := ""
		m.projText = e.t.xyuan(proj)
		if q < 4 {
			shareName := "统一累计收入占比"
			sharePct = mp.sharePct
			if ownShares {
				shareName = "本户上年累计收入占比"
				sharePct = e.t.sharePct(shares[q-1])
			}
			inputs = append(inputs, Input{shareName, e.t.cat("第", qText, "季度末", sharePct)},
				Input{"全年预计人均纯收入", m.projText})
		}
		if h.Members > 0 {
			inputs = append(inputs, Input{"家庭人口数", e.t.itoa(h.Members)})
		}
		if !ownShares && q < 4 {
			m.withSh = 1
		}
		ws := m.withSh

		// Base I0.
		var base xrat
		lastText := ""
		var lastQ4 Fen
		hasLastQ4 := false
		if h.LastYearPerCapita == nil {
			lastQ4, hasLastQ4 = lastYearFromPrior(prior[h.ID], e.p.Year-1)
		}
		switch {
		case hasLastQ4:
			// Last year's whole-year income, from last year's 第4季度 upload (its 本年累计); the
			// unit summaries' 两高于 use it too.
			if e.priorBase == nil {
				e.priorBase = make([]Fen, len(e.in.Households))
			}
			e.priorBase[i] = lastQ4
			base = xfen(lastQ4)
			lastText = e.t.fen(lastQ4)
			inputs = append(inputs, Input{"上年人均纯收入", e.t.cat(lastText, "（", strconv.Itoa(e.p.Year-1), "年第4季度台账）")})
		case h.LastYearPerCapita == nil:
			e.cellError(h.Ref, "上年人均纯收入", "income_decrease", "‘上年人均纯收入’为空，无法计算增速")
		case *h.LastYearPerCapita > 0:
			base = xfen(*h.LastYearPerCapita)
			lastText = e.t.fen(*h.LastYearPerCapita)
			inputs = append(inputs, Input{"上年人均纯收入", lastText})
		case *h.LastYearPerCapita == 0 && f.ytd.sign() > 0:
			// I0 = 0 with income now: growth, not an error; no growth rate exists and no flag fires.
		case *h.LastYearPerCapita == 0:
			e.cellError(h.Ref, "上年人均纯收入", "income_decrease", "‘上年人均纯收入’为0且本年累计收入不大于0，无法计算增速，请核实")
		default:
			e.cellError(h.Ref, "上年人均纯收入", "income_decrease", e.t.cat("‘上年人均纯收入’为负数（", e.t.fen(*h.LastYearPerCapita), "），无法计算增速，请核实"))
		}
		m.inputs = inputs

		if base.ok() {
			g := growthOf(f.ytd, shares, q, base)
			tolR := xrate(mp.tol)
			decrease, flat := xcmp(g, xneg(tolR)) < 0, xcmp(xabs(g), tolR) <= 0
			switch {
			case decrease || flat || (mp.glOK && xcmp(g, xrate(mp.gl)) < 0):
				// How Â was worked out, against the base.
				var head string
				if q == 4 {
					head = e.t.cat("全年人均纯收入", m.ytdText, "，比上年人均", lastText)
				} else {
					head = e.t.cat("倒推算：截至第", qText, "季度累计人均纯收入", m.ytdText, "÷", sharePct, "=全年预计", m.projText, "，比上年人均", lastText)
				}
				gp := e.t.xpct(g)
				switch {
				case decrease:
					m.flag("income_decrease", "收入同比减少", []Input{{"增速", gp}}, mp.pTol[ws],
						e.t.cat(head, "下降", e.t.xpct(xneg(g)), "，降幅超过", mp.tolPct, "，收入同比减少"))
				case flat:
					m.flag("income_flat", "收入持平", []Input{{"增速", gp}}, mp.pTol[ws],
						e.t.cat(head, "增速", gp, "，在±", mp.tolPct, "以内，收入持平"))
				default:
					m.flag("income_below_local", "收入增速低于当地", []Input{{"增速", gp}}, mp.pBelow[ws],
						e.t.cat(head, "增长", gp, "，低于当地农牧民收入增速", mp.glPct, mp.glNote))
				}
			}
			e.incomeTrend(m, &f, prior[h.ID], shares, base, mp)
			if mp.glOK {
				target := xmul(base, xadd(xint(1), xrate(mp.gl)))
				req := xmul(target, sq)
				short := xsub(req, f.ytd)
				if short.sign() > 0 {
					if h.Members <= 0 {
						e.cellError(h.Ref, "家庭人口数", "income_gap", "‘家庭人口数’为空，无法计算家庭增收差额")
					} else {
						gap := xmul(short, xint(int64(h.Members))).fen()
						targetText, reqText := e.t.xyuan(target), e.t.xyuan(req)
						fd := householdFinding("income_gap", h)
						fd.Kind, fd.Amount = KindAmount, e.fens.ptr(gap)
						// Room for the two targets and for the measures evalGapMeasures adds.
						fd.Inputs = append(e.ins.take(3, inputs...),
							Input{"增收目标（全年人均）", targetText}, Input{"本季度累计目标（人均）", reqText})
						fd.Params = mp.pGap[ws]
						var why string
						if q != 4 {
							why = e.t.cat("目标全年人均", targetText, "（上年", lastText, "×(1+", mp.glPct, ")", mp.glGapNote, "）×", sharePct, "=", reqText)
						} else {
							why = e.t.cat("目标全年人均", targetText, "（上年", lastText, "×(1+", mp.glPct, ")", mp.glGapNote, "）")
						}
						fd.Explain = e.t.cat("本季度距增收目标还差", e.t.fen(gap), "：", why, "，已实现人均", m.ytdText,
							"，人均差", e.t.xyuan(short), "×", e.t.itoa(h.Members), "人")
						e.emit(fd)
					}
				}
			}
		}

		// Monitoring line: needs no base.
		if mp.lineOK {
			if xcmp(proj, xfen(mp.line)) < 0 {
				what := "全年预计人均纯收入"
				if q == 4 {
					what = "全年人均纯收入"
				}
				m.flag("below_monitoring_line", "低于防返贫监测收入标准", nil, mp.pLine[ws],
					e.t.cat(what, m.projText, "，低于", yearText, "年防返贫监测收入标准", mp.lineText))
			}
		} else if !lineWarned {
			e.warn("防返贫监测收入标准未设置%d年数值，已跳过‘低于监测标准’检查（不作推测），请管理员设置", year)
			lineWarned = true
		}

		// Each monitored household needs a recorded, finished measure and a responsible cadre.
		if m.nflags > 0 {
			var missBuf [2]string
			miss := missBuf[:0]
			switch {
			case strings.TrimSpace(h.Measure) == "":
				miss = append(miss, "未记录帮扶措施")
			case !h.MeasureDone:
				miss = append(miss, e.t.cat("帮扶措施（", h.Measure, "）尚未落实"))
			}
			if strings.TrimSpace(h.Cadre) == "" {
				miss = append(miss, "未明确帮扶责任人")
			}
			if len(miss) > 0 {
				flags := e.t.joined(m.flagBuf[:min(m.nflags, len(m.flagBuf))], "、")
				fd := householdFinding("measure_missing", h)
				fd.Inputs = e.ins.take(0, Input{"监测原因", flags}, Input{"帮扶措施", h.Measure}, Input{"帮扶责任人", h.Cadre})
				why := e.t.cat("已纳入增收监测（", flags, "），", e.t.joined(miss, "，"))
				fd.Explain = why
				e.taskFinding(fd, h.Cadre, e.t.cat("该户", why, "，请落实并在台账中记录"), "")
			}
		}
	}
}

// periodGrowth is one quarter's projected growth (and cumulative income, when known) in
// incomeTrend's series.
type periodGrowth struct {
	p      Period
	g      xrat
	cum    xrat // A at that quarter of this year, for the shortfall; zero when unknown
	hasCum bool
}

// incomeTrend applies 有收入下降趋势: the year-on-year projected growth fell for trend_quarters
// consecutive quarters (this year's quarterly columns, then earlier uploads), or A_q < R_q and
// the shortfall widened since last quarter as a share of the target (progress A_q ÷ R_q fell),
// within the year.
func (e *eval) incomeTrend(m *monHousehold, f *incomeX, prior []IncomePoint, shares Shares, base xrat, mp *monParams) {
	p := e.p
	n := mp.trendN
	var buf [8]periodGrowth
	series := buf[:0]
	find := func(pp Period) int {
		for i := range series {
			if series[i].p == pp {
				return i
			}
		}
		return -1
	}
	for k := 1; k < p.Quarter; k++ {
		if f.cum[k-1].ok() {
			series = append(series, periodGrowth{p: Period{p.Year, k}, g: growthOf(f.cum[k-1], shares, k, base), cum: f.cum[k-1], hasCum: true})
		}
	}
	series = append(series, periodGrowth{p: p, g: growthOf(f.ytd, shares, p.Quarter, base), cum: f.ytd, hasCum: true})
	fromPrior := false
	for _, pt := range prior {
		if !pt.Period.Before(p) || pt.BasePerCapita <= 0 || !pt.Period.Valid() {
			continue
		}
		if find(pt.Period) >= 0 {
			continue // this upload's columns win
		}
		pg := periodGrowth{p: pt.Period, g: growthOf(xfen(pt.YTDPerCapita), shares, pt.Period.Quarter, xfen(pt.BasePerCapita))}
		if pt.Period.Year == p.Year {
			pg.cum, pg.hasCum = xfen(pt.YTDPerCapita), true
		}
		series = append(series, pg)
		fromPrior = true
	}
	ws := m.withSh
	if n >= 1 {
		var chainBuf [8]int
		chain := append(chainBuf[:0], find(p))
		cur := p
		ok := true
		for i := 0; i < n && ok; i++ {
			prev := cur.Prev()
			j := find(prev)
			ok = j >= 0 && xcmp(series[chain[len(chain)-1]].g, series[j].g) < 0
			chain = append(chain, j)
			cur = prev
		}
		if ok {
			t := &e.t
			for i := len(chain) - 1; i >= 0; i-- {
				if i < len(chain)-1 {
					t.add("→")
				}
				s := &series[chain[i]]
				t.addPeriod(s.p)
				t.addXPct(s.g)
			}
			parts := t.done()
			src := "本年各季度收入"
			if fromPrior {
				src = "本年及以往上传的台账"
			}
			m.flag("income_downtrend", "有收入下降趋势", []Input{{"各季度预计增速", parts}}, mp.pTrendN[ws],
				e.t.cat("年度预计增速连续", e.t.itoa(n), "个季度下降（", src, "）：", parts))
			return
		}
	}
	if !mp.glOK || p.Quarter < 2 {
		return
	}
	prev := p.Prev()
	j := find(prev)
	if j < 0 || !series[j].hasCum {
		return
	}
	aPrev := series[j].cum
	// The shortfall is compared as a share of the quarter's target (A_q ÷ R_q, the progress
	// towards 倒推算): a household steadily 7% behind has an absolute shortfall that grows every
	// quarter with R_q, but it is not falling further behind; only a falling progress is a trend.
	target := xmul(base, xadd(xint(1), xrate(mp.gl)))
	req := xmul(target, shareAtX(shares, p.Quarter))
	reqPrev := xmul(target, shareAtX(shares, prev.Quarter))
	if req.sign() <= 0 || reqPrev.sign() <= 0 || xcmp(f.ytd, req) >= 0 {
		return
	}
	progress := xquo(f.ytd, req)
	progressPrev := xquo(aPrev, reqPrev)
	if xcmp(progress, progressPrev) < 0 {
		pp, pn := e.t.xpct(progressPrev), e.t.xpct(progress)
		m.flag("income_downtrend", "有收入下降趋势",
			[]Input{{"上季度累计人均纯收入", e.t.xyuan(aPrev)}, {"倒推算完成进度", e.t.cat(pp, "→", pn)}},
			mp.pTrendGl[ws],
			e.t.cat("累计收入低于倒推算进度，且完成进度由第", e.t.itoa(prev.Quarter), "季度", pp, "降到第", e.t.itoa(p.Quarter), "季度", pn))
	}
}

// evalGapMeasures completes each income_gap finding with the measures that could close the gap
// (POLICY.md （一）: "shown with the measures that could close it"): the subsidies the household
// qualifies for but has not received in full, the amounts it gets once a pending step is done
// (crops sold, contract signed), and the headroom under the （六） project subsidy cap. It runs
// after every amount rule (see Evaluate).
func evalGapMeasures(e *eval) {
	n := 0
	for i := range e.res.Findings {
		if e.res.Findings[i].Rule == "income_gap" {
			n++
		}
	}
	if n == 0 {
		return
	}
	g := gapMeasures{slot: make(map[string]int32, n), hids: make([]string, 0, n), lists: make([]gapList, 0, n)}
	for i := range e.res.Findings {
		if f := &e.res.Findings[i]; f.Rule == "income_gap" {
			g.household(f.Household)
		}
	}
	for i := range e.res.Findings {
		f := &e.res.Findings[i]
		if f.Amount == nil || f.Rule == "income_gap" {
			continue
		}
		s, ok := g.slot[f.Household]
		if !ok {
			continue
		}
		switch f.Kind {
		case KindAmount:
			paid := Fen(0)
			if f.Paid != nil {
				paid = *f.Paid
			}
			if *f.Amount > paid {
				r, _ := RuleByID(f.Rule)
				g.add(s, e.t.cat(r.Title, "尚未发放", e.t.fen(*f.Amount-paid)))
			}
		case KindTask:
			if *f.Amount > 0 {
				r, _ := RuleByID(f.Rule)
				g.add(s, e.t.cat(r.Title, "待办结后可得", e.t.fen(*f.Amount)))
			}
		}
	}
	caps, _ := e.projectCaps()
	for s, hid := range g.hids {
		if c := caps[hid]; c != nil && c.byPerson >= 0 && c.subsidy < c.cap {
			g.add(int32(s), e.t.cat("到户项目补助尚可增加", e.t.fen(c.cap-c.subsidy), "（上限", e.t.fen(c.cap), "）"))
		}
	}
	for i := range e.res.Findings {
		gf := &e.res.Findings[i]
		if gf.Rule != "income_gap" {
			continue
		}
		s := g.slot[gf.Household]
		if g.lists[s].first < 0 {
			gf.Explain = e.t.cat(gf.Explain, "；暂无可享未享的补贴，请因户施策")
			continue
		}
		m := g.join(&e.t, s, "、")
		gf.Inputs = append(gf.Inputs, Input{"可享未享补贴", m})
		gf.Explain = e.t.cat(gf.Explain, "；可享未享：", m)
	}
}

// gapMeasures holds, for each household with an income gap, the measures that could close it in
// the order they were found: one list per household, chained through one slice of items.
type gapMeasures struct {
	slot  map[string]int32 // household → its list
	hids  []string         // by list
	lists []gapList
	items []gapMeasure
}

// gapList is one household's list: its first and last items, -1 when empty.
type gapList struct{ first, last int32 }

type gapMeasure struct {
	text string
	next int32 // the next item of the same list, -1 at the end
}

// household makes a list for hid when it has none.
func (g *gapMeasures) household(hid string) {
	if _, ok := g.slot[hid]; !ok {
		g.slot[hid] = int32(len(g.lists))
		g.hids = append(g.hids, hid)
		g.lists = append(g.lists, gapList{-1, -1})
	}
}

// add appends a measure to list s.
func (g *gapMeasures) add(s int32, text string) {
	k := int32(len(g.items))
	g.items = append(g.items, gapMeasure{text: text, next: -1})
	if l := &g.lists[s]; l.first < 0 {
		l.first, l.last = k, k
	} else {
		g.items[l.last].next, l.last = k, k
	}
}

// join returns the measures of list s separated by sep, in t.
func (g *gapMeasures) join(t *texts, s int32, sep string) string {
	for k := g.lists[s].first; k >= 0; k = g.items[k].next {
		if k != g.lists[s].first {
			t.add(sep)
		}
		t.add(g.items[k].text)
	}
	return t.done()
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

// lastYearFromPrior is the household's cumulative per-capita income at the end of year's fourth
// quarter, from an earlier upload: that year's whole income, the base I0 of the year after when
// its ledger leaves 上年人均纯收入 empty.
func lastYearFromPrior(prior []IncomePoint, year int) (Fen, bool) {
	for _, pt := range prior {
		if pt.Period == (Period{Year: year, Quarter: 4}) && pt.YTDPerCapita > 0 {
			return pt.YTDPerCapita, true
		}
	}
	return 0, false
}
