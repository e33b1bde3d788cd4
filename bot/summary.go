package bot

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"zengshou/bot/store"
	"zengshou/calc"
	"zengshou/config"
	"zengshou/connectors"
)

// SendSummaries sends the leaders' summary (kind "weekly" or "quarterly" 调度): for each leader,
// the units under them with counts, money owed and paid, completion rate, 两高于 status and the
// lagging units ranked, with the summary workbook attached. Household names never appear.
// Admins get the whole city and the cadres missing from the roster. It returns how many
// messages were sent.
func (s *Service) SendSummaries(ctx context.Context, kind string) (int, error) {
	cfg := s.Config()
	in, err := s.loadSummaryInputs(ctx)
	if err != nil {
		return 0, err
	}
	units, city, periods := in.units, in.city, in.periods
	unknown, _ := s.st.UnknownCadres(ctx)
	now := s.clock.Now().In(cfg.Reminders.Location())
	slot := now.Format("2006-01-02")
	pass := summaryPass(cfg, kind, now)
	type target struct {
		r         recipient
		name      string
		scope     config.Unit
		admin     bool
		keySuffix string // tells apart the summaries of one account: a leader of two units, an admin who is a leader
	}
	var targets []target
	for _, l := range cfg.Roster.Leaders {
		for _, p := range config.Platforms {
			if id := l.IDs[p]; id != "" && s.conn(p) != nil {
				t := target{recipient{platform: p, userID: id}, l.Name, l.Unit, false, ""}
				for _, o := range targets { // a leader of two units, in the roster once for each: both summaries
					if o.r.key() == t.r.key() {
						t.keySuffix = "|" + scopeName(l.Unit)
					}
				}
				targets = append(targets, t)
				break
			}
		}
	}
	for _, a := range cfg.Roster.Admins {
		for _, p := range config.Platforms {
			if id := a.IDs[p]; id != "" && s.conn(p) != nil {
				t := target{recipient{platform: p, userID: id}, a.Name, config.Unit{}, true, ""}
				// An admin who is also a leader (the same account): the leader's summary of the
				// whole city is the admin's too; one of a smaller unit is sent as well. Either way
				// the admin's part is not lost to the leader's summary's idempotency key.
				merged := false
				for i := range targets {
					if targets[i].r.key() != t.r.key() || targets[i].admin {
						continue
					}
					if targets[i].scope == (config.Unit{}) {
						targets[i].admin, merged = true, true
						break
					} else {
						t.keySuffix = "|admin"
					}
				}
				if !merged {
					targets = append(targets, t)
				}
				break
			}
		}
	}
	sent := 0
	for _, t := range targets {
		scope := t.scope
		mine, tasks := in.scoped(func(u calc.Unit) bool { return covers(scope, u) })
		text := summaryText(kind, t.name, t.scope, mine, periods, tasks, now, cfg, city) // dated in the configured zone, not the server's
		if len(mine) == 0 && t.scope != (config.Unit{}) {
			text += scopeNotFound(t.scope, units)
		}
		if t.admin && len(unknown) > 0 {
			text += "\n" + s.rosterGapsText(ctx)
		}
		var file *connectors.Attachment
		if len(mine) > 0 {
			path := filepath.Join(s.dataDir, "summaries", fmt.Sprintf("%s-%s-%s.xlsx", kind, slot, shortHash(t.r.key()+t.keySuffix)))
			if err := in.writeBook(path, kind, mine, tasks, cfg, now); err != nil {
				s.log.WithError(err).Warn("summary: workbook")
			} else if data, err := os.ReadFile(path); err == nil {
				// Named for its scope: a leader's and an admin's workbook are different files.
				file = &connectors.Attachment{Name: summaryTitle(kind) + "-" + scopeName(t.scope) + "-" + slot + ".xlsx", Data: data}
			}
		}
		key := "summary|" + kind + "|" + t.r.key() + "|" + pass + t.keySuffix
		ok, err := s.send(ctx, t.r, "summary", t.r.key(), "", key, text, file, nil)
		if err != nil {
			s.log.WithError(err).Warn("summary: send failed")
			continue
		}
		if ok {
			sent++
			s.metrics.summaries.Inc()
		}
	}
	return sent, nil
}

// summaryInputs is what the leaders' summaries are built from, read from the store at once: every
// unit's summary, the growth of the whole city (nil when unknown), the open tasks and the
// quarters of the villages' latest data. The scheduled summaries and 汇总's workbook are built
// from it alike.
type summaryInputs struct {
	units   []calc.UnitSummary
	city    *calc.Rate
	open    []store.TaskRow
	periods map[calc.Unit]calc.Period
}

func (s *Service) loadSummaryInputs(ctx context.Context) (*summaryInputs, error) {
	units, err := s.unitSummaries(ctx)
	if err != nil {
		return nil, err
	}
	in := &summaryInputs{units: units}
	if g, ok := cityGrowth(units); ok {
		in.city = &g
	}
	if in.open, err = s.st.OpenTasks(ctx); err != nil {
		return nil, err
	}
	if in.periods, err = s.st.VillagePeriods(ctx); err != nil {
		return nil, err
	}
	return in, nil
}

// scoped is the units and the open tasks of a scope (in, the units it covers).
func (in *summaryInputs) scoped(inScope func(calc.Unit) bool) (units []calc.UnitSummary, tasks []store.TaskRow) {
	for _, u := range in.units {
		if inScope(u.Unit) {
			units = append(units, u)
		}
	}
	for _, t := range in.open {
		if inScope(t.Unit) {
			tasks = append(tasks, t)
		}
	}
	return units, tasks
}

// writeBook writes the summary workbook of a scope's units and tasks (scoped) at path.
func (in *summaryInputs) writeBook(path, kind string, units []calc.UnitSummary, tasks []store.TaskRow, cfg *config.Config, now time.Time) error {
	return writeSummaryBook(path, kind, units, in.periods, cfg.Policy, tasks, now, lagDaysOf(cfg, now), in.city)
}

// summaryPass names the scheduled pass a summary belongs to, for its idempotency key: the day of
// the latest weekly (quarterly) slot at now, as Tick schedules them. A pass that sent its
// summaries and died before it was recorded runs again at the next tick in working time, maybe
// the next morning: keyed by that day's date, it sent every leader the summary a second time.
// On the slot's own day it is that date, as it always was.
func summaryPass(cfg *config.Config, kind string, now time.Time) string {
	switch kind {
	case "weekly":
		if day, h, m, ok := cfg.Summaries.WeeklyAt(); ok {
			return weeklySlot(now, day, h, m).Format("2006-01-02")
		}
	case "quarterly":
		h, m, ok := config.ClockTime(cfg.Reminders.DigestTime)
		if !ok {
			h, m = 9, 0
		}
		return quarterSlot(now, h, m).Format("2006-01-02")
	}
	return now.Format("2006-01-02")
}

// scopeName names a leader's unit, or 全市 for the whole city (admins).
func scopeName(scope config.Unit) string {
	if scope.County == "" && scope.Township == "" && scope.Village == "" {
		return "全市"
	}
	return unitName(calc.Unit{County: scope.County, Township: scope.Township, Village: scope.Village})
}

func summaryTitle(kind string) string {
	if kind == "quarterly" {
		return "季度调度"
	}
	return "周报"
}

func rateOf(done, total int) calc.Rate {
	if total == 0 {
		return calc.RateOne
	}
	return calc.Rate(int64(done) * int64(calc.RateOne) / int64(total))
}

// summaryText is a leader's summary: the top-level units in scope, then the lagging units ranked.
// city is the growth of every village stored (nil when unknown): 两高于's second comparison.
func summaryText(kind, name string, scope config.Unit, units []calc.UnitSummary, periods map[calc.Unit]calc.Period, tasks []store.TaskRow, now time.Time, cfg *config.Config, city *calc.Rate) string {
	var b strings.Builder
	where := scopeName(scope)
	fmt.Fprintf(&b, "【增收助手·%s】%s，您好！截至%s，%s：\n", summaryTitle(kind), name, now.Format("2006-01-02"), where)
	if len(units) == 0 {
		b.WriteString("暂无已上传的台账数据。")
		return b.String()
	}
	// The level below the leader's unit, or the unit itself when it is a village: a village
	// leader's unit may name the county and the village without the township.
	level := "county"
	if scope.County != "" {
		level = "township"
	}
	if scope.Township != "" || scope.Village != "" {
		level = "village"
	}
	for _, u := range units {
		if u.Level != level {
			continue
		}
		owed, paid, unpaid := moneyOf(u)
		fmt.Fprintf(&b, "· %s：%d户，纳入增收监测%d户；应享补贴%s，已发放%s，未发放%s；待办%d项，完成率%s", unitLabel(u), u.Households, u.Monitored,
			owed.Text(), paid.Text(), unpaid.Text(), u.OpenTasks, completionText(u))
		if u.Growth != nil && u.LocalGrowth != nil {
			mark := compareWord(u.AboveLocal, *u.Growth == *u.LocalGrowth)
			g, l := growthTexts(*u.Growth, *u.LocalGrowth)
			fmt.Fprintf(&b, "；两高于：脱贫人口人均收入增速%s，%s当地农牧民%s%s", g, mark, l, staleLocalNote(cfg.Policy, periods, u))
			if city != nil {
				mark = compareWord(u.AboveCity, *u.Growth == *city)
				_, c := growthTexts(*u.Growth, *city)
				fmt.Fprintf(&b, "，%s全市脱贫人口%s", mark, c)
			}
		}
		b.WriteString(periodNote(periods, u))
		b.WriteString("\n")
	}
	if missing := notUploaded(cfg, periods, func(u calc.Unit) bool { return covers(scope, u) }); missing != "" {
		b.WriteString(missing + "\n")
	}
	overdue := 0
	for _, t := range tasks {
		if pastDue(t.Due, now, cfg.Reminders.Location()) {
			overdue++
		}
	}
	fmt.Fprintf(&b, "未完成待办共%d项，其中逾期%d项。\n", len(tasks), overdue)
	// 落实不力 counts the tasks overdue by more than lagging.overdue_days (calc's Overdue), not
	// every task past its due date: the ranking says so, or its "逾期" would contradict the line above.
	lagDays := lagDaysOf(cfg, now)
	// Ranked within each level (旗县区, then 苏木乡镇, then 嘎查村): a county and a village are not
	// compared with each other, and a county's villages do not push the counties off the list.
	var lag []calc.UnitSummary
	for _, u := range units {
		if u.Lagging {
			lag = append(lag, u)
		}
	}
	sort.SliceStable(lag, func(i, j int) bool {
		if li, lj := levelRank(lag[i].Level), levelRank(lag[j].Level); li != lj {
			return li < lj
		}
		if lag[i].Completion != lag[j].Completion {
			return lag[i].Completion < lag[j].Completion
		}
		return lag[i].Overdue > lag[j].Overdue
	})
	if len(lag) > 0 {
		b.WriteString("落实不力单位（按完成率由低到高，《若干措施》（十八）通报约谈）：\n")
		levels := 0
		for i, u := range lag {
			if i == 0 || u.Level != lag[i-1].Level {
				levels++
			}
		}
		n := 0
		for i, u := range lag {
			if i == 0 || u.Level != lag[i-1].Level {
				n = 0
				if levels > 1 {
					fmt.Fprintf(&b, "%s：\n", levelName(u.Level))
				}
			}
			n++
			if n > 10 {
				if i+1 == len(lag) || lag[i+1].Level != u.Level {
					fmt.Fprintf(&b, "……共%d个\n", n)
				}
				continue
			}
			fmt.Fprintf(&b, "%d. %s 完成率%s", n, unitLabel(u), completionText(u))
			if u.Overdue > 0 {
				fmt.Fprintf(&b, "，逾期超过%d天%d项", lagDays, u.Overdue)
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("详见附件汇总工作簿。")
	return b.String()
}

// compareWord is how a unit's growth stands against the one it is compared with: 高于, or 等于
// when they are the same (not 高于, so 两高于 is not met, but not below it either), else 低于.
func compareWord(above, equal bool) string {
	switch {
	case above:
		return "高于"
	case equal:
		return "等于"
	}
	return "低于"
}

// levelRank orders the levels of the 落实不力 ranking: counties, townships, villages.
func levelRank(level string) int {
	switch level {
	case calc.LevelCounty:
		return 0
	case calc.LevelTownship:
		return 1
	case calc.LevelVillage:
		return 2
	}
	return 3
}

// levelName is the Chinese name of a level.
func levelName(level string) string {
	switch level {
	case calc.LevelCounty:
		return "旗县区"
	case calc.LevelTownship:
		return "苏木乡镇"
	case calc.LevelVillage:
		return "嘎查村"
	}
	return "其他"
}

// staleLocalNote says when the local growth a unit's 两高于 is compared with is not the year's
// (policy.income.local_growth not yet set for the year of the unit's data, so calc used the
// latest earlier value, marked stale): “（2026年未设置，暂用2024年数值）”. Without it a leader
// read last year's figure as this year's. "" when the year's value is set.
func staleLocalNote(pol *calc.Policy, periods map[calc.Unit]calc.Period, u calc.UnitSummary) string {
	ps := periodsOf(periods, u)
	if pol == nil || len(ps) == 0 {
		return ""
	}
	p := ps[len(ps)-1]
	_, used, ok := pol.LocalIncomeGrowth.Latest(u.Unit.County, p.End())
	if !ok || !used.Stale {
		return ""
	}
	if len(used.From) >= 4 {
		return fmt.Sprintf("（%d年未设置，暂用%s年数值）", p.Year, used.From[:4])
	}
	return fmt.Sprintf("（%d年未设置，暂用最近一期数值）", p.Year)
}

// writeSummaryBook writes the leaders' summary workbook: one row per unit, with the quarter its
// figures are of (数据季度, as the text's “（数据：…）” says it), and a chart of monitored
// households and open tasks.
func writeSummaryBook(path, kind string, units []calc.UnitSummary, periods map[calc.Unit]calc.Period, pol *calc.Policy, tasks []store.TaskRow, now time.Time, lagDays int, city *calc.Rate) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	sheet := "汇总"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	head := []any{"层级", "旗县区", "苏木乡镇", "嘎查村", "户数", "纳入增收监测户数", "应享补贴(元)", "已发放(元)", "未发放(元)", "未完成待办", fmt.Sprintf("逾期超过%d天待办", lagDays), "完成率", "脱贫人口收入增速", "当地农牧民收入增速", "两高于", "落实不力", "数据季度", "全市脱贫人口收入增速", "高于全市"}
	if err := f.SetSheetRow(sheet, "A1", &head); err != nil {
		return err
	}
	levels := map[string]string{"county": "旗县区", "township": "苏木乡镇", "village": "嘎查村"}
	for i, u := range units {
		owed, paid, unpaid := moneyOf(u)
		growth, local, two := "", "", ""
		if u.Growth != nil {
			growth = pct(*u.Growth)
		}
		if u.LocalGrowth != nil {
			local = pct(*u.LocalGrowth)
		}
		if u.Growth != nil && u.LocalGrowth != nil {
			growth, local = growthTexts(*u.Growth, *u.LocalGrowth)
			local += staleLocalNote(pol, periods, u) // as the text says it
			two = "否"
			if u.AboveLocal && (city == nil || u.AboveCity) { // both, when the city's growth is known
				two = "是"
			}
		}
		cityG, aboveCity := "", ""
		if city != nil && u.Growth != nil {
			cityG, aboveCity = pct(*city), "否"
			if u.AboveCity {
				aboveCity = "是"
			}
		}
		lag := ""
		if u.Lagging {
			lag = "是"
		}
		row := []any{levels[u.Level], u.Unit.County, u.Unit.Township, u.Unit.Village, u.Households, u.Monitored,
			yuanFloat(owed), yuanFloat(paid), yuanFloat(unpaid), u.OpenTasks, u.Overdue, completionText(u), growth, local, two, lag, periodCell(periods, u), cityG, aboveCity}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow(sheet, cell, &row); err != nil {
			return err
		}
	}
	_ = f.SetColWidth(sheet, "A", "P", 14)
	_ = f.SetColWidth(sheet, "Q", "Q", 40)
	_ = f.SetColWidth(sheet, "R", "S", 14)
	_ = f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	last := len(units) + 1
	if len(units) > 0 {
		_ = f.AutoFilter(sheet, fmt.Sprintf("A1:S%d", last), nil)
		cats := fmt.Sprintf("%s!$D$2:$D$%d", sheet, last)
		if err := f.AddChart(sheet, "R2", &excelize.Chart{Type: excelize.Col,
			Series: []excelize.ChartSeries{
				{Name: sheet + "!$F$1", Categories: cats, Values: fmt.Sprintf("%s!$F$2:$F$%d", sheet, last)},
				{Name: sheet + "!$J$1", Categories: cats, Values: fmt.Sprintf("%s!$J$2:$J$%d", sheet, last)},
			},
			Title: excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "各单位监测户与未完成待办"}}},
		}); err != nil {
			return err
		}
	}
	return f.SaveAs(path)
}

// lagDaysOf is lagging.overdue_days: how overdue a task is before it counts against its unit.
func lagDaysOf(cfg *config.Config, now time.Time) int {
	if cfg.Policy == nil {
		return 30
	}
	d, _ := cfg.Policy.LaggingOverdueDays.Value("", now)
	return d
}

func yuanFloat(f calc.Fen) float64 { return float64(f) / 100 } // display only: the cell shows yuan

// scopeNotFound is said to a leader whose unit has no uploaded ledger while others have: the
// unit's name in roster.leaders may be misspelt (红旗材 for 红旗村), and the leader would read
// “暂无已上传的台账数据” every week. The villages uploaded in the unit's county are named.
func scopeNotFound(scope config.Unit, units []calc.UnitSummary) string {
	var near []string
	for _, u := range units {
		if u.Level != calc.LevelVillage || (scope.County != "" && u.Unit.County != scope.County) {
			continue
		}
		if len(near) == 5 {
			near = append(near, "……")
			break
		}
		near = append(near, u.Unit.Township+u.Unit.Village)
	}
	if len(near) == 0 {
		return ""
	}
	where := "已上传的嘎查村"
	if scope.County != "" {
		where = "同旗县区已上传的嘎查村"
	}
	return fmt.Sprintf("\n已上传的台账中没有“%s”：如名册中的单位名称有误，请管理员核对 roster.leaders。%s：%s。",
		scopeName(scope), where, strings.Join(near, "、"))
}
