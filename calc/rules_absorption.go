package calc

import (
	"fmt"
	"strings"
)

// evalAbsorption applies clause （十一）: the employer absorption award (吸纳就业奖补), per entity
// per year.
//
// Qualifying workers: a labor agreement (依法签订劳动协议), ≥ absorption_min_months of stable
// employment, and a monthly wage ≥ the minimum wage of the entity's county tier in force on
// AppliedOn (else the period's end). With ≥ absorption_min_hires of them (含本数):
//
//	absorption = min(n × min_wage × (absorption_months − MonthsApproved),
//	                 absorption_share × Σ those workers' monthly wage × absorption_months)
//
// not below 0. An entity that took a one-time award this year gets none (absorption_duplicate).
// Already paid: the larger of the ledger's 已发放 (AwardPaid) and the payments on record (both
// report the year's total, so they are not added).
func evalAbsorption(e *eval) {
	for i := range e.in.Employers {
		evalEmployer(e, &e.in.Employers[i])
	}
}

func evalEmployer(e *eval, emp *Employer) {
	subject := emp.Name
	county := emp.County
	d := emp.AppliedOn
	if d.IsZero() {
		d = e.p.End()
	}
	if emp.AwardPaid > e.paidFor(subject, "absorption") {
		e.paid[paidKey{subject, "absorption"}] = emp.AwardPaid
	}
	paid := e.paidFor(subject, "absorption")

	if emp.OneTimeTaken {
		f := Finding{Rule: "absorption_duplicate", Kind: KindFlag, Subject: subject, SubjectName: emp.Name, Unit: emp.Unit, Ref: emp.Ref}
		f.Inputs = []Input{{"本年度已申请一次性资金奖补", "是"}, {"吸纳脱贫人口", fmt.Sprintf("%d人", len(emp.Workers))}}
		f.Explain = "本年度已申请一次性资金奖补，当年不能再次申请吸纳就业资金奖补"
		if paid > 0 {
			f.Inputs = append(f.Inputs, Input{"吸纳就业奖补已发放", paid.Text()})
			f.Explain += fmt.Sprintf("；台账记录已发放吸纳就业奖补%s，请核实", paid.Text())
		}
		e.emit(f)
		return
	}

	minWage, tier, used, reason, ok := e.minWageFor(county, d)
	if !ok {
		e.dataError(emp.Ref, "旗县区", "absorption", emp.Name+"："+reason)
		return
	}
	minHires, uHires := pValue(e, &e.pol.AbsorptionMinHires, county, d)
	minMonths, uMonths := pValue(e, &e.pol.AbsorptionMinMonths, county, d)
	awardMonths, uAward := pValue(e, &e.pol.AbsorptionMonths, county, d)
	share, uShare := pValue(e, &e.pol.AbsorptionShare, county, d)

	n := 0
	var pay Fen // Σ qualifying workers' monthly wages
	var noAgreement, tooShort, lowWage int
	for _, w := range emp.Workers {
		switch {
		case !w.Agreement:
			noAgreement++
		case w.Months < minMonths:
			tooShort++
		case w.MonthlyWage < minWage:
			lowWage++
		default:
			n++
			pay += w.MonthlyWage
		}
	}
	var out []string
	if noAgreement > 0 {
		out = append(out, fmt.Sprintf("未签订劳动协议%d人", noAgreement))
	}
	if tooShort > 0 {
		out = append(out, fmt.Sprintf("稳定就业不足%d个月%d人", minMonths, tooShort))
	}
	if lowWage > 0 {
		out = append(out, fmt.Sprintf("月工资低于最低工资%s的%d人", minWage.Text(), lowWage))
	}
	excluded := ""
	if len(out) > 0 {
		excluded = "，另有" + strings.Join(out, "、") + "不计入"
	}
	when := DateText(d) + "（申请日期）"
	if emp.AppliedOn.IsZero() {
		when = DateText(d) + "（未填申请日期，按期末）"
	}
	inputs := []Input{{"吸纳脱贫人口", fmt.Sprintf("%d人", len(emp.Workers))}, {"符合条件人数", fmt.Sprintf("%d人", n)},
		{"旗县区", county}, {"最低工资标准适用日期", when}}
	conditions := fmt.Sprintf("签订劳动协议、稳定就业%d个月以上、月工资不低于%s最低工资%s", minMonths, tierName(tier), minWage.Text())

	if n < minHires {
		if paid > 0 {
			e.dataWarning(emp.Ref, "吸纳就业奖补已发放", "absorption", fmt.Sprintf("%s吸纳符合条件（%s）的脱贫人口%d人%s，不足%d人，不符合吸纳就业奖补条件，但台账记录已发放%s，请核实",
				emp.Name, conditions, n, excluded, minHires, paid.Text()))
		}
		return
	}

	months := awardMonths - emp.MonthsApproved
	if months < 0 {
		months = 0
	}
	byWage := Fen(int64(minWage) * int64(n) * int64(months))
	wages := pay * Fen(awardMonths)
	byShare := wages.MulRate(share)
	amt := MaxFen(MinFen(byWage, byShare), 0)

	f := Finding{Rule: "absorption", Subject: subject, SubjectName: emp.Name, Unit: emp.Unit, Ref: emp.Ref}
	f.Inputs = append(inputs, Input{"已核定享受吸纳就业奖补月数", fmt.Sprintf("%d个月", emp.MonthsApproved)},
		Input{"符合条件人员3个月工资总额", wages.Text()})
	f.Params = append(used, uHires, uMonths, uAward, uShare)
	monthsText := fmt.Sprintf("%d个月", awardMonths)
	if emp.MonthsApproved > 0 {
		monthsText = fmt.Sprintf("（%d−已核定%d）个月", awardMonths, emp.MonthsApproved)
	}
	head := fmt.Sprintf("吸纳符合条件（%s）的脱贫人口%d人%s；%d人×最低工资%s×%s=%s；%d个月工资总额%s×%s=%s",
		conditions, n, excluded, n, minWage.Text(), monthsText, byWage.Text(), awardMonths, wages.Text(), share.Percent(), byShare.Text())
	if byShare < byWage {
		f.Cap = fmt.Sprintf("不超过脱贫人口%d个月工资总额的%s", awardMonths, share.Percent())
		f.Explain = head + fmt.Sprintf("，按不超过工资总额%s计%s", share.Percent(), amt.Text())
	} else {
		f.Explain = head + fmt.Sprintf("，未超过工资总额%s，奖补%s", share.Percent(), amt.Text())
	}
	before := len(e.res.Tasks)
	e.entitlement(f, amt)
	if emp.Cadre != "" {
		for i := before; i < len(e.res.Tasks); i++ {
			if e.res.Tasks[i].Cadre == "" {
				e.res.Tasks[i].Cadre = emp.Cadre
			}
		}
	}
}
