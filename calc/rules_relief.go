package calc

import (
	"fmt"
	"sort"
)

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
			e.dataWarning(r.Ref, "旗县区", "relief_county_count", fmt.Sprintf("以工代赈项目“%s”未填旗县区，不计入旗县以工代赈项目数", r.Name))
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
		f.Inputs = []Input{{"年度", fmt.Sprintf("%d", e.p.Year)}, {"衔接资金支持的以工代赈项目数", fmt.Sprintf("%d个", n)}}
		f.Params = []Used{used}
		f.Explain = fmt.Sprintf("%s%d年衔接资金支持的以工代赈项目%d个，少于每旗县每年至少%d个", c, e.p.Year, n, least)
		e.emit(f)
	}
}

func evalReliefShares(e *eval, r *ReliefProject) {
	county := r.County
	labor, uLabor := pValue(e, &e.pol.ReliefLaborShare, county, e.asOf)
	poor, uPoor := pValue(e, &e.pol.ReliefPoorShare, county, e.asOf)
	base := Finding{Subject: r.Name, SubjectName: r.Name, Unit: r.Unit, Ref: r.Ref, Kind: KindFlag}
	if r.Funds <= 0 {
		e.dataError(r.Ref, "项目资金总额", "relief_labor_share", fmt.Sprintf("以工代赈项目“%s”的项目资金总额为空，无法核对劳务报酬占比", r.Name))
	} else if belowShare(r.LaborPay, r.Funds, labor) {
		need := mulRateCeil(r.Funds, labor)
		short := need - r.LaborPay
		f := base
		f.Rule, f.Amount = "relief_labor_share", &short
		f.Inputs = []Input{{"项目资金总额", r.Funds.Text()}, {"劳务报酬", r.LaborPay.Text()}}
		f.Params = []Used{uLabor}
		f.Explain = fmt.Sprintf("劳务报酬%s，低于项目资金总额%s×%s=%s，差%s", r.LaborPay.Text(), r.Funds.Text(), labor.Percent(), need.Text(), short.Text())
		e.emit(f)
	}
	if r.LaborPay > 0 && belowShare(r.PoorLaborPay, r.LaborPay, poor) {
		need := mulRateCeil(r.LaborPay, poor)
		short := need - r.PoorLaborPay
		f := base
		f.Rule, f.Amount = "relief_poor_share", &short
		f.Inputs = []Input{{"劳务报酬", r.LaborPay.Text()}, {"脱贫人口务工收入", r.PoorLaborPay.Text()}}
		f.Params = []Used{uPoor}
		f.Explain = fmt.Sprintf("脱贫人口务工收入%s，低于劳务报酬%s×%s=%s，差%s", r.PoorLaborPay.Text(), r.LaborPay.Text(), poor.Percent(), need.Text(), short.Text())
		e.emit(f)
	}
}
