package ledger

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
	"zengshou/config/redact"
)

// sheetState is one sheet being read.
type sheetState struct {
	incomeNote string // unmarkedIncome's note, given when the sheet has data rows
	info       SheetInfo
	hdr        *header
	part       string
	cols       []Column         // recognized columns
	first      map[string]int   // field → index in cols of the first unmodified column
	vmerges    []mergeRange     // vertical merges below the header (filled while streaming)
	sums       map[int]calc.Fen // column index → sum of data rows (合计 reconciliation)
	person     bool             // one row per person (households roster)
	blanks     []int            // blank rows not yet known to be inside the data
	lastKey    string           // households roster: the household of the previous row
	hidden     []int            // the first few hidden rows that became records
	hiddenN    int              // how many there were
	fieldAt    map[int]string   // column (1-based) → field of the recognized columns (fillerOnly)
	// the ranges of the active filters (the sheet's and its tables'), and the first few rows in
	// them that are hidden, presumably by the filter, and became records, and how many
	filters   []mergeRange
	filtered  []int
	filteredN int
	// formula cells without a cached value past the first few reported, per column index
	noValue map[int]*noValueRest
}

// noValueRest counts a column's formula cells without a cached value that were not reported
// one by one.
type noValueRest struct {
	col  Column
	n    int
	rows []int // the first few
}

// openSheet reads the first rows of a sheet and detects its header and kind.
func (r *reader) openSheet(name, part string, hidden bool) (*sheetState, error) {
	st := &sheetState{info: SheetInfo{Name: name, Hidden: hidden}, part: part, first: map[string]int{}, sums: map[int]calc.Fen{}}
	var merges []mergeRange
	if part != "" {
		tail, err := scanMerges(r.zr, part, 200_000)
		if err == nil {
			st.filters = append(tail.filters, tableFilters(r.zr, part, tail.tables)...)
			st.info.Filtered, st.info.Tables = len(st.filters) > 0, len(tail.tables) > 0
			for _, m := range tail.merges {
				if m.r1 <= headerWindow {
					merges = append(merges, m)
				}
				if m.r2 > m.r1 && m.c1 == m.c2 || m.r2 > m.r1 && m.r1 > headerWindow {
					st.vmerges = append(st.vmerges, m)
				}
			}
		}
	}
	rows, err := r.rows(part)
	if err != nil {
		return st, nil // a chart sheet or a broken part: not a ledger
	}
	defer rows.Close()
	var win [][]string
	for len(win) < headerWindow && rows.Next() {
		cols, err := rows.Columns()
		if err != nil {
			break
		}
		if len(cols) > r.lim.MaxCols {
			cols = cols[:r.lim.MaxCols]
		}
		win = append(win, cols)
	}
	hiddenCols := rows.HiddenCols()
	// trailing empty rows do not matter
	for len(win) > 0 && rowBlank(win[len(win)-1]) {
		win = win[:len(win)-1]
	}
	h := r.dict.detectHeader(win, merges, r.opt.Period)
	if h == nil {
		r.seen = append(r.seen, fmt.Sprintf("“%s”（%s）", name, describeRows(win)))
		return st, nil
	}
	st.hdr = h
	st.info.HeaderRows = h.rows
	st.info.CodeRow = h.codeRow
	st.info.CodeHints = h.codeHints
	st.info.HeaderHash = h.hash
	st.info.Unit = h.sheetUnit
	st.info.Confidence = h.confidence
	kind, applied := "", false
	if kind, applied = r.dict.applyTemplate(h, name); applied {
		for _, t := range r.dict.templates {
			if t.Match == name || t.Match == h.hash {
				st.info.Template = t.Name
				break
			}
		}
	}
	if kind == "" {
		kind = r.dict.pickKind(h, name)
	}
	st.info.Columns = h.cols
	st.info.Kind = kind
	for _, c := range h.cols {
		if c.Index > st.info.LastCol {
			st.info.LastCol = c.Index
		}
		if c.Field == "" {
			continue
		}
		st.cols = append(st.cols, c)
		if c.Quarter == 0 && c.Period == "" && c.Species == "" {
			if _, ok := st.first[c.Field]; !ok {
				st.first[c.Field] = len(st.cols) - 1
			}
		}
	}
	// a field seen only with a species or as a group total is still the field
	for i, c := range st.cols {
		if _, ok := st.first[c.Field]; !ok && c.Quarter == 0 && c.Period == "" {
			st.first[c.Field] = i
		}
	}
	if kind == "" {
		r.seen = append(r.seen, fmt.Sprintf("“%s”（%s）", name, describeHeader(h)))
	}
	if kind == KindHouseholds {
		_, rel := st.first["relation"]
		_, nm := st.first["name"]
		_, head := st.first["head_name"]
		_, no := st.first["household_no"]
		_, hid := st.first["head_id"]
		st.person = rel || nm && !head && (no || hid)
		r.unmarkedIncome(st, name)
	}
	st.info.FirstRow = h.rows[len(h.rows)-1] + 1
	if h.codeRow > 0 {
		st.info.FirstRow = h.codeRow + 1
	}
	if kind != "" {
		for _, d := range h.dups {
			a, _ := excelize.ColumnNumberToName(d.first)
			b, _ := excelize.ColumnNumberToName(d.col.Index)
			r.errorf(name, h.rows[0], d.col.Header, true, "%s列的表头‘%s’与%s列相同（或同在一个合并表头下），只读取了%s列；如%s列是另一项数据，请给它单独写表头后重新上传",
				b, leafOf(d.col.Header), a, a, b)
		}
	}
	if kind != "" && len(hiddenCols) > 0 {
		// a hidden column is read like the others; the cadre may not know it is there
		for _, c := range st.cols {
			if colHidden(hiddenCols, c.Index) {
				r.errorf(name, h.rows[0], c.Header, true, "‘%s’列被隐藏，已照常读取计算，请确认该列的数据是否应计入", leafOf(c.Header))
			}
		}
	}
	return st, nil
}

// inFilter reports whether a row is below the header of one of the sheet's active filters.
func (st *sheetState) inFilter(row int) bool {
	for _, f := range st.filters {
		if row > f.r1 && row <= f.r2 {
			return true
		}
	}
	return false
}

// colHidden reports whether a column (1-based) is in one of the hidden ranges.
func colHidden(hidden []colRange, col int) bool {
	for _, c := range hidden {
		if col >= c.min && col <= c.max {
			return true
		}
	}
	return false
}

func describeRows(win [][]string) string {
	for i, r := range win {
		var texts []string
		for _, c := range r {
			if t := cleanText(c); t != "" {
				texts = append(texts, t)
			}
		}
		if len(texts) >= 2 {
			return describeCells(i+1, texts)
		}
	}
	if len(win) == 0 {
		return "空表"
	}
	return "没有表头"
}

// describeHeader lists the header cells of a sheet that is no known ledger, for the reply.
func describeHeader(h *header) string {
	var texts []string
	for _, c := range h.cols {
		texts = append(texts, c.Header)
	}
	row := 1
	if len(h.rows) > 0 {
		row = h.rows[0]
	}
	return describeCells(row, texts)
}

// describeCells quotes the cells of what looks like a sheet's header row. A row that holds long
// numbers (an ID, a phone number, an amount) is data, not a header: it is not quoted (the reply
// goes to a group, and the row is somebody's).
func describeCells(row int, texts []string) string {
	for _, t := range texts {
		if dataDigitsRe.MatchString(t) {
			return fmt.Sprintf("第%d行像是数据，没有找到表头", row)
		}
	}
	return "表头：" + strings.Join(limitStrings(texts, 8), "、")
}

var dataDigitsRe = regexp.MustCompile(`\d{5,}`)

func limitStrings(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], "…")
	}
	return s
}

var (
	aggregateWords = []string{"合计", "总计", "小计", "累计合计", "全村合计", "全镇合计"}
	footerWords    = []string{"填表人", "审核人", "负责人", "填表说明", "制表人", "填报人", "统计人", "分管领导", "主要负责人", "村支书", "审核:", "注:", "说明:", "备注:", "联系电话:", "签字", "签名", "(盖章)"}
)

// isAggregateLabel reports whether a cell's compacted text labels a 合计/小计 row: it starts
// with one of aggregateWords ("合计", "小计（一组）"), or is a short label ending in 小计, 合计 or
// 总计 ("一组小计", "红旗村合计").
func isAggregateLabel(t string) bool {
	for _, w := range aggregateWords {
		if strings.HasPrefix(t, w) {
			return true
		}
	}
	if utf8.RuneCountInString(t) > 16 {
		return false
	}
	for _, w := range []string{"小计", "合计", "总计"} {
		if strings.HasSuffix(t, w) {
			return true
		}
	}
	return false
}

// isSubtotalLabel reports whether an aggregate row's label is a part's total (小计, or the
// 合计 of one 组 or village: "一组小计", "红旗村合计"), which is not reconciled with the whole
// sheet; "合计", "总计", "全村合计" are.
func isSubtotalLabel(label string) bool {
	if strings.Contains(label, "小计") {
		return true
	}
	for _, w := range aggregateWords {
		if strings.HasPrefix(label, w) {
			return false
		}
	}
	return true
}

// classify: 0 data, 1 blank, 2 aggregate, 3 footer.
func classifyRow(cells []string) int {
	nonEmpty := 0
	seen := 0
	agg := false
	footer := false
	for _, c := range cells {
		t := compact(c)
		if t == "" {
			continue
		}
		nonEmpty++
		if seen < 3 {
			seen++
			agg = agg || isAggregateLabel(t)
		}
		for _, w := range footerWords {
			if strings.HasPrefix(t, w) {
				footer = true
			}
		}
	}
	switch {
	case nonEmpty == 0:
		return 1
	case footer && nonEmpty <= 6:
		return 3
	case agg:
		return 2
	}
	return 0
}

// readSheet streams a recognized sheet's data rows into records.
func (r *reader) readSheet(st *sheetState) error {
	sr, err := r.rows(st.part)
	if err != nil {
		r.errorf(st.info.Name, 0, "", false, "无法读取工作表“%s”", st.info.Name)
		return nil
	}
	rows := newAsyncRows(sr)
	defer rows.Close()
	sort.Slice(st.vmerges, func(i, j int) bool { return st.vmerges[i].r1 < st.vmerges[j].r1 })
	type active struct {
		r2  int
		val string
	}
	act := map[int]active{} // column (1-based) → vertical merge in progress
	type topTotal struct {
		row   int
		cells []string
	}
	var topTotals []topTotal // 合计 rows above the data, reconciled at the end
	mi := 0
	rowNum := 0
	blankRun := 0
	dataSeen := false
	for rows.Next() {
		rowNum++
		if rowNum < st.info.FirstRow {
			continue
		}
		if rowNum > r.lim.MaxRows {
			return fileErr("too_large", fmt.Sprintf("工作表“%s”的行数超过上限（%d行），请拆分后上传", st.info.Name, r.lim.MaxRows), nil)
		}
		cells, err := rows.Columns()
		if err != nil {
			r.errorf(st.info.Name, rowNum, "", false, "第%d行无法读取", rowNum)
			continue
		}
		if len(cells) > r.lim.MaxCols {
			cells = cells[:r.lim.MaxCols]
		}
		r.cells += int64(len(cells))
		if r.cells > r.lim.MaxCells {
			return fileErr("too_large", fmt.Sprintf("工作簿的单元格数超过上限（%d个），请拆分后上传", r.lim.MaxCells), nil)
		}
		// vertical merges: 户编号/户主 merged over member rows
		for mi < len(st.vmerges) && st.vmerges[mi].r1 <= rowNum {
			m := st.vmerges[mi]
			mi++
			if m.r1 == rowNum && m.c1-1 < len(cells) {
				for c := m.c1; c <= m.c2; c++ {
					act[c] = active{m.r2, cells[m.c1-1]}
				}
			}
		}
		for c, a := range act {
			if rowNum > a.r2 {
				delete(act, c)
				continue
			}
			for len(cells) < c {
				cells = append(cells, "")
			}
			if cells[c-1] == "" {
				cells[c-1] = a.val
			}
		}
		kind := classifyRow(cells)
		if kind == 0 && st.fillerOnly(cells, rows.Formulas()) {
			kind = 1 // numbered or pre-filled in advance, not yet filled in
		}
		switch kind {
		case 1:
			blankRun++
			if dataSeen {
				st.blanks = append(st.blanks, rowNum)
			}
			if blankRun >= r.opt.BlankRunStop && dataSeen || blankRun >= r.opt.BlankRunStop*10 {
				rowNum = -1
			}
		case 2:
			blankRun = 0
			r.flushBlanks(st)
			st.info.Skipped = append(st.info.Skipped, rowNum)
			st.info.LastRow = rowNum
			if dataSeen {
				r.reconcile(st, rowNum, cells)
			} else {
				// a 合计 row right under the header totals the rows below it
				topTotals = append(topTotals, topTotal{rowNum, append([]string(nil), cells...)})
			}
		case 3:
			st.info.Footer = rowNum
			rowNum = -1
		default:
			blankRun = 0
			if st.repeatsHeader(cells) {
				// the header again (a printed ledger repeats it per page or village)
				r.flushBlanks(st)
				st.info.Skipped = append(st.info.Skipped, rowNum)
				break
			}
			if label, ok := st.sectionLabel(cells); ok {
				r.flushBlanks(st)
				st.info.Skipped = append(st.info.Skipped, rowNum)
				r.errorf(st.info.Name, rowNum, "", true, "第%d行只有“%s”一项，按分段标题处理，未计算；如果这是一户，请补全这一行", rowNum, label)
				break
			}
			if st.templateExample(cells) {
				// the standard template's example row, left in: not a household
				st.info.Skipped = append(st.info.Skipped, rowNum)
				r.errorf(st.info.Name, rowNum, "", true, "第%d行是标准模板自带的填写示例（%s），未计算；请删除这一行", rowNum, tHead.example)
				break
			}
			dataSeen = true
			r.flushBlanks(st)
			st.info.LastRow = rowNum
			for i := len(cells); i > 0; i-- {
				if cleanText(cells[i-1]) != "" {
					if i > st.info.LastCol {
						st.info.LastCol = i
					}
					break
				}
			}
			x := &rowCtx{r: r, st: st, row: rowNum, cells: cells, noValue: rows.NoValue()}
			if x.noValue != nil {
				x.reportNoValue()
			}
			if x.build() {
				st.info.DataRows++
				if rows.Hidden() {
					if st.inFilter(rowNum) {
						if st.filteredN++; len(st.filtered) < shownRows {
							st.filtered = append(st.filtered, rowNum)
						}
					} else if st.hiddenN++; len(st.hidden) < shownRows {
						st.hidden = append(st.hidden, rowNum)
					}
				}
			}
		}
		if rowNum < 0 {
			break
		}
	}
	if err := rows.ReadError(); err != nil {
		return fileErr("damaged", MsgDamaged, fmt.Errorf("read sheet %s: %w", st.info.Name, err))
	}
	if err := rows.Error(); err != nil {
		if errors_Is_MaxRows(err) {
			return fileErr("too_large", fmt.Sprintf("工作表“%s”的行数超过上限，请拆分后上传", st.info.Name), err)
		}
		r.errorf(st.info.Name, 0, "", false, "工作表“%s”没有读完：文件可能已损坏", st.info.Name)
	}
	if st.info.LastRow == 0 {
		st.info.LastRow = st.info.FirstRow - 1
	}
	for _, t := range topTotals {
		r.reconcile(st, t.row, t.cells)
	}
	r.noValueRest(st)
	if n := st.filteredN; n > 0 {
		// The cadre filtered the sheet (筛选) to look at some rows: the whole ledger still counts.
		r.errorf(st.info.Name, 0, "", true, "‘%s’设置了筛选，有%d行被筛选隐藏（%s），这些行已照常计算；结果表保留原筛选，取消筛选即可看到全部", st.info.Name, n, rowList(st.filtered, shownRows, n))
	}
	if n := st.hiddenN; n > 0 {
		what := "行"
		switch st.info.Kind {
		case KindHouseholds, KindLivestock, KindLand:
			what = "户"
		}
		r.errorf(st.info.Name, 0, "", true, "‘%s’有%d行被隐藏（%s），已照常计算，请确认这些%s是否应在台账中", st.info.Name, n, rowList(st.hidden, shownRows, n), what)
	}
	r.checkMissingColumns(st)
	return nil
}

// fillerOnly reports whether a row holds nothing but what a ledger fills in ahead of the data:
// 序号, the place (旗县区, 苏木乡镇, 行政村, 组) and formulas copied down that show nothing yet
// (人均纯收入 = 收入 ÷ 人口: 0 or #DIV/0!), as in rows prepared to 100 of which only the first
// few are households. A formula with a value (=VLOOKUP from another sheet) is data.
func (st *sheetState) fillerOnly(cells []string, formulas []int) bool {
	if st.fieldAt == nil {
		st.fieldAt = map[int]string{}
		for _, c := range st.cols {
			st.fieldAt[c.Index] = c.Field
		}
	}
	for i, v := range cells {
		switch st.fieldAt[i+1] {
		case "seq", "county", "township", "village", "group":
			continue
		}
		if slices.Contains(formulas, i+1) {
			if t := cleanText(v); t == "" || t == "0" || strings.HasPrefix(t, "#") {
				continue // a formula with nothing to work on yet: 0, #DIV/0!, #N/A
			}
			return false
		}
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// repeatsHeader reports whether a row repeats the sheet's header: its first filled recognized
// cell and at least one more, and half of those filled in, hold their own header text (or
// its group's). A data row fails at its first cell.
func (st *sheetState) repeatsHeader(cells []string) bool {
	same, filled := 0, 0
	for _, c := range st.cols {
		if c.Index > len(cells) || strings.TrimSpace(cells[c.Index-1]) == "" {
			continue
		}
		filled++
		n, _ := NormalizeHeader(cells[c.Index-1])
		if n != "" && (n == c.Header || n == leafOf(c.Header) || strings.HasPrefix(c.Header, n+"/")) {
			same++
		} else if same == 0 {
			return false
		}
	}
	return same >= 2 && same*2 >= filled
}

// sectionLabel reports whether a row is a section title inside the data ("胜利村", "二组"):
// one text cell in a sheet of at least three recognized columns, no number or ID in it.
func (st *sheetState) sectionLabel(cells []string) (string, bool) {
	if len(st.cols) < 3 || st.person {
		return "", false
	}
	label := ""
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			if label != "" {
				return "", false
			}
			label = c
		}
	}
	label = cleanText(label)
	if label == "" || looksNumeric(label) || looksID(label) || looksDate(label) || utf8.RuneCountInString(label) > 30 {
		return "", false
	}
	return label, true
}

// templateExample reports whether a row is the example row of the standard templates
// (template.go): the example name (王建国) beside the example 户编号 or ID number. A real
// household may share the name, never with those made-up numbers.
func (st *sheetState) templateExample(cells []string) bool {
	name, number := false, false
	for _, c := range st.cols {
		if c.Index > len(cells) {
			continue
		}
		v := strings.TrimSpace(cells[c.Index-1]) // the template's own values, as written
		switch c.Field {
		case "head_name", "name":
			name = name || v == tHead.example
		case "household_no":
			number = number || v == tHHNo.example
		case "id_number", "head_id":
			number = number || v == tIDNo.example
		}
	}
	return name && number
}

// How many formula cells without a cached value are reported one by one per column, and how
// many row numbers a summary lists.
const (
	noValueEach = 3
	shownRows   = 5
)

// MsgNoValue is the problem of a formula cell without a cached value (after the column's name).
const MsgNoValue = "是公式，但文件里没有保存计算结果（可能由程序生成或设为手动重算），无法读取；请在Excel或WPS中打开、重新计算并保存后再上传"

// reportNoValue reports the row's formula cells without a cached value in recognized columns:
// the value is missing, as if blank. Past the first few of a column, they are counted for one
// summary line (noValueRest).
func (x *rowCtx) reportNoValue() {
	st := x.st
	for _, col := range x.noValue {
		if col-1 >= len(x.cells) || x.cells[col-1] != "" {
			continue // cut off, or filled from a merged cell above
		}
		c, ok := st.column(col)
		if !ok {
			continue // a column the reader does not read
		}
		rest := st.noValue[col]
		if rest == nil {
			if st.noValue == nil {
				st.noValue = map[int]*noValueRest{}
			}
			rest = &noValueRest{col: c}
			st.noValue[col] = rest
		}
		rest.n++
		st.noValueCell(col, x.row)
		if rest.n <= noValueEach {
			x.r.errorf(st.info.Name, x.row, c.Header, false, "‘%s’%s", leafOf(c.Header), MsgNoValue)
		} else if len(rest.rows) < shownRows {
			rest.rows = append(rest.rows, x.row)
		}
	}
}

// noValueCell records a formula cell without a cached value in SheetInfo.NoValue (rows come
// in order: a cell right below a column's last run extends it).
func (st *sheetState) noValueCell(col, row int) {
	runs := st.info.NoValue
	for i := len(runs) - 1; i >= 0; i-- {
		if runs[i].Col == col {
			if runs[i].To == row-1 {
				runs[i].To = row
				return
			}
			break
		}
	}
	st.info.NoValue = append(runs, CellRun{Col: col, From: row, To: row})
}

// noValueRest adds one line per column for its formula cells without a cached value that were
// not reported one by one, at the first of them.
func (r *reader) noValueRest(st *sheetState) {
	cols := make([]int, 0, len(st.noValue))
	for col, rest := range st.noValue {
		if rest.n > noValueEach {
			cols = append(cols, col)
		}
	}
	sort.Ints(cols)
	for _, col := range cols {
		rest := st.noValue[col]
		n := rest.n - noValueEach
		r.errorf(st.info.Name, rest.rows[0], rest.col.Header, false, "自本行起还有%d行‘%s’（%s）也%s", n, leafOf(rest.col.Header), rowList(rest.rows, shownRows, n), MsgNoValue)
	}
}

// rowList names at most max of the row numbers rows ("第15、16、40行"), with "等" after them
// when total is more than it names ("第5、6、7、8、9行等").
func rowList(rows []int, max, total int) string {
	var b strings.Builder
	b.WriteString("第")
	for i, n := range rows {
		if i == max {
			break
		}
		if i > 0 {
			b.WriteString("、")
		}
		fmt.Fprint(&b, n)
	}
	b.WriteString("行")
	if total > min(len(rows), max) {
		b.WriteString("等")
	}
	return b.String()
}

// column is the recognized column at a 1-based index.
func (st *sheetState) column(index int) (Column, bool) {
	for _, c := range st.cols {
		if c.Index == index {
			return c, true
		}
	}
	return Column{}, false
}

// rows opens a worksheet part for streaming.
func (r *reader) rows(part string) (*sheetRows, error) {
	if part == "" || strings.Contains(part, "chartsheets/") || strings.Contains(part, "dialogsheets/") {
		return nil, fmt.Errorf("no worksheet part %q", part)
	}
	return openSheetRows(r.zr, part, r.sst)
}

func errors_Is_MaxRows(err error) bool { return err == excelize.ErrMaxRows }

func (r *reader) flushBlanks(st *sheetState) {
	st.info.Skipped = append(st.info.Skipped, st.blanks...)
	st.blanks = st.blanks[:0]
}

// reconcile compares a 合计/总计 row with the sum of the data rows above it (money columns).
func (r *reader) reconcile(st *sheetState, row int, cells []string) {
	label, seen := "", 0 // the 合计 word among the first cells, as classifyRow found it
	for _, c := range cells {
		if t := compact(c); t != "" {
			if isAggregateLabel(t) {
				label = t
				break
			}
			if seen++; seen == 3 {
				break
			}
		}
	}
	if isSubtotalLabel(label) {
		return
	}
	for _, c := range st.cols {
		if !moneyFields[c.Field] || c.Period == PeriodLastYear || c.Field == "per_capita" || c.Field == "paid" {
			continue
		}
		if c.Index-1 >= len(cells) {
			continue
		}
		v, ok, err := parseFen(cells[c.Index-1])
		if err != nil || !ok {
			continue
		}
		sum := st.sums[c.Index]
		d := v - sum
		if d < 0 {
			d = -d
		}
		if d > calc.Yuan(1) {
			r.errorf(st.info.Name, row, c.Header, true, "合计行的‘%s’为%s，与各行之和%s不一致，请核对", leafOf(c.Header), v.Text(), sum.Text())
		}
	}
}

func leafOf(h string) string {
	if i := strings.LastIndex(h, "/"); i >= 0 {
		if l := h[i+1:]; !isTotalWord(l) {
			return l
		}
	}
	return h
}

// checkMissingColumns warns about fields a kind needs that the sheet does not have.
func (r *reader) checkMissingColumns(st *sheetState) {
	has := func(f string) bool { _, ok := st.first[f]; return ok || st.hasField(f) }
	hr := 0
	if len(st.info.HeaderRows) > 0 {
		hr = st.info.HeaderRows[0]
	}
	switch st.info.Kind {
	case KindHouseholds:
		if !has("household_size") && !st.person && !has("per_capita") {
			r.errorf(st.info.Name, hr, "", true, "没有找到‘家庭人口数’列，无法计算人均收入")
		}
		if !has("household_no") && !has("head_id") && !has("id_number") {
			r.errorf(st.info.Name, hr, "", true, "没有找到‘户编号’或‘身份证号’列，其他表无法按户对应")
		}
		if !has("per_capita") && !has("net_income") && !has("wage_income") && !has("business_income") && !has("transfer_income") {
			r.errorf(st.info.Name, hr, "", true, "没有找到收入列（工资性收入、生产经营性收入、人均纯收入等），无法判断收入变化")
		}
	case KindLaborers:
		if !has("id_number") {
			r.errorf(st.info.Name, hr, "", true, "没有找到‘身份证号’列")
		}
	}
}

func (st *sheetState) hasField(f string) bool {
	for _, c := range st.cols {
		if c.Field == f {
			return true
		}
	}
	return false
}

// rowCtx is one data row being turned into records.
type rowCtx struct {
	r       *reader
	st      *sheetState
	row     int
	cells   []string
	noValue []int // columns of formula cells without a cached value (sheetRows.NoValue)
	bad     bool  // a value of this row could not be read
}

// formulaNoValue reports whether the row's cell in column c is a formula without a cached value
// (read as blank, and reported as such by reportNoValue).
func (x *rowCtx) formulaNoValue(c Column) bool {
	for _, col := range x.noValue {
		if col == c.Index {
			return x.rawCol(c) == ""
		}
	}
	return false
}

func (x *rowCtx) ref() calc.Ref { return calc.Ref{Sheet: x.st.info.Name, Row: x.row} }

func (x *rowCtx) rawCol(c Column) string {
	if c.Index-1 < len(x.cells) {
		return x.cells[c.Index-1]
	}
	return ""
}

func (x *rowCtx) col(field string) (Column, bool) {
	i, ok := x.st.first[field]
	if !ok {
		return Column{}, false
	}
	return x.st.cols[i], true
}

// personName is a name without stray spaces ("包 玉山" → "包玉山"); Latin names keep theirs.
func (x *rowCtx) personName(field string) string {
	t := x.str(field)
	for _, r := range t {
		if r >= 0x3400 && r <= 0x9fff {
			return strings.Join(strings.Fields(cleanText(t)), "")
		}
	}
	return t
}

// str is the cleaned text of a field ("" when absent).
func (x *rowCtx) str(field string) string {
	c, ok := x.col(field)
	if !ok {
		return ""
	}
	t := strings.TrimSpace(x.rawCol(c))
	if isEmptyMark(t) {
		return ""
	}
	return strings.Join(strings.Fields(t), " ")
}

func (x *rowCtx) has(field string) bool { _, ok := x.col(field); return ok }

func (x *rowCtx) bad1(c Column, v string, err error) {
	x.bad = true
	x.r.errorf(x.st.info.Name, x.row, c.Header, false, "‘%s’的值“%s”%s", leafOf(c.Header), clipValue(strings.TrimSpace(v)), err.Error())
}

func (x *rowCtx) fenCol(c Column) (calc.Fen, bool) {
	v := x.rawCol(c)
	f, ok, err := parseFen(v)
	if err != nil {
		x.bad1(c, v, err)
		return 0, false
	}
	if ok && c.Unit == "万元" {
		f *= 10000
	}
	if ok {
		x.st.sums[c.Index] += f
	}
	return f, ok
}

func (x *rowCtx) fen(field string) (calc.Fen, bool) {
	c, ok := x.col(field)
	if !ok {
		return 0, false
	}
	return x.fenCol(c)
}

func (x *rowCtx) countCol(c Column) (int, bool) {
	v := x.rawCol(c)
	n, ok, err := parseCount(v)
	if err != nil {
		x.bad1(c, v, err)
		return 0, false
	}
	return n, ok
}

func (x *rowCtx) count(field string) (int, bool) {
	c, ok := x.col(field)
	if !ok {
		return 0, false
	}
	return x.countCol(c)
}

func (x *rowCtx) area(field string) (calc.Area, bool) {
	c, ok := x.col(field)
	if !ok {
		return 0, false
	}
	v := x.rawCol(c)
	a, present, err := parseArea(v)
	if err != nil {
		x.bad1(c, v, err)
		return 0, false
	}
	return a, present
}

func (x *rowCtx) boolean(field string) (bool, bool) {
	c, ok := x.col(field)
	if !ok {
		return false, false
	}
	v := x.rawCol(c)
	b, present, err := parseBool(v)
	if err != nil {
		x.bad1(c, v, err)
		return false, false
	}
	return b, present
}

func (x *rowCtx) flag(field string) bool { b, _ := x.boolean(field); return b }

func (x *rowCtx) date(field string) (time.Time, bool) {
	c, ok := x.col(field)
	if !ok {
		return time.Time{}, false
	}
	v := x.rawCol(c)
	t, present, err := parseDate(v, x.r.date1904)
	if err != nil {
		x.bad1(c, v, err)
		return time.Time{}, false
	}
	return t, present
}

// textFlag reads a yes/no column that some ledgers fill with words instead
// (资金来源: 衔接资金 → true when it contains one of words).
func (x *rowCtx) textFlag(field string, words ...string) bool {
	c, ok := x.col(field)
	if !ok {
		return false
	}
	v := x.rawCol(c)
	if b, present, err := parseBool(v); err == nil {
		return present && b
	}
	t := cleanText(v)
	for _, w := range words {
		if strings.Contains(t, w) {
			return true
		}
	}
	return false
}

// idNumber reads and checks an ID number column; "" when blank.
func (x *rowCtx) idNumber(field string) string {
	c, ok := x.col(field)
	if !ok {
		return ""
	}
	v := x.rawCol(c)
	id, msg, warn := CheckIDNumber(v)
	if msg != "" {
		if !warn {
			x.bad = true
		}
		x.r.errorf(x.st.info.Name, x.row, c.Header, warn, "%s", msg)
		if msg == MsgIDAsNumber {
			return ""
		}
	}
	return id
}

// MsgHouseholdNoAsNumber is the problem of a 户编号 typed as a number longer than the 15
// digits Excel and WPS keep.
const MsgHouseholdNoAsNumber = "户编号被存为数字，超过15位的部分已丢失（不同的户可能变成同一个编号），请把该列设为文本后重新填写"

// longNumberRe is a whole number Excel wrote in scientific form (1.50422101001E+16) or with
// more than 15 digits whose tail is zeros (15042210100100000): its last digits are gone.
var longNumberRe = regexp.MustCompile(`^(\d\.\d+E\+?(1[5-9]|[2-9]\d)|\d{15}0+)$`)

// householdNo is the row's 户编号; "" (with the problem reported) when it was stored as a
// number and has lost digits, so that the row falls back to the household head's ID number
// rather than merging with another household.
func (x *rowCtx) householdNo() string {
	no := x.str("household_no")
	if no != "" && longNumberRe.MatchString(strings.ToUpper(no)) {
		c, _ := x.col("household_no")
		x.r.errorf(x.st.info.Name, x.row, c.Header, false, "%s", MsgHouseholdNoAsNumber)
		return ""
	}
	return no
}

func (x *rowCtx) unit() calc.Unit {
	return calc.Unit{County: x.str("county"), Township: x.str("township"), Village: x.str("village")}
}

// build turns the row into records; false when nothing was taken from it.
func (x *rowCtx) build() bool {
	switch x.st.info.Kind {
	case KindHouseholds:
		return x.household()
	case KindLivestock:
		return x.livestock()
	case KindLand:
		return x.land()
	case KindLaborers:
		return x.laborer()
	case KindProjects:
		return x.project()
	case KindEntities:
		return x.entity()
	case KindEmployers:
		return x.employer()
	case KindRelief:
		return x.relief()
	case KindPosts:
		return x.post()
	case KindDibao:
		return x.dibao()
	case KindInsurance:
		return x.insurance()
	case KindFilial:
		return x.filial()
	}
	return false
}

// maskKey shows a household key in a message without an ID number in clear.
func maskKey(k string) string {
	if len(k) >= 15 {
		return redact.ID(k)
	}
	return k
}

// unmarkedIncome: a household sheet whose income columns of this year name neither a quarter nor
// 本年累计 (工资性收入…, 家庭年收入/…, 人均纯收入), read for the 2nd to 4th quarter. Read as the
// quarter's own income they cannot give the year's income so far (clause （一） needs every quarter
// up to this one, or the cumulative figure), and every household would be "‘第1季度收入’为空".
// Real ledgers keep one set of income columns for the year (家庭年收入): they are read as 本年累计,
// and the sheet says so once (when it has data rows), with how to mark a quarter's own income
// instead.
func (r *reader) unmarkedIncome(st *sheetState, name string) {
	if r.quarter <= 1 {
		return // the first quarter's own income is the year's so far
	}
	var idx []int
	var heads []string
	for i, c := range st.cols {
		if !incomeFields[c.Field] || c.Field == "rigid_spending" || c.Field == "last_year_per_capita" || c.Period == PeriodLastYear {
			continue
		}
		if c.Quarter != 0 || c.Period != "" {
			return // the sheet says which quarter its income is, or that it is cumulative
		}
		idx = append(idx, i)
		heads = append(heads, leafOf(c.Header))
	}
	if len(idx) == 0 {
		return
	}
	for _, i := range idx {
		st.cols[i].Period = PeriodYTD
	}
	st.incomeNote = fmt.Sprintf("‘%s’的收入列（%s）没有注明季度，已按本年累计（第1–%d季度合计）收入核算；如填的是第%d季度当季收入，请在表头注明“第%d季度”（如“第%d季度工资性收入”）后重新上传",
		name, strings.Join(heads, "、"), r.quarter, r.quarter, r.quarter, r.quarter)
}
