package bot_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"zengshou/bot"
	"zengshou/calc"
	"zengshou/calc/ledger"
	"zengshou/connectors"
)

// villageLedger writes a generated one-village ledger of n households for village, its
// household ids starting 150422<code>: the generator names its first village 红旗村 with ids
// 150422100…, so both are renamed in the shared strings (every text cell of the generated
// workbook is a shared string).
func villageLedger(t *testing.T, path string, n int, seed int64, village, code string) {
	t.Helper()
	townVillageLedger(t, path, n, seed, "林东镇", village, code)
}

// townVillageLedger is villageLedger for a village of another township.
func townVillageLedger(t *testing.T, path string, n int, seed int64, township, village, code string) {
	t.Helper()
	leadLedger(t, path, leadVillage{township: township, village: village, code: code}, n, seed, 4)
}

// correctLedger is the cadre's corrected ledger: every recorded measure marked done and the
// livestock subsidies paid (one in full, one in part, one more than owed), the rest unchanged.
func correctLedger(t *testing.T, src, dst string) {
	t.Helper()
	f, err := excelize.OpenFile(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const inc = "脱贫户收入台账"
	rows, _ := f.GetRows(inc)
	doneCol := -1
	for i, r := range rows {
		for j, c := range r {
			if c == "措施是否落实" {
				doneCol = j + 1
			}
		}
		if doneCol > 0 && i >= 5 && len(r) >= doneCol && r[doneCol-1] == "否" {
			cell, _ := excelize.CoordinatesToCellName(doneCol, i+1)
			f.SetCellValue(inc, cell, "是")
		}
	}
	if doneCol < 0 {
		t.Fatal("no 措施是否落实 column")
	}
	const ls = "牲畜动态监测台账"
	f.SetCellValue(ls, "N2", "已发放犊牛补贴（元）")
	f.SetCellValue(ls, "O2", "已发放羔羊补贴（元）")
	lrows, _ := f.GetRows(ls)
	k := 0
	for i := 2; i < len(lrows); i++ {
		r := lrows[i]
		if len(r) < 11 {
			continue
		}
		young, col := r[9], "N"
		if young == "" {
			young, col = r[10], "O"
		}
		n, _ := strconv.Atoi(young)
		if n == 0 {
			continue
		}
		per := 200
		if col == "O" {
			per = 50
		}
		owed := min(n*per, 1000)
		var paid int
		switch k {
		case 0:
			paid = owed // in full
		case 1:
			paid = owed / 2 // in part
		case 2:
			paid = owed + 100 // more than the rule gives: recorded as paid
		default:
			continue
		}
		k++
		f.SetCellValue(ls, fmt.Sprintf("%s%d", col, i+1), paid)
	}
	if k < 3 {
		t.Fatalf("only %d livestock rows with young sold", k)
	}
	if err := f.SaveAs(dst); err != nil {
		t.Fatal(err)
	}
}

// figures are one unit's (or one workbook's) numbers as an output states them.
type figures struct {
	households, monitored int
	owed, paid, unpaid    calc.Fen
	open                  int
	completion            string
}

func yuan(t *testing.T, s string) calc.Fen {
	t.Helper()
	s = strings.TrimSuffix(strings.ReplaceAll(s, ",", ""), "元")
	f, err := calc.ParseYuan(s)
	if err != nil {
		t.Fatalf("money %q: %v", s, err)
	}
	return f
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("number %q: %v", s, err)
	}
	return n
}

var (
	replyMonRe   = regexp.MustCompile(`纳入增收监测：(\d+)户`)
	replyMoneyRe = regexp.MustCompile(`应享补贴：合计([0-9.]+元)，已发放([0-9.]+元)(?:（其中([0-9.]+元)超出应享金额）)?，未发放([0-9.]+元)`)
	replyTasksRe = regexp.MustCompile(`待办事项：(\d+)项`)
	replyProbRe  = regexp.MustCompile(`表格问题：(\d+)处`)
	sheetTopRe   = regexp.MustCompile(`合计：(\d+)户，纳入监测(\d+)户，应享补贴([0-9.]+元)，已发放([0-9.]+元)(?:（其中[0-9.]+元超出应享金额）)?，未发放([0-9.]+元)，待办事项(\d+)项，数据问题(\d+)条`)
	// 进度: "· 巴林左旗林东镇红旗村：30户，监测17户，待办36项，完成率20.0%"
	progressRe = regexp.MustCompile(`· (\S+?)：(\d+)户，监测(\d+)户，待办(\d+)项，完成率([0-9.]+%|—)`)
	// leaders' summary: "· 巴林左旗林东镇：90户，纳入增收监测50户；应享补贴…元，已发放…元；待办…项，完成率…%"
	summaryRe = regexp.MustCompile(`· (\S+?)：(\d+)户，纳入增收监测(\d+)户；应享补贴([0-9.]+元)，已发放([0-9.]+元)(?:，未发放([0-9.]+元))?；待办(\d+)项，完成率([0-9.]+%|—)`)
)

// replyFigures reads a reply's counts and money.
func replyFigures(t *testing.T, text string) (f figures, problems int) {
	t.Helper()
	m := replyMonRe.FindStringSubmatch(text)
	mm := replyMoneyRe.FindStringSubmatch(text)
	mt := replyTasksRe.FindStringSubmatch(text)
	if m == nil || mm == nil || mt == nil {
		t.Fatalf("reply without its figures:\n%s", text)
	}
	f.monitored = atoi(t, m[1])
	f.owed, f.paid, f.unpaid = yuan(t, mm[1]), yuan(t, mm[2]), yuan(t, mm[4])
	var over calc.Fen
	if mm[3] != "" {
		over = yuan(t, mm[3])
	}
	// The line adds up: 应享 − 已发放 + 超出 = 未发放.
	if f.owed-f.paid+over != f.unpaid {
		t.Errorf("reply money does not add up: %q", mm[0])
	}
	f.open = atoi(t, mt[1])
	if p := replyProbRe.FindStringSubmatch(text); p != nil {
		problems = atoi(t, p[1])
	}
	return f, problems
}

// bookFigures reads the result workbook: the 汇总 sheet's totals line, its row for the village,
// the household sheet's result columns summed, and the rows of 问题清单.
type bookFigures struct {
	top, village, columns figures
	flags                 map[string]int // the village row's （户次） columns
	problems              int
	topProblems           int
	columnsMonitored      int
}

func readBook(t *testing.T, path, village string) bookFigures {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b bookFigures
	rows, err := f.GetRows(ledger.SheetSummary)
	if err != nil {
		t.Fatal(err)
	}
	m := sheetTopRe.FindStringSubmatch(rows[2][0])
	if m == nil {
		t.Fatalf("汇总 top line: %q", rows[2][0])
	}
	b.top = figures{households: atoi(t, m[1]), monitored: atoi(t, m[2]), owed: yuan(t, m[3]), paid: yuan(t, m[4]), unpaid: yuan(t, m[5]), open: atoi(t, m[6])}
	b.topProblems = atoi(t, m[7])
	head := rows[4]
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	cell := func(r []string, name string) string {
		i, ok := col[name]
		if !ok {
			t.Fatalf("汇总 has no column %q: %v", name, head)
		}
		if i >= len(r) {
			return ""
		}
		return r[i]
	}
	found := false
	for _, r := range rows[5:] {
		if len(r) < 5 || r[0] != "嘎查村" || r[3] != village {
			continue
		}
		found = true
		b.flags = map[string]int{}
		for name, i := range col {
			if strings.HasSuffix(name, "（户次）") && i < len(r) {
				b.flags[name] = atoi(t, r[i])
			}
		}
		b.village = figures{households: atoi(t, cell(r, "户数")), monitored: atoi(t, cell(r, "监测户数")),
			owed: yuan(t, cell(r, "应享合计（元）")), paid: yuan(t, cell(r, "已发放合计（元）")), unpaid: yuan(t, cell(r, "未发放合计（元）")),
			open: atoi(t, cell(r, "待办事项")), completion: cell(r, "完成率")}
		break
	}
	if !found {
		t.Fatalf("汇总 has no row for %s", village)
	}
	// The result columns of the household sheet.
	const inc = "脱贫户收入台账"
	hrows, _ := f.GetRows(inc)
	rc := map[string]int{}
	for _, hr := range hrows[:5] {
		for i, h := range hr {
			if strings.HasPrefix(h, ledger.ResultMarker) {
				rc[strings.TrimPrefix(h, ledger.ResultMarker)] = i
			}
		}
	}
	get := func(r []string, name string) string {
		i, ok := rc[name]
		if !ok {
			t.Fatalf("no result column %q", name)
		}
		if i >= len(r) {
			return ""
		}
		return r[i]
	}
	for _, r := range hrows[5:] {
		if len(r) < 5 || !strings.HasPrefix(r[4], "150422") {
			continue
		}
		b.columns.households++
		if v := get(r, ledger.ColOwed); v != "" {
			b.columns.owed += yuan(t, v)
			b.columns.paid += yuan(t, get(r, ledger.ColPaid))
			b.columns.unpaid += yuan(t, get(r, ledger.ColUnpaid))
		}
	}
	prows, _ := f.GetRows(ledger.SheetProblems)
	for _, r := range prows[1:] {
		if len(r) > 0 && r[0] != "" {
			b.problems++
		}
	}
	return b
}

func command(t *testing.T, h *harness, id, text string) string {
	t.Helper()
	ev := connectors.Event{Platform: "local", ID: id, Kind: connectors.EventText, ChatID: "镇群", SenderID: "u", Text: text}
	if err := h.svc.Intake(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	h.drain()
	r := h.messages("reply")
	return r[len(r)-1].Text
}

func lastReply(t *testing.T, h *harness, chat string) (text, file string) {
	t.Helper()
	for _, m := range h.messages("reply") {
		if m.Chat == chat {
			text, file = m.Text, m.File
		}
	}
	if text == "" {
		t.Fatalf("no reply in %s", chat)
	}
	return text, file
}

// TestFiguresAgreeEverywhere uploads three villages of 林东镇, re-uploads one corrected, and checks
// that every output states the same households, monitored households, money, tasks, problems
// and completion for each village, and that the township's figures are its villages' sums.
func TestFiguresAgreeEverywhere(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	villages := []struct{ name, code string }{{"红旗村", "100"}, {"东风村", "101"}, {"胜利村", "102"}}
	src := t.TempDir()
	for i, v := range villages {
		p := filepath.Join(src, v.name+".xlsx")
		villageLedger(t, p, 30, int64(11+i), v.name, v.code)
		dir := filepath.Join(h.dir, "inbox", v.name+"群")
		os.MkdirAll(dir, 0o755)
		b, _ := os.ReadFile(p)
		os.WriteFile(filepath.Join(dir, "2026年第4季度台账.xlsx"), b, 0o644)
		h.scan()
		h.drain()
	}
	// `zengshou calc --json` on the same workbooks (no history, as each village's first upload).
	for _, v := range villages {
		var first string
		for _, m := range h.messages("reply") {
			if m.Chat == v.name+"群" {
				first = m.Text
				break
			}
		}
		rep, problems := replyFigures(t, first)
		ro := bot.LedgerOptions(h.cfg, calc.Period{Year: 2026, Quarter: 4}, t.TempDir())
		r, err := ledger.Process(filepath.Join(src, v.name+".xlsx"), filepath.Join(t.TempDir(), "out.xlsx"),
			ledger.Options{Policy: h.cfg.Policy, Period: calc.Period{Year: 2026, Quarter: 4}, Read: ro, AsOf: calc.Day(2026, 11, 30)})
		if err != nil {
			t.Fatal(err)
		}
		js := r.Summary
		if js.Households != 30 || js.Monitored != rep.monitored || js.Owed != rep.owed || js.Paid != rep.paid || js.Unpaid != rep.unpaid ||
			js.OpenTasks != rep.open || js.Errors != problems || len(r.Tasks) != rep.open || len(r.Errors) != js.Errors {
			t.Errorf("%s: JSON summary %+v (tasks %d, errors %d), reply %+v, problems %d", v.name, js, len(r.Tasks), len(r.Errors), rep, problems)
		}
	}

	// 东风村 sends its corrected ledger.
	fixed := filepath.Join(src, "东风村-更正.xlsx")
	correctLedger(t, filepath.Join(src, "东风村.xlsx"), fixed)
	{
		dir := filepath.Join(h.dir, "inbox", "东风村群")
		b, _ := os.ReadFile(fixed)
		os.WriteFile(filepath.Join(dir, "2026年第4季度台账-更正.xlsx"), b, 0o644)
		h.scan()
		h.drain()
	}

	// A village of the same name in another township of the county.
	{
		p := filepath.Join(src, "隆昌镇红旗村.xlsx")
		townVillageLedger(t, p, 20, 21, "隆昌镇", "红旗村", "200")
		dir := filepath.Join(h.dir, "inbox", "隆昌镇红旗村群")
		os.MkdirAll(dir, 0o755)
		b, _ := os.ReadFile(p)
		os.WriteFile(filepath.Join(dir, "2026年第4季度台账.xlsx"), b, 0o644)
		h.scan()
		h.drain()
	}
	other, _ := replyFigures(t, func() string { s, _ := lastReply(t, h, "隆昌镇红旗村群"); return s }())

	open, err := h.st.OpenTasks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	openIn := map[string]int{}
	for _, tk := range open {
		if tk.Unit.Township == "林东镇" {
			openIn[tk.Unit.Village]++
		}
	}
	progress := command(t, h, "p1", "进度 林东镇")
	prog := map[string][]string{}
	for _, m := range progressRe.FindAllStringSubmatch(progress, -1) {
		prog[m[1]] = m
	}
	var sum figures
	replies := map[string]figures{}
	for _, v := range villages {
		text, file := lastReply(t, h, v.name+"群")
		rep, problems := replyFigures(t, text)
		book := readBook(t, filepath.Join(h.dir, file), v.name)
		t.Logf("%s reply %+v book top %+v village %+v columns %+v", v.name, rep, book.top, book.village, book.columns)

		// reply = 汇总 top line = 汇总 village row = result columns = 进度.
		if rep.monitored != book.top.monitored || rep.monitored != book.village.monitored {
			t.Errorf("%s monitored: reply %d, 汇总 %d, village row %d", v.name, rep.monitored, book.top.monitored, book.village.monitored)
		}
		if rep.owed != book.top.owed || rep.owed != book.village.owed || rep.owed != book.columns.owed {
			t.Errorf("%s owed: reply %s, 汇总 %s, village row %s, columns %s", v.name, rep.owed.Text(), book.top.owed.Text(), book.village.owed.Text(), book.columns.owed.Text())
		}
		if rep.paid != book.top.paid || rep.paid != book.village.paid || rep.paid != book.columns.paid {
			t.Errorf("%s paid: reply %s, 汇总 %s, village row %s, columns %s", v.name, rep.paid.Text(), book.top.paid.Text(), book.village.paid.Text(), book.columns.paid.Text())
		}
		if rep.unpaid != book.top.unpaid || rep.unpaid != book.village.unpaid || rep.unpaid != book.columns.unpaid {
			t.Errorf("%s unpaid: reply %s, 汇总 %s, village row %s, columns %s", v.name, rep.unpaid.Text(), book.top.unpaid.Text(), book.village.unpaid.Text(), book.columns.unpaid.Text())
		}
		// The monitoring flags the reply names: as many as the 汇总 row counts (户次).
		if m := regexp.MustCompile(`纳入增收监测：\d+户（([^）]*)）`).FindStringSubmatch(text); m != nil {
			for _, part := range strings.Split(m[1], "、") {
				i := strings.IndexAny(part, "0123456789")
				title, n := part[:i], atoi(t, strings.TrimSuffix(part[i:], "户"))
				if got := book.flags[title+"（户次）"]; got != n {
					t.Errorf("%s %s: reply %d, 汇总 %d", v.name, title, n, got)
				}
			}
		}
		if rep.owed-rep.paid > rep.unpaid {
			t.Errorf("%s: unpaid %s below owed − paid", v.name, rep.unpaid.Text())
		}
		if rep.open != book.top.open || rep.open != book.village.open || rep.open != openIn[v.name] {
			t.Errorf("%s open tasks: reply %d, 汇总 %d, village row %d, store %d", v.name, rep.open, book.top.open, book.village.open, openIn[v.name])
		}
		if problems != book.problems || problems != book.topProblems {
			t.Errorf("%s problems: reply %d, 问题清单 %d, 汇总 %d", v.name, problems, book.problems, book.topProblems)
		}
		if book.top.households != 30 || book.village.households != 30 || book.columns.households != 30 {
			t.Errorf("%s households: 汇总 %d, village row %d, rows %d; want 30", v.name, book.top.households, book.village.households, book.columns.households)
		}
		p := prog["巴林左旗林东镇"+v.name]
		if p == nil {
			t.Fatalf("进度 lacks %s:\n%s", v.name, progress)
		}
		if atoi(t, p[2]) != 30 || atoi(t, p[3]) != rep.monitored || atoi(t, p[4]) != rep.open {
			t.Errorf("%s 进度 %q, reply %+v", v.name, p[0], rep)
		}
		sum.households += 30
		sum.monitored += rep.monitored
		sum.owed += rep.owed
		sum.paid += rep.paid
		sum.unpaid += rep.unpaid
		sum.open += rep.open
		replies[v.name] = rep
	}
	// The township: the sum of its villages.
	p := prog["巴林左旗林东镇"]
	if p == nil {
		t.Fatalf("进度 lacks the township:\n%s", progress)
	}
	if atoi(t, p[2]) != sum.households || atoi(t, p[3]) != sum.monitored || atoi(t, p[4]) != sum.open {
		t.Errorf("township 进度 %q, villages sum %+v", p[0], sum)
	}
	if !strings.Contains(progress, fmt.Sprintf("未完成待办%d项", sum.open)) {
		t.Errorf("进度 open tasks, want %d:\n%s", sum.open, progress)
	}
	// 待办 of a cadre: the sum of the cadre's items in the latest reply of every village.
	wang := 0
	cadreRe := regexp.MustCompile(`[；，]王建军 (\d+)项`)
	for _, chat := range []string{"红旗村群", "东风村群", "胜利村群", "隆昌镇红旗村群"} {
		text, _ := lastReply(t, h, chat)
		if m := cadreRe.FindStringSubmatch(text); m != nil {
			wang += atoi(t, m[1])
		}
	}
	ev := connectors.Event{Platform: "local", ID: "mine", Kind: connectors.EventText, ChatID: "镇群", SenderID: "wangjj", Text: "待办"}
	if err := h.svc.Intake(ctx, ev); err != nil {
		t.Fatal(err)
	}
	h.drain()
	mine := h.messages("reply")
	if want := fmt.Sprintf("您负责的未完成待办共%d项", wang); wang == 0 || !strings.Contains(mine[len(mine)-1].Text, want) {
		t.Errorf("待办 for 王建军, want %q:\n%s", want, truncateLines(mine[len(mine)-1].Text, 2))
	}

	// The county: the sum of its townships, in 进度 and in the admin's (全市) summary.
	all := command(t, h, "p2", "进度")
	county := figures{households: sum.households + 20, monitored: sum.monitored + other.monitored, owed: sum.owed + other.owed,
		paid: sum.paid + other.paid, open: sum.open + other.open}
	var towns figures
	var countyLine []string
	for _, m := range progressRe.FindAllStringSubmatch(all, -1) {
		switch m[1] {
		case "巴林左旗":
			countyLine = m
		case "巴林左旗林东镇", "巴林左旗隆昌镇":
			towns.households += atoi(t, m[2])
			towns.monitored += atoi(t, m[3])
			towns.open += atoi(t, m[4])
		default:
			t.Errorf("进度 lists %q", m[0])
		}
	}
	if countyLine == nil || atoi(t, countyLine[2]) != county.households || atoi(t, countyLine[3]) != county.monitored || atoi(t, countyLine[4]) != county.open ||
		towns.households != county.households || towns.monitored != county.monitored || towns.open != county.open {
		t.Errorf("进度: county %q, townships %+v, uploads %+v\n%s", countyLine, towns, county, all)
	}
	if !strings.Contains(all, fmt.Sprintf("未完成待办%d项", county.open)) || len(open) != county.open {
		t.Errorf("进度 open tasks, want %d (store %d):\n%s", county.open, len(open), all)
	}
	if p := prog["巴林左旗隆昌镇红旗村"]; p != nil {
		t.Errorf("进度 林东镇 lists 隆昌镇's 红旗村: %q", p[0])
	}

	// The leaders' summary (text and workbook).
	if _, err := h.svc.SendSummaries(ctx, "weekly"); err != nil {
		t.Fatal(err)
	}
	var leader string
	var leaderFile string
	for _, m := range h.messages("summary") {
		if len(m.To) == 1 && m.To[0] == "leader1" {
			leader, leaderFile = m.Text, m.File
		}
	}
	if leader == "" {
		t.Fatalf("no summary for the leader: %+v", h.messages(""))
	}
	t.Log(leader)
	// A township's leader gets a line per village (the level below the leader's unit).
	ms := summaryRe.FindAllStringSubmatch(leader, -1)
	if len(ms) != len(villages) {
		t.Fatalf("summary lines: %q\n%s", ms, leader)
	}
	var lines figures
	for _, m := range ms {
		v := strings.TrimPrefix(m[1], "巴林左旗林东镇")
		rep := replies[v]
		if atoi(t, m[2]) != 30 || atoi(t, m[3]) != rep.monitored || yuan(t, m[4]) != rep.owed || yuan(t, m[5]) != rep.paid || atoi(t, m[7]) != rep.open {
			t.Errorf("summary %q, reply %+v", m[0], rep)
		}
		if m[6] != "" && yuan(t, m[6]) != rep.unpaid {
			t.Errorf("summary %q unpaid, reply %s", m[0], rep.unpaid.Text())
		}
		if pv := prog[m[1]]; pv == nil || pv[5] != m[8] {
			t.Errorf("completion: summary %q, 进度 %q", m[0], pv)
		}
		lines.open += atoi(t, m[7])
	}
	if !strings.Contains(leader, fmt.Sprintf("未完成待办共%d项", sum.open)) || lines.open != sum.open {
		t.Errorf("summary open tasks, want %d:\n%s", sum.open, leader)
	}
	var admin string
	for _, m := range h.messages("summary") {
		if len(m.To) == 1 && m.To[0] == "admin1" {
			admin = m.Text
		}
	}
	am := summaryRe.FindAllStringSubmatch(admin, -1)
	if len(am) != 1 || am[0][1] != "巴林左旗" {
		t.Fatalf("admin summary lines %q:\n%s", am, admin)
	}
	if a := am[0]; atoi(t, a[2]) != county.households || atoi(t, a[3]) != county.monitored || yuan(t, a[4]) != county.owed ||
		yuan(t, a[5]) != county.paid || atoi(t, a[7]) != county.open || !strings.Contains(admin, fmt.Sprintf("未完成待办共%d项", county.open)) {
		t.Errorf("admin summary %q, uploads %+v", a[0], county)
	}
	if leaderFile == "" {
		t.Fatal("summary without workbook")
	}
	sb, err := excelize.OpenFile(filepath.Join(h.dir, leaderFile))
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	srows, _ := sb.GetRows("汇总")
	for _, r := range srows[1:] {
		if r[0] != "苏木乡镇" {
			continue
		}
		if atoi(t, r[4]) != sum.households || atoi(t, r[5]) != sum.monitored || yuan(t, r[6]) != sum.owed || yuan(t, r[7]) != sum.paid ||
			yuan(t, r[8]) != sum.unpaid || atoi(t, r[9]) != sum.open || r[11] != p[5] {
			t.Errorf("summary workbook row %v, villages sum %+v, 进度 completion %s", r, sum, p[5])
		}
	}
}

// TestOverdueTasksOfOtherVillagesDoNotRewriteTheirFigures: an upload from one village, once
// tasks elsewhere are overdue, leaves the other villages' figures as their own uploads gave them.
func TestOverdueTasksOfOtherVillagesDoNotRewriteTheirFigures(t *testing.T) {
	h := newHarness(t, nil)
	src := t.TempDir()
	put := func(v, code, name string, seed int64) {
		p := filepath.Join(src, v+".xlsx")
		villageLedger(t, p, 30, seed, v, code)
		dir := filepath.Join(h.dir, "inbox", v+"群")
		os.MkdirAll(dir, 0o755)
		b, _ := os.ReadFile(p)
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
		h.scan()
		h.drain()
	}
	put("红旗村", "100", "2026年第4季度台账.xlsx", 11)
	put("东风村", "101", "2026年第4季度台账.xlsx", 12)
	before := command(t, h, "p1", "进度 林东镇")
	// Past the tasks' due date (end of 2027Q1) by more than lagging.overdue_days.
	h.clock.Set(time.Date(2027, 5, 10, 10, 0, 0, 0, shanghai))
	put("红旗村", "100", "2027年第1季度台账.xlsx", 11)
	after := command(t, h, "p2", "进度 林东镇")
	t.Logf("before:\n%s\nafter:\n%s", before, after)
	line := func(text, unit string) string {
		for _, l := range strings.Split(text, "\n") {
			if strings.HasPrefix(l, "· 巴林左旗林东镇"+unit+"：") {
				return l
			}
		}
		return ""
	}
	b, a := line(before, "东风村"), line(after, "东风村")
	if b == "" || !strings.HasPrefix(a, strings.SplitN(b, "，待办", 2)[0]) {
		t.Errorf("东风村 before %q, after 红旗村's upload %q", b, a)
	}

	// 红旗村's corrected ledger closes some of its overdue tasks: its overdue count is of the
	// tasks still open, as the store has them.
	fixed := filepath.Join(src, "红旗村-更正.xlsx")
	correctLedger(t, filepath.Join(src, "红旗村.xlsx"), fixed)
	b2, _ := os.ReadFile(fixed)
	os.WriteFile(filepath.Join(h.dir, "inbox", "红旗村群", "2027年第1季度台账-更正.xlsx"), b2, 0o644)
	h.scan()
	h.drain()
	text, _ := lastReply(t, h, "红旗村群")
	if !regexp.MustCompile(`确认已完成[1-9]\d*项`).MatchString(text) {
		t.Fatalf("the corrected ledger closes tasks:\n%s", text)
	}
	open, _ := h.st.OpenTasks(context.Background())
	lagDays, _ := h.cfg.Policy.LaggingOverdueDays.Value("巴林左旗", h.clock.Now())
	want := 0
	for _, tk := range open {
		if tk.Unit.Village == "红旗村" && tk.Due.AddDate(0, 0, lagDays).Before(h.clock.Now()) {
			want++
		}
	}
	if _, err := h.svc.SendSummaries(context.Background(), "weekly"); err != nil {
		t.Fatal(err)
	}
	var file string
	for _, m := range h.messages("summary") {
		if len(m.To) == 1 && m.To[0] == "leader1" {
			file = m.File
		}
	}
	sb, err := excelize.OpenFile(filepath.Join(h.dir, file))
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	rows, _ := sb.GetRows("汇总")
	got := -1
	for _, r := range rows[1:] {
		if len(r) > 10 && r[0] == "嘎查村" && r[3] == "红旗村" {
			got = atoi(t, r[10])
		}
	}
	if got != want {
		t.Errorf("红旗村 overdue: summary workbook %d, open tasks overdue by more than %d days %d", got, lagDays, want)
	}
}

func truncateLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

// TestHouseholdSheetAloneKeepsUnitFiguresWithTheOpenTasks: a village sends its full workbook,
// then its 家庭收入台账 alone. The livestock and employment tasks stay open (the sheet cannot
// judge them); 进度 and the leaders' summary count them for the village as they list them.
func TestHouseholdSheetAloneKeepsUnitFiguresWithTheOpenTasks(t *testing.T) {
	h := newHarness(t, nil)
	src := t.TempDir()
	full := filepath.Join(src, "红旗村.xlsx")
	villageLedger(t, full, 30, 11, "红旗村", "100")
	dir := filepath.Join(h.dir, "inbox", "红旗村群")
	os.MkdirAll(dir, 0o755)
	b, _ := os.ReadFile(full)
	os.WriteFile(filepath.Join(dir, "2026年第4季度台账.xlsx"), b, 0o644)
	h.scan()
	h.drain()
	f, err := excelize.OpenFile(full)
	if err != nil {
		t.Fatal(err)
	}
	f.DeleteSheet("牲畜动态监测台账")
	f.DeleteSheet("务工就业清单")
	only := filepath.Join(src, "收入.xlsx")
	if err := f.SaveAs(only); err != nil {
		t.Fatal(err)
	}
	f.Close()
	b, _ = os.ReadFile(only)
	os.WriteFile(filepath.Join(dir, "2026年第4季度家庭收入台账.xlsx"), b, 0o644)
	h.scan()
	h.drain()
	open, _ := h.st.OpenTasks(context.Background())
	progress := command(t, h, "p1", "进度 林东镇")
	t.Log(progress)
	for _, m := range progressRe.FindAllStringSubmatch(progress, -1) {
		if atoi(t, m[4]) != len(open) {
			t.Errorf("进度 %q: open tasks in the store %d", m[0], len(open))
		}
	}
	if !strings.Contains(progress, fmt.Sprintf("未完成待办%d项", len(open))) {
		t.Errorf("进度 open tasks, want %d", len(open))
	}
	// The money owed under the livestock and employment sheets is still owed.
	var first string
	for _, m := range h.messages("reply") {
		if m.Chat == "红旗村群" {
			first = m.Text
			break
		}
	}
	rep, _ := replyFigures(t, first)
	if _, err := h.svc.SendSummaries(context.Background(), "weekly"); err != nil {
		t.Fatal(err)
	}
	for _, m := range h.messages("summary") {
		if len(m.To) != 1 || m.To[0] != "leader1" {
			continue
		}
		ms := summaryRe.FindAllStringSubmatch(m.Text, -1)
		if len(ms) != 1 || yuan(t, ms[0][4]) != rep.owed || atoi(t, ms[0][7]) != len(open) {
			t.Errorf("summary %q: owed %s as the full workbook, %d open tasks", ms, rep.owed.Text(), len(open))
		}
	}
}
