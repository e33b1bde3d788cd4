package bot

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"zengshou/bot/store"
	"zengshou/calc"
	"zengshou/calc/ledger"
	"zengshou/config"
	"zengshou/connectors"
)

// command answers a text message: 帮助, 进度 [单位], 汇总 [单位] (进度 and the summary workbook),
// 政策 [条款], 模板 [种类], 待办, 撤销 [编号], 提醒 and 名册 (admins).
// Unknown text gets the help, never silence.
// dir is the job's folder, for a workbook the answer attaches; job is the command's job (its
// place among the chat's messages).
func (s *Service) command(ctx context.Context, ev *connectors.Event, dir string, job int64) jobResult {
	text := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(ev.Text), "/"))
	// “撤销。”, “进度！”: a sentence's end is not part of the command.
	if t := strings.TrimRight(text, "。！!，,．. "); t != "" {
		text = t
	}
	verb, arg, _ := strings.Cut(text, " ")
	if i := strings.IndexAny(verb, "　"); i >= 0 { // full-width space
		verb, arg = verb[:i], strings.TrimSpace(verb[i:]+" "+arg)
	}
	arg = strings.TrimSpace(arg)
	if arg == "" { // typed without a space: “政策三”, “模板牲畜”, “进度红旗村”
		for _, v := range []string{"进度", "汇总", "政策", "模板", "撤销", "撤回"} {
			if rest, ok := strings.CutPrefix(verb, v); ok && rest != "" {
				verb, arg = v, strings.TrimSpace(rest)
				break
			}
		}
	}
	switch verb {
	case "进度":
		return jobResult{Kind: "reply", Text: s.progressText(ctx, arg)}
	case "汇总": // 进度's text and the summary workbook
		return s.summaryCommand(ctx, ev, arg, dir)
	case "政策":
		cfg := s.Config()
		day := calc.Day(s.clock.Now().In(cfg.Reminders.Location()).Date())
		return jobResult{Kind: "reply", Text: policyText(arg, s.personMasker(ctx), config.InForce(cfg.Policy, "", day))}
	case "模板":
		return s.templateReply(ctx, ev, arg)
	case "提醒":
		if !s.isAdmin(ev) {
			return jobResult{Kind: "reply", Text: "“提醒”仅限管理员使用。管理员名单在配置 roster.admins 中。"}
		}
		// Keyed by the command's message: a rerun after a crash sends nothing twice.
		n, err := s.sendDigests(ctx, "cmd-"+shortHash(ev.Platform+"\x00"+ev.ID))
		if err != nil {
			// The cause is for the log (masked there), not for the group.
			s.log.WithError(err).Warn("command 提醒: digests not sent")
			return jobResult{Kind: "error", Text: "发送提醒时出错，请稍后再试；如仍失败请联系管理员。"}
		}
		return jobResult{Kind: "reply", Text: fmt.Sprintf("已发送提醒%d份（名册中的帮扶责任人各收到一份私信，不在名册中的按群合并为一份）。", n)}
	case "待办", "我的待办":
		return s.myTasks(ctx, ev, dir)
	case "名册":
		if !s.isAdmin(ev) {
			return jobResult{Kind: "reply", Text: "“名册”仅限管理员使用。"}
		}
		return jobResult{Kind: "reply", Text: s.rosterGapsText(ctx)}
	case "撤销", "撤回":
		return s.undoCommand(ctx, ev, arg, job)
	case "帮助", "help", "?", "？":
		return jobResult{Kind: "reply", Text: helpText(ev.Platform)}
	}
	// The echo goes to the group: an ID or phone number typed by mistake is masked, and so is a
	// household's name.
	return jobResult{Kind: "reply", Text: "没有听懂“" + truncate(s.personMasker(ctx)(text), 20) + "”。\n" + helpText(ev.Platform)}
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

func helpText(platform string) string {
	var b strings.Builder
	b.WriteString("增收助手可以：\n")
	switch platform {
	case "wecom", "dingtalk":
		b.WriteString("· 上传台账：把 .xlsx 台账私聊发给我，或在群里引用该文件并@我；我会计算补贴、风险和待办，把结果写回工作簿发回来。\n")
	case "local":
		b.WriteString("· 上传台账：把 .xlsx 放进数据目录（默认 data）的 inbox/<群名>/，结果在 outbox/<群名>/；命令写进同一目录的 .txt 文件，内容就是命令（如“进度”）。\n")
	default:
		b.WriteString("· 上传台账：直接把 .xlsx 台账发到群里；我会计算补贴、风险和待办，把结果写回工作簿发回来。\n")
	}
	b.WriteString("· 进度 [单位]：查看待办完成情况（只发文字），如“进度 红旗村”\n")
	b.WriteString("· 汇总 [单位]：同“进度”，并附该单位的汇总工作簿（与领导定期收到的相同）；不写单位时，名册中的领导为本单位，其他人为全市\n")
	b.WriteString("· 政策 [条款]：查看《若干措施》规则，如“政策 三”\n")
	b.WriteString("· 模板 [种类]：获取标准台账模板，如“模板 牲畜”；种类：家庭收入、牲畜、土地、务工、项目、经营主体、吸纳就业、以工代赈、公益岗位、低保、保险、孝扶\n")
	b.WriteString("· 待办：查看我负责的未完成事项（私聊显示户主全名，群里打码）\n")
	b.WriteString("· 撤销 [编号]：撤回自己在本群最近一次上传（或编号为N的上传，如“撤销 12”）的结果，用于传错了文件；仅上传者本人或管理员，7天内有效\n")
	b.WriteString("· 提醒：立即向各帮扶责任人发送待办提醒（仅管理员）\n")
	b.WriteString("· 名册：列出台账中出现但不在名册里的帮扶责任人（仅管理员）\n")
	b.WriteString("· 帮助：显示本说明")
	return b.String()
}

func (s *Service) isAdmin(ev *connectors.Event) bool {
	for _, a := range s.Config().Roster.Admins {
		if id := a.IDs[ev.Platform]; id != "" && id == ev.SenderID {
			return true
		}
	}
	return false
}

// unitNotFoundText answers a unit that matches nothing, with examples of the command asked (cmd)
// and the way it names every unit (all): 汇总's are “汇总 红旗村” and “汇总 全市”, not 进度's.
func unitNotFoundText(unit, cmd, all string) string {
	return "没有找到单位“" + unit + "”。请发送旗县区、苏木乡镇或嘎查村的全称，如“" + cmd + " 红旗村”（同名的村连同乡镇写，如“" + cmd + " 林东镇红旗村”）；发送“" + all + "”查看全部单位。"
}

// progressAllHead heads 进度's text for every unit; progressHint(cmd) is its last line, the
// way to see a township's villages with cmd (进度, or 汇总 reusing this text).
const progressAllHead = "全部单位进度：\n"

func progressHint(cmd string) string { return "\n发送“" + cmd + " 乡镇名”查看各村。" }

// progressText is 进度 [单位]: open tasks by cadre and the latest unit summaries.
func (s *Service) progressText(ctx context.Context, unit string) string {
	tasks, err := s.st.OpenTasks(ctx)
	if err != nil {
		return "暂时无法查询进度，请稍后再试。"
	}
	units, _ := s.unitSummaries(ctx)
	periods, _ := s.st.VillagePeriods(ctx)
	query := unitQuery(unit)
	match := func(u calc.Unit) bool {
		_, ok := namedLevel(query, u)
		return unit == "" || ok
	}
	var b strings.Builder
	if unit == "" {
		b.WriteString(progressAllHead)
	} else {
		fmt.Fprintf(&b, "“%s”进度：\n", unit)
	}
	// The unit and the level below it: a county lists its townships, a township its villages
	// (a county's hundreds of villages made a reply of hundreds of lines).
	listed := func(u calc.UnitSummary) bool {
		level, _ := namedLevel(query, u.Unit)
		switch {
		case unit == "" || level == calc.LevelCounty:
			return u.Level == "county" || u.Level == "township"
		case level == calc.LevelTownship:
			return u.Level == "township" || u.Level == "village"
		}
		return u.Level == "village"
	}
	countyAsked := false
	found := false
	for _, u := range units {
		if !match(u.Unit) || !listed(u) {
			continue
		}
		if unit != "" && u.Level == "county" {
			countyAsked = true
		}
		found = true
		fmt.Fprintf(&b, "· %s：%d户，监测%d户，待办%d项，完成率%s", unitLabel(u), u.Households, u.Monitored, u.OpenTasks, completionText(u))
		note := periodNote(periods, u)
		if u.Lagging { // one bracket: “（落实不力；数据：2026年第4季度）”
			note = "（落实不力" + strings.Replace(strings.TrimSuffix(note, "）"), "（", "；", 1) + "）"
		}
		b.WriteString(note)
		b.WriteString("\n")
	}
	byCadre := map[string]int{}
	overdue := 0
	now := s.clock.Now()
	for _, t := range tasks {
		if !match(t.Unit) {
			continue
		}
		byCadre[t.Cadre]++
		if pastDue(t.Due, now, s.Config().Reminders.Location()) {
			overdue++
		}
	}
	missing := notUploaded(s.Config(), periods, func(u calc.Unit) bool {
		_, ok := namedLevel(query, u)
		return unit == "" || ok
	})
	if len(byCadre) == 0 && !found {
		if unit != "" && missing != "" { // a village of the roster that has sent nothing yet
			return b.String() + missing + "暂无进度数据。"
		}
		if unit != "" && (len(units) > 0 || len(tasks) > 0) {
			return unitNotFoundText(truncate(s.personMasker(ctx)(unit), 20), "进度", "进度")
		}
		return b.String() + "暂无数据：请先上传台账。"
	}
	total := 0
	names := make([]string, 0, len(byCadre))
	for c, n := range byCadre {
		names = append(names, c)
		total += n
	}
	sort.Strings(names)
	fmt.Fprintf(&b, "未完成待办%d项（已逾期%d项）", total, overdue)
	var parts []string
	for _, c := range names {
		name := c
		if name == "" {
			name = "未填写帮扶责任人"
		}
		parts = append(parts, fmt.Sprintf("%s %d项", name, byCadre[c]))
	}
	if len(parts) > 0 {
		b.WriteString("：" + strings.Join(parts, "，"))
	}
	if missing != "" {
		b.WriteString("\n" + missing)
	}
	if countyAsked || unit == "" {
		b.WriteString(progressHint("进度"))
	}
	return b.String()
}

// unitQuery is the unit a 进度 command names, without the separators people write between its
// parts (“巴林左旗/林东镇/红旗村”, “林东镇 红旗村”).
func unitQuery(arg string) string {
	return strings.NewReplacer("/", "", "／", "", "、", "", "·", "", " ", "", "　", "").Replace(arg)
}

// namedLevel is the level (county, township, village) of the unit of u, or of the unit above it,
// that query names: by its own name (红旗村), or by its name after those of the units above it
// (林东镇红旗村, 巴林左旗林东镇红旗村: as 进度 itself names the unit, and the one way to tell
// apart two villages of the same name).
func namedLevel(query string, u calc.Unit) (string, bool) {
	if query == "" {
		return "", false
	}
	parts := []string{u.County, u.Township, u.Village}
	levels := []string{calc.LevelCounty, calc.LevelTownship, calc.LevelVillage}
	for k := range parts {
		if parts[k] == "" {
			continue
		}
		name := ""
		for i := k; i >= 0; i-- {
			name = parts[i] + name
			if name == query {
				return levels[k], true
			}
		}
	}
	return "", false
}

func unitName(u calc.Unit) string {
	var parts []string
	for _, p := range []string{u.County, u.Township, u.Village} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return "（未填写单位）"
	}
	return strings.Join(parts, "")
}

// unitLabel names the unit of a summary row. The villages whose ledgers named no 苏木乡镇 (or
// no 旗县区) are summed into a township (county) row without a name: it says which level is not
// filled in, where unitName gave two identical lines “（未填写单位）” for a village-only ledger.
func unitLabel(u calc.UnitSummary) string {
	switch {
	case u.Level == calc.LevelCounty && u.Unit.County == "":
		return "（未填写旗县区）"
	case u.Level == calc.LevelTownship && u.Unit.Township == "":
		return u.Unit.County + "（未填写苏木乡镇）"
	}
	return unitName(u.Unit)
}

var clauseNumbers = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五", "十六", "十七", "十八"}

// policyText is 政策 [条款]: the rules of one clause with the standards in force (params), or
// the list of all. mask masks what the cadre typed before it is echoed to the group. Rules are
// named by their titles: the English rule ids are for the admin (zengshou policy).
func policyText(arg string, mask func(string) string, params []config.ParamValue) string {
	arg = strings.Trim(strings.TrimSpace(arg), "（）()第条")
	if n := atoiSafe(arg); n >= 1 && n <= len(clauseNumbers) {
		arg = clauseNumbers[n-1]
	}
	var b strings.Builder
	if arg == "" {
		b.WriteString("《关于促进脱贫人口持续增收若干措施》（赤党乡振组办发〔2023〕1号）规则：\n")
		for _, r := range calc.Rules {
			fmt.Fprintf(&b, "%s %s\n", r.Clause, r.Title)
		}
		b.WriteString("发送“政策 三”查看某一条及现行标准。")
		return b.String()
	}
	want := "（" + arg + "）"
	for _, r := range calc.Rules {
		if strings.Contains(r.Clause, want) {
			fmt.Fprintf(&b, "%s %s\n", r.Clause, r.Title)
		}
	}
	if b.Len() == 0 {
		return "没有找到条款“" + truncate(mask(arg), 20) + "”。发送“政策”查看全部条款。"
	}
	head := true
	for _, p := range params {
		if !strings.Contains(p.Clause, want) || p.Value == "" {
			continue
		}
		if head {
			b.WriteString("现行标准：\n")
			head = false
		}
		b.WriteString("· ")
		if p.County != "" {
			b.WriteString(p.County + " ")
		}
		fmt.Fprintf(&b, "%s：%s", asciiParens.ReplaceAllString(p.Title, ""), paramText(p))
		if p.Stale {
			b.WriteString("（当年未设置，暂用最近一期）")
		}
		b.WriteString("\n")
	}
	return "《若干措施》" + want + "：\n" + strings.TrimRight(b.String(), "\n")
}

// asciiParens are the English glosses in parameter titles (“按户(household)或按人(person)”).
var asciiParens = regexp.MustCompile(`\([A-Za-z_ ]+\)`)

// paramText shows a parameter's value as a cadre reads it: 200元, 30%, 按户.
func paramText(p config.ParamValue) string {
	switch p.Unit {
	case config.UnitYuan:
		if _, err := strconv.ParseFloat(p.Value, 64); err == nil {
			return p.Value + "元"
		}
		return p.Value
	case config.UnitRate:
		if strings.Contains(p.Title, "倍数") { // 孝扶资金倍数 0.8: 0.8倍, not 80%
			return p.Value + "倍"
		}
		parts := strings.Split(p.Value, "/")
		for i, v := range parts {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				parts[i] = strconv.FormatFloat(f*100, 'f', -1, 64) + "%"
			}
		}
		return strings.Join(parts, "/")
	}
	switch p.Value {
	case "household":
		return "按户"
	case "person":
		return "按人"
	}
	return p.Value
}

func atoiSafe(s string) int {
	n := 0
	if s == "" || len(s) > 2 {
		return 0
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0
		}
		n = n*10 + int(r-'0')
	}
	return n
}

// templateKinds maps the Chinese kind names of 模板 to sheet kinds.
var templateKinds = map[string]string{
	"家庭收入": ledger.KindHouseholds, "收入": ledger.KindHouseholds, "家庭": ledger.KindHouseholds,
	"牲畜": ledger.KindLivestock, "养殖": ledger.KindLivestock, "土地": ledger.KindLand,
	"务工": ledger.KindLaborers, "就业": ledger.KindLaborers, "项目": ledger.KindProjects,
	"经营主体": ledger.KindEntities, "联农带农": ledger.KindEntities, "吸纳就业": ledger.KindEmployers,
	"以工代赈": ledger.KindRelief, "公益岗位": ledger.KindPosts, "低保": ledger.KindDibao,
	"保险": ledger.KindInsurance, "孝扶": ledger.KindFilial, "全部": "all",
}

// TemplateKind is the template kind a Chinese name stands for (牲畜 → livestock, 全部 → all), as
// the 模板 command and the API take them; ok is false for a name it does not know.
func TemplateKind(name string) (kind string, ok bool) {
	kind, ok = templateKinds[name]
	return kind, ok
}

// templateReply is 模板 [种类]: a blank standard ledger with drop-downs and an example row.
func (s *Service) templateReply(ctx context.Context, ev *connectors.Event, arg string) jobResult {
	kind := ledger.KindHouseholds
	if arg != "" {
		k, ok := templateKinds[arg]
		if !ok {
			k, ok = arg, false
			for _, v := range templateKinds {
				if v == arg {
					ok = true
				}
			}
			if !ok {
				// Echoed to the group: masked like any text a cadre typed.
				return jobResult{Kind: "reply", Text: "没有“" + truncate(s.personMasker(ctx)(arg), 20) + "”模板。" + helpText(ev.Platform)}
			}
		}
		kind = k
	}
	dir := filepath.Join(s.dataDir, "templates", kind)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return jobResult{Kind: "error", Text: "生成模板失败，请联系管理员。"}
	}
	files, err := ledger.WriteTemplates(kind, dir)
	if err != nil || len(files) == 0 {
		return jobResult{Kind: "error", Text: "生成模板失败，请联系管理员。"}
	}
	if _, err := os.Stat(files[0]); err != nil {
		return jobResult{Kind: "error", Text: "生成模板失败，请联系管理员。"}
	}
	text := "标准台账模板（含下拉选项、表头说明和一行示例）见附件；填好后直接上传即可。"
	if kind == "all" { // one file per ledger, and a reply carries one file
		text = fmt.Sprintf("标准台账模板共%d种，每种一个文件。附件是%s模板（含下拉选项、表头说明和一行示例）；其他模板请发送“模板 种类”，如“模板 牲畜”。种类：家庭收入、牲畜、土地、务工、项目、经营主体、吸纳就业、以工代赈、公益岗位、低保、保险、孝扶。",
			len(files), ledger.KindNames[ledger.KindHouseholds])
	}
	return jobResult{Kind: "reply", Text: text, File: files[0], FileName: filepath.Base(files[0])}
}

// pct shows a rate as a percentage with one decimal: "17.1%" (never "-0.0%").
func pct(r calc.Rate) string {
	return pctN(r, 1)
}

func pctN(r calc.Rate, decimals int) string {
	s := fmt.Sprintf("%.*f%%", decimals, float64(r)/float64(calc.RateOne)*100)
	if strings.Trim(s, "-0.%") == "" {
		s = strings.TrimPrefix(s, "-")
	}
	return s
}

// completionText is a unit's completion rate, rounded down to 0.1% (a unit with tasks still open
// never shows 100.0%), or "—" when it has nothing done and nothing open: calc counts that as 1,
// and "完成率100.0%" for a unit without a single measure would be a figure for nothing.
func completionText(u calc.UnitSummary) string {
	if u.DoneItems+u.OpenTasks == 0 {
		return "—"
	}
	tenths := int64(u.Completion) * 1000 / int64(calc.RateOne)
	return fmt.Sprintf("%d.%d%%", tenths/10, tenths%10)
}

// growthTexts shows a growth and the local growth it is compared with, with as many decimals as
// it takes for them to differ when they do: "7.46%" below "7.50%", not "7.5%" below "7.5%".
func growthTexts(g, local calc.Rate) (string, string) {
	for _, d := range []int{1, 2, 4} {
		a, b := pctN(g, d), pctN(local, d)
		if a != b || g == local {
			return a, b
		}
	}
	return pctN(g, 4), pctN(local, 4)
}

// myTasks is 待办: the sender's open tasks, at most reminders.digest_max_items of them in the
// text and, when there are more, every one in an attached 待办清单 (written in dir).
func (s *Service) myTasks(ctx context.Context, ev *connectors.Event, dir string) jobResult {
	text, tasks := s.myTasksText(ctx, ev)
	if tasks == nil {
		return jobResult{Kind: "reply", Text: text}
	}
	data, err := s.taskListBook(tasks, ev.ChatType == connectors.ChatDirect, s.clock.Now())
	if err == nil {
		err = os.MkdirAll(dir, 0o750)
	}
	path := filepath.Join(dir, "待办清单.xlsx")
	if err == nil {
		err = os.WriteFile(path, data, 0o600)
	}
	if err != nil {
		s.log.WithError(err).Warn("待办: task list")
		return jobResult{Kind: "reply", Text: text}
	}
	name := "待办清单-" + s.clock.Now().In(s.Config().Reminders.Location()).Format("2006-01-02") + ".xlsx"
	return jobResult{Kind: "reply", Text: text, File: path, FileName: name}
}

// myTasksText is 待办's text: the sender's own open tasks, when the sender is a cadre in the
// roster (household names whole only in a direct chat with the bot), and the tasks when they are
// more than it lists (nil otherwise).
func (s *Service) myTasksText(ctx context.Context, ev *connectors.Event) (string, []store.TaskRow) {
	name, entry := "", -1
	cadres := s.Config().Roster.Cadres
	for i, c := range cadres {
		if id := c.IDs[ev.Platform]; id != "" && id == ev.SenderID {
			name, entry = c.Name, i
		}
	}
	if name == "" {
		return "没有在名册中找到您（帮扶责任人），无法查询个人待办。请管理员在配置 roster.cadres 中登记您的账号。", nil
	}
	open, err := s.st.OpenTasks(ctx)
	if err != nil {
		return "暂时无法查询，请稍后再试。", nil
	}
	var mine []store.TaskRow
	for _, t := range open {
		if t.Cadre == name && rosterCadre(cadres, t.Cadre, t.Unit) == entry { // not a namesake's
			mine = append(mine, t)
		}
	}
	if len(mine) == 0 {
		return name + "，您目前没有未完成的待办。", nil
	}
	direct := ev.ChatType == connectors.ChatDirect
	var b strings.Builder
	// As the daily reminder lists the same tasks (digestBody): the amount, 已逾期, the same last line.
	var total calc.Fen
	for _, t := range mine {
		if t.Amount != nil {
			total += *t.Amount
		}
	}
	fmt.Fprintf(&b, "%s，您负责的未完成待办共%d项", name, len(mine))
	if total > 0 {
		fmt.Fprintf(&b, "（涉及金额%s）", total.Text())
	}
	b.WriteString("：\n")
	loc := s.Config().Reminders.Location()
	now := s.clock.Now()
	shown := min(len(mine), max(s.Config().Reminders.DigestMaxItems, 1))
	for i, t := range mine[:shown] {
		fmt.Fprintf(&b, "%d. %s｜%s｜期限 %s", i+1, householdLabel(t, direct), explainFor(t, direct), dueText(t.Due))
		if pastDue(t.Due, now, loc) {
			b.WriteString("（已逾期）")
		}
		b.WriteString("\n")
	}
	const foot = "完成后请在台账中登记（如已发放金额、帮扶措施），重新上传后自动销号。"
	if hidden := len(mine) - shown; hidden > 0 {
		fmt.Fprintf(&b, "……另有%d项未列出，全部待办见附件《待办清单》。\n", hidden)
		b.WriteString(foot)
		return b.String(), mine
	}
	b.WriteString(foot)
	return b.String(), nil
}

// rosterGapsText is 名册: the cadres named in ledgers but missing from the roster, each with the
// unit they were named for ("王建军（巴林左旗/林东镇/东风村）"). "Missing" is decided as the
// reminders match the roster (rosterCadre): a namesake of a cadre registered for another unit is
// listed; one added to the roster since is not.
func (s *Service) rosterGapsText(ctx context.Context) string {
	rows, err := s.st.UnknownCadres(ctx)
	if err != nil {
		return "暂时无法查询，请稍后再试。"
	}
	cadres := s.Config().Roster.Cadres
	seen := map[string]bool{}
	var missing []string
	for _, c := range rows {
		if rosterCadre(cadres, c.Name, c.Unit) >= 0 { // in the roster (added since, or recorded without a unit)
			continue
		}
		label := c.Name
		var parts []string
		for _, p := range []string{c.Unit.County, c.Unit.Township, c.Unit.Village} {
			if p != "" {
				parts = append(parts, p)
			}
		}
		if len(parts) > 0 {
			label += "（" + strings.Join(parts, "/") + "）"
		}
		if !seen[label] {
			seen[label] = true
			missing = append(missing, label)
		}
	}
	if len(missing) == 0 {
		return "台账中出现的帮扶责任人都已在名册中。"
	}
	return fmt.Sprintf("以下%d位帮扶责任人出现在台账中但不在名册里（无法私信提醒）：%s。请在配置 roster.cadres 中添加其姓名、平台账号和负责单位（units，同名的人按单位区分），配置保存后自动生效。", len(missing), strings.Join(missing, "、"))
}
