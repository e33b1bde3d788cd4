package calc

import (
	"strings"
	"time"
)

// InsuranceCauses are the rigid-spending causes clause （十四） names for 防贫保险 claims.
var InsuranceCauses = []string{"因灾", "因疫", "因学", "因病"}

// evalSafetyNet applies clauses （十三）（十四）（十五）.
func evalSafetyNet(e *eval) {
	for i := range e.in.Dibao {
		evalDibao(e, &e.in.Dibao[i])
	}
	evalInsurance(e)
	evalFilial(e)
}

// recordFinding starts a finding about a record of household id (subject, name, unit, row).
func (e *eval) recordFinding(rule, household string, ref Ref) Finding {
	f := Finding{Rule: rule, Subject: household, Household: household, Ref: ref}
	if h := e.hh[household]; h != nil {
		f.SubjectName, f.Unit = h.Head, h.Unit
	}
	return f
}

// evalDibao: （十三） 渐退期满 on or before AsOf (else the period's end) with no 复核评估 recorded
// ⇒ dibao_review_due task.
func evalDibao(e *eval, d *DibaoRecord) {
	if e.outOfScope(d.Household) {
		return // scope (POLICY.md): 脱贫户 and 监测对象 ("确保脱贫人口收入稳定"); not a 一般农户
	}
	if d.PhaseOutEnd.IsZero() {
		e.dataError(d.Ref, "渐退期满", "dibao_review_due", "低保渐退期满日期为空，无法判断是否需要复核评估")
		return
	}
	if d.Reviewed || d.PhaseOutEnd.After(e.asOf) {
		return
	}
	f := e.recordFinding("dibao_review_due", d.Household, d.Ref)
	end := dateText(&e.t, d.PhaseOutEnd)
	f.Inputs = e.ins.take(0, Input{"渐退期满", end}, Input{"复核评估", "未记录"}, Input{"核对日期", dateText(&e.t, e.asOf)})
	f.Explain = e.t.cat("低保渐退期已于", end, "期满，尚未记录家庭经济状况复核评估")
	e.taskFinding(f, "", e.t.cat(f.Explain, "，请复核评估，收入不稳定、不达标的可继续享受低保"), "")
}

// dateText is DateText(d) ("2026-09-30", zero: "").
func dateText(t *texts, d time.Time) string {
	if d.IsZero() {
		return ""
	}
	t.room(32)
	t.buf = d.AppendFormat(t.buf, "2006-01-02")
	return t.done()
}

// insuranceCause is the cause of （十四） an event's cause text names ("因病住院" → 因病), or "".
func insuranceCause(cause string) string {
	for _, c := range InsuranceCauses {
		if strings.Contains(cause, c) {
			return c
		}
	}
	for _, w := range insuranceWords {
		if strings.Contains(cause, w.word) {
			return w.cause
		}
	}
	return ""
}

// insuranceWords are the other words ledgers write for the four causes: the column is free text
// in many of them (疾病住院, 大病医疗, 上学, 学费, 洪灾, 疫情), and the seed lists the causes
// with 等.
var insuranceWords = []struct{ word, cause string }{
	{"灾", "因灾"}, {"疫", "因疫"}, {"学", "因学"}, {"教育", "因学"},
	{"病", "因病"}, {"医", "因病"}, {"住院", "因病"}, {"手术", "因病"},
}

// evalInsurance: （十四） a rigid-spending event 因灾/因疫/因学/因病 with no 防贫保险 claim ⇒
// insurance_claim_due, one task per household and cause (amounts summed), one finding per event.
func evalInsurance(e *eval) {
	type key struct{ household, cause string }
	type group struct {
		ref    Ref
		amount Fen
		n      int
	}
	groups := map[key]*group{}
	var order []key
	for i := range e.in.Insurance {
		ev := &e.in.Insurance[i]
		if strings.TrimSpace(ev.Cause) == "" {
			e.dataError(ev.Ref, "支出原因", "insurance_claim_due", "刚性支出原因为空，无法判断是否属于防贫保险理赔范围（因灾、因疫、因学、因病）")
			continue
		}
		if ev.Claimed {
			continue
		}
		c := insuranceCause(ev.Cause)
		if c == "" {
			// Not one of the four: no task, but the cadre hears why (a cause the words above
			// miss would otherwise be dropped without a word).
			e.res.Errors = append(e.res.Errors, DataError{Sheet: ev.Ref.Sheet, Row: ev.Ref.Row, Column: "支出原因", Rule: "insurance_claim_due", Warning: true,
				Message: e.t.cat(rowText(ev.Ref), "支出原因‘", ev.Cause, "’不属于防贫保险理赔范围（因灾、因疫、因学、因病），未提醒申请理赔；如属于其中之一，请在支出原因中写明")})
			continue
		}
		f := e.recordFinding("insurance_claim_due", ev.Household, ev.Ref)
		f.Kind = KindTask
		amount := e.t.fen(ev.Amount)
		f.Inputs = e.ins.take(0, Input{"支出原因", ev.Cause}, Input{"刚性支出", amount}, Input{"防贫保险理赔", "未申请"})
		f.Explain = e.t.cat(c, "刚性支出", amount, "，尚未申请防贫保险理赔")
		e.emit(f)
		k := key{ev.Household, c}
		g := groups[k]
		if g == nil {
			g = &group{ref: ev.Ref}
			groups[k] = g
			order = append(order, k)
		}
		g.amount += ev.Amount
		g.n++
	}
	for _, k := range order {
		g := groups[k]
		var what string
		if g.n > 1 {
			what = e.t.cat(k.cause, "刚性支出", e.t.itoa(g.n), "笔共", e.t.fen(g.amount))
		} else {
			what = e.t.cat(k.cause, "刚性支出", e.t.fen(g.amount))
		}
		f := e.recordFinding("insurance_claim_due", k.household, g.ref)
		e.task(Task{Rule: f.Rule, Clause: "（十四）", Subject: f.Subject, SubjectName: f.SubjectName, Household: f.Household,
			Unit: f.Unit, Ref: f.Ref,
			Explain: e.t.cat("依据《若干措施》（十四）：", what, "，尚未申请防贫保险理赔，请协助申请，应赔尽赔")}, k.cause)
	}
}

// evalFilial: （十五） a household that has lost labor capacity (Labor none) with low income:
// children's filial funds ≥ filial_ratio (per county) × (资产收益分红 + 临时救助 + 社会救助), else
// filial_short with the shortfall (rounded up to the fen; at exactly the ratio no flag).
//
// Low income: this year's projected per-capita net income (clause （一）'s projection; last
// year's per-capita income when this year's cannot be read) below filial_income_line, else below
// the monitoring line of the year. When neither line is set for the year, or the household's
// income is not in the ledger, every household without labor capacity is checked (the scope is
// already 脱贫人口) and a warning says so.
func evalFilial(e *eval) {
	yearEnd := e.p.End()
	var warned bool
	for i := range e.in.Filial {
		r := &e.in.Filial[i]
		h := e.hh[r.Household]
		if h == nil {
			e.dataWarning(r.Ref, "户编号", "filial_short", e.t.cat("孝扶台账的户“", r.Household, "”不在收入台账中（本次和之前上传的都没有），无法判断劳动能力和收入，未核对孝扶资金；请连同家庭收入台账一起上传"))
			continue
		}
		if h.Labor != LaborNone || h.Category == CategoryOrdinary {
			continue
		}
		county := h.County
		base := r.Dividend + r.TempAid + r.SocialAid
		if base <= 0 {
			continue
		}
		ratio, uRatio := pValue(e, &e.pol.FilialRatio, county, e.asOf)
		if !belowShare(r.Filial, base, ratio) {
			continue
		}

		// 收入较低.
		var params []Used
		var incomeIn Input
		line, uLine, ok := pAt(e, &e.pol.FilialIncomeLine, county, yearEnd)
		lineName := "收入较低标准"
		if !ok {
			line, uLine, ok = pAt(e, &e.pol.MonitoringLine, county, yearEnd)
			lineName = "防返贫监测收入标准"
		}
		pcWhat := "全年预计人均纯收入"
		pc := e.projectedPerCapita(h, -1)
		if !pc.ok() && h.LastYearPerCapita != nil {
			pc, pcWhat = xfen(*h.LastYearPerCapita), "上年人均纯收入"
		}
		lowText := ""
		switch {
		case ok && pc.ok():
			if xcmp(pc, xfen(line)) >= 0 {
				continue // not low income
			}
			params = append(params, uLine)
			incomeIn = Input{pcWhat, pc.text()}
			lowText = e.t.cat(pcWhat, incomeIn.Value, "低于", lineName, e.t.fen(line), "，")
		case ok:
			params = append(params, uLine)
			incomeIn = Input{"人均纯收入", "台账未提供"}
			lowText = "台账未提供人均纯收入，按收入较低核对，"
		default:
			if !warned {
				warned = true
				e.warn("（十五）孝扶资金：%d年未设置收入较低标准（%s）和防返贫监测收入标准，对所有丧失劳动能力的脱贫户核对孝扶资金，请管理员设置",
					e.p.Year, e.pol.FilialIncomeLine.Key)
			}
			if pc.ok() {
				incomeIn = Input{pcWhat, pc.text()}
			}
		}

		need := mulRateCeil(base, ratio)
		short := need - r.Filial
		f := e.recordFinding("filial_short", r.Household, r.Ref)
		f.Kind, f.Amount = KindFlag, e.fens.ptr(short)
		f.Inputs = e.ins.take(5, Input{"劳动能力", "丧失劳动能力"})
		if incomeIn.Name != "" {
			f.Inputs = append(f.Inputs, incomeIn)
		}
		// sum: the nonzero amounts joined with "+", and "=base" when there are several.
		var sum string
		parts := 0
		for _, x := range [...]struct {
			name string
			v    Fen
		}{{"资产收益分红", r.Dividend}, {"临时救助", r.TempAid}, {"社会救助", r.SocialAid}} {
			v := e.t.fen(x.v)
			f.Inputs = append(f.Inputs, Input{x.name, v})
			if x.v != 0 {
				if parts > 0 {
					sum = e.t.cat(sum, "+", x.name, v)
				} else {
					sum = e.t.cat(x.name, v)
				}
				parts++
			}
		}
		filial := e.t.fen(r.Filial)
		f.Inputs = append(f.Inputs, Input{"儿女孝扶资金", filial})
		f.Params = append(params, uRatio)
		if parts > 1 {
			sum = e.t.cat(sum, "=", e.t.fen(base))
		}
		f.Explain = e.t.cat("丧失劳动能力，", lowText, sum, "×", ratio.String(), "倍=", e.t.fen(need), "，儿女孝扶资金", filial, "，差", e.t.fen(short))
		e.emit(f)
	}
}
