package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"zengshou/calc"
	"zengshou/config"
)

// headerWindow is how many rows at the top of a sheet are searched for the header.
const headerWindow = 30

// Header modifiers (Column.Period).
const (
	PeriodLastYear = "last_year" // 上年 / <year-1>年
	PeriodYTD      = "ytd"       // 累计 / 本年累计
)

// dict is the header dictionary: synonyms, kind rules and template overrides.
type dict struct {
	exact     map[string]string // normalized synonym → field
	contains  []synEntry        // longest first
	order     map[string]int
	kinds     map[string]config.KindRule
	kindNames []string
	templates []Template
}

type synEntry struct {
	text, field string
	n           int // runes
}

func newDict(extra map[string][]string, templates []Template) *dict {
	d := &dict{exact: map[string]string{}, order: map[string]int{}, kinds: config.DefaultKindRules(), templates: templates}
	for i, f := range config.SynonymFieldOrder() {
		d.order[f] = i
	}
	add := func(field string, syns []string, override bool) {
		if _, ok := d.order[field]; !ok {
			d.order[field] = len(d.order)
		}
		for _, s := range append([]string{field}, syns...) {
			n, _ := NormalizeHeader(s)
			if n == "" {
				continue
			}
			if _, dup := d.exact[n]; dup && !override {
				continue
			}
			d.exact[n] = field
		}
	}
	def := config.DefaultSynonyms()
	for _, f := range config.SynonymFieldOrder() {
		add(f, def[f], false)
	}
	extraFields := make([]string, 0, len(extra))
	for f := range extra {
		extraFields = append(extraFields, f)
	}
	sort.Strings(extraFields)
	for _, f := range extraFields {
		add(f, extra[f], true)
	}
	for t, f := range d.exact {
		if !isASCII(t) {
			d.contains = append(d.contains, synEntry{t, f, utf8.RuneCountInString(t)})
		}
	}
	sort.Slice(d.contains, func(i, j int) bool {
		a, b := d.contains[i], d.contains[j]
		if a.n != b.n {
			return a.n > b.n
		}
		if d.order[a.field] != d.order[b.field] {
			return d.order[a.field] < d.order[b.field]
		}
		return a.text < b.text
	})
	for k := range d.kinds {
		d.kindNames = append(d.kindNames, k)
	}
	sort.Strings(d.kindNames)
	return d
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// match finds the field of a normalized header name: 3 exact, 2 contains a synonym,
// 1 one edit away from a synonym of at least 4 characters, 0 no match.
func (d *dict) match(name string) (string, int) {
	if name == "" {
		return "", 0
	}
	if f, ok := d.exact[name]; ok {
		return f, 3
	}
	if b := stripParens(name); b != name && b != "" {
		if f, ok := d.exact[b]; ok {
			return f, 3
		}
	}
	n := utf8.RuneCountInString(name)
	if n > 40 {
		return "", 0
	}
	for _, e := range d.contains {
		if e.n < 2 || e.n*5 < n*2 { // the synonym must be at least 40% of the header
			continue
		}
		if strings.Contains(name, e.text) {
			return e.field, 2
		}
	}
	if n >= 4 {
		rn := []rune(name)
		for _, e := range d.contains {
			if e.n >= 4 && abs(e.n-n) <= 1 && editDistance1([]rune(e.text), rn) {
				return e.field, 1
			}
		}
	}
	return "", 0
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// editDistance1 reports whether a and b differ by at most one insertion, deletion or substitution.
func editDistance1(a, b []rune) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 {
		return false
	}
	i, j, diff := 0, 0, 0
	for i < len(a) && j < len(b) {
		if a[i] == b[j] {
			i++
			j++
			continue
		}
		diff++
		if diff > 1 {
			return false
		}
		if len(a) == len(b) {
			i++
		}
		j++
	}
	return diff+(len(b)-j)+(len(a)-i) <= 1
}

// mergeRange is a merged cell range, 1-based inclusive.
type mergeRange struct{ r1, c1, r2, c2 int }

// header is the detected header of a sheet.
type header struct {
	rows       []int // 1-based
	codeRow    int
	codeHints  []string
	cols       []Column
	confidence float64
	sheetUnit  string
	hash       string
	width      int
	// dups are the columns whose header names a field an earlier column already has (two
	// 工资性收入 columns, or one header merged over two columns): only the first is read.
	dups []dupColumn
}

// dupColumn is a column not read because column first (1-based) has the same field.
type dupColumn struct {
	col   Column
	first int
}

var (
	metaWords   = []string{"填报单位", "填报时间", "填表时间", "填报日期", "填表日期", "制表", "盖章", "单位:", "统计时间", "统计日期", "报送单位", "截止时间", "截至时间"}
	codeCellRe  = regexp.MustCompile(`^([A-Za-z]{1,2}\d{0,2}|[①-⑳]|[A-Za-z]\d*=.+|\d{1,3}=.+)$`)
	intCellRe   = regexp.MustCompile(`^\d{1,3}$`)
	sheetUnitRe = regexp.MustCompile(`单位[:：]\s*([^\s,，;；]+)`)
)

// rowInfo is one window row prepared for scoring.
type rowInfo struct {
	raw     []string // as read
	filled  []string // with merged ranges filled
	names   []string // normalized names of filled
	units   []string
	score   float64
	matches int
	data    bool // looks like a data row
	title   bool // title or meta line
	code    bool
}

// detectHeader finds the header block in the first rows of a sheet (research/spreadsheet.md §3.4).
func (d *dict) detectHeader(win [][]string, merges []mergeRange, period calc.Period) *header {
	n := len(win)
	width := 0
	for _, r := range win {
		if len(r) > width {
			width = len(r)
		}
	}
	if n == 0 || width == 0 {
		return nil
	}
	if width > 1000 {
		width = 1000
	}
	filled := make([][]string, n)
	for i := range win {
		filled[i] = make([]string, width)
		copy(filled[i], win[i])
	}
	hmerge := make([][]bool, n) // cell under a horizontal merge (spans columns)
	for i := range hmerge {
		hmerge[i] = make([]bool, width)
	}
	for _, m := range merges {
		if m.r1 > n || m.c1 > width {
			continue
		}
		v := ""
		if m.r1-1 < len(win) && m.c1-1 < len(win[m.r1-1]) {
			v = win[m.r1-1][m.c1-1]
		}
		for r := m.r1; r <= m.r2 && r <= n; r++ {
			for c := m.c1; c <= m.c2 && c <= width; c++ {
				filled[r-1][c-1] = v
				if m.c2 > m.c1 {
					hmerge[r-1][c-1] = true
				}
			}
		}
	}
	rows := make([]rowInfo, n)
	sheetUnit := ""
	for i := range rows {
		ri := &rows[i]
		ri.raw, ri.filled = win[i], filled[i]
		ri.names = make([]string, width)
		ri.units = make([]string, width)
		for c := 0; c < width; c++ {
			ri.names[c], ri.units[c] = NormalizeHeader(filled[i][c])
		}
		d.scoreRow(ri, width, merges, i+1)
		if sheetUnit == "" {
			for _, t := range ri.raw {
				if m := sheetUnitRe.FindStringSubmatch(cleanText(t)); m != nil {
					u := strings.TrimRight(m[1], "。.")
					if i := strings.IndexAny(u, "、,"); i > 0 {
						u = u[:i]
					}
					if isUnit(u) {
						sheetUnit = canonicalUnit(u)
					}
				}
			}
		}
	}
	best := -1
	for i := range rows {
		if rows[i].matches == 0 {
			continue
		}
		if best < 0 || rows[i].score > rows[best].score {
			best = i
		}
	}
	if best < 0 || rows[best].score < 3 {
		return nil
	}
	linked := func(a, b int) bool { // rows a and a+1 = b (0-based) belong to one header block
		for _, m := range merges {
			if m.r1 <= a+1 && m.r2 >= b+1 {
				return true
			}
			if m.r1 <= a+1 && a+1 <= m.r2 && m.c2 > m.c1 {
				for c := m.c1; c <= m.c2 && c <= len(rows[b].raw); c++ {
					if cleanText(rows[b].raw[c-1]) != "" {
						return true
					}
				}
			}
		}
		return false
	}
	s, e := best, best
	for s-1 >= 0 && e-s+1 < 3 {
		p := s - 1
		if rows[p].data || rows[p].title || rows[p].code || rowBlank(rows[p].raw) {
			break
		}
		if linked(p, s) || rows[p].matches >= 2 {
			s = p
			continue
		}
		break
	}
	for e+1 < n && e-s+1 < 3 {
		q := e + 1
		if rows[q].data || rows[q].code || rows[q].title || rowBlank(rows[q].raw) {
			break
		}
		if linked(e, q) || rows[q].matches >= 2 {
			e = q
			continue
		}
		break
	}
	h := &header{sheetUnit: sheetUnit, width: width}
	for r := s; r <= e; r++ {
		h.rows = append(h.rows, r+1)
	}
	if e+1 < n && rows[e+1].code {
		h.codeRow = e + 2
		for _, t := range rows[e+1].raw {
			if strings.Contains(t, "=") {
				h.codeHints = append(h.codeHints, cleanText(t))
			}
		}
	}
	// compose column names
	var hashParts []string
	used := map[string]int{} // field key → the column (1-based) that has it
	matched, oursN := 0, 0
	for c := 0; c < width; c++ {
		var parts, units []string
		for r := s; r <= e; r++ {
			nm := rows[r].names[c]
			if nm == "" {
				continue
			}
			if len(parts) > 0 && parts[len(parts)-1] == nm {
				continue
			}
			parts = append(parts, nm)
			units = append(units, rows[r].units[c])
		}
		if len(parts) == 0 {
			continue
		}
		col := Column{Index: c + 1, Header: strings.Join(parts, "/")}
		ours := strings.Contains(col.Header, ResultMarker) // a result column of an earlier run (【增收计算】帮扶责任人): not the cadre's data
		for i := len(units) - 1; i >= 0; i-- {
			if units[i] != "" {
				col.Unit = units[i]
				break
			}
		}
		if ours {
			oursN++
		} else {
			d.resolveColumn(&col, parts, period)
		}
		if col.Unit == "" && col.Field != "" && moneyFields[col.Field] {
			col.Unit = sheetUnit
		}
		key := col.Field + "|" + col.Species + "|" + strconv.Itoa(col.Quarter) + "|" + col.Period
		if col.Field != "" {
			if first := used[key]; first > 0 {
				h.dups = append(h.dups, dupColumn{col: col, first: first})
				col.Field = "" // a second column for the same field: the first one is read
			} else {
				used[key] = col.Index
				matched++
			}
		}
		h.cols = append(h.cols, col)
		hashParts = append(hashParts, col.Header)
	}
	sum := sha256.Sum256([]byte(strings.Join(hashParts, "|")))
	h.hash = hex.EncodeToString(sum[:8])
	if n := len(h.cols) - oursN; n > 0 {
		h.confidence = float64(matched) / float64(n)
	}
	return h
}

func rowBlank(r []string) bool {
	for _, c := range r {
		if cleanText(c) != "" {
			return false
		}
	}
	return true
}

// scoreRow scores one window row as a header candidate.
func (d *dict) scoreRow(ri *rowInfo, width int, merges []mergeRange, rowNum int) {
	distinct := map[string]bool{}
	nonEmpty, numeric, ids, dates, codes, ints := 0, 0, 0, 0, 0, 0
	lastInt := -1
	seqOK := true
	var score float64
	for c := 0; c < len(ri.raw) && c < width; c++ {
		t := cleanText(ri.raw[c])
		if t == "" {
			continue
		}
		nonEmpty++
		switch {
		case looksID(t):
			ids++
			score -= 2
		case looksDate(t):
			dates++
			score--
		case looksNumeric(t):
			numeric++
			score--
		}
		if codeCellRe.MatchString(t) {
			codes++
		}
		if intCellRe.MatchString(t) {
			v, _ := strconv.Atoi(t)
			if lastInt >= 0 && v != lastInt+1 {
				seqOK = false
			}
			lastInt = v
			ints++
		}
		for _, w := range metaWords {
			if strings.Contains(t, w) {
				ri.title = true
			}
		}
	}
	for c := 0; c < width; c++ {
		nm := ri.names[c]
		if nm == "" || distinct[nm] {
			continue
		}
		distinct[nm] = true
		if _, s := d.match(nm); s > 0 {
			score += float64(s)
			ri.matches++
		}
		if utf8.RuneCountInString(nm) <= 12 && !looksNumeric(nm) {
			score += 0.5
		}
	}
	// title: one text only, spanning most of the row
	if len(distinct) == 1 && width >= 4 {
		ri.title = true
	}
	if ri.title {
		score -= 5
	}
	if nonEmpty >= 2 && (ids > 0 || numeric+dates >= (nonEmpty+1)/2) {
		ri.data = true
	}
	if nonEmpty >= 3 && (codes+ints)*10 >= nonEmpty*7 && (ints == 0 || seqOK) && ids == 0 {
		ri.code = true
	}
	ri.score = score
}

// resolveColumn sets a column's field and modifiers from its header parts (top to bottom).
func (d *dict) resolveColumn(col *Column, parts []string, period calc.Period) {
	var bases []string
	for _, p := range parts {
		b := p
		var q int
		var per string
		b, q, per = stripModifiers(b, period)
		if q > 0 {
			col.Quarter = q
		}
		if per != "" {
			col.Period = per
		}
		if sp := speciesWord(b); sp != "" {
			col.Species = sp
			continue
		}
		if b != "" {
			bases = append(bases, b)
		}
	}
	if len(bases) == 0 {
		return
	}
	leaf := bases[len(bases)-1]
	if isTotalWord(leaf) && len(bases) > 1 {
		leaf = bases[len(bases)-2]
	}
	field, score := d.match(leaf)
	if score < 3 && len(bases) > 1 {
		if f, s := d.match(bases[len(bases)-2] + leaf); s == 3 {
			field, score = f, s
		}
	}
	if score == 0 {
		return
	}
	if field == "last_year_per_capita" || field == "per_capita" && col.Period == PeriodLastYear {
		field, col.Period = "last_year_per_capita", PeriodLastYear
	}
	col.Field = field
	if livestockFields[field] && col.Species == "" {
		col.Species = speciesOf(strings.Join(parts, "/"))
	}
}

func isTotalWord(s string) bool {
	switch s {
	case "合计", "小计", "总计", "计", "合计数", "小计数", "总额", "合计金额":
		return true
	}
	return false
}

// speciesWord reports a header part that only names a species: 牛 / 肉牛 / 羊 / 肉羊(只).
func speciesWord(s string) string {
	switch stripParens(s) {
	case "牛", "肉牛", "奶牛", "黄牛", "牛类", "牛只":
		return calc.Cattle
	case "羊", "肉羊", "绵羊", "山羊", "羊类", "羊只":
		return calc.Sheep
	}
	return ""
}

var (
	yearPrefixRe    = regexp.MustCompile(`^(20\d{2})年度?`)
	quarterPrefixRe = regexp.MustCompile(`^(第?[一二三四1-4]季度?|Q[1-4]|q[1-4]|[1-4]-[1-9]{1,2}月|1-3月|4-6月|7-9月|10-12月)`)
	quarterSuffixRe = regexp.MustCompile(`\(?(第?[一二三四1-4]季度|Q[1-4])\)?$`)
)

func quarterOf(s string) int {
	switch {
	case strings.ContainsAny(s, "一1") && !strings.Contains(s, "10"):
		return 1
	case strings.ContainsAny(s, "二2") || strings.HasPrefix(s, "4-6"):
		return 2
	case strings.ContainsAny(s, "三3") || strings.HasPrefix(s, "7-9"):
		return 3
	case strings.ContainsAny(s, "四4") || strings.HasPrefix(s, "10"):
		return 4
	}
	return 0
}

// stripModifiers takes the year, 上年, 累计 and quarter words off a header name.
func stripModifiers(s string, period calc.Period) (base string, quarter int, per string) {
	for changed := true; changed && s != ""; {
		changed = false
		if m := yearPrefixRe.FindStringSubmatch(s); m != nil && len(s) > len(m[0]) || m != nil && s == m[0] {
			y, _ := strconv.Atoi(m[1])
			if period.Year != 0 && y == period.Year-1 {
				per = PeriodLastYear
			}
			s = s[len(m[0]):]
			changed = true
		}
		for _, p := range []string{"上一年度", "上年度", "上一年", "上年", "去年"} {
			if strings.HasPrefix(s, p) {
				s, per, changed = s[len(p):], PeriodLastYear, true
			}
		}
		for _, p := range []string{"截至本季度累计", "本年累计", "年度累计", "年累计", "累计"} {
			if strings.HasPrefix(s, p) {
				s, per, changed = s[len(p):], PeriodYTD, true
			}
		}
		for _, p := range []string{"本年度", "本年", "今年", "当年", "全年", "年度"} {
			if strings.HasPrefix(s, p) && len(s) > len(p) {
				s, changed = s[len(p):], true
			}
		}
		if strings.HasPrefix(s, "本季度") {
			s, quarter, changed = s[len("本季度"):], period.Quarter, true
		}
		if m := quarterPrefixRe.FindString(s); m != "" {
			if q := quarterOf(m); q > 0 {
				s, quarter, changed = s[len(m):], q, true
			}
		}
		if m := quarterSuffixRe.FindString(s); m != "" && len(m) < len(s) {
			if q := quarterOf(m); q > 0 {
				s, quarter, changed = s[:len(s)-len(m)], q, true
			}
		}
		s = strings.TrimLeft(s, "/-_:")
	}
	return s, quarter, per
}

// moneyFields are read as yuan; a sheet's 单位:元 applies to them.
var moneyFields = map[string]bool{
	"gross_income": true, "wage_income": true, "business_income": true, "property_income": true,
	"transfer_income": true, "business_cost": true, "net_income": true, "per_capita": true,
	"last_year_per_capita": true, "rigid_spending": true, "paid": true, "monthly_wage": true,
	"three_month_pay": true, "funds": true, "subsidy": true, "award_paid": true, "labor_pay": true,
	"poor_labor_pay": true, "amount": true, "dividend": true, "temp_aid": true, "social_aid": true, "filial": true,
}

var livestockFields = map[string]bool{
	"stock_start": true, "pregnant": true, "born": true, "bought": true, "sold": true,
	"young_sold": true, "died": true, "stock_end": true, "paid": true,
}

// pickKind chooses the sheet kind from the matched fields and the sheet name.
func (d *dict) pickKind(h *header, sheetName string) string {
	have := map[string]bool{}
	for _, c := range h.cols {
		if c.Field != "" {
			have[c.Field] = true
		}
	}
	name := cleanText(sheetName)
	bestKind, bestScore := "", 0
	for _, k := range d.kindNames {
		rule := d.kinds[k]
		ok := true
		score := 0
		for _, g := range rule.Required {
			found := false
			for _, f := range g {
				if have[f] {
					found = true
				}
			}
			if !found {
				ok = false
				break
			}
			score += 3
		}
		if !ok {
			continue
		}
		for _, f := range rule.Fields {
			if have[f] {
				score++
			}
		}
		for _, w := range rule.SheetHints {
			if strings.Contains(name, w) {
				score += 2
				break
			}
		}
		if score > bestScore {
			bestKind, bestScore = k, score
		}
	}
	return bestKind
}

// applyTemplate applies a per-template override (matched by sheet name or header hash).
func (d *dict) applyTemplate(h *header, sheetName string) (kind string, applied bool) {
	for _, t := range d.templates {
		if t.Match != sheetName && t.Match != h.hash {
			continue
		}
		for i := range h.cols {
			c := &h.cols[i]
			leaf := c.Header
			if j := strings.LastIndex(leaf, "/"); j >= 0 {
				leaf = leaf[j+1:]
			}
			for hdr, f := range t.Fields {
				n, _ := NormalizeHeader(hdr)
				if n == c.Header || n == leaf || hdr == c.Header {
					if f == "-" {
						f = ""
					}
					c.Field = f
				}
			}
		}
		return t.Kind, true
	}
	return "", false
}
