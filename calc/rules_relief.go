package calc

import "sort"

// evalRelief applies clause （十二）: 以工代赈 project checks.
//
//   - relief_labor_share: 劳务报酬 < relief_labor_share × 项目资金总额 (flag, shortfall shown).
//   - relief_poor_share: 脱贫人口务工收入 < relief_poor_share × 劳务报酬 (flag, shortfall shown).
//     Both are checked for every project row, whatever its year, at exactly the threshold no flag.
//   - relief_county_count: per 旗县, projects supported by 衔接资金 in the period's year <
//     relief_per_county ⇒ a unit finding for leaders. Judged only for the counties named in the
//     relief-project rows: a 以工代赈 ledger is kept per county, so a county that appears there is
//     taken as fully listed; a county absent from it (or an upload without a relief sheet) says
//     nothing about that county, and the city-wide view over all 旗县区 is the leaders' summary
//     built from the store. A row without a year counts as the period's year.
func evalRelief(e *eval) {
	counted := map[string]int{}
	seen := map[string]bool{}
	for i := range e.in.ReliefProjects {
		r := &e.in.ReliefProjects[i]
		evalReliefShares(e, r)
		year := r.Year
		if year == 0 {
			year = e.p.Year
		}
		if r.County == "" {
			e.dataWarning(r.Ref, "旗县区", "relief_county_count", e.t.cat("以工代赈项目“", r.Name, "”未填旗县区，不计入旗县以工代赈项目数"))
			continue
		}
		seen[r.County] = true
		if r.LinkageFunded && year == e.p.Year {
			counted[r.County]++
		}
	}
	counties := make([]string, 0, len(seen))
	for c := range seen {
		counties = append(counties, c)
	}
	sort.Strings(counties)
	for _, c := range counties {
		least, used := pValue(e, &e.pol.ReliefPerCounty, c, e.asOf)
		n := counted[c]
		if n >= least {
			continue
		}
		f := Finding{Rule: "relief_county_count", Kind: KindUnit, Subject: c, SubjectName: c, Unit: Unit{County: c}}
		year, count := e.t.itoa(e.p.Year), e.t.num(n, "个")
		f.Inputs = e.ins.take(0, Input{"年度", year}, Input{"衔接资金支持的以工代赈项目数", count})
		f.Params = []Used{used}
		f.Explain = e.t.cat(c, year, "年衔接资金支持的以工代赈项目", count, "，少于每旗县每年至少", e.t.num(least, "个"))
		e.emit(f)
	}
}

func evalReliefShares(e *eval, r *ReliefProject) {
	county := r.County
	labor, uLabor := pValue(e, &e.pol.ReliefLaborShare, county, e.asOf)
	poor, uPoor := pValue(e, &e.pol.ReliefPoorShare, county, e.asOf)
	base := Finding{Subject: r.Name, SubjectName: r.Name, Unit: r.Unit, Ref: r.Ref, Kind: KindFlag}
	if r.Funds <= 0 {
		e.dataError(r.Ref, "项目资金总额", "relief_labor_share", e.t.cat("以工代赈项目“", r.Name, "”的项目资金总额为空，无法核对劳务报酬占比"))
	} else if belowShare(r.LaborPay, r.Funds, labor) {
		need := mulRateCeil(r.Funds, labor)
		short := need - r.LaborPay
		f := base
		f.Rule, f.Amount = "relief_labor_share", &short
		funds, pay := e.t.fen(r.Funds), e.t.fen(r.LaborPay)
		f.Inputs = e.ins.take(0, Input{"项目资金总额", funds}, Input{"劳务报酬", pay})
		f.Params = []Used{uLabor}
		f.Explain = e.t.cat("劳务报酬", pay, "，低于项目资金总额", funds, "×", labor.Percent(), "=", e.t.fen(need), "，差", e.t.fen(short))
		e.emit(f)
	}
	if r.LaborPay > 0 && belowShare(r.PoorLaborPay, r.LaborPay, poor) {
		need := mulRateCeil(r.LaborPay, poor)
		short := need - r.PoorLaborPay
		f := base
		f.Rule, f.Amount = "relief_poor_share", &short
		pay, poorPay := e.t.fen(r.LaborPay), e.t.fen(r.PoorLaborPay)
		f.Inputs = e.ins.take(0, Input{"劳务报酬", pay}, Input{"脱贫人口务工收入", poorPay})
		f.Params = []Used{uPoor}
		f.Explain = e.t.cat("脱贫人口务工收入", poorPay, "，低于劳务报酬", pay, "×", poor.Percent(), "=", e.t.fen(need), "，差", e.t.fen(short))
		e.emit(f)
	}
}
