package calc

import (
	"math/big"
	"strconv"
	"strings"
	"time"
)

// Clauses （八）（九）（十）: the employment list, public welfare post wages and the job subsidies.
//
// A person is the subject of these rules: their 身份证号 when the ledger has it, else
// "户编号/姓名" (PersonSubject). Explanations name the person, never the ID number.

// evalEmployment applies clauses （八）（九）（十）. The subsidies of （十） are per person per year:
// the rows of one person (two employers, two spells of flexible work) are evaluated together.
func evalEmployment(e *eval) {
	var params jobParamsBy
	ls := e.in.Laborers
	subjects := make([]string, len(ls)) // "" for a row out of scope
	first := make(map[string]int32, len(ls))
	var next []int32 // the person's next row, -1 at the end; nil while every person has one row
	var last map[int32]int32
	for i := range ls {
		l := &ls[i]
		if e.outOfScope(l.Household) {
			continue // scope: 脱贫人口（含监测对象）; a 一般农户's members are not on the list
		}
		s := e.personSubject(l.Household, l.Name, l.IDNumber)
		subjects[i] = s
		j, seen := first[s]
		if !seen {
			first[s] = int32(i)
			continue
		}
		if next == nil {
			next = make([]int32, len(ls))
			for k := range next {
				next[k] = -1
			}
			last = map[int32]int32{}
		}
		tail, ok := last[j]
		if !ok {
			tail = j
		}
		next[tail], last[j] = int32(i), int32(i)
	}
	// For （二）'s returned share, which counts people: each row's person (its first row), -1 out of scope.
	e.laborerFirst = make([]int32, len(ls))
	for i := range ls {
		e.laborerFirst[i] = -1
		if subjects[i] != "" {
			e.laborerFirst[i] = first[subjects[i]]
		}
	}
	var rowsBuf [4]*Laborer
	for i := range ls {
		l, subject := &ls[i], subjects[i]
		if subject == "" {
			continue
		}
		if first[subject] != int32(i) {
			continue // a later row of a person: evaluated with the first
		}
		unit := e.unitOf(l.Unit, l.Household)
		rows := append(rowsBuf[:0], l)
		if next != nil {
			for k := next[i]; k >= 0; k = next[k] {
				rows = append(rows, &ls[k])
			}
		}
		evalJobHelp(e, rows, subject, unit)
		evalJobSubsidies(e, rows, subject, unit, params.get(e, unit.County))
	}
	for i := range e.in.Posts {
		evalPostWage(e, &e.in.Posts[i])
	}
}

// PersonSubject is the subject of a person in findings, tasks and payments (clauses （九）（十）):
// the ID number when there is one, else "户编号/姓名". A ledger reader building Payments for a
// person must use the same key.
func PersonSubject(household, name, idNumber string) string {
	if s := strings.TrimSpace(idNumber); s != "" {
		return s
	}
	return household + "/" + name
}

// personSubject is PersonSubject, built in e.t.
func (e *eval) personSubject(household, name, idNumber string) string {
	if s := strings.TrimSpace(idNumber); s != "" {
		return s
	}
	return e.t.cat(household, "/", name)
}

// outOfScope reports whether a record's household is known to be a 一般农户: outside the seed's
// scope, 脱贫人口（含监测对象）. A household not in the household table is taken as in scope.
func (e *eval) outOfScope(household string) bool {
	h := e.hh[household]
	return h != nil && h.Category == CategoryOrdinary
}

// unitOf is a record's own unit, else its household's.
func (e *eval) unitOf(u Unit, household string) Unit {
	if u != (Unit{}) {
		return u
	}
	if h := e.hh[household]; h != nil {
		return h.Unit
	}
	return Unit{}
}

// dataWarning reports a row that was processed anyway but is worth a look.
func (e *eval) dataWarning(ref Ref, column, rule, msg string) {
	e.res.Errors = append(e.res.Errors, DataError{Sheet: ref.Sheet, Row: ref.Row, Column: column, Message: msg,
		Rule: rule, Warning: true})
}

// mulRateCeil returns f × r rounded up to the fen (for "not below r × f" thresholds; f ≥ 0).
func mulRateCeil(f Fen, r Rate) Fen {
	n := new(big.Int).Mul(big.NewInt(int64(f)), big.NewInt(int64(r)))
	q, m := new(big.Int).QuoRem(n, big.NewInt(int64(RateOne)), new(big.Int))
	if m.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	return Fen(q.Int64())
}

// belowShare reports whether x < r × base, exactly.
func belowShare(x, base Fen, r Rate) bool {
	lhs := new(big.Int).Mul(big.NewInt(int64(x)), big.NewInt(int64(RateOne)))
	rhs := new(big.Int).Mul(big.NewInt(int64(base)), big.NewInt(int64(r)))
	return lhs.Cmp(rhs) < 0
}

// minWageFor returns the monthly minimum wage of county's tier in force on d, with the
// parameters used. ok is false (and the reason says why) when the tier or the wage is not set.
func (e *eval) minWageFor(county string, d time.Time) (wage Fen, tier int, used []Used, reason string, ok bool) {
	tier, ut, ok := pAt(e, &e.pol.MinWageTier, county, d)
	if !ok || tier < 1 || tier > 3 {
		if county == "" {
			return 0, 0, nil, "未填旗县区，无法确定当地最低工资标准", false
		}
		return 0, 0, nil, e.t.cat("“", county, "”未设置最低工资地区类别（", e.pol.MinWageTier.Key, "），无法确定当地最低工资标准"), false
	}
	w, uw, ok := pAt(e, &e.pol.MinWage, county, d)
	if !ok {
		return 0, tier, nil, e.t.cat(DateText(d), "未设置月最低工资标准（", e.pol.MinWage.Key, "）"), false
	}
	return w.Tier(tier), tier, []Used{ut, uw}, "", true
}

// tierName is "二类".
func tierName(t int) string {
	names := [...]string{"", "一类", "二类", "三类"}
	if t < 1 || t > 3 {
		return strconv.Itoa(t) + "类"
	}
	return names[t]
}

// laborerFinding starts a finding about a laborer: subject, name, household, unit, row.
func laborerFinding(l *Laborer, subject string, unit Unit, rule string) Finding {
	return Finding{Rule: rule, Subject: subject, SubjectName: l.Name, Household: l.Household, Unit: unit, Ref: l.Ref}
}

// jobParams are （十）'s parameters for one county, with the texts and Params its findings
// share, looked up once per county (not per laborer).
type jobParams struct {
	county     string
	minMonths  int // stable_min_months
	minDays    int // flexible_min_days
	wageMonths int // stable_wage_months
	share      Rate
	stableCap  Fen
	flexCap    Fen
	transport  Fen

	sharePct       string // share.Percent()
	wageMonthsText string // "3"
	stableCapText  string // "每人每年3000元"
	// The endings of the stable_job explanation: above, at and below the cap.
	stableOver, stableAt, stableUnder string
	flexCapText, flexTail             string // "每人每年1000元"; "，达到100天以上，按…"
	transportCap, transportTail       string // "每人每年300元"; "，一次性交通补助每人每年300元"

	// Params of stable_job (three months' pay given, or from the monthly wage), flexible_job
	// and transport. Shared by the findings, so they are full slices: an append copies.
	pStablePay, pStableWage, pFlex, pTransport []Used
}

// jobParamsBy holds the jobParams of the counties seen in one evaluation.
type jobParamsBy struct {
	last *jobParams
	by   map[string]*jobParams
}

// get returns county's jobParams, looking them up the first time.
func (c *jobParamsBy) get(e *eval, county string) *jobParams {
	if p := c.last; p != nil && p.county == county {
		return p
	}
	if p := c.by[county]; p != nil {
		c.last = p
		return p
	}
	d := e.asOf
	p := &jobParams{county: county}
	var uMin, uDays, uShare, uCap, uMonths, uFlexCap, uT Used
	p.minMonths, uMin = pValue(e, &e.pol.StableMinMonths, county, d)
	p.minDays, uDays = pValue(e, &e.pol.FlexibleMinDays, county, d)
	p.wageMonths, uMonths = pValue(e, &e.pol.StableWageMonths, county, d)
	p.share, uShare = pValue(e, &e.pol.StableShare, county, d)
	p.stableCap, uCap = pValue(e, &e.pol.StableCap, county, d)
	p.flexCap, uFlexCap = pValue(e, &e.pol.FlexibleCap, county, d)
	p.transport, uT = pValue(e, &e.pol.Transport, county, d)

	p.sharePct = p.share.Percent()
	p.wageMonthsText = strconv.Itoa(p.wageMonths)
	capText := p.stableCap.Text()
	p.stableCapText = "每人每年" + capText
	p.stableOver = "，超过每人每年" + capText + "上限，按" + capText // the amount is the cap
	p.stableAt = "，恰好达到每人每年" + capText + "上限"
	p.stableUnder = "，未超过每人每年" + capText + "上限"
	flexText := p.flexCap.Text()
	p.flexCapText = "每人每年" + flexText
	p.flexTail = "，达到" + strconv.Itoa(p.minDays) + "天以上，按每人每年不超过" + flexText + "发放稳岗劳务补贴" + flexText
	p.transportCap = "每人每年" + p.transport.Text()
	p.transportTail = "，一次性交通补助" + p.transportCap

	p.pStablePay = []Used{uMin, uShare, uCap}
	p.pStableWage = []Used{uMin, uShare, uMonths, uCap}
	p.pFlex = []Used{uDays, uFlexCap}
	p.pTransport = []Used{uMin, uT}
	if c.by == nil {
		c.by = map[string]*jobParams{}
	}
	c.by[county] = p
	c.last = p
	return p
}

// evalJobHelp: （八） an unemployed or returned laborer who wants to work and has no employment
// help recorded needs help (job_help_needed), a task for the household's cadre. Per person: one
// task, from the first row that needs help, and none when any row of the person records help.
func evalJobHelp(e *eval, rows []*Laborer, subject string, unit Unit) {
	var l *Laborer
	for _, r := range rows {
		if strings.TrimSpace(r.HelpRecorded) != "" {
			return
		}
		if l == nil && (r.Unemployed || r.Returned) && r.WantsWork {
			l = r
		}
	}
	if l == nil {
		return
	}
	if l != rows[0] {
		unit = e.unitOf(l.Unit, l.Household)
	}
	status := "失业、返乡"
	if !l.Returned {
		status = "失业"
	} else if !l.Unemployed {
		status = "返乡"
	}
	f := laborerFinding(l, subject, unit, "job_help_needed")
	f.Inputs = e.ins.take(0, Input{"就业状态", status}, Input{"外出务工意愿", "有"}, Input{"就业帮扶措施", "未记录"})
	f.Explain = e.t.cat(l.Name, status, "，有外出务工意愿，尚未记录就业帮扶措施（推荐岗位、组织劳务输出或技能培训）")
	e.taskFinding(f, "", f.Explain, "")
}

// stableBase is the 3 months' wages of a stable row (3个月工资总额, else 月工资 × stable_wage_months),
// 0 when neither is given.
func stableBase(l *Laborer, p *jobParams) Fen {
	switch {
	case l.ThreeMonthPay != nil && *l.ThreeMonthPay > 0:
		return *l.ThreeMonthPay
	case l.MonthlyWage > 0:
		return l.MonthlyWage * Fen(p.wageMonths)
	}
	return 0
}

// refRows is "第2、3行" for the rows with a row number, else "2条记录".
func refRows(t *texts, rows []*Laborer, keep func(*Laborer) bool) string {
	firstRow, n, all := 0, 0, true
	var more []int
	for _, l := range rows {
		if !keep(l) {
			continue
		}
		n++
		switch {
		case l.Row <= 0:
			all = false
		case firstRow == 0:
			firstRow = l.Row
		default:
			more = append(more, l.Row)
		}
	}
	if !all || firstRow == 0 {
		return t.num(n, "条记录")
	}
	return t.cat("第", rowList(t, firstRow, more), "行")
}

// evalJobSubsidies: （十） stable_job, flexible_job and transport for one person, from the person's
// rows (usually one). Per person per year: one stable_job, from the stable row (≥ stable_min_months)
// with the highest 3 months' wages; flexible days add up over the rows of flexible work in the
// county; one transport. Stable or flexible, not both: stable wins, and a flexible_job already paid
// this year counts towards stable_job; a stable_job already paid this year leaves no flexible_job.
func evalJobSubsidies(e *eval, rows []*Laborer, subject string, unit Unit, p *jobParams) {
	postHolder := false
	var stableRow, transportRow, flexRow *Laborer
	var base Fen
	nStable, nFlex, flexDays := 0, 0, 0
	for _, l := range rows {
		if l.Job == JobPost || l.PostHolder {
			postHolder = true
		}
		if l.Job == JobStable && l.StableMonths >= p.minMonths {
			nStable++
			if b := stableBase(l, p); stableRow == nil || b > base {
				stableRow, base = l, b
			}
			if l.OutsideRegion && transportRow == nil {
				transportRow = l
			}
		}
		if (l.Job == JobFlexible || (l.Job == JobStable && l.AlsoFlexible)) && l.InCounty {
			nFlex++
			flexDays += l.FlexibleDays
			if flexRow == nil {
				flexRow = l
			}
		}
	}
	stable := stableRow != nil
	flexible := nFlex > 0 && flexDays >= p.minDays
	monthsText := ""
	if stable {
		monthsText = e.t.num(stableRow.StableMonths, "个月")
	}

	l := rows[0]
	if postHolder {
		// 公益岗位人员不享受稳岗劳务补贴（稳定就业与灵活就业两项）.
		for _, rule := range [...]string{"stable_job", "flexible_job"} {
			if paid := e.paidFor(subject, rule); paid > 0 {
				r, _ := RuleByID(rule)
				e.dataWarning(l.Ref, "公益岗位", rule, e.t.cat(l.Name, "为公益岗位人员，不享受稳岗劳务补贴（（十））；台账记录已发放",
					r.Title, e.t.fen(paid), "，请核实"))
			}
		}
	} else {
		if stable {
			if nStable > 1 {
				e.dataWarning(stableRow.Ref, "稳定就业月数", "stable_job", e.t.cat(l.Name, "有", e.t.itoa(nStable), "条稳定就业记录（",
					refRows(&e.t, rows, func(x *Laborer) bool { return x.Job == JobStable && x.StableMonths >= p.minMonths }),
					"），稳岗劳务补贴每人每年只享受一次，按3个月工资总额最高的", rowText(stableRow.Ref), "计算"))
			}
			evalStableJob(e, stableRow, subject, unit, p, monthsText, base)
			if flexible {
				e.dataWarning(stableRow.Ref, "灵活就业天数", "flexible_job", e.t.cat(l.Name, "同时登记稳定就业", monthsText, "和县内灵活就业",
					e.t.num(flexDays, "天"), "，同一人每年只享受一项稳岗劳务补贴，按稳定就业计算"))
			}
		} else if flexible {
			if paid := e.paidFor(subject, "stable_job"); paid > 0 {
				e.dataWarning(flexRow.Ref, "灵活就业天数", "flexible_job", e.t.cat(l.Name, "本年已发放稳岗劳务补贴", e.t.fen(paid),
					"，同一人每年只享受一项稳岗劳务补贴，不再计算县内灵活就业稳岗补贴，请核实"))
			} else {
				f := laborerFinding(flexRow, subject, unit, "flexible_job")
				days := e.t.num(flexDays, "天")
				if nFlex > 1 {
					days = e.t.cat(days, "（", refRows(&e.t, rows, func(x *Laborer) bool {
						return (x.Job == JobFlexible || (x.Job == JobStable && x.AlsoFlexible)) && x.InCounty
					}), "合计）")
				}
				f.Inputs = e.ins.take(0, Input{"就业类型", "县内灵活就业"}, Input{"灵活就业累计天数", days})
				f.Params = p.pFlex
				f.Cap = p.flexCapText
				f.Explain = e.t.cat("县内灵活就业累计", days, p.flexTail)
				e.entitlement(f, p.flexCap)
			}
		}
	}

	if transportRow != nil {
		months := monthsText
		if transportRow != stableRow {
			months = e.t.num(transportRow.StableMonths, "个月")
		}
		f := laborerFinding(transportRow, subject, unit, "transport")
		f.Inputs = e.ins.take(0, Input{"就业类型", "稳定就业"}, Input{"稳定就业月数", months}, Input{"务工地", "内蒙古自治区外"})
		f.Params = p.pTransport
		f.Cap = p.transportCap
		f.Explain = e.t.cat("跨自治区稳定就业", months, p.transportTail)
		e.entitlement(f, p.transport)
	}
}

// evalStableJob: stable_job = min(stable_share × three months' wages, stable_cap).
// monthsText is "6个月"; base is stableBase(l, p).
func evalStableJob(e *eval, l *Laborer, subject string, unit Unit, p *jobParams, monthsText string, base Fen) {
	f := laborerFinding(l, subject, unit, "stable_job")
	var baseText string
	switch {
	case l.ThreeMonthPay != nil && *l.ThreeMonthPay > 0:
		pay := e.t.fen(base)
		baseText = e.t.cat("3个月工资总额", pay)
		f.Inputs = e.ins.take(1, Input{"就业类型", "稳定就业"}, Input{"稳定就业月数", monthsText}, Input{"3个月工资总额", pay})
		f.Params = p.pStablePay
	case l.MonthlyWage > 0:
		wage, ms := e.t.fen(l.MonthlyWage), p.wageMonthsText
		baseText = e.t.cat(ms, "个月工资总额", e.t.fen(base), "（月工资", wage, "×", ms, "）")
		f.Inputs = e.ins.take(1, Input{"就业类型", "稳定就业"}, Input{"稳定就业月数", monthsText}, Input{"月工资", wage})
		f.Params = p.pStableWage
	default:
		e.dataError(l.Ref, "3个月工资总额", "stable_job", e.t.cat(l.Name, "稳定就业", monthsText,
			"，但月工资和3个月工资总额均为空，无法计算稳岗劳务补贴"))
		return
	}
	pre := base.MulRate(p.share)
	amt := MinFen(pre, p.stableCap)
	tail := p.stableUnder
	switch {
	case pre > p.stableCap:
		f.Cap, tail = p.stableCapText, p.stableOver
	case pre == p.stableCap:
		f.Cap, tail = p.stableCapText, p.stableAt
	}
	f.Explain = e.t.cat("稳定就业", monthsText, "，", baseText, "×", p.sharePct, "=", e.t.fen(pre), tail)
	paid := e.paidFor(subject, "stable_job")
	if flexPaid := e.paidFor(subject, "flexible_job"); flexPaid > 0 {
		// Stable or flexible in a year, not both: what was paid as flexible counts towards stable.
		paid += flexPaid
		fp := e.t.fen(flexPaid)
		f.Inputs = append(f.Inputs, Input{"本年已发放县内灵活就业稳岗补贴", fp})
		f.Explain = e.t.cat(f.Explain, "；本年已发放县内灵活就业稳岗补贴", fp, "，同一人每年只享受一项稳岗劳务补贴，计入已发放")
	}
	e.entitlementPaid(f, amt, paid)
}

// evalPostWage: （九） a public welfare post's monthly wage must grow at least with the minimum
// wage of the county's tier: this year's < last year's × (wage in force now ÷ wage in force one
// year earlier) ⇒ post_wage_lag (flag and task). The comparison is exact (cross-multiplied).
func evalPostWage(e *eval, p *WelfarePost) {
	if e.outOfScope(p.Household) {
		return // scope (POLICY.md): 脱贫户 and 监测对象, as the 务工就业清单 of （八）（十）; not a 一般农户's member
	}
	if p.WageLastYear <= 0 {
		return // a new post: nothing to compare with
	}
	unit := e.unitOf(p.Unit, p.Household)
	ref := p.Ref
	if p.WageThisYear <= 0 {
		e.dataError(ref, "本年月工资", "post_wage_lag", e.t.cat(p.Name, "的公益岗位本年月工资为空，无法核对工资增长"))
		return
	}
	now := e.asOf
	then := now.AddDate(-1, 0, 0)
	wNow, tier, usedNow, reason, ok := e.minWageFor(unit.County, now)
	if !ok {
		e.dataError(ref, "旗县区", "post_wage_lag", e.t.cat(p.Name, "：", reason))
		return
	}
	wThen, _, usedThen, reason, ok := e.minWageFor(unit.County, then)
	if !ok || wThen <= 0 {
		e.warn("（九）公益岗位工资：%s", reason)
		return
	}
	// lag ⇔ this × wThen < last × wNow.
	lhs := new(big.Int).Mul(big.NewInt(int64(p.WageThisYear)), big.NewInt(int64(wThen)))
	rhs := new(big.Int).Mul(big.NewInt(int64(p.WageLastYear)), big.NewInt(int64(wNow)))
	if lhs.Cmp(rhs) >= 0 {
		return
	}
	// The lowest wage that keeps pace, rounded up to the fen.
	need, rem := new(big.Int).QuoRem(rhs, big.NewInt(int64(wThen)), new(big.Int))
	if rem.Sign() > 0 {
		need.Add(need, big.NewInt(1))
	}
	required := Fen(need.Int64())
	short := required - p.WageThisYear
	growth := pctText(big.NewRat(int64(wNow-wThen), int64(wThen)))

	f := Finding{Rule: "post_wage_lag", Kind: KindFlag, Subject: e.personSubject(p.Household, p.Name, p.IDNumber),
		SubjectName: p.Name, Household: p.Household, Unit: unit, Ref: ref, Amount: &short}
	last, this := e.t.fen(p.WageLastYear), e.t.fen(p.WageThisYear)
	f.Inputs = e.ins.take(0, Input{"公益岗位", p.Post}, Input{"上年月工资", last}, Input{"本年月工资", this},
		Input{"旗县区", unit.County})
	f.Params = append(usedNow[:1:1], usedThen[1], usedNow[1])
	f.Explain = e.t.cat("公益岗位月工资上年", last, "、本年", this, "；", tierName(tier), "最低工资标准由", e.t.fen(wThen),
		"（", DateText(then), "）调整为", e.t.fen(wNow), "（", DateText(now), "），涨幅", growth, "，本年月工资应不低于",
		e.t.fen(required), "，差", e.t.fen(short))
	e.emit(f)
	cadre := ""
	if h := e.hh[p.Household]; h != nil {
		cadre = h.Cadre
	}
	e.task(Task{Rule: f.Rule, Clause: "（九）", Subject: f.Subject, SubjectName: f.SubjectName, Household: f.Household,
		Unit: unit, Ref: ref, Cadre: cadre, Amount: &short,
		Explain: e.t.cat("依据《若干措施》（九）：", f.Explain, "，请参照最低工资年涨幅提高公益岗位工资")}, "")
}
