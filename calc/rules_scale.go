package calc

import (
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"time"
)

// Clause （二）: 规模性减收隐患预警. Unit-level warnings (village, township, county) from the
// monitored households found by （一）, commodity prices and returned/unemployed laborers; and the
// household-level rigid-spending flag (医疗信息前置).
//
// It runs after the other rules (see Evaluate) because it counts the monitored households.

func evalScaleRisk(e *eval) {
	e.evalRigidSpending()
	e.evalScaleUnits()
}

// unitLevels are the unit keys of u from county down: only levels whose names are present.
// They are returned in an array (no allocation): use ls[:n].
func unitLevels(u Unit) (ls [3]Unit, n int) {
	if u.County != "" {
		ls[n] = Unit{County: u.County}
		n++
		if u.Township != "" {
			ls[n] = Unit{County: u.County, Township: u.Township}
			n++
			if u.Village != "" {
				ls[n] = u
				n++
			}
		}
	}
	return ls, n
}

// atLeast reports whether n/total ≥ share, exactly.
func atLeast(n, total int, share Rate) bool {
	return total > 0 && int64(n)*int64(RateOne) >= int64(share)*int64(total)
}

// ratioText is n/total as a percentage for explanations.
func ratioText(n, total int) string { return pctText(big.NewRat(int64(n), int64(total))) }

// commodityDepends maps an admin-entered price series to the ledger records that show a household
// depends on it.
func (e *eval) commodityDepends(name string) (map[string]bool, bool) {
	dep := map[string]bool{}
	switch name {
	case "牛", "肉牛", "牛肉":
		for _, r := range e.in.Livestock {
			if r.Species == Cattle {
				dep[r.Household] = true
			}
		}
	case "羊", "肉羊", "羊肉":
		for _, r := range e.in.Livestock {
			if r.Species == Sheep {
				dep[r.Household] = true
			}
		}
	case "玉米":
		for _, r := range e.in.Land {
			dep[r.Household] = true
		}
	default:
		return nil, false
	}
	return dep, true
}

// priceAt is the latest price point on or before d.
func priceAt(series []PricePoint, d time.Time) (PricePoint, bool) {
	var best PricePoint
	found := false
	for _, pt := range series {
		if !pt.Date.After(d) && (!found || pt.Date.After(best.Date)) {
			best, found = pt, true
		}
	}
	return best, found
}

type unitCount struct {
	unit               Unit
	households         int
	monitored          int
	laborers, returned int
	depends            map[string]int // commodity → households depending on it
}

func (e *eval) evalScaleUnits() {
	// Commodity dependence and price drops.
	type drop struct {
		name      string
		now, prev PricePoint
		dep       map[string]bool
	}
	var drops []drop
	dropRate, dropU := pValue(e, &e.pol.PriceDrop, "", e.asOf)
	for _, name := range sortedNames(e.pol.Prices) {
		series := e.pol.Prices[name]
		now, ok := priceAt(series, e.asOf)
		if !ok {
			continue
		}
		prev, ok := priceAt(series, now.Date.AddDate(-1, 0, 0))
		if !ok || prev.Price <= 0 {
			e.warn("%s价格序列没有%s前一年的价格，无法判断价格同比下跌", name, DateText(now.Date))
			continue
		}
		// fell ≥ drop: (prev − now) ≥ drop × prev, exactly.
		fall := new(big.Rat).SetFrac64(int64(prev.Price-now.Price), int64(prev.Price))
		if fall.Cmp(dropRate.Rat()) < 0 {
			continue
		}
		dep, ok := e.commodityDepends(name)
		if !ok {
			e.warn("价格序列‘%s’无法对应台账（应为牛、羊或玉米），未判断依赖户占比", name)
			continue
		}
		drops = append(drops, drop{name, now, prev, dep})
	}

	counts := map[Unit]*unitCount{}
	var order []Unit
	get := func(u Unit) *unitCount {
		c := counts[u]
		if c == nil {
			c = &unitCount{unit: u, depends: map[string]int{}}
			counts[u] = c
			order = append(order, u)
		}
		return c
	}
	// levels returns the counts of u's levels. The slice is only valid until the next call;
	// consecutive records of one village are the common case and look nothing up.
	var (
		lastU   Unit
		lastN   = -1
		lastBuf [3]*unitCount
	)
	levels := func(u Unit) []*unitCount {
		if lastN < 0 || u != lastU {
			ls, nl := unitLevels(u)
			for i, lu := range ls[:nl] {
				lastBuf[i] = get(lu)
			}
			lastU, lastN = u, nl
		}
		return lastBuf[:lastN]
	}
	for i := range e.in.Households {
		h := &e.in.Households[i]
		if h.Category == CategoryOrdinary {
			continue
		}
		mon := e.monitored(e.first(i), h.ID)
		for _, c := range levels(h.Unit) {
			c.households++
			if mon {
				c.monitored++
			}
		}
		for _, d := range drops {
			if d.dep[h.ID] {
				for _, c := range levels(h.Unit) {
					c.depends[d.name]++
				}
			}
		}
	}
	// Laborers are people: a person on several rows counts once, in the unit of the first row,
	// as returned when any row says so.
	var returned []bool // by first row, when a person has several rows
	firstOf := func(i int) int {
		if i < len(e.laborerFirst) {
			return int(e.laborerFirst[i])
		}
		if e.outOfScope(e.in.Laborers[i].Household) {
			return -1
		}
		return i
	}
	for i := range e.in.Laborers {
		l := &e.in.Laborers[i]
		if j := firstOf(i); j >= 0 && j != i && (l.Returned || l.Unemployed) {
			if returned == nil {
				returned = make([]bool, len(e.in.Laborers))
			}
			returned[j] = true
		}
	}
	for i := range e.in.Laborers {
		l := &e.in.Laborers[i]
		if firstOf(i) != i {
			continue // a 一般农户's laborer is not among the unit's 脱贫 laborers; a later row of a person
		}
		u := l.Unit
		if u == (Unit{}) {
			if h := e.household(l.Household); h != nil {
				u = h.Unit
			}
		}
		for _, c := range levels(u) {
			c.laborers++
			if l.Returned || l.Unemployed || (returned != nil && returned[i]) {
				c.returned++
			}
		}
	}

	for _, u := range order {
		c := counts[u]
		county := u.County
		var name string
		base := func() Finding {
			if name == "" {
				name = e.unitName(u)
			}
			return Finding{Rule: "scale_risk", Kind: KindUnit, Subject: name, SubjectName: name, Unit: u}
		}

		share, shareU := pValue(e, &e.pol.ScaleMonitoredShare, county, e.asOf)
		if atLeast(c.monitored, c.households, share) && c.monitored > 0 {
			f := base()
			mon, total := e.t.itoa(c.monitored), e.t.itoa(c.households)
			f.Inputs = e.ins.take(0, Input{"纳入增收监测户数", mon}, Input{"脱贫户和监测户总数", total})
			f.Params = e.used.take(0, shareU)
			f.Explain = e.t.cat(name, "纳入增收监测", mon, "户，占", total, "户的", e.t.xpct(xfrac(int64(c.monitored), int64(c.households))),
				"，达到", e.t.sharePct(share), "预警线，存在规模性减收隐患")
			e.emit(f)
		}
		dep, depU := pValue(e, &e.pol.PriceDependShare, county, e.asOf)
		for _, d := range drops {
			n := c.depends[d.name]
			if n == 0 || !atLeast(n, c.households, dep) {
				continue
			}
			fall := big.NewRat(int64(d.prev.Price-d.now.Price), int64(d.prev.Price))
			f := base()
			f.Inputs = []Input{{d.name + "价格", fmt.Sprintf("%s %s → %s %s", DateText(d.prev.Date), d.prev.Price.Text(), DateText(d.now.Date), d.now.Price.Text())},
				{"依赖户数", strconv.Itoa(n)}, {"脱贫户和监测户总数", strconv.Itoa(c.households)}}
			f.Params = []Used{dropU, depU}
			f.Explain = fmt.Sprintf("%s价格同比下跌%s（%s→%s），达到%s预警线；%s依赖%s的有%d户，占%s，达到%s，存在规模性减收隐患",
				d.name, pctText(fall), d.prev.Price.Text(), d.now.Price.Text(), dropRate.Percent(), name, d.name, n, ratioText(n, c.households), dep.Percent())
			e.emit(f)
		}
		ret, retU := pValue(e, &e.pol.ReturnedShare, county, e.asOf)
		if c.returned > 0 && atLeast(c.returned, c.laborers, ret) {
			f := base()
			n, total := e.t.itoa(c.returned), e.t.itoa(c.laborers)
			f.Inputs = e.ins.take(0, Input{"返乡/失业劳动力", n}, Input{"劳动力总数", total})
			f.Params = e.used.take(0, retU)
			f.Explain = e.t.cat(name, "返乡/失业劳动力", n, "人，占劳动力", total, "人的", e.t.xpct(xfrac(int64(c.returned), int64(c.laborers))),
				"，达到", e.t.sharePct(ret), "预警线，存在规模性减收隐患")
			e.emit(f)
		}
	}
}

// sortedNames returns the commodity names of the price table in order.
func sortedNames(m map[string][]PricePoint) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// rigid_spending_risk (医疗信息前置): 合规自付医疗/教育/灾害支出 this year ≥ rigid_share × this
// year's cumulative family net income, or ≥ rigid_amount. A risk flag: it does not by itself put
// the household under 增收监测 (the five flags of （一） do).
func (e *eval) evalRigidSpending() {
	for i := range e.in.Households {
		h := &e.in.Households[i]
		if h.Category == CategoryOrdinary || h.RigidSpending <= 0 {
			continue
		}
		share, shareU := pValue(e, &e.pol.RigidShare, h.County, e.asOf)
		amount, amountU := pValue(e, &e.pol.RigidAmount, h.County, e.asOf)
		fam := readIncomeX(h, e.p.Quarter).family
		fd := householdFinding("rigid_spending_risk", h)
		fd.Kind = KindFlag
		spent := e.t.fen(h.RigidSpending)
		fd.Inputs = e.ins.take(1, Input{"刚性支出", spent})
		fd.Params = e.used.take(2)
		var byShare, byAmount string
		if fam.ok() {
			famText := e.t.xyuan(fam)
			fd.Inputs = append(fd.Inputs, Input{"本年累计家庭纯收入", famText})
			if xcmp(xfen(h.RigidSpending), xmul(fam, xrate(share))) >= 0 {
				fd.Params = append(fd.Params, shareU)
				if fam.sign() > 0 {
					byShare = e.t.cat("占本年累计家庭纯收入", famText, "的", e.t.xpct(xquo(xfen(h.RigidSpending), fam)), "，达到", e.t.sharePct(share), "预警线")
				} else {
					byShare = e.t.cat("本年累计家庭纯收入为", famText)
				}
			}
		}
		if h.RigidSpending >= amount {
			fd.Params = append(fd.Params, amountU)
			byAmount = e.t.cat("达到", e.t.fen(amount), "预警线")
		}
		switch {
		case byShare != "" && byAmount != "":
			fd.Explain = e.t.cat("合规自付医疗/教育/灾害等刚性支出", spent, "，", byShare, "，", byAmount, "，存在刚性支出骤增风险")
		case byShare != "" || byAmount != "":
			fd.Explain = e.t.cat("合规自付医疗/教育/灾害等刚性支出", spent, "，", byShare, byAmount, "，存在刚性支出骤增风险")
		default:
			continue
		}
		e.emit(fd)
	}
}
