package calc

import "sort"

// Clauses （十六）–（十八）: the quarterly 排查/调度 summary for leaders. One UnitSummary per
// county, township and village seen in the inputs (households and every other record with a
// unit), in the order county, township, village:
//
//   - Households: households of the unit; Monitored: those with any finding that puts them under
//     增收监测.
//   - Flags: rule id → count of the unit's findings other than entitlements and unit_lagging;
//     Owed/Paid: rule id → sums of the unit's entitlement findings (amount findings that carry
//     Paid; income_gap is not money owed and is counted under Flags); Unpaid: rule id → Σ
//     max(owed − paid, 0) over them.
//   - OpenTasks: this evaluation's tasks in the unit. DoneItems: monitored households whose
//     measure is recorded done, plus entitlements with a positive amount fully paid.
//     Completion = DoneItems ÷ (DoneItems + OpenTasks), rounded down to the millionth; 1 when both
//     are 0.
//   - Overdue: open tasks from earlier uploads (Inputs.OpenTasks) in the unit whose due date is
//     more than lagging_overdue_days before AsOf.
//   - 两高于 (members-weighted, the projection of clause （一）):
//     Growth = Σ_h Â_h × m_h ÷ Σ_h I0_h × m_h − 1 over the unit's 脱贫户/监测对象 with a base
//     I0_h > 0, a known 家庭人口数 m_h and income up to the period's quarter, where
//     Â_h = A_q,h ÷ s_q,h (at Q4 Â = A_4). LocalGrowth is g_local of the unit's county (the latest
//     value, marked stale, when the year is not set); AboveLocal = Growth > LocalGrowth;
//     AboveCity = Growth > the same growth over every household of the inputs.
//   - Lagging (落实不力) when Completion < lagging_completion or Overdue > 0: a unit_lagging finding.
//
// Comparisons are exact; the Rates stored in the summary are rounded for display only.

// Unit levels.
const (
	LevelCounty   = "county"
	LevelTownship = "township"
	LevelVillage  = "village"
)

// growthSums accumulates the members-weighted projected and base income of households.
type growthSums struct{ proj, base xrat }

func newGrowthSums() *growthSums { return &growthSums{proj: xint(0), base: xint(0)} }

func (g *growthSums) add(proj, base xrat) {
	g.proj = xadd(g.proj, proj)
	g.base = xadd(g.base, base)
}

// growth is Σproj ÷ Σbase − 1, not ok when there is no base.
func (g *growthSums) growth() xrat {
	if g.base.sign() <= 0 {
		return xrat{}
	}
	return xsub(xquo(g.proj, g.base), xint(1))
}

// projectedPerCapita is a household's projected per-capita net income for the year (clause
// （一）: Â = A_q ÷ s_q; at Q4 A_4), not ok when this year's income up to the quarter cannot be
// read. It has no side effects: invalid own shares fall back to quarter_share silently
// (（一） reports them). i is the household's index in the inputs (-1 when unknown): what （一）
// worked out for it is reused.
func (e *eval) projectedPerCapita(h *Household, i int) xrat {
	if i >= 0 && i < len(e.proj) && e.proj[i].ok() { // worked out by （一） with the same income and shares
		return e.proj[i]
	}
	f := readIncomeX(h, e.p.Quarter)
	if !f.ytd.ok() {
		return xrat{}
	}
	s, _ := pValue(e, &e.pol.QuarterShare, h.County, e.asOf)
	if validShares(h.LastYearShares) {
		s = *h.LastYearShares
	}
	sq := shareAtX(s, e.p.Quarter)
	if sq.sign() <= 0 {
		return xrat{}
	}
	return xquo(f.ytd, sq)
}

// householdGrowth returns a 脱贫人口 household's members-weighted projected and base income
// (Â × m, I0 × m), ok false when it does not count for 两高于.
func (e *eval) householdGrowth(h *Household, i int) (proj, base xrat, ok bool) {
	last := h.LastYearPerCapita
	if last == nil && i >= 0 && i < len(e.priorBase) && e.priorBase[i] > 0 {
		last = &e.priorBase[i] // （一） took I0 from last year's Q4 upload
	}
	if h.Category == CategoryOrdinary || h.Members <= 0 || last == nil || *last <= 0 {
		return xrat{}, xrat{}, false
	}
	pc := e.projectedPerCapita(h, i)
	if !pc.ok() {
		return xrat{}, xrat{}, false
	}
	m := xint(int64(h.Members))
	return xmul(pc, m).reduce(), xmul(xfen(*last), m).reduce(), true
}

// unitKey is one level of a unit.
type unitKey struct {
	level string
	unit  Unit
}

// unitKeys are the county, township and village units a unit belongs to (empty levels
// skipped), in an array (no allocation): use ks[:n].
func unitKeys(u Unit) (ks [3]unitKey, n int) {
	if u.County != "" {
		ks[n] = unitKey{LevelCounty, Unit{County: u.County}}
		n++
	}
	if u.Township != "" {
		ks[n] = unitKey{LevelTownship, Unit{County: u.County, Township: u.Township}}
		n++
	}
	if u.Village != "" {
		ks[n] = unitKey{LevelVillage, u}
		n++
	}
	return ks, n
}

// unitName is "红山区/某镇/某村" (empty levels left out), in the evaluation's texts.
func (e *eval) unitName(u Unit) string {
	sep := false
	for _, s := range [...]string{u.County, u.Township, u.Village} {
		if s == "" {
			continue
		}
		if sep {
			e.t.add("/")
		}
		e.t.add(s)
		sep = true
	}
	return e.t.done()
}

// unitAcc is one unit's summary being built. Counts by rule are kept in arrays indexed like
// Rules (a map update per finding and level was most of this clause's time) and become the
// summary's maps at the end; rules outside the catalogue go to the maps directly.
type unitAcc struct {
	sum        UnitSummary
	flags      [nRules]int
	owed, paid [nRules]Fen
	unpaid     [nRules]Fen
	hasOwed    [nRules]bool
	own        growthSums // households whose deepest unit this is
	hasOwn     bool
	growth     *growthSums // all households of the unit
}

// nRules is the size of the arrays of unitAcc: the catalogue as shipped (rules added to Rules at
// run time, beyond it, use the maps).
const nRules = 40

// maps moves the counts by rule into the summary's maps, in the catalogue's order.
func (a *unitAcc) maps() {
	for i := 0; i < nRules && i < len(Rules); i++ {
		id := Rules[i].ID
		if a.flags[i] > 0 {
			a.sum.Flags[id] += a.flags[i]
		}
		if a.hasOwed[i] {
			a.sum.Owed[id] += a.owed[i]
			a.sum.Paid[id] += a.paid[i]
			a.sum.Unpaid[id] += a.unpaid[i]
		}
	}
}

// ruleSlot is the index of rule id in Rules when below nRules, else -1.
func ruleSlot(id string) int {
	ruleByIDFast(id) // builds the index
	if i, ok := ruleIndex[id]; ok && i < nRules && i < len(Rules) && Rules[i].ID == id {
		return i
	}
	return -1
}

func evalUnits(e *eval) {
	units := map[Unit]*unitAcc{}
	// touch returns the accumulators of u's levels. The slice is only valid until the next call
	// (every caller uses it at once); consecutive records of one unit are the common case.
	var (
		lastU   Unit
		lastN   = -1
		accsBuf [3]*unitAcc
	)
	touch := func(u Unit) []*unitAcc {
		if lastN >= 0 && u == lastU {
			return accsBuf[:lastN]
		}
		out := accsBuf[:0]
		ks, nk := unitKeys(u)
		for _, k := range ks[:nk] {
			a := units[k.unit]
			if a == nil {
				a = &unitAcc{sum: UnitSummary{Level: k.level, Unit: k.unit, Flags: map[string]int{}, Owed: map[string]Fen{},
					Paid: map[string]Fen{}, Unpaid: map[string]Fen{}}, own: *newGrowthSums(), growth: newGrowthSums()}
				units[k.unit] = a
			}
			out = append(out, a)
		}
		lastU, lastN = u, len(out)
		return out
	}
	// Units seen in the inputs.
	in := e.in
	for _, l := range in.Laborers {
		touch(e.unitOf(l.Unit, l.Household))
	}
	for _, p := range in.Posts {
		touch(e.unitOf(p.Unit, p.Household))
	}
	for _, x := range in.Entities {
		touch(x.Unit)
	}
	for _, x := range in.Employers {
		touch(x.Unit)
	}
	for _, x := range in.ReliefProjects {
		touch(x.Unit)
	}

	// Households, 两高于.
	// A household's incomes are added to its own (deepest) unit; the sums of the levels above
	// and of the city are made from those at the end (exact sums: the order does not matter).
	city := newGrowthSums()
	for i := range in.Households {
		h := &in.Households[i]
		if e.first(i) != h { // a later row of the same household
			continue
		}
		accs := touch(h.Unit)
		for _, a := range accs {
			a.sum.Households++
		}
		if proj, base, ok := e.householdGrowth(h, i); ok {
			if len(accs) == 0 {
				city.add(proj, base)
			} else {
				a := accs[len(accs)-1]
				a.own.add(proj, base)
				a.hasOwn = true
			}
		}
	}
	for _, a := range units {
		if !a.hasOwn {
			continue
		}
		city.add(a.own.proj, a.own.base)
		ks, nk := unitKeys(a.sum.Unit)
		for _, k := range ks[:nk] {
			units[k.unit].growth.add(a.own.proj, a.own.base)
		}
	}

	// Findings. A household is counted monitored once per unit. Its first unit is remembered
	// (every level of it is counted then); only a household met in a second unit is tracked per
	// level.
	type monKey struct {
		household string
		unit      Unit
	}
	// The first unit of a household of the inputs is firstUnits[firstAt[row]-1] (0: not met);
	// of a household id not in the inputs, firstUnit[id].
	var (
		firstAt    []int32
		firstUnits []Unit
		firstUnit  map[string]Unit
		other      map[monKey]bool
	)
	// newLevel reports whether household h, first met in unit fu, is counted in level for the
	// first time.
	newLevel := func(h string, fu, level Unit) bool {
		if other == nil {
			other = map[monKey]bool{}
		}
		if !other[monKey{h, fu}] { // the levels of its first unit, counted when it was met
			ks, nk := unitKeys(fu)
			for _, k := range ks[:nk] {
				other[monKey{h, k.unit}] = true
			}
			other[monKey{h, fu}] = true
		}
		k := monKey{h, level}
		if other[k] {
			return false
		}
		other[k] = true
		return true
	}
	lastRule, slot := "", -1
	for i := range e.res.Findings {
		f := &e.res.Findings[i]
		if f.Rule == "unit_lagging" {
			continue
		}
		if f.Rule != lastRule {
			lastRule, slot = f.Rule, ruleSlot(f.Rule)
		}
		u := f.Unit
		if u == (Unit{}) {
			u = e.unitOf(Unit{}, f.Household)
		}
		monitored, firstMet := f.Monitored && f.Household != "", false
		var (
			fu Unit
			h  *Household
		)
		if monitored {
			h = e.household(f.Household)
			met := false
			if r := e.rowOf(h); r >= 0 {
				if firstAt == nil {
					firstAt = make([]int32, len(in.Households))
				}
				if k := firstAt[r]; k > 0 {
					fu, met = firstUnits[k-1], true
				} else {
					firstUnits = append(firstUnits, u)
					firstAt[r] = int32(len(firstUnits))
				}
			} else if fu, met = firstUnit[f.Household]; !met {
				if firstUnit == nil {
					firstUnit = map[string]Unit{}
				}
				firstUnit[f.Household] = u
			}
			if !met {
				firstMet = true
			} else if fu == u {
				monitored = false // counted in every level of u already
			}
		}
		for _, a := range touch(u) {
			// A unit-level finding belongs to its own unit and those above it, not to units below.
			switch {
			case f.Kind == KindAmount && f.Paid != nil:
				unpaid := max(*f.Amount-*f.Paid, 0)
				if slot >= 0 {
					a.owed[slot] += *f.Amount
					a.paid[slot] += *f.Paid
					a.unpaid[slot] += unpaid
					a.hasOwed[slot] = true
				} else {
					a.sum.Owed[f.Rule] += *f.Amount
					a.sum.Paid[f.Rule] += *f.Paid
					a.sum.Unpaid[f.Rule] += unpaid
				}
				if *f.Amount > 0 && *f.Paid >= *f.Amount {
					a.sum.DoneItems++
				}
			case slot >= 0:
				a.flags[slot]++
			default:
				a.sum.Flags[f.Rule]++
			}
			if monitored && (firstMet || newLevel(f.Household, fu, a.sum.Unit)) {
				a.sum.Monitored++
				if h != nil && h.MeasureDone {
					a.sum.DoneItems++
				}
			}
		}
	}
	for i := range e.res.Tasks {
		t := &e.res.Tasks[i]
		u := t.Unit
		if u == (Unit{}) {
			u = e.unitOf(Unit{}, t.Household)
		}
		for _, a := range touch(u) {
			a.sum.OpenTasks++
		}
	}
	days, uDays := pValue(e, &e.pol.LaggingOverdueDays, "", e.asOf)
	for _, t := range in.OpenTasks {
		if t.Due.IsZero() || !t.Due.AddDate(0, 0, days).Before(e.asOf) {
			continue
		}
		for _, a := range touch(t.Unit) {
			a.sum.Overdue++
		}
	}

	// Order: county, township, village (lexicographic within each name).
	keys := make([]Unit, 0, len(units))
	for k := range units {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.County != b.County {
			return a.County < b.County
		}
		if a.Township != b.Township {
			return a.Township < b.Township
		}
		return a.Village < b.Village
	})

	cityG := city.growth()
	for _, k := range keys {
		a := units[k]
		a.maps()
		s := &a.sum
		done, open := int64(s.DoneItems), int64(s.OpenTasks)
		if done+open == 0 {
			s.Completion = RateOne
		} else {
			s.Completion = Rate(done * int64(RateOne) / (done + open))
		}
		if s.Households > 0 {
			s.GrowthProj, s.GrowthBase = e.fens.ptr(a.growth.proj.fen()), e.fens.ptr(a.growth.base.fen())
		}
		g := a.growth.growth()
		if g.ok() {
			r := g.rate()
			s.Growth = &r
			if cityG.ok() {
				s.AboveCity = xcmp(g, cityG) > 0
			}
		}
		// A unit whose ledgers name no 旗县区 has the region's value: the one its households
		// were compared with in （一）.
		if gl, u, ok := pLatest(e, &e.pol.LocalIncomeGrowth, k.County, e.p.End()); ok {
			gl := gl
			s.LocalGrowth = &gl
			if u.Stale {
				e.warnStaleGrowth(e.p.Year, gl, u)
			}
			if g.ok() {
				s.AboveLocal = xcmp(g, xrate(gl)) > 0
			}
		}
		lagC, uC := pValue(e, &e.pol.LaggingCompletion, k.County, e.asOf)
		// completion < lagC ⇔ done × 1e6 < lagC × (done + open), exactly.
		lowCompletion := done+open > 0 && done*int64(RateOne) < int64(lagC)*(done+open)
		if !lowCompletion && s.Overdue == 0 {
			e.res.Units = append(e.res.Units, *s)
			continue
		}
		s.Lagging = true
		e.res.Units = append(e.res.Units, *s)

		rate := e.t.xpct(xfrac(done, max(done+open, 1)))
		name := e.unitName(k)
		var why string
		switch {
		case lowCompletion && s.Overdue > 0:
			why = e.t.cat("完成率", rate, "（已完成", e.t.itoa(int(done)), "项、未完成", e.t.itoa(int(open)), "项），低于", e.t.sharePct(lagC),
				"；逾期超过", e.t.itoa(days), "天的任务", e.t.itoa(s.Overdue), "项")
		case lowCompletion:
			why = e.t.cat("完成率", rate, "（已完成", e.t.itoa(int(done)), "项、未完成", e.t.itoa(int(open)), "项），低于", e.t.sharePct(lagC))
		default:
			why = e.t.cat("逾期超过", e.t.itoa(days), "天的任务", e.t.itoa(s.Overdue), "项")
		}
		f := Finding{Rule: "unit_lagging", Kind: KindUnit, Subject: name, SubjectName: name, Unit: k}
		f.Inputs = e.ins.take(0, Input{"已完成事项", e.t.num(int(done), "项")}, Input{"未完成任务", e.t.num(int(open), "项")},
			Input{"完成率", rate}, Input{e.t.cat("逾期超过", e.t.itoa(days), "天的任务"), e.t.num(s.Overdue, "项")})
		f.Params = e.used.take(0, uC, uDays)
		f.Explain = e.t.cat(name, "落实不力：", why)
		e.emit(f)
	}
}
