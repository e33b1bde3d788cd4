package calc

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// Clauses （八）（九）（十）: the employment list, public welfare post wages and the job subsidies.
//
// A person is the subject of these rules: their 身份证号 when the ledger has it, else
// "户编号/姓名" (PersonSubject). Explanations name the person, never the ID number.

// evalEmployment applies clauses （八）（九）（十）.
func evalEmployment(e *eval) {
	for i := range e.in.Laborers {
		l := &e.in.Laborers[i]
		evalJobHelp(e, l)
		evalJobSubsidies(e, l)
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
		return 0, 0, nil, fmt.Sprintf("“%s”未设置最低工资地区类别（%s），无法确定当地最低工资标准", county, e.pol.MinWageTier.Key), false
	}
	w, uw, ok := pAt(e, &e.pol.MinWage, county, d)
	if !ok {
		return 0, tier, nil, fmt.Sprintf("%s未设置月最低工资标准（%s）", DateText(d), e.pol.MinWage.Key), false
	}
	return w.Tier(tier), tier, []Used{ut, uw}, "", true
}

// tierName is "二类".
func tierName(t int) string {
	names := [...]string{"", "一类", "二类", "三类"}
	if t < 1 || t > 3 {
		return fmt.Sprintf("%d类", t)
	}
	return names[t]
}

// laborerFinding starts a finding about a laborer: subject, name, household, unit, row.
func (e *eval) laborerFinding(l *Laborer, rule string) Finding {
	return Finding{Rule: rule, Subject: PersonSubject(l.Household, l.Name, l.IDNumber), SubjectName: l.Name,
		Household: l.Household, Unit: e.unitOf(l.Unit, l.Household), Ref: l.Ref}
}

// evalJobHelp: （八） an unemployed or returned laborer who wants to work and has no employment
// help recorded needs help (job_help_needed), a task for the household's cadre.
func evalJobHelp(e *eval, l *Laborer) {
	if !(l.Unemployed || l.Returned) || !l.WantsWork || strings.TrimSpace(l.HelpRecorded) != "" {
		return
	}
	var status []string
	if l.Unemployed {
		status = append(status, "失业")
	}
	if l.Returned {
		status = append(status, "返乡")
	}
	f := e.laborerFinding(l, "job_help_needed")
	f.Inputs = []Input{{"就业状态", strings.Join(status, "、")}, {"外出务工意愿", "有"}, {"就业帮扶措施", "未记录"}}
	f.Explain = fmt.Sprintf("%s%s，有外出务工意愿，尚未记录就业帮扶措施（推荐岗位、组织劳务输出或技能培训）",
		l.Name, strings.Join(status, "、"))
	e.taskFinding(f, "", f.Explain, "")
}

// evalJobSubsidies: （十） stable_job, flexible_job and transport for one laborer.
func evalJobSubsidies(e *eval, l *Laborer) {
	county := e.unitOf(l.Unit, l.Household).County
	d := e.asOf
	subject := PersonSubject(l.Household, l.Name, l.IDNumber)
	postHolder := l.Job == JobPost || l.PostHolder

	minMonths, uMin := pValue(e, &e.pol.StableMinMonths, county, d)
	stable := l.Job == JobStable && l.StableMonths >= minMonths
	minDays, uDays := pValue(e, &e.pol.FlexibleMinDays, county, d)
	flexWork := l.Job == JobFlexible || (l.Job == JobStable && l.AlsoFlexible)
	flexible := flexWork && l.InCounty && l.FlexibleDays >= minDays

	if postHolder {
		// 公益岗位人员不享受稳岗劳务补贴（稳定就业与灵活就业两项）.
		for _, rule := range []string{"stable_job", "flexible_job"} {
			if paid := e.paidFor(subject, rule); paid > 0 {
				r, _ := RuleByID(rule)
				e.dataWarning(l.Ref, "公益岗位", rule, fmt.Sprintf("%s为公益岗位人员，不享受稳岗劳务补贴（（十））；台账记录已发放%s%s，请核实",
					l.Name, r.Title, paid.Text()))
			}
		}
	} else {
		if stable {
			evalStableJob(e, l, county, uMin)
			if flexible {
				e.dataWarning(l.Ref, "灵活就业天数", "flexible_job", fmt.Sprintf("%s同时登记稳定就业%d个月和县内灵活就业%d天，同一人每年只享受一项稳岗劳务补贴，按稳定就业计算",
					l.Name, l.StableMonths, l.FlexibleDays))
			}
		} else if flexible {
			limit, uCap := pValue(e, &e.pol.FlexibleCap, county, d)
			f := e.laborerFinding(l, "flexible_job")
			f.Inputs = []Input{{"就业类型", "县内灵活就业"}, {"灵活就业累计天数", fmt.Sprintf("%d天", l.FlexibleDays)}}
			f.Params = []Used{uDays, uCap}
			f.Cap = fmt.Sprintf("每人每年%s", limit.Text())
			f.Explain = fmt.Sprintf("县内灵活就业累计%d天，达到%d天以上，按每人每年不超过%s发放稳岗劳务补贴%s",
				l.FlexibleDays, minDays, limit.Text(), limit.Text())
			e.entitlement(f, limit)
		}
	}

	if l.Job == JobStable && l.StableMonths >= minMonths && l.OutsideRegion {
		amt, uT := pValue(e, &e.pol.Transport, county, d)
		f := e.laborerFinding(l, "transport")
		f.Inputs = []Input{{"就业类型", "稳定就业"}, {"稳定就业月数", fmt.Sprintf("%d个月", l.StableMonths)}, {"务工地", "内蒙古自治区外"}}
		f.Params = []Used{uMin, uT}
		f.Cap = fmt.Sprintf("每人每年%s", amt.Text())
		f.Explain = fmt.Sprintf("跨自治区稳定就业%d个月，一次性交通补助每人每年%s", l.StableMonths, amt.Text())
		e.entitlement(f, amt)
	}
}

// evalStableJob: stable_job = min(stable_share × three months' wages, stable_cap).
func evalStableJob(e *eval, l *Laborer, county string, uMin Used) {
	d := e.asOf
	share, uShare := pValue(e, &e.pol.StableShare, county, d)
	limit, uCap := pValue(e, &e.pol.StableCap, county, d)
	f := e.laborerFinding(l, "stable_job")
	f.Inputs = []Input{{"就业类型", "稳定就业"}, {"稳定就业月数", strconv.Itoa(l.StableMonths) + "个月"}}
	f.Params = []Used{uMin, uShare}
	var base Fen
	var baseText string
	switch {
	case l.ThreeMonthPay != nil && *l.ThreeMonthPay > 0:
		base = *l.ThreeMonthPay
		baseText = "3个月工资总额" + base.Text()
		f.Inputs = append(f.Inputs, Input{"3个月工资总额", base.Text()})
	case l.MonthlyWage > 0:
		months, uMonths := pValue(e, &e.pol.StableWageMonths, county, d)
		base = l.MonthlyWage * Fen(months)
		ms := strconv.Itoa(months)
		baseText = ms + "个月工资总额" + base.Text() + "（月工资" + l.MonthlyWage.Text() + "×" + ms + "）"
		f.Inputs = append(f.Inputs, Input{"月工资", l.MonthlyWage.Text()})
		f.Params = append(f.Params, uMonths)
	default:
		e.dataError(l.Ref, "3个月工资总额", "stable_job", fmt.Sprintf("%s稳定就业%d个月，但月工资和3个月工资总额均为空，无法计算稳岗劳务补贴",
			l.Name, l.StableMonths))
		return
	}
	f.Params = append(f.Params, uCap)
	pre := base.MulRate(share)
	amt := MinFen(pre, limit)
	head := "稳定就业" + strconv.Itoa(l.StableMonths) + "个月，" + baseText + "×" + share.Percent() + "=" + pre.Text()
	limitText := limit.Text()
	switch {
	case pre > limit:
		f.Cap = "每人每年" + limitText
		f.Explain = head + "，超过每人每年" + limitText + "上限，按" + amt.Text()
	case pre == limit:
		f.Cap = "每人每年" + limitText
		f.Explain = head + "，恰好达到每人每年" + limitText + "上限"
	default:
		f.Explain = head + "，未超过每人每年" + limitText + "上限"
	}
	e.entitlement(f, amt)
}

// evalPostWage: （九） a public welfare post's monthly wage must grow at least with the minimum
// wage of the county's tier: this year's < last year's × (wage in force now ÷ wage in force one
// year earlier) ⇒ post_wage_lag (flag and task). The comparison is exact (cross-multiplied).
func evalPostWage(e *eval, p *WelfarePost) {
	if p.WageLastYear <= 0 {
		return // a new post: nothing to compare with
	}
	unit := e.unitOf(p.Unit, p.Household)
	ref := p.Ref
	if p.WageThisYear <= 0 {
		e.dataError(ref, "本年月工资", "post_wage_lag", fmt.Sprintf("%s的公益岗位本年月工资为空，无法核对工资增长", p.Name))
		return
	}
	now := e.asOf
	then := now.AddDate(-1, 0, 0)
	wNow, tier, usedNow, reason, ok := e.minWageFor(unit.County, now)
	if !ok {
		e.dataError(ref, "旗县区", "post_wage_lag", p.Name+"："+reason)
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

	f := Finding{Rule: "post_wage_lag", Kind: KindFlag, Subject: PersonSubject(p.Household, p.Name, p.IDNumber),
		SubjectName: p.Name, Household: p.Household, Unit: unit, Ref: ref, Amount: &short}
	f.Inputs = []Input{{"公益岗位", p.Post}, {"上年月工资", p.WageLastYear.Text()}, {"本年月工资", p.WageThisYear.Text()},
		{"旗县区", unit.County}}
	f.Params = append(usedNow[:1:1], usedThen[1], usedNow[1])
	f.Explain = fmt.Sprintf("公益岗位月工资上年%s、本年%s；%s最低工资标准由%s（%s）调整为%s（%s），涨幅%s，本年月工资应不低于%s，差%s",
		p.WageLastYear.Text(), p.WageThisYear.Text(), tierName(tier), wThen.Text(), DateText(then), wNow.Text(), DateText(now),
		growth, required.Text(), short.Text())
	e.emit(f)
	cadre := ""
	if h := e.hh[p.Household]; h != nil {
		cadre = h.Cadre
	}
	e.task(Task{Rule: f.Rule, Clause: "（九）", Subject: f.Subject, SubjectName: f.SubjectName, Household: f.Household,
		Unit: unit, Ref: ref, Cadre: cadre, Amount: &short,
		Explain: "依据《若干措施》（九）：" + f.Explain + "，请参照最低工资年涨幅提高公益岗位工资"}, "")
}
