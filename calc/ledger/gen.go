package ledger

import (
	"archive/zip"
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
)

// GenOptions shape a generated ledger. Zero values take the defaults in brackets.
type GenOptions struct {
	County   string // [巴林左旗]
	Township string // [林东镇]
	Villages int    // [households/50, at least 1, at most 30]
	Year     int    // [2026]; last year's incomes are for Year-1
	Quarter  int    // [3]: the cumulative income columns run to the end of this quarter
	Clean    bool   // no messy cells (text numbers, full-width digits, "/", stray spaces)
}

// GenerateFile writes a generated ledger to path (see Generate).
func GenerateFile(path string, n int, seed int64, opt GenOptions) error {
	out, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("generate ledger: %w", err)
	}
	if err := Generate(out, n, seed, opt); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Generate writes a deterministic village/township ledger of n households to w, as messy as the
// real ones: a title and a meta line, a two-row header with merged group cells, a code row,
// 小计 rows per village and a merged 合计 row, numbers typed as text ("1,200元"), full-width
// digits, blanks and "/", stray spaces, a lower-case x in an ID, and a footer; plus a 牲畜动态
// 监测台账 and a 务工就业清单 joined by 户编号. The same n, seed and options give the same bytes.
//
// The workbook is written directly (not through excelize) with a shared-string table, as Excel
// and WPS save: that is what the reader meets in practice (excelize's StreamWriter would write
// inline strings). Rows are streamed, so n = 100,000 needs little memory.
func Generate(w io.Writer, n int, seed int64, opt GenOptions) error {
	if n < 1 {
		return fmt.Errorf("generate ledger: households must be at least 1")
	}
	if opt.County == "" {
		opt.County = "巴林左旗"
	}
	if opt.Township == "" {
		opt.Township = "林东镇"
	}
	if opt.Year == 0 {
		opt.Year = 2026
	}
	if opt.Quarter < 1 || opt.Quarter > 4 {
		opt.Quarter = 3
	}
	if opt.Villages <= 0 {
		opt.Villages = min(max(n/50, 1), 30)
	}
	g := &gen{rnd: rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9E3779B97F4A7C15)), opt: opt, n: n, sst: map[string]int{}}
	g.households()
	zw := zip.NewWriter(w)
	sheets := []struct {
		name string
		fn   func(*sheetXML)
	}{
		{"脱贫户收入台账", g.incomeSheet},
		{"牲畜动态监测台账", g.livestockSheet},
		{"务工就业清单", g.laborSheet},
	}
	for i, s := range sheets {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1), Method: zip.Deflate})
		if err != nil {
			return fmt.Errorf("generate ledger: %w", err)
		}
		bw := bufio.NewWriterSize(fw, 64<<10)
		sx := &sheetXML{w: bw, g: g}
		s.fn(sx)
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("generate ledger: %w", err)
		}
	}
	names := make([]string, len(sheets))
	for i, s := range sheets {
		names[i] = s.name
	}
	parts := []struct{ name, body string }{
		{"xl/sharedStrings.xml", g.sstXML()},
		{"xl/styles.xml", genStyles},
		{"xl/workbook.xml", genWorkbook(names)},
		{"xl/_rels/workbook.xml.rels", genWorkbookRels(len(names))},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
			`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"[Content_Types].xml", genContentTypes(len(names))},
	}
	for _, p := range parts {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate})
		if err != nil {
			return fmt.Errorf("generate ledger: %w", err)
		}
		if _, err := io.WriteString(fw, p.body); err != nil {
			return fmt.Errorf("generate ledger: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("generate ledger: %w", err)
	}
	return nil
}

// genHH is one generated household.
type genHH struct {
	id, head, idNo, village, category, cadre, measure, done string
	members                                                 int
	lastYear                                                int64 // per capita, yuan
	wage, business, property, transfer, cost, rigid         int64 // this year's cumulative family figures, yuan
	species                                                 string
	livestock                                               bool
	laborers                                                int
}

type gen struct {
	rnd  *rand.Rand
	opt  GenOptions
	n    int
	hh   []genHH
	sst  map[string]int
	strs []string
	refs int
}

var (
	genSurnames = []rune("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎")
	genGiven    = []rune("建国军华明伟芳秀英桂兰玉珍海林春梅志强文杰永红金凤宝山福荣德义俊丽云霞凤琴")
	genVillages = []string{"红旗村", "东风村", "胜利村", "光明村", "新民村", "团结村", "前进村", "和平村", "富裕村", "兴隆村",
		"永安村", "长胜村", "太平村", "双井村", "三道沟村", "五家子村", "哈拉哈达嘎查", "白音敖包嘎查", "巴彦塔拉嘎查", "乌兰哈达嘎查",
		"查干诺尔嘎查", "塔本敖包嘎查", "沙布台嘎查", "宝力格嘎查", "敖包山村", "十家子村", "大营子村", "小城子村", "后兴隆地村", "西拉沐沦村"}
	genCadres   = []string{"王建军", "李志强", "刘海燕", "张明", "陈丽华", "赵永刚", "孙春梅", "周德义"}
	genMeasures = []string{"发展养殖", "公益岗位", "务工就业", "产业分红", "技能培训", "庭院经济", ""}
)

func (g *gen) name() string {
	s := string(genSurnames[g.rnd.IntN(len(genSurnames))]) + string(genGiven[g.rnd.IntN(len(genGiven))])
	if g.rnd.IntN(3) > 0 {
		s += string(genGiven[g.rnd.IntN(len(genGiven))])
	}
	return s
}

// idNumber is a GB 11643 ID with a valid check digit, born 1945–2004, in the county (150422).
func (g *gen) idNumber() string {
	y := 1945 + g.rnd.IntN(60)
	m := 1 + g.rnd.IntN(12)
	d := 1 + g.rnd.IntN(28)
	body := fmt.Sprintf("150422%04d%02d%02d%03d", y, m, d, g.rnd.IntN(1000))
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, c := range body {
		sum += int(c-'0') * weights[i]
	}
	return body + string("10X98765432"[sum%11])
}

func (g *gen) households() {
	g.hh = make([]genHH, g.n)
	for i := range g.hh {
		h := &g.hh[i]
		v := i * g.opt.Villages / g.n
		h.village = genVillages[v%len(genVillages)]
		if v >= len(genVillages) {
			h.village = fmt.Sprintf("%s%d", h.village, v/len(genVillages)+1)
		}
		h.id = fmt.Sprintf("150422%03d%04d", 100+v, i+1)
		h.head = g.name()
		h.idNo = g.idNumber()
		h.members = 1 + g.rnd.IntN(6)
		switch r := g.rnd.IntN(20); {
		case r < 14:
			h.category = "脱贫户"
		case r < 16:
			h.category = "脱贫不稳定户"
		case r < 18:
			h.category = "边缘易致贫户"
		case r < 19:
			h.category = "突发严重困难户"
		default:
			h.category = "一般农户"
		}
		h.cadre = genCadres[(v*3+g.rnd.IntN(3))%len(genCadres)]
		h.measure = genMeasures[g.rnd.IntN(len(genMeasures))]
		if h.measure != "" {
			h.done = []string{"是", "否", "是"}[g.rnd.IntN(3)]
		}
		h.lastYear = int64(7000 + g.rnd.IntN(14000))
		// This year's cumulative family income: last year's × quarter share × growth in [-15%, +20%].
		share := []float64{0.20, 0.45, 0.70, 1.00}[g.opt.Quarter-1]
		growth := float64(g.rnd.IntN(36)-15) / 100
		total := int64(float64(h.lastYear*int64(h.members)) * share * (1 + growth))
		h.wage = total * int64(30+g.rnd.IntN(40)) / 100
		h.business = total * int64(10+g.rnd.IntN(30)) / 100
		h.property = int64(g.rnd.IntN(3)) * 100 * int64(g.rnd.IntN(10))
		h.cost = h.business * int64(g.rnd.IntN(40)) / 100
		h.transfer = total - h.wage - h.business - h.property + h.cost
		if h.transfer < 0 {
			h.transfer = 0
		}
		if g.rnd.IntN(15) == 0 {
			h.rigid = int64(3000 + g.rnd.IntN(20000))
		}
		h.livestock = g.rnd.IntN(10) < 4
		h.species = []string{"牛", "羊"}[g.rnd.IntN(2)]
		if g.rnd.IntN(10) < 6 {
			h.laborers = 1 + g.rnd.IntN(2)
		}
	}
}

// str returns the shared-string index of s.
func (g *gen) str(s string) int {
	g.refs++
	if i, ok := g.sst[s]; ok {
		return i
	}
	i := len(g.strs)
	g.sst[s] = i
	g.strs = append(g.strs, s)
	return i
}

func (g *gen) sstXML() string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n")
	fmt.Fprintf(&b, `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, g.refs, len(g.strs))
	for _, s := range g.strs {
		b.WriteString("<si><t")
		if strings.TrimSpace(s) != s || strings.Contains(s, "\n") {
			b.WriteString(` xml:space="preserve"`)
		}
		b.WriteString(">")
		xmlEscape(&b, s)
		b.WriteString("</t></si>")
	}
	b.WriteString("</sst>")
	return b.String()
}

func xmlEscape(b *strings.Builder, s string) {
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteRune(r)
		}
	}
}

// Cell styles of the generated workbook (indices into genStyles' cellXfs).
const (
	gsPlain  = 0
	gsTitle  = 1
	gsHeader = 2
	gsText   = 3
	gsBold   = 4
)

// sheetXML writes one worksheet part.
type sheetXML struct {
	w      *bufio.Writer
	g      *gen
	row    int
	merges []string
}

func (s *sheetXML) begin(widths []float64) {
	s.w.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
		`<sheetViews><sheetView workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15"/><cols>`)
	for i, wd := range widths {
		fmt.Fprintf(s.w, `<col min="%d" max="%d" width="%g" customWidth="1"/>`, i+1, i+1, wd)
	}
	s.w.WriteString(`</cols><sheetData>`)
}

func (s *sheetXML) end() {
	s.w.WriteString(`</sheetData>`)
	if len(s.merges) > 0 {
		fmt.Fprintf(s.w, `<mergeCells count="%d">`, len(s.merges))
		for _, m := range s.merges {
			fmt.Fprintf(s.w, `<mergeCell ref="%s"/>`, m)
		}
		s.w.WriteString(`</mergeCells>`)
	}
	s.w.WriteString(`<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>`)
}

func (s *sheetXML) merge(c1, r1, c2, r2 int) {
	s.merges = append(s.merges, colName(c1)+strconv.Itoa(r1)+":"+colName(c2)+strconv.Itoa(r2))
}

func colName(c int) string {
	n := ""
	for c > 0 {
		c--
		n = string(rune('A'+c%26)) + n
		c /= 26
	}
	return n
}

// gcell is one cell to write: a string (shared), a number, or empty.
type gcell struct {
	s     string
	num   string // decimal text of a number
	isNum bool
	style int
}

func txt(s string) gcell           { return gcell{s: s} }
func num(v int64) gcell            { return gcell{num: strconv.FormatInt(v, 10), isNum: true} }
func styled(c gcell, st int) gcell { c.style = st; return c }

// put writes the next row (rows are consecutive from 1).
func (s *sheetXML) put(cells ...gcell) {
	s.row++
	fmt.Fprintf(s.w, `<row r="%d">`, s.row)
	for i, c := range cells {
		if c.s == "" && !c.isNum && c.style == 0 {
			continue
		}
		ref := colName(i+1) + strconv.Itoa(s.row)
		st := ""
		if c.style != 0 {
			st = ` s="` + strconv.Itoa(c.style) + `"`
		}
		switch {
		case c.isNum:
			fmt.Fprintf(s.w, `<c r="%s"%s><v>%s</v></c>`, ref, st, c.num)
		case c.s != "":
			fmt.Fprintf(s.w, `<c r="%s"%s t="s"><v>%d</v></c>`, ref, st, s.g.str(c.s))
		default:
			fmt.Fprintf(s.w, `<c r="%s"%s/>`, ref, st)
		}
	}
	s.w.WriteString(`</row>`)
}

// money writes an amount the way cadres type it: mostly a number, sometimes "1,200元", full-width
// digits, "/" for nothing, or a blank.
func (g *gen) money(v int64) gcell {
	if g.opt.Clean {
		return num(v)
	}
	switch r := g.rnd.IntN(100); {
	case r < 6:
		return txt(commaThousands(v) + "元")
	case r < 9:
		return txt(fullWidth(strconv.FormatInt(v, 10)))
	case r < 11 && v == 0:
		return txt("/")
	case r < 13 && v == 0:
		return gcell{}
	case r < 16:
		return txt(strconv.FormatInt(v, 10)) // number stored as text
	}
	return num(v)
}

func commaThousands(v int64) string {
	s := strconv.FormatInt(v, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func fullWidth(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c - '0' + '０')
		} else {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func (g *gen) messyName(s string) string {
	if !g.opt.Clean && g.rnd.IntN(40) == 0 {
		return " " + s
	}
	return s
}

func (g *gen) messyID(s string) string {
	if !g.opt.Clean && strings.HasSuffix(s, "X") && g.rnd.IntN(2) == 0 {
		return strings.TrimSuffix(s, "X") + "x"
	}
	return s
}

// incomeSheet is the 家庭收入台账 (one row per household), with a group of income columns per
// quarter up to the ledger's quarter (按季逐户核算).
func (g *gen) incomeSheet(s *sheetXML) {
	o := g.opt
	heads := []string{"序号", "旗县区", "苏木乡镇", "行政村", "户编号", "户主姓名", "户主身份证号", "户类型", "家庭人口（人）", "上年人均纯收入（元）"}
	leaves := []string{"工资性收入", "生产经营性收入", "财产性收入", "转移性收入", "生产经营性支出"}
	tail := []string{"合规自付支出（元）", "帮扶责任人", "帮扶措施", "措施是否落实"}
	nq := o.Quarter
	nl := len(leaves) * nq
	ncol := len(heads) + nl + len(tail)
	widths := []float64{6, 10, 10, 12, 16, 10, 21, 12, 8, 12}
	for i := 0; i < nl; i++ {
		widths = append(widths, 11)
	}
	widths = append(widths, 12, 10, 12, 8)
	s.begin(widths)
	s.put(styled(txt(fmt.Sprintf("%s%s%d年脱贫户及防返贫监测对象家庭收入台账", o.County, o.Township, o.Year)), gsTitle))
	s.merge(1, 1, ncol, 1)
	s.put(txt(fmt.Sprintf("填报单位（盖章）：%s人民政府    填报时间：%d年%d月    单位：元、人", o.Township, o.Year, o.Quarter*3)))
	row3 := make([]gcell, ncol)
	row4 := make([]gcell, ncol)
	for i := range row3 {
		row3[i], row4[i] = styled(gcell{}, gsHeader), styled(gcell{}, gsHeader)
	}
	for i, h := range heads {
		row3[i] = styled(txt(h), gsHeader)
		s.merge(i+1, 3, i+1, 4)
	}
	g0 := len(heads)
	for q := 0; q < nq; q++ {
		c := g0 + q*len(leaves)
		row3[c] = styled(txt(fmt.Sprintf("第%d季度收入（元）", q+1)), gsHeader)
		s.merge(c+1, 3, c+len(leaves), 3)
		for i, l := range leaves {
			row4[c+i] = styled(txt(l), gsHeader)
		}
	}
	for i, h := range tail {
		c := g0 + nl + i
		row3[c] = styled(txt(h), gsHeader)
		s.merge(c+1, 3, c+1, 4)
	}
	s.put(row3...)
	s.put(row4...)
	code := make([]gcell, ncol)
	for i := range code {
		code[i] = num(int64(i + 1))
	}
	s.put(code...)
	seq := 0
	vt := make([]int64, nl+1) // village subtotals: the income columns, then 家庭人口
	tt := make([]int64, nl+1)
	flush := func(village string) {
		cells := make([]gcell, ncol)
		cells[0] = styled(txt("小计"), gsBold)
		cells[3] = txt(village)
		for k := 0; k < nl; k++ {
			cells[g0+k] = num(vt[k])
		}
		cells[8] = num(vt[nl])
		s.put(cells...)
		for k := range vt {
			tt[k] += vt[k]
			vt[k] = 0
		}
	}
	// Quarter shares of the cumulative figures: Q1 20%, Q2 25%, Q3 25%, Q4 30% (of the year).
	shares := []int64{20, 25, 25, 30}
	var sum int64
	for _, x := range shares[:nq] {
		sum += x
	}
	for i := range g.hh {
		h := &g.hh[i]
		if i > 0 && g.hh[i-1].village != h.village {
			flush(g.hh[i-1].village)
		}
		seq++
		cells := make([]gcell, ncol)
		cells[0] = num(int64(seq))
		cells[1], cells[2], cells[3] = txt(o.County), txt(o.Township), txt(h.village)
		cells[4] = styled(txt(h.id), gsText)
		cells[5] = txt(g.messyName(h.head))
		cells[6] = styled(txt(g.messyID(h.idNo)), gsText)
		cells[7] = txt(h.category)
		cells[8] = num(int64(h.members))
		if !g.opt.Clean && g.rnd.IntN(50) == 0 {
			cells[8] = txt(fullWidth(strconv.Itoa(h.members)))
		}
		cells[9] = g.money(h.lastYear)
		for k, v := range []int64{h.wage, h.business, h.property, h.transfer, h.cost} {
			rest := v
			for q := 0; q < nq; q++ {
				part := v * shares[q] / sum
				if q == nq-1 {
					part = rest
				}
				rest -= part
				c := q*len(leaves) + k
				cells[g0+c] = g.money(part)
				vt[c] += part
			}
		}
		vt[nl] += int64(h.members)
		c := g0 + nl
		if h.rigid > 0 {
			cells[c] = g.money(h.rigid)
		}
		cells[c+1], cells[c+2], cells[c+3] = txt(h.cadre), txt(h.measure), txt(h.done)
		s.put(cells...)
	}
	flush(g.hh[len(g.hh)-1].village)
	total := make([]gcell, ncol)
	total[0] = styled(txt("合    计"), gsBold)
	s.merge(1, s.row+1, 4, s.row+1)
	for k := 0; k < nl; k++ {
		total[g0+k] = num(tt[k])
	}
	total[8] = num(tt[nl])
	s.put(total...)
	s.put()
	s.put(txt("填表人：            审核人：            联系电话："))
	s.put(txt("填表说明：1. 各季度收入为家庭当季合计数；2. 户类型填脱贫户、脱贫不稳定户、边缘易致贫户、突发严重困难户。"))
	s.end()
}

// livestockSheet is the 牲畜动态监测台账 (one row per household with livestock).
func (g *gen) livestockSheet(s *sheetXML) {
	heads := []string{"序号", "户编号", "户主姓名", "畜种", "年初存栏", "能繁母畜", "出生", "购入", "出售", "出售犊牛", "出售羔羊", "死淘", "存栏"}
	s.begin([]float64{6, 16, 10, 6, 9, 9, 7, 7, 7, 9, 9, 7, 7})
	s.put(styled(txt(fmt.Sprintf("%s%s%d年牲畜动态监测台账（单位：头、只）", g.opt.County, g.opt.Township, g.opt.Year)), gsTitle))
	s.merge(1, 1, len(heads), 1)
	hc := make([]gcell, len(heads))
	for i, h := range heads {
		hc[i] = styled(txt(h), gsHeader)
	}
	s.put(hc...)
	seq := 0
	for i := range g.hh {
		h := &g.hh[i]
		if !h.livestock {
			continue
		}
		seq++
		scale := 1
		if h.species == "羊" {
			scale = 5
		}
		start := (2 + g.rnd.IntN(10)) * scale
		preg := start / 2
		born := g.rnd.IntN(preg + 1)
		bought := g.rnd.IntN(2) * scale
		sold := g.rnd.IntN(born + start/3 + 1)
		young := min(sold, born)
		if young > 0 {
			young = g.rnd.IntN(young + 1)
		}
		died := g.rnd.IntN(2)
		end := start + born + bought - sold - died
		if end < 0 {
			died += end
			end = 0
		}
		if !g.opt.Clean && g.rnd.IntN(50) == 0 {
			sold = start + born + bought + 3 // an inconsistent row: more sold than ever held
		}
		calves, lambs := num(int64(young)), gcell{}
		if h.species == "羊" {
			calves, lambs = lambs, calves
		}
		s.put(num(int64(seq)), styled(txt(h.id), gsText), txt(h.head), txt(h.species), num(int64(start)), num(int64(preg)),
			num(int64(born)), num(int64(bought)), num(int64(sold)), calves, lambs, num(int64(died)), num(int64(end)))
	}
	s.end()
}

// laborSheet is the 务工就业清单 (one row per laborer).
func (g *gen) laborSheet(s *sheetXML) {
	heads := []string{"序号", "户编号", "姓名", "身份证号", "就业类型", "务工地点", "是否跨省", "务工时长（月）", "月工资（元）", "灵活就业天数", "是否失业", "是否返乡", "务工意愿"}
	s.begin([]float64{6, 16, 10, 21, 10, 14, 8, 10, 10, 10, 8, 8, 8})
	s.put(styled(txt(fmt.Sprintf("%s%s%d年脱贫劳动力务工就业清单", g.opt.County, g.opt.Township, g.opt.Year)), gsTitle))
	s.merge(1, 1, len(heads), 1)
	hc := make([]gcell, len(heads))
	for i, h := range heads {
		hc[i] = styled(txt(h), gsHeader)
	}
	s.put(hc...)
	places := []string{"本县", "赤峰市红山区", "呼和浩特市", "北京市", "河北省唐山市", "辽宁省沈阳市"}
	seq := 0
	for i := range g.hh {
		h := &g.hh[i]
		for k := 0; k < h.laborers; k++ {
			seq++
			name, id := h.head, h.idNo
			if k > 0 {
				name, id = g.name(), g.idNumber()
			}
			cells := []gcell{num(int64(seq)), styled(txt(h.id), gsText), txt(name), styled(txt(g.messyID(id)), gsText)}
			switch r := g.rnd.IntN(10); {
			case r < 5:
				p := places[1+g.rnd.IntN(len(places)-1)]
				cross := "否"
				if strings.Contains(p, "北京") || strings.Contains(p, "河北") || strings.Contains(p, "辽宁") {
					cross = "是"
				}
				cells = append(cells, txt("稳定就业"), txt(p), txt(cross), num(int64(1+g.rnd.IntN(9))), g.money(int64(2500+g.rnd.IntN(3500))), gcell{}, txt("否"), txt("否"), txt("是"))
			case r < 7:
				cells = append(cells, txt("灵活就业"), txt("本县"), txt("否"), gcell{}, gcell{}, num(int64(30+g.rnd.IntN(150))), txt("否"), txt("否"), txt("是"))
			case r < 8:
				cells = append(cells, txt("公益岗位"), txt("本村"), txt("否"), num(int64(g.opt.Quarter*3)), g.money(int64(1000+g.rnd.IntN(6)*100)), gcell{}, txt("否"), txt("否"), txt("是"))
			default:
				ret := []string{"是", "否"}[g.rnd.IntN(2)]
				cells = append(cells, txt("未就业"), gcell{}, gcell{}, gcell{}, gcell{}, gcell{}, txt("是"), txt(ret), txt([]string{"是", "否"}[g.rnd.IntN(2)]))
			}
			s.put(cells...)
		}
	}
	s.end()
}

const genStyles = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
	`<fonts count="3"><font><sz val="11"/><name val="宋体"/><family val="2"/></font>` +
	`<font><b/><sz val="16"/><name val="宋体"/><family val="2"/></font>` +
	`<font><b/><sz val="11"/><name val="宋体"/><family val="2"/></font></fonts>` +
	`<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>` +
	`<fill><patternFill patternType="solid"><fgColor rgb="FFD9D9D9"/><bgColor indexed="64"/></patternFill></fill></fills>` +
	`<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>` +
	`<border><left style="thin"/><right style="thin"/><top style="thin"/><bottom style="thin"/><diagonal/></border></borders>` +
	`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
	`<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
	`<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1"><alignment horizontal="center" vertical="center"/></xf>` +
	`<xf numFmtId="0" fontId="2" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1" applyAlignment="1"><alignment horizontal="center" vertical="center" wrapText="1"/></xf>` +
	`<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
	`<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>` +
	`<cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles></styleSheet>`

func genWorkbook(names []string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
		`<bookViews><workbookView activeTab="0"/></bookViews><sheets>`)
	for i, n := range names {
		b.WriteString(`<sheet name="`)
		xmlEscape(&b, n)
		fmt.Fprintf(&b, `" sheetId="%d" r:id="rId%d"/>`, i+1, i+1)
	}
	b.WriteString(`</sheets></workbook>`)
	return b.String()
}

func genWorkbookRels(n int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet%d.xml"/>`, i, i)
	}
	fmt.Fprintf(&b, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>`, n+1)
	fmt.Fprintf(&b, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`, n+2)
	b.WriteString(`</Relationships>`)
	return b.String()
}

func genContentTypes(n int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>`)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`, i)
	}
	b.WriteString(`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
		`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`)
	return b.String()
}
