package calc

import (
	"fmt"
	"strconv"
	"strings"
)

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
		if h == nil || h.Labor != LaborNone || (h.LaborLostWhy != "" && !lostLaborCovered(h.LaborLostWhy)) {
			continue
		}
		why := h.LaborLostWhy
		if why == "" {
			why = "丧失劳动能力"
		} else {
			why = "因" + strings.TrimPrefix(why, "因") + "丧失劳动能力"
		}
		fd := householdFinding("project_lost", h)
		fd.Ref = pr.Ref
		fd.Inputs = []Input{{"劳动能力", why}, {"项目", pr.Name}, {"资金来源", "扶贫资金或衔接资金"}, {"项目状态", "已出售"}, {"托管代养安排", "无"}}
		fd.Explain = fmt.Sprintf("%s，扶贫/衔接资金帮扶的产业项目“%s”已出售，未安排托管代养或代耕代种", why, pr.Name)
		e.taskFinding(fd, h.Cadre, fd.Explain+"，产业不能“一卖了之”，请以乡镇或村为单位通过合作社、龙头企业、种养殖大户或亲友代养托管、代耕代种，确保帮扶产业不灭失", pr.Name)
	}
}

// （五） 庭院经济: weak/half labor and no income project ⇒ a suggestion; courtyard projects get
// the award configured for their type (以奖代补; the seed sets no amount).
func (e *eval) evalCourtyard() {
	hasProject := map[string]bool{}
	for _, pr := range e.in.Projects {
		if !pr.SoldOff {
			hasProject[pr.Household] = true
		}
	}
	for i := range e.in.Households {
		h := &e.in.Households[i]
		if h.Category == CategoryOrdinary || (h.Labor != LaborWeak && h.Labor != LaborHalf) || h.HasIncomeProject || hasProject[h.ID] {
			continue
		}
		labor := "弱劳力"
		if h.Labor == LaborHalf {
			labor = "半劳力"
		}
		fd := householdFinding("courtyard_suggestion", h)
		fd.Inputs = []Input{{"劳动能力", labor}, {"增收项目", "无"}}
		fd.Explain = labor + "家庭，暂无增收产业项目，建议支持发展庭院经济（小种植、小养殖、小手工、小买卖、小电商、小作坊等），以奖代补"
		e.emit(fd)
	}

	// Awards per household: the sum over its courtyard projects of the type's configured award.
	type award struct {
		owed  Fen
		paid  Fen
		parts []string
		used  Used
		first *HouseholdProject
	}
	awards := map[string]*award{}
	var order []string
	for i := range e.in.Projects {
		pr := &e.in.Projects[i]
		if !pr.Courtyard {
			continue
		}
		county := e.county(pr.Household)
		table, used := pValue(e, &e.pol.CourtyardAwards, county, e.asOf)
		amt, ok := table[pr.Type]
		if !ok {
			continue // no award configured for this type: nothing to compute (the seed sets none)
		}
		a := awards[pr.Household]
		if a == nil {
			a = &award{first: pr, used: used}
			awards[pr.Household] = a
			order = append(order, pr.Household)
		}
		a.owed += amt
		a.paid += pr.AwardPaid
		a.parts = append(a.parts, fmt.Sprintf("%s“%s”%s", pr.Type, pr.Name, amt.Text()))
	}
	for _, hid := range order {
		a := awards[hid]
		// Awards recorded as paid on the project rows count as paid, like the ledger's 已发放 columns.
		e.paid[paidKey{hid, "courtyard_award"}] += a.paid
		fd := Finding{Rule: "courtyard_award", Subject: hid, Household: hid, Ref: a.first.Ref, Params: []Used{a.used},
			Inputs: []Input{{"庭院经济项目", strings.Join(a.parts, "、")}}}
		if h := e.household(hid); h != nil {
			fd.SubjectName, fd.Unit = h.Head, h.Unit
		}
		fd.Explain = fmt.Sprintf("庭院经济以奖代补：%s，合计%s", strings.Join(a.parts, "、"), a.owed.Text())
		e.entitlement(fd, a.owed)
	}
}

// projectCap is clause （六）'s cap for a household: min(share × Σ到户项目资金, per person ×
// 家庭人口数, per household), with the subsidy recorded. ok is false when 家庭人口数 is missing.
type projectCap struct {
	funds, subsidy, cap Fen
	byShare, byPerson   Fen
	perHousehold, per   Fen
	share               Rate
	binding             string
	used                []Used
	names               []string
	first               *HouseholdProject
}

func (e *eval) projectCaps() (map[string]*projectCap, []string) {
	caps := map[string]*projectCap{}
	var order []string
	for i := range e.in.Projects {
		pr := &e.in.Projects[i]
		if pr.Funds <= 0 && pr.Subsidy <= 0 {
			continue
		}
		c := caps[pr.Household]
		if c == nil {
			c = &projectCap{first: pr}
			caps[pr.Household] = c
			order = append(order, pr.Household)
		}
		c.funds += pr.Funds
		c.subsidy += pr.Subsidy
		c.names = append(c.names, pr.Name)
	}
	for _, hid := range order {
		c := caps[hid]
		county := e.county(hid)
		share, shareU := pValue(e, &e.pol.ProjectShare, county, e.asOf)
		per, perU := pValue(e, &e.pol.ProjectPerPerson, county, e.asOf)
		hh, hhU := pValue(e, &e.pol.ProjectPerHousehold, county, e.asOf)
		c.used = []Used{shareU, perU, hhU}
		c.byShare = c.funds.MulRate(share)
		c.perHousehold, c.per, c.share = hh, per, share
		c.cap, c.binding = c.byShare, fmt.Sprintf("到户项目资金%s×%s=%s", c.funds.Text(), share.Percent(), c.byShare.Text())
		if h := e.household(hid); h != nil && h.Members > 0 {
			c.byPerson = Fen(int64(per) * int64(h.Members))
			if c.byPerson < c.cap {
				c.cap, c.binding = c.byPerson, fmt.Sprintf("每人%s×%d人=%s", per.Text(), h.Members, c.byPerson.Text())
			}
		} else {
			c.byPerson = -1
		}
		if hh < c.cap {
			c.cap, c.binding = hh, fmt.Sprintf("每户%s", hh.Text())
		}
	}
	return caps, order
}

// （六） 到户项目补助上限: a recorded subsidy above the cap is flagged with the excess. Headroom
// below the cap is not a finding of its own: it is listed as available support in the
// household's income_gap explanation (evalGapMeasures).
func (e *eval) evalProjectCap() {
	caps, order := e.projectCaps()
	for _, hid := range order {
		c := caps[hid]
		h := e.household(hid)
		if c.byPerson < 0 {
			e.cellError(c.first.Ref, "家庭人口数", "project_over_cap", fmt.Sprintf("户%s‘家庭人口数’为空或不在户表中，无法核对到户项目补助每人上限", hid))
			continue
		}
		if c.subsidy <= c.cap {
			continue
		}
		excess := c.subsidy - c.cap
		fd := Finding{Rule: "project_over_cap", Kind: KindFlag, Subject: hid, Household: hid, Ref: c.first.Ref, Amount: &excess, Params: c.used}
		if h != nil {
			fd.SubjectName, fd.Unit = h.Head, h.Unit
		}
		fd.Inputs = []Input{{"项目", strings.Join(c.names, "、")}, {"到户项目资金", c.funds.Text()}, {"衔接资金补助", c.subsidy.Text()},
			{"家庭人口数", strconv.Itoa(h.Members)}}
		fd.Cap = fmt.Sprintf("不超过到户项目资金的%s、每人%s、每户%s", c.share.Percent(), c.per.Text(), c.perHousehold.Text())
		fd.Explain = fmt.Sprintf("衔接资金补助%s，超过上限%s（%s），超出%s", c.subsidy.Text(), c.cap.Text(), c.binding, excess.Text())
		e.emit(fd)
	}
}
