package bot

import (
	"context"
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strings"
	"time"

	"zengshou/bot/store"
	"zengshou/calc"
	"zengshou/config"
)

// unitSummaries is the latest summary of every unit, with the township and county rows summed
// from the latest rows below them. Villages upload their ledgers one by one, and each upload
// stores township and county rows of its own households only: read as stored, the last
// village's upload stood for its whole township and county in 进度 and in the leaders'
// summaries.
func (s *Service) unitSummaries(ctx context.Context) ([]calc.UnitSummary, error) {
	units, err := s.st.UnitSummaries(ctx, calc.Period{})
	if err != nil {
		return nil, err
	}
	asOf := calc.Day(s.clock.Now().In(s.Config().Reminders.Location()).Date())
	open, err := s.st.OpenTasks(ctx)
	if err != nil {
		return nil, err
	}
	withOpenTasks(units, open, s.Config().Policy, asOf)
	units = rollUp(units, s.Config().Policy, asOf)
	withCityGrowth(units)
	return units, nil
}

// withOpenTasks sets each village row's open and overdue tasks to those open in the store, and
// its completion and 落实不力 from them. A row stored by an upload counts that upload's tasks;
// the tasks it could not judge stay open (a 家庭收入台账 sent alone leaves the livestock and
// employment tasks of the full workbook open), and 进度 and the summaries, which list the open
// tasks, must count them for the unit too: 红旗村 read 待办11项，完成率47.6% above a list of 38.
func withOpenTasks(units []calc.UnitSummary, open []store.TaskRow, pol *calc.Policy, asOf time.Time) {
	days := 0
	if pol != nil {
		days, _ = pol.LaggingOverdueDays.Value("", asOf)
	}
	type count struct{ open, overdue int }
	byUnit := map[calc.Unit]*count{}
	for _, t := range open {
		if t.Unit.Village == "" {
			continue
		}
		c := byUnit[t.Unit]
		if c == nil {
			c = &count{}
			byUnit[t.Unit] = c
		}
		c.open++
		if !t.Due.IsZero() && t.Due.AddDate(0, 0, days).Before(asOf) {
			c.overdue++
		}
	}
	for i := range units {
		u := &units[i]
		if u.Level != calc.LevelVillage {
			continue
		}
		c := byUnit[u.Unit]
		if c == nil {
			c = &count{}
		}
		if u.OpenTasks == c.open && u.Overdue == c.overdue {
			continue
		}
		u.OpenTasks, u.Overdue = c.open, c.overdue
		finish(u, pol, asOf)
	}
}

// rollUp replaces every township row that has village rows under it by their sum, then every
// county row that has township rows under it by theirs (a unit without rows below keeps its
// stored row). Counts, money and tasks add up; completion and 落实不力 follow from the sums as
// calc defines them. The 两高于 growth is the ratio of the rows' growth sums: exact as stored when
// one upload covered the whole unit (its stored row counts the same households and tasks), else
// from the sums (to the fen), and left out when a row below has no sums (stored before they were
// kept) rather than guessed.
func rollUp(units []calc.UnitSummary, pol *calc.Policy, asOf time.Time) []calc.UnitSummary {
	type key struct{ level, county, township string }
	parentOf := func(u calc.UnitSummary) (key, bool) {
		switch u.Level {
		case "village":
			return key{"township", u.Unit.County, u.Unit.Township}, true
		case "township":
			return key{"county", u.Unit.County, ""}, true
		}
		return key{}, false
	}
	stored := map[key]int{} // index in units of a stored township or county row
	for i, u := range units {
		if u.Level == "township" || u.Level == "county" {
			stored[key{u.Level, u.Unit.County, u.Unit.Township}] = i
		}
	}
	out := append([]calc.UnitSummary(nil), units...)
	for _, level := range []string{"township", "county"} {
		sums := map[key]*calc.UnitSummary{}
		partial := map[key]bool{} // a child row without growth sums (stored before they were kept)
		var order []key
		for _, u := range out {
			k, ok := parentOf(u)
			if !ok || k.level != level {
				continue
			}
			sum := sums[k]
			if sum == nil {
				sum = &calc.UnitSummary{Level: level, Unit: calc.Unit{County: k.county, Township: k.township},
					Flags: map[string]int{}, Owed: map[string]calc.Fen{}, Paid: map[string]calc.Fen{}, Unpaid: map[string]calc.Fen{}}
				sums[k] = sum
				order = append(order, k)
			}
			add(sum, u)
			if u.Households > 0 && (u.GrowthProj == nil || u.GrowthBase == nil) {
				partial[k] = true
			}
		}
		for _, k := range order {
			sum := sums[k]
			finish(sum, pol, asOf)
			if partial[k] {
				sum.GrowthProj, sum.GrowthBase = nil, nil
			} else {
				growthFromSums(sum)
			}
			if i, ok := stored[k]; ok {
				if old := out[i]; old.Households == sum.Households && old.Monitored == sum.Monitored &&
					old.OpenTasks == sum.OpenTasks && old.DoneItems == sum.DoneItems {
					// one upload covered the whole unit: its exact figures
					sum.Growth, sum.AboveLocal, sum.AboveCity = old.Growth, old.AboveLocal, old.AboveCity
				}
				if sum.LocalGrowth == nil {
					sum.LocalGrowth = out[i].LocalGrowth
				}
				out[i] = *sum
				continue
			}
			stored[k] = len(out)
			out = append(out, *sum)
		}
	}
	return out
}

// add adds a unit's counts, money and tasks to its parent's sum.
func add(sum *calc.UnitSummary, u calc.UnitSummary) {
	sum.Households += u.Households
	sum.Monitored += u.Monitored
	sum.OpenTasks += u.OpenTasks
	sum.DoneItems += u.DoneItems
	sum.Overdue += u.Overdue
	for r, n := range u.Flags {
		sum.Flags[r] += n
	}
	for r, f := range u.Owed {
		sum.Owed[r] += f
	}
	for r, f := range u.Paid {
		sum.Paid[r] += f
	}
	for r, f := range unpaidByRule(u) {
		sum.Unpaid[r] += f
	}
	if sum.LocalGrowth == nil { // the county's local growth: the same for every unit in it
		sum.LocalGrowth = u.LocalGrowth
	}
	if u.GrowthProj != nil && u.GrowthBase != nil {
		if sum.GrowthProj == nil {
			sum.GrowthProj, sum.GrowthBase = new(calc.Fen), new(calc.Fen)
		}
		*sum.GrowthProj += *u.GrowthProj
		*sum.GrowthBase += *u.GrowthBase
	}
}

// growthFromSums sets a summed unit's 两高于 growth from its growth sums (Σ Â×m ÷ Σ I0×m − 1,
// rounded to the millionth) and the comparison with its local growth.
func growthFromSums(u *calc.UnitSummary) {
	g, ok := sumsGrowth(u.GrowthProj, u.GrowthBase)
	if !ok {
		return
	}
	u.Growth = &g
	u.AboveLocal = u.LocalGrowth != nil && g > *u.LocalGrowth
}

// sumsGrowth is proj ÷ base − 1 as a Rate, not ok without a positive base.
func sumsGrowth(proj, base *calc.Fen) (calc.Rate, bool) {
	if proj == nil || base == nil || *base <= 0 {
		return 0, false
	}
	r := new(big.Rat).SetFrac64(int64(*proj-*base), int64(*base))
	r.Mul(r, big.NewRat(int64(calc.RateOne), 1))
	q, m := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	if m.Mul(m.Abs(m), big.NewInt(2)).Cmp(r.Denom()) >= 0 { // half away from zero
		if r.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return calc.Rate(q.Int64()), true
}

// withCityGrowth sets every unit's comparison with the city: its growth against the growth of
// all the villages stored (两高于's second half). Without sums for every village, it is left as
// stored.
func withCityGrowth(units []calc.UnitSummary) {
	city, ok := cityGrowth(units)
	if !ok {
		return
	}
	for i := range units {
		if g := units[i].Growth; g != nil {
			units[i].AboveCity = *g > city
		}
	}
}

// cityGrowth is the 两高于 growth of every village stored, not ok when a village row has no
// growth sums or no household has a base.
func cityGrowth(units []calc.UnitSummary) (calc.Rate, bool) {
	var proj, base calc.Fen
	for _, u := range units {
		if u.Level != calc.LevelVillage {
			continue
		}
		if u.Households > 0 && (u.GrowthProj == nil || u.GrowthBase == nil) {
			return 0, false
		}
		if u.GrowthProj != nil {
			proj += *u.GrowthProj
			base += *u.GrowthBase
		}
	}
	return sumsGrowth(&proj, &base)
}

// finish sets completion and 落实不力 from the sums, as calc does: completion = done ÷ (done +
// open), 1 when both are 0; lagging below lagging.completion or with tasks overdue.
func finish(sum *calc.UnitSummary, pol *calc.Policy, asOf time.Time) {
	done, open := int64(sum.DoneItems), int64(sum.OpenTasks)
	sum.Completion = calc.RateOne
	if done+open > 0 {
		sum.Completion = calc.Rate(done * int64(calc.RateOne) / (done + open))
	}
	lagging := sum.Overdue > 0
	if pol != nil && done+open > 0 {
		lagC, _ := pol.LaggingCompletion.Value(sum.Unit.County, asOf)
		lagging = lagging || done*int64(calc.RateOne) < int64(lagC)*(done+open)
	}
	sum.Lagging = lagging
}

// periodNote names the quarter(s) a unit's row covers. Each village's row is its latest upload
// (unitSummaries), so in January a township can add one village's 2027Q1 ledger to another's
// 2026Q4: its line says so instead of passing the mix off as one period.
func periodNote(periods map[calc.Unit]calc.Period, u calc.UnitSummary) string {
	ps := periodsOf(periods, u)
	if len(ps) == 0 {
		return ""
	}
	if len(ps) == 1 {
		return "（数据：" + ps[0].Chinese() + "）"
	}
	return "（数据：各村最新一期，分属" + periodNames(ps) + "，不是同一季度）"
}

// periodCell is periodNote for the summary workbook's 数据季度 column.
func periodCell(periods map[calc.Unit]calc.Period, u calc.UnitSummary) string {
	ps := periodsOf(periods, u)
	if len(ps) <= 1 {
		return strings.TrimSuffix(strings.TrimPrefix(periodNote(periods, u), "（数据："), "）")
	}
	return "各村最新一期，分属" + periodNames(ps)
}

func periodNames(ps []calc.Period) string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Chinese()
	}
	return strings.Join(names, "、")
}

// periodsOf is the quarters of the latest uploads of the villages a unit's row covers, earliest
// first.
func periodsOf(periods map[calc.Unit]calc.Period, u calc.UnitSummary) []calc.Period {
	seen := map[calc.Period]bool{}
	var ps []calc.Period
	for v, p := range periods {
		if v.County != u.Unit.County || (u.Level != calc.LevelCounty && v.Township != u.Unit.Township) ||
			(u.Level == calc.LevelVillage && v.Village != u.Unit.Village) {
			continue
		}
		if !seen[p] {
			seen[p] = true
			ps = append(ps, p)
		}
	}
	slices.SortFunc(ps, func(a, b calc.Period) int {
		if a.Before(b) {
			return -1
		}
		if b.Before(a) {
			return 1
		}
		return 0
	})
	return ps
}

// notUploaded names the villages the roster knows (a leader's or a cadre's unit that names a
// village) for which in is true and no ledger has been uploaded: a township's figures count only
// the villages that sent theirs, and a village that never did was missing without a word. At
// most 10 are named, then how many in all.
func notUploaded(cfg *config.Config, periods map[calc.Unit]calc.Period, in func(calc.Unit) bool) string {
	var known []config.Unit
	for _, l := range cfg.Roster.Leaders {
		known = append(known, l.Unit)
	}
	for _, c := range cfg.Roster.Cadres {
		known = append(known, c.Units...)
	}
	seen := map[string]bool{}
	var names []string
	for _, k := range known {
		u := calc.Unit{County: k.County, Township: k.Township, Village: k.Village}
		if u.Village == "" || !in(u) {
			continue
		}
		uploaded := false
		for v := range periods {
			if v.County == u.County && v.Village == u.Village && (u.Township == "" || v.Township == u.Township) {
				uploaded = true
				break
			}
		}
		if name := unitName(u); !uploaded && !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	sort.Strings(names)
	if len(names) > 10 {
		return fmt.Sprintf("尚未上传台账：%s等%d个村。", strings.Join(names[:10], "、"), len(names))
	}
	return "尚未上传台账：" + strings.Join(names, "、") + "。"
}

// unpaidByRule is a unit's money still owed by rule: Unpaid, or for a row stored before it was
// kept, owed − paid by rule (not below 0).
func unpaidByRule(u calc.UnitSummary) map[string]calc.Fen {
	if u.Unpaid != nil {
		return u.Unpaid
	}
	out := map[string]calc.Fen{}
	for r, f := range u.Owed {
		if d := f - u.Paid[r]; d > 0 {
			out[r] = d
		}
	}
	return out
}

// moneyOf is a unit's money owed, paid and still owed, over every rule.
func moneyOf(u calc.UnitSummary) (owed, paid, unpaid calc.Fen) {
	for _, v := range u.Owed {
		owed += v
	}
	for _, v := range u.Paid {
		paid += v
	}
	for _, v := range unpaidByRule(u) {
		unpaid += v
	}
	return owed, paid, unpaid
}
