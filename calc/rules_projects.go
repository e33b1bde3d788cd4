package calc

import "strings"

// Clauses （四）（五）（六）: household projects — kept alive when the household lost labor
// capacity, courtyard economy, and the 衔接资金 subsidy cap.

func evalProjects(e *eval) {
	e.evalProjectLost()
	e.evalCourtyard()
	e.evalProjectCap()
}

// （四） 不能"一卖了之": a household without labor capacity (因病/因年龄) whose project built with
// 扶贫/衔接资金 was sold off with no 托管/代养/代耕/代种 arrangement.
func (e *eval) evalProjectLost() {
	for i := range e.in.Projects {
		pr := &e.in.Projects[i]
		if !pr.PovertyFunded || !pr.SoldOff || strings.TrimSpace(pr.Arrangement) != "" {
			continue
		}
		h := e.household(pr.Household)
		// The seed: 因病、因年龄增长丧失劳动能力. A household with no labor capacity counts unless
		// the ledger gives another reason.
		// Scope (POLICY.md: 脱贫户 and 监测对象): a 一般农户 is not checked.
		if h == nil || h.Category == CategoryOrdinary || h.Labor != LaborNone || (h.LaborLostWhy != "" && !lostLaborCovered(h.LaborLostWhy)) {
			continue
		}
		why := h.LaborLostWhy
		if why == "" {
			why = "丧失劳动能力"
		} else {
			why = e.t.cat("因", strings.TrimPrefix(why, "因"), "丧失劳动能力")
		}
		fd := householdFinding("project_lost", h)
		fd.Ref = pr.Ref
		fd.Inputs = e.ins.take(0, Input{"劳动能力", why}, Input{"项目", pr.Name}, Input{"资金来源", "扶贫资金或衔接资金"},
			Input{"项目状态", "已出售"}, Input{"托管代养安排", "无"})
		fd.Explain = e.t.cat(why, "，扶贫/衔接资金帮扶的产业项目“", pr.Name, "”已出售，未安排托管代养或代耕代种")
		e.taskFinding(fd, h.Cadre, e.t.cat(fd.Explain, "，产业不能“一卖了之”，请以乡镇或村为单位通过合作社、龙头企业、种养殖大户或亲友代养托管、代耕代种，确保帮扶产业不灭失"), pr.Name)
	}
}

// The courtyard suggestion's explanation by labor capacity.
const (
	courtyardWeak = "弱劳力家庭，暂无增收产业项目，建议支持发展庭院经济（小种植、小养殖、小手工、小买卖、小电商、小作坊等），以奖代补"
	courtyardHalf = "半劳力家庭，暂无增收产业项目，建议支持发展庭院经济（小种植、小养殖、小手工、小买卖、小电商、小作坊等），以奖代补"
)

// （五） 庭院经济: weak/half labor and no income project ⇒ a suggestion; courtyard projects get
// the award configured for their type (以奖代补; the seed sets no amount).
func (e *eval) evalCourtyard() {
	hasProject := make(map[string]bool, len(e.in.Projects))
	for i := range e.in.Projects {
		if pr := &e.in.Projects[i]; !pr.SoldOff {
			hasProject[pr.Household] = true
		}
	}
	for i := range e.in.Households {
		h := &e.in.Households[i]
		if h.Category == CategoryOrdinary || (h.Labor != LaborWeak && h.Labor != LaborHalf) || h.HasIncomeProject || hasProject[h.ID] {
			continue
		}
		labor, explain := "弱劳力", courtyardWeak
		if h.Labor == LaborHalf {
			labor, explain = "半劳力", courtyardHalf
		}
		fd := householdFinding("courtyard_suggestion", h)
		fd.Inputs = e.ins.take(0, Input{"劳动能力", labor}, Input{"增收项目", "无"})
		fd.Explain = explain
		e.emit(fd)
	}

	// Awards per household: the sum over its courtyard projects of the type's configured award.
	// Paid: the payments recorded for the household under courtyard_award (a ledger's filled
	// 奖补已发放, one payment per project row, merged with earlier uploads' by the bot). Only when
	// none is recorded does the AwardPaid of its courtyard projects (JSON rows) count, summed over
	// them: it is the same money as a payment, never added to one.
	type award struct {
		owed  Fen
		parts string // "type“name”amount" of each project, joined with "、"
		used  Used
		first *HouseholdProject
	}
	index := map[string]int{} // into awards
	var awards []award
	var (
		county    string
		table     Awards
		used      Used
		looked    bool
		awardPaid map[string]Fen // household → Σ AwardPaid of its courtyard projects
	)
	for i := range e.in.Projects {
		pr := &e.in.Projects[i]
		if !pr.Courtyard || e.outOfScope(pr.Household) {
			continue // scope (POLICY.md): 脱贫户 and 监测对象, not a 一般农户
		}
		if pr.AwardPaid > 0 {
			if awardPaid == nil {
				awardPaid = map[string]Fen{}
			}
			awardPaid[pr.Household] += pr.AwardPaid
		}
		if c := e.county(pr.Household); !looked || c != county {
			county, looked = c, true
			table, used = pValue(e, &e.pol.CourtyardAwards, county, e.asOf)
		}
		amt, ok := table[pr.Type]
		if !ok {
			continue // no award configured for this type: nothing to compute (the seed sets none)
		}
		j, seen := index[pr.Household]
		if !seen {
			j = len(awards)
			index[pr.Household] = j
			awards = append(awards, award{first: pr, used: used})
		}
		a := &awards[j]
		a.owed += amt
		part := e.t.cat(pr.Type, "“", pr.Name, "”", e.t.fen(amt))
		if seen {
			part = e.t.cat(a.parts, "、", part)
		}
		a.parts = part
	}
	for i := range awards {
		a := &awards[i]
		hid := a.first.Household
		if v := awardPaid[hid]; v > 0 && !e.recorded(hid, "courtyard_award") {
			e.paid[paidKey{hid, "courtyard_award"}] = v
		}
		fd := Finding{Rule: "courtyard_award", Subject: hid, Household: hid, Ref: a.first.Ref, Params: e.used.take(0, a.used),
			Inputs: e.ins.take(0, Input{"庭院经济项目", a.parts})}
		if h := e.household(hid); h != nil {
			fd.SubjectName, fd.Unit = h.Head, h.Unit
		}
		fd.Explain = e.t.cat("庭院经济以奖代补：", a.parts, "，合计", e.t.fen(a.owed))
		e.entitlement(fd, a.owed)
	}
}

// projectParams are clause （六）'s parameters in one county.
type projectParams struct {
	share             Rate
	sharePct          string // share.Percent()
	per, perHousehold Fen
	used              [3]Used // share, per, perHousehold
	capText           string  // the finding's Cap
}

// projectParamsOf looks clause （六）'s parameters of a county up.
func (e *eval) projectParamsOf(county string) *projectParams {
	share, shareU := pValue(e, &e.pol.ProjectShare, county, e.asOf)
	per, perU := pValue(e, &e.pol.ProjectPerPerson, county, e.asOf)
	hh, hhU := pValue(e, &e.pol.ProjectPerHousehold, county, e.asOf)
	pct := share.Percent()
	return &projectParams{share: share, sharePct: pct, per: per, perHousehold: hh, used: [3]Used{shareU, perU, hhU},
		capText: e.t.cat("不超过到户项目资金的", pct, "、每人", e.t.fen(per), "、每户", e.t.fen(hh))}
}

// What binds a projectCap.
const (
	capByShare = iota
	capByPerson
	capByHousehold
)

// projectCap is clause （六）'s cap for a household: min(share × Σ到户项目资金, per person ×
// 家庭人口数, per household), with the subsidy recorded. byPerson is -1 when 家庭人口数 is missing.
type projectCap struct {
	funds, subsidy, cap Fen
	byShare, byPerson   Fen
	binding             int // capByShare, capByPerson or capByHousehold
	prm                 *projectParams
	h                   *Household
	names               string // of the projects, joined with "、"
	n                   int    // projects
	first               *HouseholdProject
}

func (e *eval) projectCaps() (map[string]*projectCap, []string) {
	caps := map[string]*projectCap{}
	order := make([]string, 0, len(e.in.Projects))
	slab := make([]projectCap, 0, len(e.in.Projects)) // the caps, allocated together
	for i := range e.in.Projects {
		pr := &e.in.Projects[i]
		if pr.Funds <= 0 && pr.Subsidy <= 0 {
			continue
		}
		c := caps[pr.Household]
		if c == nil {
			slab = append(slab, projectCap{first: pr})
			c = &slab[len(slab)-1]
			caps[pr.Household] = c
			order = append(order, pr.Household)
		}
		c.funds += pr.Funds
		c.subsidy += pr.Subsidy
		if c.n == 0 {
			c.names = pr.Name
		} else {
			c.names = e.t.cat(c.names, "、", pr.Name)
		}
		c.n++
	}
	byCounty := map[string]*projectParams{}
	var prm *projectParams
	var county string
	for _, hid := range order {
		c := caps[hid]
		c.h = e.household(hid)
		if hc := countyOf(c.h); prm == nil || hc != county {
			county, prm = hc, byCounty[hc]
			if prm == nil {
				prm = e.projectParamsOf(county)
				byCounty[county] = prm
			}
		}
		c.prm = prm
		c.byShare = c.funds.MulRate(prm.share)
		c.cap, c.binding = c.byShare, capByShare
		if h := c.h; h != nil && h.Members > 0 {
			c.byPerson = Fen(int64(prm.per) * int64(h.Members))
			if c.byPerson < c.cap {
				c.cap, c.binding = c.byPerson, capByPerson
			}
		} else {
			c.byPerson = -1
		}
		if prm.perHousehold < c.cap {
			c.cap, c.binding = prm.perHousehold, capByHousehold
		}
	}
	return caps, order
}

// bindingText says which limit binds c: "到户项目资金…×70%=…", "每人…×4人=…", "每户…".
func (e *eval) bindingText(c *projectCap) string {
	switch c.binding {
	case capByPerson:
		return e.t.cat("每人", e.t.fen(c.prm.per), "×", e.t.itoa(c.h.Members), "人=", e.t.fen(c.byPerson))
	case capByHousehold:
		return e.t.cat("每户", e.t.fen(c.prm.perHousehold))
	}
	return e.t.cat("到户项目资金", e.t.fen(c.funds), "×", c.prm.sharePct, "=", e.t.fen(c.byShare))
}

// （六） 到户项目补助上限: a recorded subsidy above the cap is flagged with the excess. Headroom
// below the cap is not a finding of its own: it is listed as available support in the
// household's income_gap explanation (evalGapMeasures).
func (e *eval) evalProjectCap() {
	caps, order := e.projectCaps()
	for _, hid := range order {
		c := caps[hid]
		h := c.h
		if h != nil && h.Category == CategoryOrdinary {
			continue // scope (POLICY.md): （六） caps the 到户帮扶 subsidy of 脱贫户 and 监测对象, not a 一般农户's
		}
		if c.byPerson < 0 {
			e.cellError(c.first.Ref, "家庭人口数", "project_over_cap", e.t.cat("户", hid, "‘家庭人口数’为空或不在户表中，无法核对到户项目补助每人上限"))
			// The other two limits need no 家庭人口数, and the cap is at most the smaller of them
			// (projectCaps left c.cap there): a subsidy above it is over the cap whatever the size.
		}
		if c.subsidy <= c.cap {
			continue
		}
		excess := c.subsidy - c.cap
		fd := Finding{Rule: "project_over_cap", Kind: KindFlag, Subject: hid, Household: hid, Ref: c.first.Ref, Amount: e.fens.ptr(excess),
			Params: e.used.take(0, c.prm.used[:]...)}
		members := "未知"
		if h != nil {
			fd.SubjectName, fd.Unit = h.Head, h.Unit
			if c.byPerson >= 0 {
				members = e.t.itoa(h.Members)
			}
		}
		fd.Inputs = e.ins.take(0, Input{"项目", c.names}, Input{"到户项目资金", e.t.fen(c.funds)}, Input{"衔接资金补助", e.t.fen(c.subsidy)},
			Input{"家庭人口数", members})
		fd.Cap = c.prm.capText
		if c.byPerson < 0 {
			fd.Explain = e.t.cat("衔接资金补助", e.t.fen(c.subsidy), "，超过上限", e.t.fen(c.cap), "（", e.bindingText(c), "），至少超出", e.t.fen(excess),
				"（家庭人口数未知，未核对每人", e.t.fen(c.prm.per), "上限）")
		} else {
			fd.Explain = e.t.cat("衔接资金补助", e.t.fen(c.subsidy), "，超过上限", e.t.fen(c.cap), "（", e.bindingText(c), "），超出", e.t.fen(excess))
		}
		e.emit(fd)
	}
}
