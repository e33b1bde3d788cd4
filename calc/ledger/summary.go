package ledger

import (
	"fmt"
	"sort"
	"strings"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
)

// Summary is the whole workbook's figures (the JSON report's "summary" and the top line of 汇总).
type Summary struct {
	Households int                `json:"households"`
	Monitored  int                `json:"monitored"`
	Flags      map[string]int     `json:"flags"` // rule id → findings
	Owed       calc.Fen           `json:"owed"`
	Paid       calc.Fen           `json:"paid"`
	Unpaid     calc.Fen           `json:"unpaid"`   // Σ max(owed − paid, 0) by entitlement
	Overpaid   calc.Fen           `json:"overpaid"` // Σ max(paid − owed, 0): Owed − Paid + Overpaid = Unpaid
	OpenTasks  int                `json:"open_tasks"`
	Errors     int                `json:"errors"` // data problems listed on 问题清单 (warnings included)
	Units      []calc.UnitSummary `json:"units"`
}

// Summarize computes the workbook totals from the ledger and the evaluation. Units are the
// evaluation's unit summaries; when it has none (a ledger without units), they are derived
// from the households, findings and tasks.
func Summarize(led *Ledger, res *calc.Result) Summary {
	s := Summary{Households: len(led.Inputs.Households), Flags: map[string]int{}, OpenTasks: len(res.Tasks),
		Errors: len(Problems(led, res))}
	mon := map[string]bool{}
	for i := range res.Findings {
		f := &res.Findings[i]
		if f.Monitored && f.Household != "" {
			mon[f.Household] = true
		}
		switch {
		case f.Kind == calc.KindFlag || f.Kind == calc.KindData || f.Kind == calc.KindUnit:
			s.Flags[f.Rule]++
		case isOwedRule(f):
			owed, paid, unpaid := owedPaid(f)
			s.Owed += owed
			s.Paid += paid
			s.Unpaid += unpaid
			s.Overpaid += max(paid-owed, 0)
		}
	}
	s.Monitored = len(mon)
	s.Units = res.Units
	if len(s.Units) == 0 {
		s.Units = deriveUnits(led, res)
	}
	if s.Units == nil {
		s.Units = []calc.UnitSummary{}
	}
	return s
}

// OverpaidNote explains a 已发放 beyond the amounts owed, so that 应享 − 已发放 ≠ 未发放 does not
// read as an error: "（其中100元超出应享金额）"; "" when nothing was overpaid.
func OverpaidNote(overpaid calc.Fen) string {
	if overpaid <= 0 {
		return ""
	}
	return "（其中" + overpaid.Text() + "超出应享金额）"
}

// deriveUnits builds village, township and county figures when the evaluation gave none:
// households, monitored, flags, owed and paid by rule, open tasks and a completion rate.
func deriveUnits(led *Ledger, res *calc.Result) []calc.UnitSummary {
	byKey := map[calc.Unit]*calc.UnitSummary{}
	var order []calc.Unit
	unitOf := map[string]calc.Unit{}
	for _, h := range led.Inputs.Households {
		unitOf[h.ID] = h.Unit
	}
	add := func(u calc.Unit, fn func(*calc.UnitSummary)) {
		if u == (calc.Unit{}) {
			return
		}
		levels := []struct {
			level string
			u     calc.Unit
		}{{"village", u}, {"township", calc.Unit{County: u.County, Township: u.Township}}, {"county", calc.Unit{County: u.County}}}
		for _, l := range levels {
			if (l.level == "village" && l.u.Village == "") || (l.level == "township" && l.u.Township == "") || (l.level == "county" && l.u.County == "") {
				continue
			}
			us := byKey[l.u]
			if us == nil {
				us = &calc.UnitSummary{Level: l.level, Unit: l.u, Flags: map[string]int{}, Owed: map[string]calc.Fen{}, Paid: map[string]calc.Fen{}}
				byKey[l.u] = us
				order = append(order, l.u)
			}
			fn(us)
		}
	}
	for _, h := range led.Inputs.Households {
		add(h.Unit, func(us *calc.UnitSummary) { us.Households++ })
	}
	mon := map[string]bool{}
	for i := range res.Findings {
		f := &res.Findings[i]
		u := f.Unit
		if u == (calc.Unit{}) {
			u = unitOf[f.Household]
		}
		if f.Monitored && f.Household != "" && !mon[f.Household] {
			mon[f.Household] = true
			add(u, func(us *calc.UnitSummary) { us.Monitored++ })
		}
		switch {
		case f.Kind == calc.KindFlag || f.Kind == calc.KindData:
			add(u, func(us *calc.UnitSummary) { us.Flags[f.Rule]++ })
		case isOwedRule(f):
			add(u, func(us *calc.UnitSummary) {
				if f.Amount != nil {
					us.Owed[f.Rule] += *f.Amount
				}
				if f.Paid != nil {
					us.Paid[f.Rule] += *f.Paid
				}
				if f.Amount != nil && (f.Paid == nil || *f.Paid >= *f.Amount) {
					us.DoneItems++
				}
			})
		}
	}
	for i := range res.Tasks {
		t := &res.Tasks[i]
		u := t.Unit
		if u == (calc.Unit{}) {
			u = unitOf[t.Household]
		}
		add(u, func(us *calc.UnitSummary) { us.OpenTasks++ })
	}
	out := make([]calc.UnitSummary, 0, len(order))
	for _, u := range order {
		us := byKey[u]
		us.Completion = calc.RateOne
		if d := us.DoneItems + us.OpenTasks; d > 0 {
			us.Completion = calc.Rate(int64(us.DoneItems) * int64(calc.RateOne) / int64(d))
		}
		out = append(out, *us)
	}
	sortUnits(out)
	return out
}

// unitLevel is one unit at one level.
type unitLevel struct {
	level string
	unit  calc.Unit
}

// unpaidByUnit is each unit's money still unpaid: Σ max(owed − paid, 0) over its entitlements
// (owedPaid), at the village, township and county levels, a finding in the unit calc gives it
// (its own, else its household's).
func unpaidByUnit(led *Ledger, res *calc.Result) map[unitLevel]calc.Fen {
	unitOf := map[string]calc.Unit{}
	for _, h := range led.Inputs.Households {
		if _, ok := unitOf[h.ID]; !ok {
			unitOf[h.ID] = h.Unit
		}
	}
	out := map[unitLevel]calc.Fen{}
	for i := range res.Findings {
		f := &res.Findings[i]
		if !isOwedRule(f) {
			continue
		}
		_, _, unpaid := owedPaid(f)
		if unpaid == 0 {
			continue
		}
		u := f.Unit
		if u == (calc.Unit{}) {
			u = unitOf[f.Household]
		}
		if u.County != "" {
			out[unitLevel{calc.LevelCounty, calc.Unit{County: u.County}}] += unpaid
		}
		if u.Township != "" {
			out[unitLevel{calc.LevelTownship, calc.Unit{County: u.County, Township: u.Township}}] += unpaid
		}
		if u.Village != "" {
			out[unitLevel{calc.LevelVillage, u}] += unpaid
		}
	}
	return out
}

// sortUnits orders units county → its townships → their villages.
func sortUnits(us []calc.UnitSummary) {
	sort.SliceStable(us, func(i, j int) bool {
		a, b := us[i].Unit, us[j].Unit
		if a.County != b.County {
			return a.County < b.County
		}
		if a.Township != b.Township {
			return a.Township < b.Township
		}
		return a.Village < b.Village
	})
}

var levelNames = map[string]string{"county": "旗县区", "township": "苏木乡镇", "village": "嘎查村"}

// KindNames are the Chinese names of the sheet kinds.
var KindNames = map[string]string{
	KindHouseholds: "家庭收入台账", KindLivestock: "牲畜动态监测台账", KindLand: "土地承包/托管台账",
	KindLaborers: "务工就业清单", KindProjects: "到户帮扶项目台账", KindEntities: "经营主体联农带农台账",
	KindEmployers: "吸纳就业奖补台账", KindRelief: "以工代赈项目台账", KindPosts: "公益岗位台账",
	KindDibao: "低保渐退台账", KindInsurance: "防贫保险/刚性支出台账", KindFilial: "孝扶资金台账",
}

// rulesIn lists the rule ids present in any of the maps, in the catalogue's order.
func rulesIn(units []calc.UnitSummary, pick func(calc.UnitSummary) []string) []string {
	seen := map[string]bool{}
	for _, u := range units {
		for _, r := range pick(u) {
			seen[r] = true
		}
	}
	var out []string
	for _, r := range calc.Rules {
		if seen[r.ID] {
			out = append(out, r.ID)
			delete(seen, r.ID)
		}
	}
	var rest []string
	for r := range seen {
		rest = append(rest, r)
	}
	sort.Strings(rest)
	return append(out, rest...)
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// summary writes the 汇总 sheet: totals, a table per unit, a chart by village, and how each
// sheet was read. In columns mode it becomes the first and active sheet; in sheet mode it is
// appended (reordering or activating sheets would re-serialize the cadre's sheets). The sheet is
// built as a grid and streamed: its strings are inline, so the workbook's shared-string table
// is never loaded or rewritten.
func (w *writer) summary() error {
	f := w.f
	sh, err := newOurSheet(f, SheetSummary)
	if err != nil {
		return err
	}
	g := newGrid()
	s := Summarize(w.led, w.res)
	set := func(row int, v any, style int) { g.set(1, row, v, style) }
	set(1, "增收计算汇总（"+w.res.Period.Chinese()+"）", w.title)
	set(2, "本表、“问题清单”“计算结果”工作表及表头以"+ResultMarker+"开头的列由系统生成，重新处理时整体替换；原表数据未改动。", w.note)
	set(3, fmt.Sprintf("合计：%d户，纳入监测%d户，应享补贴%s，已发放%s%s，未发放%s，待办事项%d项，数据问题%d条",
		s.Households, s.Monitored, s.Owed.Text(), s.Paid.Text(), OverpaidNote(s.Overpaid), s.Unpaid.Text(), s.OpenTasks, s.Errors), w.bold)

	units := s.Units
	flagRules := rulesIn(units, func(u calc.UnitSummary) []string { return keys(u.Flags) })
	moneyRules := rulesIn(units, func(u calc.UnitSummary) []string { return append(keys(u.Owed), keys(u.Paid)...) })
	head := []any{"层级", "旗县区", "苏木乡镇", "嘎查村", "户数", "监测户数"}
	for _, r := range flagRules {
		head = append(head, ruleTitle(r)+"（户次）")
	}
	head = append(head, "应享合计（元）", "已发放合计（元）", "未发放合计（元）")
	for _, r := range moneyRules {
		head = append(head, "应享·"+ruleTitle(r), "已发·"+ruleTitle(r))
	}
	head = append(head, "待办事项", "完成率", "收入增速", "当地增速", "高于当地增速", "高于全市平均", "落实不力")
	const top = 5
	g.setRow(top, head, w.header)
	g.heights[top] = 32
	lastCol, _ := excelize.ColumnNumberToName(len(head))
	row := top
	unpaidOf := unpaidByUnit(w.led, w.res)
	// 高于全市平均 compares a unit with every household of the workbook: for a unit that holds
	// them all (a one-village ledger's village, township and county) it compares the unit with
	// itself, always 否. Left blank there.
	inputs := map[string]bool{}
	for i := range w.led.Inputs.Households {
		inputs[w.led.Inputs.Households[i].ID] = true
	}
	for _, u := range units {
		row++
		var owed, paid calc.Fen
		for _, r := range moneyRules {
			owed += u.Owed[r]
			paid += u.Paid[r]
		}
		// Unpaid is summed entitlement by entitlement, as on the totals line and in the result
		// columns: one household paid more than the rule gives does not pay another's share.
		unpaid := unpaidOf[unitLevel{u.Level, u.Unit}]
		vals := []any{levelNames[u.Level], u.Unit.County, u.Unit.Township, u.Unit.Village, u.Households, u.Monitored}
		for _, r := range flagRules {
			vals = append(vals, u.Flags[r])
		}
		vals = append(vals, yuanNum(owed), yuanNum(paid), yuanNum(unpaid))
		for _, r := range moneyRules {
			vals = append(vals, yuanNum(u.Owed[r]), yuanNum(u.Paid[r]))
		}
		// Completion is 1 by definition when nothing is done and nothing open: left blank, not
		// 100% for a unit without a single measure.
		var completion any = ""
		if u.DoneItems+u.OpenTasks > 0 {
			// Rounded down to what the cell shows (0.00%): 9999 of 10000 done is 99.99%, and
			// 99.996% would show as 100.00% with a task still open.
			completion = float64(int64(u.Completion)*10000/int64(calc.RateOne)) / 10000
		}
		vals = append(vals, u.OpenTasks, completion)
		if u.Growth != nil {
			vals = append(vals, u.Growth.Percent())
		} else {
			vals = append(vals, "")
		}
		if u.LocalGrowth != nil {
			vals = append(vals, u.LocalGrowth.Percent())
		} else {
			vals = append(vals, "")
		}
		lag := ""
		if u.Lagging {
			lag = "落实不力"
		}
		// 两高于 is not known without a growth (no household with a base): blank, not 否.
		aboveLocal, aboveCity := "", ""
		if u.Growth != nil {
			if u.Households < len(inputs) {
				aboveCity = yesNo(u.AboveCity)
			}
			if u.LocalGrowth != nil {
				aboveLocal = yesNo(u.AboveLocal)
			}
		}
		vals = append(vals, aboveLocal, aboveCity, lag)
		g.setRow(row, vals, 0)
	}
	if row > top {
		moneyFrom := 7 + len(flagRules)
		moneyTo := moneyFrom + 2 + 2*len(moneyRules)
		g.style(moneyFrom, top+1, moneyTo, row, w.money)
		g.style(moneyTo+2, top+1, moneyTo+2, row, w.percent)
		lagCol := lastCol
		// Lagging units stand out: one conditional format on the table.
		if err := f.SetConditionalFormat(sh, fmt.Sprintf("A%d:%s%d", top+1, lastCol, row), []excelize.ConditionalFormatOptions{{
			Type: "formula", Criteria: fmt.Sprintf("$%s%d=\"落实不力\"", lagCol, top+1), Format: &w.highlight}}); err != nil {
			return err
		}
		if err := f.AutoFilter(sh, fmt.Sprintf("A%d:%s%d", top, lastCol, row), nil); err != nil {
			return err
		}
	} else {
		row++
		set(row, "（没有可汇总的单位：台账中未识别到旗县区、苏木乡镇或嘎查村）", 0)
	}

	// Chart data: villages with their monitored households and open tasks.
	row += 2
	chartTop := row
	set(row, "图表数据：各嘎查村监测户数与待办事项", w.bold)
	row++
	g.setRow(row, []any{"嘎查村", "监测户数", "待办事项"}, w.header)
	headRow := row
	dupVillage := map[string]int{}
	for _, u := range units {
		if u.Level == "village" {
			dupVillage[u.Unit.Village]++
		}
	}
	for _, u := range units {
		if u.Level != "village" {
			continue
		}
		row++
		label := u.Unit.Village
		if dupVillage[label] > 1 {
			label = u.Unit.Township + label
		}
		g.setRow(row, []any{label, u.Monitored, u.OpenTasks}, 0)
	}
	if row > headRow {
		ref := func(col string) string { return fmt.Sprintf("'%s'!$%s$%d:$%s$%d", sh, col, headRow+1, col, row) }
		if err := f.AddChart(sh, fmt.Sprintf("E%d", chartTop), &excelize.Chart{
			Type: excelize.Col,
			Series: []excelize.ChartSeries{
				{Name: fmt.Sprintf("'%s'!$B$%d", sh, headRow), Categories: ref("A"), Values: ref("B")},
				{Name: fmt.Sprintf("'%s'!$C$%d", sh, headRow), Categories: ref("A"), Values: ref("C")},
			},
			Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "各嘎查村监测户数与待办事项"}}},
			Legend:    excelize.ChartLegend{Position: "bottom"},
			Dimension: excelize.ChartDimension{Width: 640, Height: 300},
		}); err != nil {
			return err
		}
		if row < chartTop+16 {
			row = chartTop + 16
		}
	} else {
		row++
		set(row, "（没有嘎查村数据，不生成图表）", 0)
	}

	// 识别结果说明: how each sheet was read.
	row += 2
	set(row, "识别结果说明", w.bold)
	row++
	g.setRow(row, []any{"工作表", "识别类型", "表头行", "数据起始行", "末行", "数据行数", "跳过行（合计/小计/空行）", "置信度", "已识别列"}, w.header)
	for _, si := range w.led.Sheets {
		row++
		kind := KindNames[si.Kind]
		if kind == "" {
			kind = "未识别（未处理）"
		}
		var mapped []string
		for _, c := range si.Columns {
			if c.Field != "" {
				mapped = append(mapped, c.Header+"→"+c.Field)
			}
		}
		g.setRow(row, []any{si.Name, kind, intsText(si.HeaderRows, 20), si.FirstRow, si.LastRow, si.DataRows,
			intsText(si.Skipped, 30), fmt.Sprintf("%.0f%%", si.Confidence*100), truncate(strings.Join(mapped, "；"), 2000)}, 0)
	}
	if len(w.res.Warnings) > 0 {
		row += 2
		set(row, "提示", w.bold)
		for _, m := range w.res.Warnings {
			row++
			set(row, m, 0)
		}
	}
	sw, err := f.NewStreamWriter(sh)
	if err != nil {
		return err
	}
	if err := sw.SetColWidth(1, 1, 10); err != nil {
		return err
	}
	if err := sw.SetColWidth(2, 4, 12); err != nil {
		return err
	}
	if len(head) >= 5 {
		if err := sw.SetColWidth(5, len(head), 11); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: top, TopLeftCell: fmt.Sprintf("A%d", top+1), ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: fmt.Sprintf("A%d", top+1), ActiveCell: fmt.Sprintf("A%d", top+1), Pane: "bottomLeft"}}}); err != nil {
		return err
	}
	if err := g.stream(sw); err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if w.mode == ModeColumns {
		// Active, not moved to the front: excelize's MoveSheet does not renumber the sheet-scoped
		// defined names (print areas, filters), so moving would attach the cadre's names to the
		// wrong sheets.
		idx, _ := f.GetSheetIndex(sh)
		f.SetActiveSheet(idx)
	}
	return nil
}

// grid is a small sheet built in memory and then streamed in row order.
type grid struct {
	rows    map[int][]excelize.Cell // row (1-based) → cells from column A
	heights map[int]float64
}

func newGrid() *grid { return &grid{rows: map[int][]excelize.Cell{}, heights: map[int]float64{}} }

// set puts a value with a style (0: none) into a cell.
func (g *grid) set(col, row int, v any, style int) {
	cells := g.rows[row]
	for len(cells) < col {
		cells = append(cells, excelize.Cell{})
	}
	cells[col-1] = excelize.Cell{Value: v, StyleID: style}
	g.rows[row] = cells
}

// setRow puts values into a row from column A.
func (g *grid) setRow(row int, vals []any, style int) {
	for i, v := range vals {
		g.set(i+1, row, v, style)
	}
}

// style sets the style of every cell of a range (blank cells included).
func (g *grid) style(c1, r1, c2, r2, style int) {
	for r := r1; r <= r2; r++ {
		cells := g.rows[r]
		for len(cells) < c2 {
			cells = append(cells, excelize.Cell{})
		}
		for c := c1; c <= c2; c++ {
			cells[c-1].StyleID = style
		}
		g.rows[r] = cells
	}
}

// stream writes the rows in order.
func (g *grid) stream(sw *excelize.StreamWriter) error {
	nums := make([]int, 0, len(g.rows))
	for r := range g.rows {
		nums = append(nums, r)
	}
	sort.Ints(nums)
	for _, r := range nums {
		cells := g.rows[r]
		vals := make([]any, len(cells))
		for i, c := range cells {
			if c.Value == nil && c.StyleID == 0 {
				continue
			}
			vals[i] = c
		}
		var opts []excelize.RowOpts
		if h, ok := g.heights[r]; ok {
			opts = append(opts, excelize.RowOpts{Height: h})
		}
		if err := sw.SetRow(fmt.Sprintf("A%d", r), vals, opts...); err != nil {
			return err
		}
	}
	return nil
}

func yuanNum(v calc.Fen) float64 { return float64(v) / 100 }

// intsText lists at most max numbers: "3,4"; "6,7,…（共120行）".
func intsText(v []int, max int) string {
	var b strings.Builder
	for i, n := range v {
		if i == max {
			fmt.Fprintf(&b, ",…（共%d行）", len(v))
			break
		}
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprint(&b, n)
	}
	return b.String()
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// problems streams the 问题清单 sheet: every data problem the reader and the rules found.
func (w *writer) problems() error {
	f := w.f
	sh, err := newOurSheet(f, SheetProblems)
	if err != nil {
		return err
	}
	all := Problems(w.led, w.res)
	heads := []string{"序号", "工作表", "行号", "列", "问题", "规则", "类别"}
	n := len(all)
	if n == 0 {
		n = 1
	}
	if err := f.AutoFilter(sh, fmt.Sprintf("A1:G%d", n+1), nil); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sh)
	if err != nil {
		return err
	}
	for i, wd := range []float64{6, 14, 7, 18, 70, 22, 8} {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}); err != nil {
		return err
	}
	hv := make([]any, len(heads))
	for i, h := range heads {
		hv[i] = excelize.Cell{StyleID: w.header, Value: h}
	}
	if err := sw.SetRow("A1", hv); err != nil {
		return err
	}
	if len(all) == 0 {
		return joinErr(sw.SetRow("A2", []any{"", "", "", "", "未发现数据问题"}), sw.Flush())
	}
	return w.streamRows(sh, sw, func(emit func([]excelize.Cell) error) error {
		vals := make([]excelize.Cell, 7)
		for i, e := range all {
			kind := "错误"
			if e.Warning {
				kind = "提示"
			}
			var rowNo any
			if e.Row > 0 {
				rowNo = e.Row
			}
			rule := e.Rule
			if rule != "" {
				rule = ruleTitle(rule)
			}
			for k, v := range []any{i + 1, e.Sheet, rowNo, e.Column, e.Message, rule, kind} {
				vals[k] = excelize.Cell{Value: v}
			}
			if err := emit(vals); err != nil {
				return err
			}
		}
		return nil
	})
}

func joinErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
