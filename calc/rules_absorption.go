package calc

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
// Already paid: the payments recorded for the entity under absorption (a ledger's filled 已发放,
// merged with earlier uploads' by the bot). Only when none is recorded does the records'
// AwardPaid (JSON rows) count, the largest of the entity's records: both report the year's total,
// so they are never added.
//
// 每年可申请一次: an entity that appears again after a record that got an award is a repeated
// application (absorption_duplicate), not a second award.
func evalAbsorption(e *eval) {
	var fallback map[string]Fen // entity → the largest AwardPaid, where no payment is recorded
	for i := range e.in.Employers {
		emp := &e.in.Employers[i]
		if emp.AwardPaid <= 0 || e.recorded(emp.Name, "absorption") {
			continue
		}
		if fallback == nil {
			fallback = map[string]Fen{}
		}
		fallback[emp.Name] = MaxFen(fallback[emp.Name], emp.AwardPaid)
	}
	for name, v := range fallback {
		e.paid[paidKey{name, "absorption"}] = v
	}
	var awarded map[string]Ref // entity → the record awarded this year
	for i := range e.in.Employers {
		emp := &e.in.Employers[i]
		if evalEmployer(e, emp, awarded) {
			if awarded == nil {
				awarded = map[string]Ref{}
			}
			awarded[emp.Name] = emp.Ref
		}
	}
}

// evalEmployer evaluates one entity's record; it reports whether an award was worked out.
// awarded holds the entities awarded by an earlier record.
func evalEmployer(e *eval, emp *Employer, awarded map[string]Ref) bool {
	subject := emp.Name
	county := emp.County
	d := emp.AppliedOn
	if d.IsZero() {
		d = e.p.End()
	}
	paid := e.paidFor(subject, "absorption")

	if emp.OneTimeTaken {
		f := Finding{Rule: "absorption_duplicate", Kind: KindFlag, Subject: subject, SubjectName: emp.Name, Unit: emp.Unit, Ref: emp.Ref}
		f.Inputs = e.ins.take(1, Input{"本年度已申请一次性资金奖补", "是"}, Input{"吸纳脱贫人口", e.t.num(len(emp.Workers), "人")})
		f.Explain = "本年度已申请一次性资金奖补，当年不能再次申请吸纳就业资金奖补"
		if paid > 0 {
			paidText := e.t.fen(paid)
			f.Inputs = append(f.Inputs, Input{"吸纳就业奖补已发放", paidText})
			f.Explain = e.t.cat(f.Explain, "；台账记录已发放吸纳就业奖补", paidText, "，请核实")
		}
		e.emit(f)
		return false
	}

	minWage, tier, used, reason, ok := e.minWageFor(county, d)
	if !ok {
		e.dataError(emp.Ref, "旗县区", "absorption", e.t.cat(emp.Name, "：", reason))
		return false
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
	minWageText := e.t.fen(minWage)
	// "，另有未签订劳动协议1人、稳定就业不足3个月2人不计入", or "".
	excluded, sep := "", "，另有"
	if noAgreement > 0 {
		excluded, sep = e.t.cat(excluded, sep, "未签订劳动协议", e.t.itoa(noAgreement), "人"), "、"
	}
	if tooShort > 0 {
		excluded, sep = e.t.cat(excluded, sep, "稳定就业不足", e.t.itoa(minMonths), "个月", e.t.itoa(tooShort), "人"), "、"
	}
	if lowWage > 0 {
		excluded = e.t.cat(excluded, sep, "月工资低于最低工资", minWageText, "的", e.t.itoa(lowWage), "人")
	}
	if excluded != "" {
		excluded = e.t.cat(excluded, "不计入")
	}
	when := e.t.cat(DateText(d), "（申请日期）")
	if emp.AppliedOn.IsZero() {
		when = e.t.cat(DateText(d), "（未填申请日期，按期末）")
	}
	nText := e.t.num(n, "人")
	inputs := e.ins.take(2, Input{"吸纳脱贫人口", e.t.num(len(emp.Workers), "人")}, Input{"符合条件人数", nText},
		Input{"旗县区", county}, Input{"最低工资标准适用日期", when})
	conditions := e.t.cat("签订劳动协议、稳定就业", e.t.itoa(minMonths), "个月以上、月工资不低于", tierName(tier), "最低工资", minWageText)

	if n < minHires {
		if paid > 0 {
			e.dataWarning(emp.Ref, "吸纳就业奖补已发放", "absorption", e.t.cat(emp.Name, "吸纳符合条件（", conditions, "）的脱贫人口",
				nText, excluded, "，不足", e.t.num(minHires, "人"), "，不符合吸纳就业奖补条件，但台账记录已发放", e.t.fen(paid), "，请核实"))
		}
		return false
	}
	if first, dup := awarded[subject]; dup {
		where := "另一条申请"
		if first.Row > 0 {
			where = e.t.cat(first.Sheet, rowText(first))
		}
		f := Finding{Rule: "absorption_duplicate", Kind: KindFlag, Subject: subject, SubjectName: emp.Name, Unit: emp.Unit, Ref: emp.Ref}
		f.Inputs = e.ins.take(0, Input{"本年度已计算吸纳就业奖补", where}, Input{"符合条件人数", nText})
		f.Explain = e.t.cat("本年度已计算吸纳就业奖补（", where, "），每年可申请一次，本条不再计算")
		e.emit(f)
		return false
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
	wagesText, awardText, sharePct := e.t.fen(wages), e.t.itoa(awardMonths), share.Percent()
	f.Inputs = append(inputs, Input{"已核定享受吸纳就业奖补月数", e.t.num(emp.MonthsApproved, "个月")},
		Input{"符合条件人员3个月工资总额", wagesText})
	f.Params = append(used, uHires, uMonths, uAward, uShare)
	monthsText := e.t.cat(awardText, "个月")
	if emp.MonthsApproved > 0 {
		monthsText = e.t.cat("（", awardText, "−已核定", e.t.itoa(emp.MonthsApproved), "）个月")
	}
	head := e.t.cat("吸纳符合条件（", conditions, "）的脱贫人口", nText, excluded, "；", nText, "×最低工资", minWageText, "×",
		monthsText, "=", e.t.fen(byWage), "；", awardText, "个月工资总额", wagesText, "×", sharePct, "=", e.t.fen(byShare))
	if byShare < byWage {
		f.Cap = e.t.cat("不超过脱贫人口", awardText, "个月工资总额的", sharePct)
		f.Explain = e.t.cat(head, "，按不超过工资总额", sharePct, "计", e.t.fen(amt))
	} else {
		f.Explain = e.t.cat(head, "，未超过工资总额", sharePct, "，奖补", e.t.fen(amt))
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
	return true
}
