package ledger

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
)

// Write modes.
const (
	ModeAuto    = ""        // columns when the data rows are at most Limits.LargeFileRows, else sheet
	ModeColumns = "columns" // result columns beside the rows (strategy A: the cadre's sheets in excelize's DOM)
	ModeSheet   = "sheet"   // a result sheet keyed by 原表行号; the cadre's sheets stay byte-identical (strategy B)
)

// Defaults used when WriteOptions leave a bound at zero.
const (
	DefaultLargeFileRows = 5000 // strategy A costs ≈ 24× the sheet XML in memory; beyond this, a result sheet
	DefaultMaxComments   = 2000 // comments are VML shapes; beyond this the explanations go into a text column
)

// Result column titles (after ResultMarker). The order is the order on the sheet.
const (
	ColFlags   = "风险标识"
	ColOwed    = "应享补贴合计"
	ColPaid    = "已发放"
	ColUnpaid  = "未发放"
	ColGap     = "距增收目标差额"
	ColTasks   = "待办事项"
	ColCadre   = "帮扶责任人"
	ColExplain = "计算说明" // only when the comment budget is exceeded (columns) and always on the result sheet
)

// commentAuthor signs our cell comments.
const commentAuthor = "增收计算"

// WriteOptions tune Write.
type WriteOptions struct {
	Limits      Limits // LargeFileRows (0: DefaultLargeFileRows), MaxUnzippedBytes, MaxXMLBytes, TmpDir
	Mode        string // ModeAuto, ModeColumns, ModeSheet
	MaxComments int    // 0: DefaultMaxComments; < 0: no comments at all
}

// rowKey is one row of one of the cadre's sheets.
type rowKey struct {
	sheet string
	row   int
}

// rowResult is everything we write for one row.
type rowResult struct {
	key       rowKey
	household string
	head      string
	unit      calc.Unit
	isHH      bool // the row is a household's row on the income ledger
	flags     []string
	flagNotes []string
	owed      calc.Fen
	paid      calc.Fen
	unpaid    calc.Fen
	hasMoney  bool
	moneyNote []string
	gap       *calc.Fen
	gapNote   string
	tasks     []string
	cadre     string
}

func (r *rowResult) flagged() bool { return len(r.flags) > 0 }

func (r *rowResult) empty() bool {
	return !r.isHH && len(r.flags) == 0 && !r.hasMoney && r.gap == nil && len(r.tasks) == 0
}

// explain is every explanation of the row in one text (the 计算说明 column).
func (r *rowResult) explain() string {
	var parts []string
	parts = append(parts, r.flagNotes...)
	parts = append(parts, r.moneyNote...)
	if r.gapNote != "" {
		parts = append(parts, r.gapNote)
	}
	return strings.Join(parts, "\n")
}

func appendUnique(list []string, s string) []string {
	if s == "" {
		return list
	}
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// ruleTitle is the Chinese title of a rule id (the id itself when unknown).
func ruleTitle(id string) string {
	if r, ok := calc.RuleByID(id); ok {
		return r.Title
	}
	return id
}

// isOwedRule reports whether an amount finding is money owed to the subject (income_gap is a
// target still to reach, not a subsidy).
func isOwedRule(f *calc.Finding) bool { return f.Kind == calc.KindAmount && f.Rule != "income_gap" }

// owedPaid returns an entitlement's amount owed, paid so far, and still unpaid (never negative).
func owedPaid(f *calc.Finding) (owed, paid, unpaid calc.Fen) {
	if f.Amount != nil {
		owed = *f.Amount
	}
	if f.Paid != nil {
		paid = *f.Paid
	}
	return owed, paid, max(owed-paid, 0)
}

// collectRows turns the findings and tasks into per-row results: a finding lands on the row it
// was read from (Ref) and on its household's row.
func collectRows(led *Ledger, res *calc.Result) map[rowKey]*rowResult {
	rows := map[rowKey]*rowResult{}
	hhRow := map[string]rowKey{}
	get := func(k rowKey) *rowResult {
		r := rows[k]
		if r == nil {
			r = &rowResult{key: k}
			rows[k] = r
		}
		return r
	}
	for i := range led.Inputs.Households {
		h := &led.Inputs.Households[i]
		if h.Sheet == "" || h.Row == 0 {
			continue
		}
		k := rowKey{h.Sheet, h.Row}
		if _, dup := hhRow[h.ID]; !dup && h.ID != "" {
			hhRow[h.ID] = k
		}
		r := get(k)
		r.isHH, r.household, r.head, r.unit, r.cadre = true, h.ID, h.Head, h.Unit, h.Cadre
	}
	var buf [2]rowKey
	targets := func(ref calc.Ref, household string) []rowKey {
		ks := buf[:0]
		if ref.Sheet != "" && ref.Row > 0 {
			ks = append(ks, rowKey{ref.Sheet, ref.Row})
		}
		if k, ok := hhRow[household]; ok && (len(ks) == 0 || ks[0] != k) {
			ks = append(ks, k)
		}
		return ks
	}
	for i := range res.Findings {
		f := &res.Findings[i]
		for _, k := range targets(f.Ref, f.Household) {
			r := get(k)
			if r.household == "" {
				r.household, r.unit = f.Household, f.Unit
			}
			if r.head == "" {
				r.head = f.SubjectName
			}
			switch {
			case f.Kind == calc.KindFlag || f.Kind == calc.KindData:
				r.flags = appendUnique(r.flags, ruleTitle(f.Rule))
				r.flagNotes = appendUnique(r.flagNotes, f.Explain)
			case f.Rule == "income_gap" && f.Amount != nil:
				g := *f.Amount
				if r.gap != nil {
					g += *r.gap
				}
				r.gap, r.gapNote = &g, f.Explain
			case isOwedRule(f):
				r.hasMoney = true
				owed, paid, unpaid := owedPaid(f)
				r.owed += owed
				r.paid += paid
				r.unpaid += unpaid
				r.moneyNote = appendUnique(r.moneyNote, f.Explain)
			case f.Monitored:
				r.flags = appendUnique(r.flags, ruleTitle(f.Rule))
				r.flagNotes = appendUnique(r.flagNotes, f.Explain)
			}
		}
	}
	for i := range res.Tasks {
		t := &res.Tasks[i]
		for _, k := range targets(t.Ref, t.Household) {
			r := get(k)
			r.tasks = appendUnique(r.tasks, t.Explain)
			if r.cadre == "" {
				r.cadre = t.Cadre
			}
		}
	}
	return rows
}

// sortedRows lists the row results of one sheet (or all, sheet == "") in sheet order, then row.
func sortedRows(rows map[rowKey]*rowResult, led *Ledger, sheet string) []*rowResult {
	order := map[string]int{}
	for i, s := range led.Sheets {
		order[s.Name] = i
	}
	type keyed struct {
		known bool // the sheet is one the reader listed
		order int
		r     *rowResult
	}
	var list []keyed
	for k, r := range rows {
		if (sheet == "" || k.sheet == sheet) && !r.empty() {
			o, ok := order[k.sheet]
			list = append(list, keyed{ok, o, r})
		}
	}
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.known != b.known {
			return a.known
		}
		if a.order != b.order {
			return a.order < b.order
		}
		if a.r.key.sheet != b.r.key.sheet {
			return a.r.key.sheet < b.r.key.sheet
		}
		return a.r.key.row < b.r.key.row
	})
	out := make([]*rowResult, len(list))
	for i, k := range list {
		out[i] = k.r
	}
	return out
}

// dataRows is the number of data rows the reader found in all sheets.
func dataRows(led *Ledger) int {
	n := 0
	for _, s := range led.Sheets {
		n += s.DataRows
	}
	return n
}

// ResultMode is how Write will write the results of led with opt: ModeColumns (result columns
// beside the rows; the workbook opens on 汇总) or ModeSheet (a 计算结果 sheet keyed by 原表行号;
// the cadre's sheets untouched). The reply tells the cadre where to look.
func ResultMode(led *Ledger, opt WriteOptions) string { return chooseMode(led, opt) }

// chooseMode resolves ModeAuto.
func chooseMode(led *Ledger, opt WriteOptions) string {
	if opt.Mode != ModeAuto {
		return opt.Mode
	}
	limit := opt.Limits.LargeFileRows
	if limit <= 0 {
		limit = DefaultLargeFileRows
	}
	if dataRows(led) > limit {
		return ModeSheet
	}
	return ModeColumns
}

// openOptions are the excelize options for a workbook we already read once.
func openOptions(l Limits) excelize.Options {
	o := excelize.Options{TmpDir: l.TmpDir}
	if l.MaxUnzippedBytes > 0 {
		o.UnzipSizeLimit = l.MaxUnzippedBytes
	}
	if l.MaxXMLBytes > 0 {
		o.UnzipXMLSizeLimit = l.MaxXMLBytes
	}
	return o
}

// Write copies the workbook src to dst with the results added: result columns beside the
// cadre's rows (small files) or a result sheet 计算结果 keyed by 原表行号 (large files), a 汇总
// sheet with a chart, and a 问题清单 sheet. Our earlier columns and sheets are replaced, never
// added twice. The cadre's values, styles, merges and formulas stay; in sheet mode their sheet
// parts are copied byte for byte. dst is written through a temporary file in its directory and
// renamed, so a failed write leaves no half file. src and dst are paths chosen by the caller,
// never derived from an uploaded name.
func Write(src, dst string, led *Ledger, res *calc.Result, opt WriteOptions) error {
	mode := chooseMode(led, opt)
	cleaned := src
	if mode == ModeSheet {
		// Our sheets from an earlier run are removed at the zip level: excelize's DeleteSheet
		// re-serializes every sheet (SetActiveSheet), which would break the byte-identical copy.
		tmp, found, err := stripOurSheets(src, opt.Limits.TmpDir)
		if err != nil {
			return fmt.Errorf("write results: %w", err)
		}
		if found {
			defer os.Remove(tmp)
			cleaned = tmp
		}
		return writeSheetMode(cleaned, dst, led, res, opt)
	}
	if mode == ModeColumns {
		tmp, unfiltered, err := stripOurMarks(src, opt.Limits.TmpDir, led)
		if err != nil {
			return fmt.Errorf("write results: %w", err)
		}
		if tmp != "" {
			defer os.Remove(tmp)
			src = tmp
		}
		if len(unfiltered) > 0 {
			// the cadre's filter was on our old columns only: it is gone, ours is laid again
			l := *led
			l.Sheets = append([]SheetInfo(nil), led.Sheets...)
			for i := range l.Sheets {
				if unfiltered[l.Sheets[i].Name] {
					l.Sheets[i].Filtered = false
				}
			}
			led = &l
		}
		err = writeColumnsSpliced(src, dst, led, res, opt)
		if !errors.Is(err, errNoSplice) {
			return err
		}
	}
	return writeColumnsDOM(src, dst, led, res, opt, mode)
}

// writeColumnsDOM writes result columns with every sheet in excelize's DOM (strategy A): the
// general path, for sheets the splicing writer does not take.
func writeColumnsDOM(src, dst string, led *Ledger, res *calc.Result, opt WriteOptions, mode string) error {
	ext := ".xlsx"
	if zr, err := zip.OpenReader(src); err == nil {
		ext = workbookExt(dst, zipFiles(&zr.Reader))
		zr.Close()
	}
	f, err := excelize.OpenFile(src, openOptions(opt.Limits))
	if err != nil {
		return fmt.Errorf("write results: open %s: %w", filepath.Base(src), err)
	}
	defer f.Close()
	f.Path = "workbook" + ext // the content type goes with dst's name, not src's (workbookExt)
	w := &writer{f: f, led: led, res: res, opt: opt, rows: collectRows(led, res), mode: mode}
	if err := w.styles(); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	if mode == ModeColumns {
		for name := range ourSheetsOf(f) {
			if err := f.DeleteSheet(name); err != nil {
				return fmt.Errorf("write results: remove old sheet %s: %w", name, err)
			}
		}
		if err := w.columns(); err != nil {
			return fmt.Errorf("write results: %w", err)
		}
	} else {
		if err := w.resultSheet(); err != nil {
			return fmt.Errorf("write results: %w", err)
		}
	}
	if err := w.problems(); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	if err := w.summary(); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return saveAtomic(f, dst)
}

// saveAtomic writes the workbook to a temporary file beside dst and renames it.
func saveAtomic(f *excelize.File, dst string) error {
	dir := filepath.Dir(dst)
	tmp, err := os.CreateTemp(dir, ".zengshou-*.xlsx")
	if err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	name := tmp.Name()
	_, err = f.WriteTo(tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(name, 0o640) // the workbook holds names and ID numbers
	}
	if err == nil {
		err = os.Rename(name, dst)
	}
	if err != nil {
		os.Remove(name)
		return fmt.Errorf("write results: save: %w", err)
	}
	return nil
}

// writer carries one Write.
type writer struct {
	f    *excelize.File
	led  *Ledger
	res  *calc.Result
	opt  WriteOptions
	rows map[rowKey]*rowResult
	mode string

	header, money, text, hlText, hlMoney, title, note, percent, bold int
	highlight                                                        int // conditional (dxf) style
	comments                                                         int // comments written so far

	deferred *[]deferredSheet        // sheet mode: rows written while the output zip is assembled
	splice   map[string]*spliceSheet // columns mode: cells of data rows spliced in at assembly
}

func (w *writer) styles() error {
	var err error
	mk := func(s *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = w.f.NewStyle(s)
		return id
	}
	border := []excelize.Border{{Type: "left", Color: "A6A6A6", Style: 1}, {Type: "right", Color: "A6A6A6", Style: 1},
		{Type: "top", Color: "A6A6A6", Style: 1}, {Type: "bottom", Color: "A6A6A6", Style: 1}}
	yellow := excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFF2CC"}}
	w.header = mk(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "1F3864"}, Border: border,
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	w.money = mk(&excelize.Style{NumFmt: 4})
	w.text = mk(&excelize.Style{NumFmt: 49})
	w.hlText = mk(&excelize.Style{NumFmt: 49, Fill: yellow})
	w.hlMoney = mk(&excelize.Style{NumFmt: 4, Fill: yellow})
	w.title = mk(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	w.note = mk(&excelize.Style{Font: &excelize.Font{Color: "7F7F7F"}, Alignment: &excelize.Alignment{WrapText: false}})
	w.percent = mk(&excelize.Style{NumFmt: 10})
	w.bold = mk(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	w.highlight, err = w.f.NewConditionalStyle(&excelize.Style{Fill: yellow})
	return err
}

// resultTitles are the result columns of one sheet.
func resultTitles(explainColumn bool) []string {
	t := []string{ColFlags, ColOwed, ColPaid, ColUnpaid, ColGap, ColTasks, ColCadre}
	if explainColumn {
		t = append(t, ColExplain)
	}
	return t
}

// commentBudget says whether the explanations fit in comments (at most MaxComments in all).
func (w *writer) commentsFit() bool {
	max := w.opt.MaxComments
	if max == 0 {
		max = DefaultMaxComments
	}
	if max < 0 {
		return false
	}
	n := 0
	for _, r := range w.rows {
		if len(r.flagNotes) > 0 {
			n++
		}
		if len(r.moneyNote) > 0 {
			n++
		}
		if r.gapNote != "" {
			n++
		}
	}
	return n <= max
}

// columns writes result columns beside the rows of every ledger sheet that has results.
func (w *writer) columns() error {
	useComments := w.commentsFit()
	for i := range w.led.Sheets {
		si := &w.led.Sheets[i]
		if si.Kind == "" || len(si.HeaderRows) == 0 {
			continue
		}
		if idx, _ := w.f.GetSheetIndex(si.Name); idx < 0 {
			continue
		}
		lastCol, err := w.removeOldColumns(si)
		if err != nil {
			return fmt.Errorf("sheet %s: %w", si.Name, err)
		}
		rows := sortedRows(w.rows, w.led, si.Name)
		if len(rows) == 0 && si.Kind != KindHouseholds {
			continue
		}
		if err := w.sheetColumns(si, lastCol, rows, useComments); err != nil {
			return fmt.Errorf("sheet %s: %w", si.Name, err)
		}
	}
	return nil
}

// removeOldColumns finds our result columns from an earlier run (header cells starting with
// ResultMarker in the header rows, or in the reader's column list) and removes them with their
// header merges, comments and our conditional format. It returns the cadre's last column.
func (w *writer) removeOldColumns(si *SheetInfo) (int, error) {
	f, sheet := w.f, si.Name
	ours := map[int]bool{}
	for _, c := range si.Columns {
		if strings.HasPrefix(strings.TrimSpace(c.Header), ResultMarker) {
			ours[c.Index] = true
		}
	}
	lastHeader := si.HeaderRows[len(si.HeaderRows)-1]
	maxCol := 0
	rows, err := f.Rows(sheet)
	if err != nil {
		return 0, err
	}
	for r := 1; rows.Next() && r <= lastHeader; r++ {
		cols, err := rows.Columns()
		if err != nil {
			rows.Close()
			return 0, err
		}
		for c, v := range cols {
			if strings.HasPrefix(strings.TrimSpace(v), ResultMarker) {
				ours[c+1] = true
			} else if strings.TrimSpace(v) != "" && c+1 > maxCol && inHeader(si, r) {
				maxCol = c + 1
			}
		}
	}
	rows.Close()
	lastCol := si.LastCol
	if lastCol <= 0 {
		lastCol = maxCol
	}
	if len(ours) == 0 {
		return lastCol, nil
	}
	idx := make([]int, 0, len(ours))
	for c := range ours {
		idx = append(idx, c)
		if c <= si.LastCol {
			lastCol--
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(idx)))
	if sp := w.splice[sheet]; sp != nil {
		for _, c := range idx {
			sp.removed[c] = true
		}
	}
	names := map[string]bool{}
	for _, c := range idx {
		n, _ := excelize.ColumnNumberToName(c)
		names[n] = true
	}
	// Our conditional format references our flag column ($X5); our merges and comments sit in our columns.
	cfs, err := f.GetConditionalFormats(sheet)
	if err != nil {
		return 0, err
	}
	for ref, opts := range cfs {
		for _, o := range opts {
			if o.Type == "formula" && referencesAny(o.Criteria, names) {
				if err := f.UnsetConditionalFormat(sheet, ref); err != nil {
					return 0, err
				}
				break
			}
		}
	}
	merges, err := f.GetMergeCells(sheet, true)
	if err != nil {
		return 0, err
	}
	for _, m := range merges {
		c, _, err := excelize.CellNameToCoordinates(m.GetStartAxis())
		if err == nil && ours[c] {
			if err := f.UnmergeCell(sheet, m.GetStartAxis(), m.GetEndAxis()); err != nil {
				return 0, err
			}
		}
	}
	cms, err := f.GetComments(sheet)
	if err != nil {
		return 0, err
	}
	for _, cm := range cms {
		c, _, err := excelize.CellNameToCoordinates(cm.Cell)
		if err == nil && ours[c] {
			if err := f.DeleteComment(sheet, cm.Cell); err != nil {
				return 0, err
			}
		}
	}
	for _, c := range idx {
		n, _ := excelize.ColumnNumberToName(c)
		if err := f.RemoveCol(sheet, n); err != nil {
			return 0, err
		}
	}
	return lastCol, nil
}

func inHeader(si *SheetInfo, r int) bool {
	for _, h := range si.HeaderRows {
		if h == r {
			return true
		}
	}
	return false
}

// referencesAny reports whether a formula mentions $COL of one of the columns.
func referencesAny(formula string, cols map[string]bool) bool {
	for c := range cols {
		i := strings.Index(formula, "$"+c)
		for i >= 0 {
			j := i + 1 + len(c)
			if j >= len(formula) || formula[j] == '$' || (formula[j] >= '0' && formula[j] <= '9') {
				return true
			}
			next := strings.Index(formula[j:], "$"+c)
			if next < 0 {
				break
			}
			i = j + next
		}
	}
	return false
}

// sheetColumns writes the result columns of one sheet right of lastCol.
func (w *writer) sheetColumns(si *SheetInfo, lastCol int, rows []*rowResult, useComments bool) error {
	f, sheet := w.f, si.Name
	titles := resultTitles(!useComments)
	first := lastCol + 1
	if sp := w.splice[sheet]; sp != nil {
		sp.first, sp.last = first, first+len(titles)-1
	}
	col := func(i int) string { n, _ := excelize.ColumnNumberToName(first + i); return n }
	top, bottom := si.HeaderRows[0], si.HeaderRows[len(si.HeaderRows)-1]
	for i, t := range titles {
		c := col(i)
		if err := f.SetCellStr(sheet, fmt.Sprintf("%s%d", c, top), ResultMarker+t); err != nil {
			return err
		}
		if bottom > top {
			if err := f.MergeCell(sheet, fmt.Sprintf("%s%d", c, top), fmt.Sprintf("%s%d", c, bottom)); err != nil {
				return err
			}
		}
		if err := f.SetCellStyle(sheet, fmt.Sprintf("%s%d", c, top), fmt.Sprintf("%s%d", c, bottom), w.header); err != nil {
			return err
		}
		width := 14.0
		switch t {
		case ColFlags:
			width = 24
		case ColTasks, ColExplain:
			width = 40
		}
		if err := f.SetColWidth(sheet, c, c, width); err != nil {
			return err
		}
	}
	// shown even where the cadre hid every unused column right of the table
	if err := f.SetColVisible(sheet, col(0)+":"+col(len(titles)-1), true); err != nil {
		return err
	}
	firstData := si.FirstRow
	if firstData <= bottom {
		firstData = bottom + 1
	}
	lastData := si.LastRow
	for _, r := range rows {
		if r.key.row > lastData {
			lastData = r.key.row
		}
	}
	for _, r := range rows {
		if err := w.rowCells(sheet, r, col, useComments); err != nil {
			return err
		}
	}
	if lastData >= firstData {
		if sp := w.splice[sheet]; sp != nil {
			sp.moneyFrom, sp.moneyTo, sp.moneyStyle = firstData, lastData, w.money
			for _, i := range []int{1, 2, 3, 4} {
				sp.moneyCols[first+i] = true
			}
		} else {
			for _, i := range []int{1, 2, 3, 4} { // money columns
				if err := f.SetCellStyle(sheet, fmt.Sprintf("%s%d", col(i), firstData), fmt.Sprintf("%s%d", col(i), lastData), w.money); err != nil {
					return err
				}
			}
		}
		// One conditional format over the whole data range: a row with a risk flag is highlighted.
		lastName := col(len(titles) - 1)
		rng := fmt.Sprintf("A%d:%s%d", firstData, lastName, lastData)
		if err := f.SetConditionalFormat(sheet, rng, []excelize.ConditionalFormatOptions{{Type: "formula",
			Criteria: fmt.Sprintf("LEN($%s%d)>0", col(0), firstData), Format: &w.highlight}}); err != nil {
			return err
		}
		// A cadre's filter with criteria stays as it is (re-creating it would drop the criteria and
		// leave its rows hidden under a filter that no longer says why); otherwise ours covers
		// the result columns too.
		if !si.Filtered && !si.Tables {
			if err := autoFilterKeepingProps(f, sheet, fmt.Sprintf("A%d:%s%d", bottom, lastName, lastData)); err != nil {
				return err
			}
		}
	}
	// the sheet's declared used range (WPS and Excel write one) takes in our columns
	if dim, err := f.GetSheetDimension(sheet); err == nil && dim != "" {
		if ext, ok := extendRange(dim, first+len(titles)-1, lastData); ok && ext != dim {
			if err := f.SetSheetDimension(sheet, ext); err != nil {
				return err
			}
		}
	}
	freeze := firstData - 1
	if p, err := f.GetPanes(sheet); err == nil && p.Freeze && p.XSplit > 0 {
		// the cadre froze columns (户主姓名 beside the figures): keep them, and their rows if any
		y := freeze
		if p.YSplit > 0 {
			y = p.YSplit
		}
		top, _ := excelize.CoordinatesToCellName(p.XSplit+1, y+1)
		pane := "bottomRight"
		if y == 0 {
			pane = "topRight"
		}
		return f.SetPanes(sheet, &excelize.Panes{Freeze: true, XSplit: p.XSplit, YSplit: y, TopLeftCell: top,
			ActivePane: pane, Selection: []excelize.Selection{{SQRef: top, ActiveCell: top, Pane: pane}}})
	}
	return f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: freeze, TopLeftCell: fmt.Sprintf("A%d", freeze+1),
		ActivePane: "bottomLeft", Selection: []excelize.Selection{{SQRef: fmt.Sprintf("A%d", freeze+1), ActiveCell: fmt.Sprintf("A%d", freeze+1), Pane: "bottomLeft"}}})
}

// rowCells writes one row's result cells (strings stay strings: never a formula from text).
func (w *writer) rowCells(sheet string, r *rowResult, col func(int) string, useComments bool) error {
	f := w.f
	cell := func(i int) string { return fmt.Sprintf("%s%d", col(i), r.key.row) }
	yuan := func(i int, v calc.Fen) error { return f.SetCellFloat(sheet, cell(i), float64(v)/100, -1, 64) }
	setStr := func(i int, v string) error { return f.SetCellStr(sheet, cell(i), v) }
	if sp := w.splice[sheet]; sp != nil {
		// the data rows are not in excelize's copy of the sheet: their cells are spliced in
		yuan = func(i int, v calc.Fen) error { sp.set(r.key.row, sp.first+i, float64(v)/100); return nil }
		setStr = func(i int, v string) error { sp.set(r.key.row, sp.first+i, v); return nil }
	}
	comment := func(i int, text string) error {
		if !useComments || text == "" {
			return nil
		}
		w.comments++
		return f.AddComment(sheet, excelize.Comment{Cell: cell(i), Author: commentAuthor,
			Paragraph: []excelize.RichTextRun{{Text: commentAuthor + "：\n", Font: &excelize.Font{Bold: true}}, {Text: text}}})
	}
	if len(r.flags) > 0 {
		if err := setStr(0, strings.Join(r.flags, "；")); err != nil {
			return err
		}
		if err := comment(0, strings.Join(r.flagNotes, "\n")); err != nil {
			return err
		}
	}
	if r.hasMoney {
		for i, v := range []calc.Fen{r.owed, r.paid, r.unpaid} {
			if err := yuan(1+i, v); err != nil {
				return err
			}
		}
		if err := comment(1, strings.Join(r.moneyNote, "\n")); err != nil {
			return err
		}
	}
	if r.gap != nil {
		if err := yuan(4, *r.gap); err != nil {
			return err
		}
		if err := comment(4, r.gapNote); err != nil {
			return err
		}
	}
	if len(r.tasks) > 0 {
		if err := setStr(5, strings.Join(r.tasks, "；")); err != nil {
			return err
		}
	}
	if r.cadre != "" {
		if err := setStr(6, r.cadre); err != nil {
			return err
		}
	}
	if !useComments {
		if e := r.explain(); e != "" {
			return setStr(7, e)
		}
	}
	return nil
}

// resultSheet streams the 计算结果 sheet: one row per cadre row with results, keyed by 原表行号.
// The cadre's sheets are not touched.
func (w *writer) resultSheet() error {
	f := w.f
	sh, err := newOurSheet(f, SheetResults)
	if err != nil {
		return err
	}
	rows := sortedRows(w.rows, w.led, "")
	heads := []string{"原表工作表", "原表行号", "户编号", "户主姓名", "嘎查村"}
	for _, t := range resultTitles(true) {
		heads = append(heads, ResultMarker+t)
	}
	last, _ := excelize.ColumnNumberToName(len(heads))
	// Autofilter before the stream writer: Flush writes the worksheet's autoFilter element.
	if err := f.AutoFilter(sh, fmt.Sprintf("A1:%s%d", last, len(rows)+1), nil); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sh)
	if err != nil {
		return err
	}
	widths := []float64{12, 9, 20, 10, 12, 24, 12, 10, 10, 12, 40, 10, 60}
	for i, wd := range widths {
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
	if err := sw.SetRow("A1", hv, excelize.RowOpts{Height: 30}); err != nil {
		return err
	}
	return w.streamRows(sh, sw, func(emit func([]excelize.Cell) error) error {
		vals := make([]excelize.Cell, len(heads))
		for _, r := range rows {
			ts, ms := w.text, w.money
			if r.flagged() {
				ts, ms = w.hlText, w.hlMoney
			}
			str := func(s string) excelize.Cell { return excelize.Cell{StyleID: ts, Value: s} }
			num := func(v calc.Fen) excelize.Cell { return excelize.Cell{StyleID: ms, Value: float64(v) / 100} }
			empty := excelize.Cell{StyleID: ts}
			vals[0], vals[1] = str(r.key.sheet), excelize.Cell{StyleID: ts, Value: r.key.row}
			vals[2], vals[3], vals[4] = str(r.household), str(r.head), str(r.unit.Village)
			vals[5] = str(strings.Join(r.flags, "；"))
			if r.hasMoney {
				vals[6], vals[7], vals[8] = num(r.owed), num(r.paid), num(r.unpaid)
			} else {
				vals[6], vals[7], vals[8] = empty, empty, empty
			}
			if r.gap != nil {
				vals[9] = num(*r.gap)
			} else {
				vals[9] = empty
			}
			vals[10] = str(strings.Join(r.tasks, "；"))
			vals[11] = str(r.cadre)
			vals[12] = str(r.explain())
			if err := emit(vals); err != nil {
				return err
			}
		}
		return nil
	})
}

// streamRows writes the data rows (from row 2) of one of our streamed sheets whose header the
// stream writer sw already has. Writing a workbook at the zip level (sheet mode), the rows are
// deferred: the sheet is flushed with its header only and rows is called again while the
// output zip is written, so the rows never sit in memory or in excelize's output buffer.
func (w *writer) streamRows(sheet string, sw *excelize.StreamWriter, rows func(emit func([]excelize.Cell) error) error) error {
	if w.deferred != nil {
		*w.deferred = append(*w.deferred, deferredSheet{name: sheet, rows: rows})
		return sw.Flush()
	}
	n := 1
	vals := []any{}
	err := rows(func(cells []excelize.Cell) error {
		n++
		vals = vals[:0]
		for _, c := range cells {
			if c.Value == nil && c.StyleID == 0 {
				vals = append(vals, nil)
			} else {
				vals = append(vals, c)
			}
		}
		return sw.SetRow("A"+strconv.Itoa(n), vals)
	})
	if err != nil {
		return err
	}
	return sw.Flush()
}

// reOurCondFormat matches the conditional format an earlier run put over a ledger sheet's data
// rows (sheetColumns): one expression rule LEN($X6)>0 on our flag column X.
var reOurCondFormat = regexp.MustCompile(`<(?:[A-Za-z0-9_]+:)?conditionalFormatting\s[^>]*>\s*<(?:[A-Za-z0-9_]+:)?cfRule\s[^>]*>\s*<(?:[A-Za-z0-9_]+:)?formula>LEN\(\$([A-Z]{1,3})\$?\d+\)(?:>|&gt;)0</(?:[A-Za-z0-9_]+:)?formula>\s*</(?:[A-Za-z0-9_]+:)?cfRule>\s*</(?:[A-Za-z0-9_]+:)?conditionalFormatting>`)

var (
	reSheetAutoFilter = regexp.MustCompile(`(?s)<(?:[A-Za-z0-9_]+:)?autoFilter\b[^>]*?(?:/>|>.*?</(?:[A-Za-z0-9_]+:)?autoFilter>)`)
	reFilterColumn    = regexp.MustCompile(`(?s)<(?:[A-Za-z0-9_]+:)?filterColumn\b[^>]*?(?:/>|>.*?</(?:[A-Za-z0-9_]+:)?filterColumn>)`)
	reColIDAttr       = regexp.MustCompile(`\scolId="(\d+)"`)
	reRefAttr         = regexp.MustCompile(`\sref="([^"]*)"`)
	reRowTag          = regexp.MustCompile(`<(?:[A-Za-z0-9_]+:)?row\s[^>]*>`)
	reHiddenAttr      = regexp.MustCompile(`\shidden="(?:1|true)"`)
	reFilterMode      = regexp.MustCompile(`\sfilterMode="(?:1|true)"`)
)

// stripOurMarks copies the workbook src to a temporary file without what an earlier run's
// result columns left on the ledger sheets besides the columns themselves, which excelize
// cannot take away without harm:
//   - our conditional format: UnsetConditionalFormat takes every cell of our range (the whole
//     data area) out of every conditional format, so the cadre's own formats inside it went
//     with ours;
//   - the cadre's filter criteria on our columns (筛选 on 风险标识): removing the columns left
//     the criteria pointing past the filter's range (a file Excel repairs) with the rows it hid
//     still hidden. The criteria are dropped; when none is left, the rows the filter hid are
//     shown and the sheet is reported in unfiltered (it gets our filter again).
//
// Only sheet parts holding one of these are rewritten; the rest is copied raw. tmp is "" (and
// no file is made) when there was nothing to strip.
func stripOurMarks(src, tmpDir string, led *Ledger) (tmp string, unfiltered map[string]bool, err error) {
	ours := map[string]map[int]bool{} // sheet → our columns
	for _, si := range led.Sheets {
		for _, c := range si.Columns {
			if strings.HasPrefix(strings.TrimSpace(c.Header), ResultMarker) {
				if ours[si.Name] == nil {
					ours[si.Name] = map[int]bool{}
				}
				ours[si.Name][c.Index] = true
			}
		}
	}
	if len(ours) == 0 {
		return "", nil, nil
	}
	zr, err := zip.OpenReader(src)
	if err != nil {
		return "", nil, fmt.Errorf("strip old marks: %w", err)
	}
	defer zr.Close()
	wb, err := readWorkbook(&zr.Reader)
	if err != nil {
		return "", nil, nil // the writers say what is wrong
	}
	parts := map[string]string{}
	for sheet := range ours {
		if p := sheetPartOf(wb.sheets, sheet); p != "" {
			parts[p] = sheet
		}
	}
	rewritten := map[string][]byte{}
	for _, f := range zr.File {
		sheet, ok := parts[f.Name]
		if !ok {
			continue
		}
		b, err := readZipFile(f, 64<<20)
		if err != nil || len(b) == 64<<20 {
			continue
		}
		b, changed, noFilter := stripOurMarksXML(b, ours[sheet])
		if changed {
			rewritten[f.Name] = b
		}
		if noFilter {
			if unfiltered == nil {
				unfiltered = map[string]bool{}
			}
			unfiltered[sheet] = true
		}
	}
	if len(rewritten) == 0 {
		return "", unfiltered, nil
	}
	out, err := os.CreateTemp(tmpDir, "zengshou-marks-*"+filepath.Ext(src))
	if err != nil {
		return "", nil, fmt.Errorf("strip old marks: %w", err)
	}
	defer func() {
		if err != nil {
			out.Close()
			os.Remove(out.Name())
		}
	}()
	zw := zip.NewWriter(out)
	for _, f := range zr.File {
		b, ok := rewritten[f.Name]
		if !ok {
			if err = zw.Copy(f); err != nil {
				return "", nil, fmt.Errorf("strip old marks: copy %s: %w", f.Name, err)
			}
			continue
		}
		w, cerr := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: f.Modified})
		if cerr == nil {
			_, cerr = w.Write(b)
		}
		if cerr != nil {
			err = fmt.Errorf("strip old marks: %w", cerr)
			return "", nil, err
		}
	}
	if err = zw.Close(); err != nil {
		return "", nil, fmt.Errorf("strip old marks: %w", err)
	}
	if err = out.Close(); err != nil {
		return "", nil, fmt.Errorf("strip old marks: %w", err)
	}
	return out.Name(), unfiltered, nil
}

// stripOurMarksXML takes our conditional format and the filter criteria on our columns (cols)
// out of a worksheet's XML. unfiltered reports that the sheet's filter had criteria on our
// columns only: they are gone, and the rows hidden in the filter's range are shown.
func stripOurMarksXML(b []byte, cols map[int]bool) (out []byte, changed, unfiltered bool) {
	// both live after the rows: only the tail is searched
	tail := bytes.LastIndex(b, []byte("</sheetData>"))
	if tail < 0 {
		tail = 0
	}
	if bytes.Contains(b[tail:], []byte("LEN($")) {
		rest := reOurCondFormat.ReplaceAllFunc(b[tail:], func(m []byte) []byte {
			if sub := reOurCondFormat.FindSubmatch(m); sub != nil {
				if c, err := excelize.ColumnNameToNumber(string(sub[1])); err == nil && cols[c] {
					changed = true
					return nil
				}
			}
			return m
		})
		if changed {
			b = append(b[:tail:tail], rest...)
		}
	}
	// the sheet's own filter, not one of a custom view's (customSheetViews follow it)
	area := b[tail:]
	if i := bytes.Index(area, []byte("customSheetViews")); i >= 0 {
		area = area[:i]
	}
	loc := reSheetAutoFilter.FindIndex(area)
	if loc == nil {
		return b, changed, false
	}
	loc[0], loc[1] = loc[0]+tail, loc[1]+tail
	af := b[loc[0]:loc[1]]
	ref := reRefAttr.FindSubmatch(af)
	if ref == nil {
		return b, changed, false
	}
	rng := strings.ReplaceAll(string(ref[1]), "$", "")
	from, to, ok := strings.Cut(rng, ":")
	if !ok {
		to = from
	}
	c1, r1, err1 := excelize.CellNameToCoordinates(from)
	_, r2, err2 := excelize.CellNameToCoordinates(to)
	if err1 != nil || err2 != nil {
		return b, changed, false
	}
	dropped, kept := 0, 0
	newAF := reFilterColumn.ReplaceAllFunc(af, func(fc []byte) []byte {
		if m := reColIDAttr.FindSubmatch(fc); m != nil {
			if id, err := strconv.Atoi(string(m[1])); err == nil && cols[c1+id] {
				dropped++
				return nil
			}
		}
		kept++
		return fc
	})
	if dropped == 0 {
		return b, changed, false
	}
	res := make([]byte, 0, len(b))
	res = append(res, b[:loc[0]]...)
	res = append(res, newAF...)
	res = append(res, b[loc[1]:]...)
	if kept > 0 {
		return res, true, false
	}
	// no criteria left: the rows the filter hid are shown, and the sheet is no longer filtered
	res = reRowTag.ReplaceAllFunc(res, func(tag []byte) []byte {
		m := reRowNum.FindSubmatch(tag)
		if m == nil {
			return tag
		}
		if r, err := strconv.Atoi(string(m[1])); err == nil && r > r1 && r <= r2 {
			return reHiddenAttr.ReplaceAll(tag, nil)
		}
		return tag
	})
	if i := bytes.Index(res, []byte("<sheetPr")); i >= 0 {
		if j := bytes.IndexByte(res[i:], '>'); j >= 0 {
			tag := reFilterMode.ReplaceAll(res[i:i+j+1], nil)
			res = append(res[:i:i], append(tag, res[i+j+1:]...)...)
		}
	}
	return res, true, true
}

// autoFilterKeepingProps sets an autofilter on one of the cadre's sheets. excelize's AutoFilter
// replaces the sheet's properties (sheetPr) with filterMode alone: the tab colour, the code
// name the workbook's macros use, fit-to-page printing and the outline settings were lost. They
// are put back (the defaults are left out, as excelize would write them explicitly).
func autoFilterKeepingProps(f *excelize.File, sheet, ref string) error {
	p, err := f.GetSheetProps(sheet)
	if err != nil {
		return err
	}
	if err := f.AutoFilter(sheet, ref, nil); err != nil {
		return err
	}
	var keep excelize.SheetPropsOptions
	if p.CodeName != nil && *p.CodeName != "" {
		keep.CodeName = p.CodeName
	}
	if p.EnableFormatConditionsCalculation != nil && !*p.EnableFormatConditionsCalculation {
		keep.EnableFormatConditionsCalculation = p.EnableFormatConditionsCalculation
	}
	if p.Published != nil && !*p.Published {
		keep.Published = p.Published
	}
	if p.FitToPage != nil { // the sheet had pageSetUpPr
		keep.FitToPage, keep.AutoPageBreaks = p.FitToPage, p.AutoPageBreaks
	}
	if p.OutlineSummaryBelow != nil && !*p.OutlineSummaryBelow {
		keep.OutlineSummaryBelow = p.OutlineSummaryBelow
	}
	if p.OutlineSummaryRight != nil {
		keep.OutlineSummaryRight = p.OutlineSummaryRight
	}
	if p.TabColorRGB != nil { // the sheet had a tab colour
		keep.TabColorIndexed, keep.TabColorRGB, keep.TabColorTheme, keep.TabColorTint = p.TabColorIndexed, p.TabColorRGB, p.TabColorTheme, p.TabColorTint
	}
	if keep == (excelize.SheetPropsOptions{}) {
		return nil
	}
	return f.SetSheetProps(sheet, &keep)
}

// extendRange widens a range reference ("A1:AC61", "A1") to take in column col and row row.
func extendRange(ref string, col, row int) (string, bool) {
	from, to, ok := strings.Cut(strings.ReplaceAll(ref, "$", ""), ":")
	if !ok {
		to = from
	}
	c1, r1, err1 := excelize.CellNameToCoordinates(from)
	c2, r2, err2 := excelize.CellNameToCoordinates(to)
	if err1 != nil || err2 != nil {
		return "", false
	}
	a, _ := excelize.CoordinatesToCellName(c1, r1)
	b, _ := excelize.CoordinatesToCellName(max(c2, col), max(r2, row))
	return a + ":" + b, true
}
