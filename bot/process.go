package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/width"

	"zengshou/bot/store"
	"zengshou/calc"
	"zengshou/calc/ledger"
	"zengshou/config"
	"zengshou/config/redact"
	"zengshou/connectors"
)

// LedgerOptions are the reader's options from a configuration (the service and `zengshou calc`).
func LedgerOptions(cfg *config.Config, p calc.Period, tmp string) ledger.ReadOptions {
	var tpls []ledger.Template
	for _, t := range cfg.Ledger.Templates {
		tpls = append(tpls, ledger.Template{Name: t.Name, Match: t.Match, Fields: t.Fields})
	}
	return ledger.ReadOptions{Limits: ledgerLimits(cfg, tmp), Synonyms: cfg.Ledger.Synonyms, Templates: tpls,
		Password: cfg.Ledger.XLSXPassword, SofficePath: cfg.Ledger.SofficePath, Period: p}
}

// ledgerLimits turns the config's limits into the reader's.
func ledgerLimits(cfg *config.Config, tmp string) ledger.Limits {
	l := cfg.Limits
	return ledger.Limits{MaxFileBytes: int64(l.MaxFileMB) << 20, MaxUnzippedBytes: int64(l.MaxUnzippedMB) << 20,
		MaxXMLBytes: 16 << 20, MaxEntries: l.MaxZipEntries, MaxRatio: 1000, MaxRows: l.MaxRows, MaxCols: l.MaxCols,
		MaxCells: int64(l.MaxCells), LargeFileRows: l.LargeFileRows, TmpDir: tmp}
}

// periodNow is the quarter the upload belongs to, in the configured time zone.
func (s *Service) periodNow() calc.Period {
	return calc.PeriodOf(s.clock.Now().In(s.Config().Reminders.Location()))
}

// process reads the workbook, adds what the store knows (last quarters' incomes, what was
// already paid, open tasks), evaluates the policy, writes the result workbook, stores the
// evaluation and composes the reply.
func (s *Service) process(ctx context.Context, j *store.Job, ev *connectors.Event, src, dst string) (*jobResult, error) {
	cfg := s.Config()
	p := s.periodNow()
	named, hasName := periodInName(ev.File.Name)
	if hasName && !p.Before(named) {
		p = named // "2026年第4季度台账.xlsx" uploaded in January speaks for 2026Q4
	}
	now := s.clock.Now()
	tmp := filepath.Join(filepath.Dir(dst), "tmp")
	if err := os.MkdirAll(tmp, 0o750); err != nil {
		return nil, fmt.Errorf("process: %w", err)
	}
	defer os.RemoveAll(tmp)
	ropt := LedgerOptions(cfg, p, tmp)
	ropt.PreparedDir = filepath.Dir(dst)
	led, err := s.read(ctx, src, ropt)
	if err != nil {
		var fe *ledger.FileError
		if errors.As(err, &fe) {
			// Nothing of this ledger could be read, so its people are not known: the names the
			// store knows are masked instead. The file may be named after a household head, and
			// a sheet without a header row shows its first data row in fe.Message (包玉山、ID…).
			mask := s.personMasker(ctx)
			return nil, &permanentError{Message: mask(fmt.Sprintf("《%s》无法处理：%s", displayName(ev.File.Name), fe.Message)),
				Err: &maskedError{text: mask(err.Error()), err: err}}
		}
		return nil, fmt.Errorf("read workbook: %w", err)
	}
	// The file's name as the group sees it: a ledger is often named after its household
	// (“包玉山户台账.xlsx”), and the reply and the result's name are shown to the whole group.
	names := nameMasker(&led.Inputs)
	shown := names.Replace(displayName(ev.File.Name))
	in := led.Inputs
	in.AsOf = calc.Day(now.In(cfg.Reminders.Location()).Date())
	ids := make([]string, 0, len(in.Households))
	for _, h := range in.Households {
		ids = append(ids, h.ID)
	}
	// Before anything is read of the store: what an unnamed upload stored for the quarter this
	// renamed copy corrects must not count as these households' history (see withdrawGuessed).
	// It is committed apart from the save (SaveEvaluation), every read between depending on it: a
	// save that fails (or a stop) leaves it done, and the job's retry finds nothing left to
	// withdraw, reads the same store, saves the same rows and replies once with what the first
	// attempt withdrew and put back (kept in guessed_periods).
	var withdrawn []store.Withdrawal
	if hasName && p == named {
		if withdrawn, err = s.withdrawGuessed(ctx, j, &in, p, ids, now); err != nil {
			return nil, err
		}
	}
	if in.PriorIncome, err = s.st.PriorIncome(ctx, ids, p); err != nil {
		return nil, err
	}
	stored, err := s.st.Payments(ctx, paymentSubjects(&in), p.Year)
	if err != nil {
		return nil, err
	}
	aliases := personAliases(&in)
	stored, carried := storedAliases(stored, aliases)
	// What this ledger's 已发放 records (filled cells only), under both subjects of a person: stored
	// for its quarter (store.MergePaid), it corrects an earlier upload's amount.
	recorded := withAliases(in.Payments, aliases)
	in.Payments = mergePayments(in.Payments, stored, p, j.ID)
	others := otherSheetHouseholds(&in)
	if in.Known, err = s.st.KnownHouseholds(ctx, others); err != nil {
		return nil, err
	}
	overdue, err := s.st.OverdueTasks(ctx, in.AsOf)
	if err != nil {
		return nil, err
	}
	overdue = inUnitsOf(&in, overdue)
	in.OpenTasks = taskAges(overdue, nil)
	// Households an upload for a later quarter already covered: this older ledger is history
	// for them, not news (see evaluationOf). The households of its other sheets too: a 牲畜台账
	// named for 2026Q3 sent alone after the 2026Q4 workbook closed the 2026Q4 calf subsidy tasks.
	latest, err := s.st.LatestPeriods(ctx, append(slices.Clip(ids), others...))
	if err != nil {
		return nil, err
	}
	superseded := map[string]bool{}
	// Of those, the households a later year's ledger covered: this ledger is still the only one
	// that can judge its year's subsidies owed and not paid (SettledOnlyWithinYear), and the
	// corrected 2026Q4 workbook sent after the 2027Q1 one must close the 2026 subsidy it records
	// paid. Their other tasks it leaves as they are.
	lastYear := map[string]bool{}
	var newest calc.Period
	for h, lp := range latest {
		if p.Before(lp) {
			superseded[h] = true
			lastYear[h] = lp.Year > p.Year
			if newest.Before(lp) {
				newest = lp
			}
		}
	}
	if err := s.newestOfYear(ctx, lastYear, p); err != nil {
		return nil, err
	}
	res := calc.Evaluate(p, cfg.Policy, &in)
	people, err := s.placeTasks(ctx, res.Tasks, nil)
	if err != nil {
		return nil, err
	}
	places, err := s.lastYearPlaces(ctx, lastYear)
	if err != nil {
		return nil, err
	}
	judges := judgesBySheets(led)
	aliased, err := s.loadAliasTasks(ctx, &in) // a person's task stored under the other subject
	if err != nil {
		return nil, err
	}
	eval := evaluationOf(j, p, &in, res, superseded, lastYear)
	aliased.apply(eval)
	placeAsNow(eval.Tasks, places)
	eval.Judges = judges
	eval.Payments, eval.Carried = recorded, carried
	// The overdue tasks this upload closes are no longer open: a unit's overdue count (and its
	// 落实不力) is of the tasks still open after the upload, as 进度 and the summaries count them.
	if closing := closedBy(eval, overdue); len(closing) > 0 {
		in.OpenTasks = taskAges(overdue, closing)
		res = calc.Evaluate(p, cfg.Policy, &in)
		if _, err := s.placeTasks(ctx, res.Tasks, people); err != nil {
			return nil, err
		}
		eval = evaluationOf(j, p, &in, res, superseded, lastYear)
		aliased.apply(eval)
		placeAsNow(eval.Tasks, places)
		eval.Judges = judges
		eval.Payments, eval.Carried = recorded, carried
	}
	dueNoEarlierThan(res.Tasks, s.periodNow().End())
	wopt := ledger.WriteOptions{Limits: ledgerLimits(cfg, tmp)}
	if led.Source != "" { // a password-protected or .xls upload: write from the readable copy
		src = led.Source
	}
	if err := ledger.Write(src, dst, led, res, wopt); err != nil {
		var fe *ledger.FileError
		if errors.As(err, &fe) {
			mask := func(t string) string { return names.Replace(redact.Text(t)) }
			return nil, &permanentError{Message: mask(fmt.Sprintf("《%s》无法写回结果：%s", shown, fe.Message)),
				Err: &maskedError{text: mask(err.Error()), err: err}}
		}
		return nil, fmt.Errorf("write workbook: %w", err)
	}
	if err := ledger.EncryptAs(led, dst, cfg.Ledger.XLSXPassword); err != nil {
		return nil, err
	}
	if ev.ChatType == connectors.ChatDirect {
		eval.DirectTo = ev.SenderID
	}
	if err := s.keepUnjudgedMoney(ctx, eval, p, judges); err != nil {
		return nil, err
	}
	// In a quarter's first month the ledger a cadre sends is most often the last quarter's (Q4's
	// data arrives in January), while an unnamed file is evaluated for the upload's: the reply
	// proposes renaming it, and the renamed copy withdraws this upload's results.
	hint := !hasName && now.In(cfg.Reminders.Location()).Month() == p.Start().Month()
	if hint {
		eval.Guessed = shown
	}
	eval.Name, eval.Sender = shown, ev.SenderID // for 撤销
	saved, err := s.st.SaveEvaluation(ctx, eval, now)
	if err != nil {
		return nil, err
	}
	unknown := s.unknownCadres(ctx, ev, res)
	text := replyText(shown, p, led, res, saved, unknown, ev.Platform, ledger.ResultMode(led, wopt))
	// The upload's number, on its first line: “撤销 N” takes it back (undo.go).
	if head, rest, ok := strings.Cut(text, "\n"); ok {
		no := fmt.Sprintf("上传编号 #%d，发“撤销”可撤回）", j.ID)
		if h, ok := strings.CutSuffix(head, "）"); ok { // one bracket: “（2026年第4季度，上传编号 #1，…）”
			head = h + "，" + no
		} else {
			head += "（" + no
		}
		text = head + "\n" + rest
	}
	for _, w := range withdrawn {
		n := "" // an entity's tasks alone are no household's
		if w.Households > 0 {
			n = fmt.Sprintf("（%d户）", w.Households)
		}
		text += fmt.Sprintf("\n已撤销此前按%s核算的《%s》的结果%s，本次按%s核算。",
			w.Period.Chinese(), names.Replace(redact.Text(w.Name)), n, p.Chinese())
		if r := restoredText(w.Restoration); r != "" { // as 撤销 says it
			text += "\n" + r
		}
	}
	if hint {
		prev := p.Prev()
		text += fmt.Sprintf("\n提示：文件名未写明季度，已按上传时所在的%s核算；如果这是%s的台账，请把文件名改为“%s台账.xlsx”后重新发送。",
			p.Chinese(), prev.Chinese(), prev.Chinese())
	}
	if len(superseded) > 0 {
		text += fmt.Sprintf("\n注意：其中%d户已上传过更新的%s台账，本次按%s核算的结果只写入工作簿和历史，不新增、不销号这些户的待办",
			len(superseded), newest.Chinese(), p.Chinese())
		if slices.Contains(slices.Collect(maps.Values(lastYear)), true) {
			text += fmt.Sprintf("（%d年应享未发的补贴除外：只有%d年的台账能核对）", p.Year, p.Year)
		}
		text += "。"
	}
	return &jobResult{Kind: "reply", Text: text, File: dst, FileName: resultName(shown)}, nil
}

// guessWindow is how long after an upload evaluated for a guessed quarter its renamed copy
// withdraws it: the hint is given in a quarter's first month, and a cadre who follows it does so
// within days; a ledger named for that quarter sent later is taken as news, not a correction.
const guessWindow = 31 * 24 * time.Hour

// withdrawGuessed takes back, for this upload's households and subjects, what the unnamed uploads
// of the same chat (same platform and chat id) stored when they were evaluated for the quarter
// after p with the hint to rename them for p, in the last guessWindow (store.WithdrawGuessed):
// “红旗村台账.xlsx” sent on 6 January was evaluated for 2027Q1 (2026's full-year income as
// 2027Q1's, 2026's payments as 2027's, 2027 tasks), and the copy renamed “2026年第4季度台账.xlsx”
// as the reply proposed was superseded by it and left it all in place.
func (s *Service) withdrawGuessed(ctx context.Context, j *store.Job, in *calc.Inputs, p calc.Period, ids []string, now time.Time) ([]store.Withdrawal, error) {
	households := append(slices.Clip(ids), otherSheetHouseholds(in)...)
	subjects := paymentSubjects(in)
	for _, other := range personAliases(in) {
		subjects = append(subjects, other)
	}
	for _, e := range in.Entities {
		subjects = append(subjects, e.Name)
	}
	return s.st.WithdrawGuessed(ctx, j.ID, j.Platform, j.ChatID, p.Next(), now.Add(-guessWindow), households, subjects)
}

// placeTasks gives a task that names no 帮扶责任人 or unit the cadre, unit and name the latest
// stored upload gave its household: a 低保渐退台账 or 防贫保险台账 sent alone (as cadres keep and send
// each ledger) has neither column, and its tasks were reminded to no one (“未填写帮扶责任人”) and
// counted in no unit. people is the lookup of an earlier call (nil: look the households up).
func (s *Service) placeTasks(ctx context.Context, tasks []calc.Task, people map[string]store.HouseholdPerson) (map[string]store.HouseholdPerson, error) {
	if people == nil {
		var ids []string
		for _, t := range tasks {
			if t.Household != "" && (t.Cadre == "" || t.Unit == (calc.Unit{})) {
				ids = append(ids, t.Household)
			}
		}
		if len(ids) == 0 {
			return map[string]store.HouseholdPerson{}, nil
		}
		var err error
		if people, err = s.st.HouseholdPeople(ctx, ids); err != nil {
			return nil, err
		}
	}
	for i := range tasks {
		t := &tasks[i]
		hp, ok := people[t.Household]
		if !ok || t.Household == "" {
			continue
		}
		if t.Unit == (calc.Unit{}) {
			t.Unit = hp.Unit
		}
		if t.Cadre == "" {
			t.Cadre = hp.Cadre
		}
		if t.SubjectName == "" && t.Subject == t.Household {
			t.SubjectName = hp.Name
		}
	}
	return people, nil
}

// newestOfYear keeps in lastYear the households for which this ledger (of quarter p) is the newest
// of its year stored: the one ledger that judges the year's subsidies owed once a later year's
// came in. A 2026Q3 workbook sent again in April 2027, after the 2026Q4 and 2027Q1 ones, closed
// the 400元 of 2026's calf subsidy the 2026Q4 workbook found owed (3 calves sold by Q3, 5 by Q4).
func (s *Service) newestOfYear(ctx context.Context, lastYear map[string]bool, p calc.Period) error {
	var ids []string
	for h, ok := range lastYear {
		if ok {
			ids = append(ids, h)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	within, err := s.st.LatestPeriodsOfYear(ctx, ids, p.Year)
	if err != nil {
		return err
	}
	for _, h := range ids {
		if p.Before(within[h]) {
			lastYear[h] = false
		}
	}
	return nil
}

// lastYearPlaces are the village and 帮扶责任人 the latest stored upload gives the households a
// later year's ledger covered (lastYear): where they are now.
func (s *Service) lastYearPlaces(ctx context.Context, lastYear map[string]bool) (map[string]store.HouseholdPerson, error) {
	var ids []string
	for h, ok := range lastYear {
		if ok {
			ids = append(ids, h)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return s.st.HouseholdPeople(ctx, ids)
}

// placeAsNow gives the tasks an earlier year's ledger raises or refreshes for a household a later
// year's ledger covered (its year's subsidies owed, Evaluation.SubsidiesOnly) the village and
// 帮扶责任人 the household has now (lastYearPlaces), not the ones the old ledger names: the 2026Q4
// workbook sent again in April after the 2027Q1 one moved the household to 新民村 and gave it to
// 李建国 took 2026's calf subsidy back to 红旗村 and to 王建军, who no longer helps it.
func placeAsNow(tasks []calc.Task, now map[string]store.HouseholdPerson) {
	for i := range tasks {
		t := &tasks[i]
		hp, ok := now[t.Household]
		if !ok || t.Household == "" {
			continue
		}
		if hp.Unit.Village != "" {
			t.Unit = hp.Unit
		}
		if hp.Cadre != "" {
			t.Cadre = hp.Cadre
		}
	}
}

// otherSheetHouseholds are the households the ledger's other sheets (牲畜, 土地, 务工, 到户项目,
// 公益岗位, 低保, 保险, 孝扶) name but its household sheet does not have: a ledger sent alone is
// checked against the household ledger stored before (Inputs.Known).
func otherSheetHouseholds(in *calc.Inputs) []string {
	have := make(map[string]bool, len(in.Households))
	for i := range in.Households {
		have[in.Households[i].ID] = true
	}
	var out []string
	add := func(id string) {
		if id != "" && !have[id] {
			have[id] = true
			out = append(out, id)
		}
	}
	for _, r := range in.Livestock {
		add(r.Household)
	}
	for _, r := range in.Land {
		add(r.Household)
	}
	for _, r := range in.Laborers {
		add(r.Household)
	}
	for _, r := range in.Projects {
		add(r.Household)
	}
	for _, r := range in.Posts {
		add(r.Household)
	}
	for _, r := range in.Dibao {
		add(r.Household)
	}
	for _, r := range in.Insurance {
		add(r.Household)
	}
	for _, r := range in.Filial {
		add(r.Household)
	}
	return out
}

// keepUnjudgedMoney carries into the village rows to be stored the money owed and paid under
// the rules this ledger cannot judge, from the village's row stored earlier in the year. A
// 家庭收入台账 sent alone after the full workbook says nothing about calf subsidies or 稳岗补贴
// (their tasks stay open, see judgesBySheets): stored as it is, its row made the village's
// 应享补贴 0元 in 进度 and the leaders' summaries while the subsidy tasks were still listed.
// Likewise a ledger without a household sheet (a 孝扶 or 低保 ledger sent alone, its households
// known from the store) keeps the village's households, monitored households, 两高于, the
// household sheet's flags and its done items.
func (s *Service) keepUnjudgedMoney(ctx context.Context, ev *store.Evaluation, p calc.Period, judges func(id, rule string) bool) error {
	ev.Units = slices.Clone(ev.Units) // the evaluation's rows (the reply and workbook's) stay as they are
	noHouseholds := !judges("measure_missing", "measure_missing")
	for i := range ev.Units {
		u := &ev.Units[i]
		if u.Level != calc.LevelVillage {
			continue
		}
		prev, ok, err := s.st.LatestUnitSummary(ctx, u.Level, u.Unit, calc.Period{Year: p.Year, Quarter: 1}, p)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if noHouseholds && u.Households == 0 {
			u.Households, u.Monitored = prev.Households, prev.Monitored
			// The measures found done on the household sheet count towards completion still
			// (the row's done items are not kept by rule: the larger of the two stands).
			u.DoneItems = max(u.DoneItems, prev.DoneItems)
			u.Growth, u.LocalGrowth, u.AboveLocal, u.AboveCity = prev.Growth, prev.LocalGrowth, prev.AboveLocal, prev.AboveCity
			flags := maps.Clone(u.Flags)
			if flags == nil {
				flags = map[string]int{}
			}
			for r, n := range prev.Flags {
				if _, has := flags[r]; !has && householdSheetRules[r] {
					flags[r] = n
				}
			}
			u.Flags = flags
		}
		cloned := false // the maps are the evaluation's: copied before the first change
		for r, owed := range prev.Owed {
			if judges(r, r) {
				continue
			}
			if _, has := u.Owed[r]; has {
				continue
			}
			if !cloned {
				u.Owed, u.Paid, u.Unpaid = maps.Clone(u.Owed), maps.Clone(u.Paid), maps.Clone(u.Unpaid)
				if u.Owed == nil {
					u.Owed = map[string]calc.Fen{}
				}
				if u.Paid == nil {
					u.Paid = map[string]calc.Fen{}
				}
				if u.Unpaid == nil {
					u.Unpaid = map[string]calc.Fen{}
				}
				cloned = true
			}
			u.Owed[r], u.Paid[r], u.Unpaid[r] = owed, prev.Paid[r], unpaidByRule(prev)[r]
		}
	}
	return nil
}

// inUnitsOf keeps the tasks of the units the inputs have records of. The evaluation counts a
// unit's overdue tasks from them, and makes a summary row for every unit it meets: given the
// whole city's overdue tasks, one village's upload stored rows of 0 households for every other
// village with an overdue task, and 进度 and the leaders' summaries showed those villages empty.
func inUnitsOf(in *calc.Inputs, tasks []store.TaskRow) []store.TaskRow {
	units := map[calc.Unit]bool{}
	for i := range in.Households {
		units[in.Households[i].Unit] = true
	}
	for i := range in.Laborers {
		units[in.Laborers[i].Unit] = true
	}
	for i := range in.Posts {
		units[in.Posts[i].Unit] = true
	}
	for i := range in.Entities {
		units[in.Entities[i].Unit] = true
	}
	for i := range in.Employers {
		units[in.Employers[i].Unit] = true
	}
	for i := range in.ReliefProjects {
		units[in.ReliefProjects[i].Unit] = true
	}
	var out []store.TaskRow
	for _, t := range tasks {
		if units[t.Unit] {
			out = append(out, t)
		}
	}
	return out
}

// taskAges are the evaluation's view of open tasks, leaving out those in skip.
func taskAges(tasks []store.TaskRow, skip map[string]bool) []calc.TaskAge {
	var out []calc.TaskAge
	for _, t := range tasks {
		if !skip[t.ID] {
			out = append(out, calc.TaskAge{ID: t.ID, Unit: t.Unit, Due: t.Due})
		}
	}
	return out
}

// closedBy are the tasks that saving ev will close, as SaveEvaluation decides: open tasks of a
// covered subject or household that ev no longer raises and that its ledger can judge.
func closedBy(ev *store.Evaluation, tasks []store.TaskRow) map[string]bool {
	raised := map[string]bool{}
	for _, t := range ev.Tasks {
		raised[t.ID] = true
		if t.Rule == "subsidy_unpaid" { // kept under its year's id when the id holds another year's
			raised[store.YearTaskID(t.ID, t.Rule, ev.Period.Year)] = true
		}
	}
	var out map[string]bool
	for _, t := range tasks {
		if slices.Contains(ev.Duplicates, t.ID) && !raised[t.ID] { // closed without 已完成 (aliasTasks)
			if out == nil {
				out = map[string]bool{}
			}
			out[t.ID] = true
			continue
		}
		if raised[t.ID] || store.SettledOnlyWithinYear(t.Rule, t.Year, ev.Period.Year) || !(ev.Covered[t.Subject] || (t.Household != "" && ev.Covered[t.Household])) ||
			(ev.SubsidiesOnly[t.Household] && t.Rule != "subsidy_unpaid") {
			continue
		}
		if ev.Judges != nil && !ev.Judges(t.ID, t.Rule) {
			continue
		}
		if out == nil {
			out = map[string]bool{}
		}
		out[t.ID] = true
	}
	return out
}

// dueNoEarlierThan moves the due date of tasks due before end to end. The policy dates a task
// task_due_quarters after the evaluated quarter; a ledger named for an earlier quarter
// ("2026年第2季度台账.xlsx" uploaded in November) would raise tasks already past due, escalated
// to the leaders at the next pass before the cadre was reminded once and counted against the
// unit as overdue. A task is due no earlier than the end of the quarter it is raised in.
func dueNoEarlierThan(tasks []calc.Task, end time.Time) {
	for i := range tasks {
		if tasks[i].Due.Before(end) {
			tasks[i].Due = end
		}
	}
}

var periodNameRe = regexp.MustCompile(`(20\d\d)\s*(?:年度?\s*第?\s*([1-4一二三四])\s*季度|[-_\s]*[Qq]([1-4])|年度?\s*(1|4|7|10)\s*月?\s*[-~—–至到]\s*(3|6|9|12)\s*月)`)

// periodInName finds the quarter a file's name says it is for: "2026Q4", "2026-Q4", "2026年第4季度",
// "2026年度四季度", "2026年10-12月", in full-width digits too (a name typed with a Chinese
// input method). A name it misses is evaluated for the upload's quarter.
func periodInName(name string) (calc.Period, bool) {
	m := periodNameRe.FindStringSubmatch(width.Fold.String(name))
	if m == nil {
		return calc.Period{}, false
	}
	q := m[2] + m[3]
	if m[4] != "" { // months: a quarter's first and last month, not 1-6月 or 4-9月
		first, _ := strconv.Atoi(m[4])
		last, _ := strconv.Atoi(m[5])
		if last != first+2 {
			return calc.Period{}, false
		}
		q = fmt.Sprint((first + 2) / 3)
	}
	if i := strings.Index("一二三四", q); i >= 0 {
		q = fmt.Sprint(i/3 + 1) // each Chinese numeral is 3 bytes
	}
	p, err := calc.ParsePeriod(m[1] + "Q" + q)
	return p, err == nil
}

// displayName is the uploaded file's name for a message: never used as a path.
func displayName(name string) string {
	// No control or format characters: a NUL would break the platform's upload, a newline would
	// forge lines in the reply and U+202E would make "a\u202Eslx.exe" show as "aexe.xlsx".
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(filepath.Base(strings.ReplaceAll(name, "\\", "/")))
	name = redact.Text(name) // shown in the group: a file named after a person's ID or phone number
	r := []rune(name)
	if len(r) > 60 {
		name = string(r[:60]) + "…"
	}
	if name == "" || name == "." || name == ".." || name == "/" {
		return "工作簿"
	}
	return name
}

// resultName is the name of the result workbook shown in the chat.
func resultName(name string) string {
	d := displayName(name)
	base := strings.TrimSuffix(d, filepath.Ext(d))
	return base + "-增收计算结果.xlsx"
}

// paymentSubjects lists everyone who may have been paid: households, people, entities.
func paymentSubjects(in *calc.Inputs) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, h := range in.Households {
		add(h.ID)
	}
	for _, l := range in.Laborers {
		add(l.IDNumber)
		add(l.Household + "/" + l.Name)
	}
	for _, e := range in.Employers {
		add(e.Name)
	}
	for _, p := range in.Payments {
		add(p.Subject)
	}
	// The households of the other sheets: a 牲畜台账 sent alone with 已发放 blank did not see the
	// calf subsidy paid as the village's earlier workbook recorded, and owed it again.
	for _, h := range otherSheetHouseholds(in) {
		add(h)
	}
	return out
}

// mergePayments joins the ledger's paid amounts with earlier uploads': the ledger's 已发放 is what
// has been paid this year so far, as of its quarter, so the two are never summed. Where the
// ledger records an amount, what stands is what the store will keep (store.MergePaid): this
// ledger's when it is of the same or a later quarter than the amount on record, even a smaller
// one (a mistyped 6000元 corrected to 600元 owes the rest again), else the larger of the two.
// Where its 已发放 is blank (no payment read), the amount on record stands. p and job are this
// upload's quarter and job.
func mergePayments(ledgerPaid []calc.Payment, stored []store.Payment, p calc.Period, job int64) []calc.Payment {
	type key struct{ s, r string }
	out := append([]calc.Payment(nil), ledgerPaid...)
	sum := map[key]calc.Fen{}
	for _, x := range out {
		sum[key{x.Subject, x.Rule}] += x.Amount
	}
	for _, st := range stored {
		k := key{st.Subject, st.Rule}
		have, ok := sum[k]
		if !ok {
			out = append(out, st.Payment)
			sum[k] = st.Amount
			continue
		}
		nw := store.Payment{Period: p, JobID: job}
		nw.Amount = have
		if m := store.MergePaid(st, nw); m.Amount > have {
			out = append(out, calc.Payment{Subject: st.Subject, Rule: st.Rule, Amount: m.Amount - have, Note: st.Note})
			sum[k] = m.Amount
		}
	}
	return out
}

// storedAliases joins the amounts on record under a person's two subjects (personAliases): both
// get what the store keeps when the two records are written in the order they were uploaded
// (store.MergePaid), so a payment stored under either meets the subsidy under the subject this
// ledger gives, and a correction stored under one is not undone by the other's older amount.
// copies are the records changed or added that way, to be stored under the other subject too
// (Evaluation.Carried).
func storedAliases(stored []store.Payment, aliases map[string]string) (all, copies []store.Payment) {
	if len(aliases) == 0 {
		return stored, nil
	}
	type key struct{ s, r string }
	at := make(map[key]int, len(stored))
	for i, p := range stored {
		at[key{p.Subject, p.Rule}] = i
	}
	all = slices.Clone(stored)
	for i, p := range stored {
		other, ok := aliases[p.Subject]
		if !ok {
			continue
		}
		k := key{other, p.Rule}
		j, has := at[k]
		if !has {
			c := p
			c.Subject = other
			at[k] = len(all)
			all = append(all, c)
			copies = append(copies, c)
			continue
		}
		if j < i {
			continue // joined when the first of the two was met
		}
		first, second := p, stored[j]
		if second.JobID < first.JobID {
			first, second = second, first
		}
		m := store.MergePaid(first, second)
		for _, idx := range []int{i, j} {
			cur := all[idx]
			if cur.Amount == m.Amount && cur.Period == m.Period && cur.JobID == m.JobID {
				continue
			}
			c := m
			c.Subject, c.Note = cur.Subject, cur.Note
			all[idx] = c
			copies = append(copies, c)
		}
	}
	return all, copies
}

// personAliases pairs the two subjects a laborer with an ID number is known by: 户编号/姓名 (a
// ledger without the ID number, calc.PersonSubject) and the ID number. A 稳岗补贴 paid in full as
// the 2026Q2 workbook recorded (no ID numbers) was owed again, 3000元, when the 2026Q3 务工就业清单
// gave the ID number: the payment stored was under the other subject.
func personAliases(in *calc.Inputs) map[string]string {
	out := map[string]string{}
	for _, l := range in.Laborers {
		id := calc.PersonSubject(l.Household, l.Name, l.IDNumber)
		hn := calc.PersonSubject(l.Household, l.Name, "")
		if l.Household == "" || id == hn {
			continue
		}
		out[id], out[hn] = hn, id
	}
	return out
}

// withAliases adds to pays (a ledger's payments) a copy of each payment to a person under the
// person's other subject (personAliases), unless pays has one there already: stored, a payment is
// found by either. The most paid per subject and rule stands, never a sum.
func withAliases(pays []calc.Payment, aliases map[string]string) []calc.Payment {
	if len(aliases) == 0 {
		return pays
	}
	type key struct{ s, r string }
	total := map[key]calc.Fen{}
	for _, p := range pays {
		total[key{p.Subject, p.Rule}] += p.Amount
	}
	out := slices.Clip(pays)
	for _, p := range pays {
		other, ok := aliases[p.Subject]
		if !ok {
			continue
		}
		k := key{other, p.Rule}
		if have, ok := total[k]; ok && have >= total[key{p.Subject, p.Rule}] {
			continue
		}
		amt := total[key{p.Subject, p.Rule}] - total[k]
		total[k] += amt
		out = append(out, calc.Payment{Subject: other, Rule: p.Rule, Amount: amt, Note: p.Note})
	}
	return out
}

// taskSheet is the ledger a task's rule reads (for subsidy_unpaid, the subsidy's rule: the last
// part of the task id). A rule not listed here is judged by any upload.
// householdSheetRules are the rules that read the household sheet alone.
var householdSheetRules = map[string]bool{"income_decrease": true, "income_flat": true, "income_downtrend": true,
	"income_below_local": true, "below_monitoring_line": true, "income_gap": true, "measure_missing": true,
	"rigid_spending_risk": true, "courtyard_suggestion": true}

var taskSheet = map[string]string{
	"measure_missing": ledger.KindHouseholds,
	"calf_sale":       ledger.KindLivestock, "lamb_sale": ledger.KindLivestock,
	"land_contract": ledger.KindLand, "land_entrust": ledger.KindLand,
	"job_help_needed": ledger.KindLaborers, "stable_job": ledger.KindLaborers, "flexible_job": ledger.KindLaborers,
	"transport":    ledger.KindLaborers,
	"project_lost": ledger.KindProjects, "courtyard_award": ledger.KindProjects,
	"no_linkage":          ledger.KindEntities,
	"absorption":          ledger.KindEmployers,
	"post_wage_lag":       ledger.KindPosts,
	"dibao_review_due":    ledger.KindDibao,
	"insurance_claim_due": ledger.KindInsurance,
	"filial_short":        ledger.KindFilial,
}

// judgesBySheets says which open tasks a ledger can judge: those whose rule reads a sheet the
// ledger has. Cadres keep and send each ledger as its own file; the 家庭收入台账 alone must not
// close (and report done) the calf subsidies and employment tasks an earlier full workbook raised.
func judgesBySheets(led *ledger.Ledger) func(id, rule string) bool {
	has := map[string]bool{}
	for _, si := range led.Sheets {
		if si.Kind != "" {
			has[si.Kind] = true
		}
	}
	return func(id, rule string) bool {
		if rule == "subsidy_unpaid" {
			rule = id[strings.LastIndex(id, "|")+1:]
		}
		kind, ok := taskSheet[rule]
		return !ok || has[kind]
	}
}

// evaluationOf is what the store keeps of an evaluation. The tasks of superseded households
// (a later quarter's ledger already covered them) are neither raised nor closed: an older
// ledger does not undo what a newer one says. Their history for the period is kept. Those a
// later year's ledger covered (lastYear) are judged for this year's subsidies owed alone
// (Evaluation.SubsidiesOnly).
func evaluationOf(j *store.Job, p calc.Period, in *calc.Inputs, res *calc.Result, superseded, lastYear map[string]bool) *store.Evaluation {
	ev := &store.Evaluation{JobID: j.ID, Platform: j.Platform, ChatID: j.ChatID, Period: p,
		Units: res.Units, Covered: map[string]bool{}}
	for _, t := range res.Tasks {
		if t.Household == "" || !superseded[t.Household] || (lastYear[t.Household] && t.Rule == "subsidy_unpaid") {
			ev.Tasks = append(ev.Tasks, t)
		}
	}
	for h, ok := range lastYear {
		if ok {
			if ev.SubsidiesOnly == nil {
				ev.SubsidiesOnly = map[string]bool{}
			}
			ev.SubsidiesOnly[h], ev.Covered[h] = true, true
		}
	}
	monitored := map[string]bool{}
	for _, f := range res.Findings {
		if f.Monitored {
			monitored[f.Household] = true
		}
		if f.Household == "" || !superseded[f.Household] {
			ev.Covered[f.Subject] = true
		}
	}
	// A ledger without 上年人均纯收入 is evaluated on last year's Q4 upload's per capita income
	// (calc, clause （一）): the point stored for its quarter keeps that base, or the quarters after
	// it left the point out of 有收入下降趋势 (a point without a base has no growth).
	lastQ4 := map[string]calc.Fen{}
	for _, pt := range in.PriorIncome {
		if pt.Period == (calc.Period{Year: p.Year - 1, Quarter: 4}) && pt.YTDPerCapita > 0 {
			lastQ4[pt.Household] = pt.YTDPerCapita
		}
	}
	for i := range in.Households {
		h := &in.Households[i]
		if !superseded[h.ID] {
			ev.Covered[h.ID] = true
		}
		base := h.LastYearPerCapita
		if b, ok := lastQ4[h.ID]; ok && base == nil {
			base = &b
		}
		pt := store.HouseholdPoint{Household: h.ID, Name: h.Head, Unit: h.Unit, Cadre: h.Cadre,
			YTDPerCapita: calc.IncomeToDate(p, h), BasePerCapita: base, Monitored: monitored[h.ID],
			Members: h.Members, Category: h.Category, Labor: h.Labor, LaborLostWhy: h.LaborLostWhy}
		ev.Households = append(ev.Households, pt)
	}
	for _, e := range in.Entities {
		ev.Covered[e.Name] = true
	}
	for _, e := range in.Employers {
		ev.Covered[e.Name] = true
	}
	return ev
}

// unknownCadres are the responsible cadres named in the result but missing from the roster.
// They are named in the uploading chat and recorded for the admins.
func (s *Service) unknownCadres(ctx context.Context, ev *connectors.Event, res *calc.Result) []string {
	cadres := s.Config().Roster.Cadres
	seen := map[string]bool{}
	noted := map[string]bool{}
	var out []string
	for _, t := range res.Tasks {
		if t.Cadre == "" || rosterCadre(cadres, t.Cadre, t.Unit) >= 0 {
			continue
		}
		// Recorded with the unit: a namesake of a cadre in the roster is told apart by it.
		if k := t.Cadre + "\x00" + t.Unit.County + "\x00" + t.Unit.Township + "\x00" + t.Unit.Village; !noted[k] {
			noted[k] = true
			_, _ = s.st.NoteUnknownCadre(ctx, t.Cadre, t.Unit, ev.Platform, ev.ChatID, s.clock.Now())
		}
		if !seen[t.Cadre] {
			seen[t.Cadre] = true
			out = append(out, t.Cadre)
		}
	}
	sort.Strings(out)
	return out
}

// replyText is the short message sent with the result workbook. It goes to a group chat:
// household names are masked and ID numbers never appear.
func replyText(name string, p calc.Period, led *ledger.Ledger, res *calc.Result, saved *store.SaveResult, unknown []string, platform, mode string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "已处理《%s》（%s）\n", name, p.Chinese())
	mask := nameMasker(&led.Inputs)
	var sheets []string
	for _, si := range led.Sheets {
		if si.Kind == "" {
			continue
		}
		// A sheet may be named after its household (“包玉山户”, with the ID number even).
		sheets = append(sheets, fmt.Sprintf("%s“%s”%d行", ledger.KindNames[si.Kind], mask.Replace(redact.Text(si.Name)), si.DataRows))
	}
	if len(sheets) > 0 {
		fmt.Fprintf(&b, "读取：%s\n", strings.Join(sheets, "；"))
	}
	sum := ledger.Summarize(led, res)
	flags := map[string]int{} // monitoring flags only
	for _, f := range res.Findings {
		if f.Monitored {
			flags[f.Rule]++
		}
	}
	fmt.Fprintf(&b, "纳入增收监测：%d户", sum.Monitored)
	if len(flags) > 0 {
		var parts []string
		n := 0
		for _, r := range calc.Rules {
			if k := flags[r.ID]; k > 0 {
				parts = append(parts, fmt.Sprintf("%s%d户", r.Title, k))
				n += k
			}
		}
		overlap := ""
		if n > sum.Monitored { // a household both 收入同比减少 and 低于监测标准 is one household
			overlap = "，一户可同时有多项"
		}
		fmt.Fprintf(&b, "（%s）%s", strings.Join(parts, "、"), overlap)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "应享补贴：合计%s，已发放%s%s，未发放%s\n", sum.Owed.Text(), sum.Paid.Text(), ledger.OverpaidNote(sum.Overpaid), sum.Unpaid.Text())
	if saved != nil {
		b.WriteString(correctionText(saved.Lowered, led, res))
	}
	byCadre := map[string]int{}
	for _, t := range res.Tasks {
		c := t.Cadre
		if c == "" {
			c = "未填写帮扶责任人"
		}
		byCadre[c]++
	}
	fmt.Fprintf(&b, "待办事项：%d项", len(res.Tasks))
	if saved != nil {
		fmt.Fprintf(&b, "（新增%d项，本次上传确认已完成%d项）", len(saved.NewTasks), len(saved.ClosedTasks))
	}
	if len(byCadre) > 0 {
		names := make([]string, 0, len(byCadre))
		for c := range byCadre {
			names = append(names, c)
		}
		sort.Strings(names)
		var parts []string
		for _, c := range names {
			parts = append(parts, fmt.Sprintf("%s %d项", c, byCadre[c]))
		}
		fmt.Fprintf(&b, "；%s", strings.Join(parts, "，"))
	}
	b.WriteString("\n")
	problems := ledger.Problems(led, res) // as the 问题清单 sheet lists them: one message per cell
	if len(problems) > 0 {
		fmt.Fprintf(&b, "表格问题：%d处，详见“%s”工作表，例如：\n", len(problems), ledger.SheetProblems)
		for i, e := range problems {
			if i == 3 {
				break
			}
			fmt.Fprintf(&b, " · %s\n", maskProblemNames(mask.Replace(problemText(e))))
		}
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(&b, "提示：%s\n", redact.Text(w))
	}
	if mode == ledger.ModeSheet {
		// A large ledger: its sheets are left as they are and the workbook opens on them.
		fmt.Fprintf(&b, "结果已写回工作簿（见附件）：原表未改动，每户的计算结果在“%s”工作表（按原表行号对应），汇总见“%s”，问题见“%s”。",
			ledger.SheetResults, ledger.SheetSummary, ledger.SheetProblems)
	} else {
		b.WriteString("结果已写回工作簿（见附件）：打开即为“汇总”，每户右侧新增【增收计算】列，问题见“问题清单”。")
	}
	if led.Encrypted {
		b.WriteString("结果工作簿已用原文件的密码加密。")
	}
	if len(unknown) > 0 {
		fmt.Fprintf(&b, "\n以下帮扶责任人不在名册中，无法私信提醒：%s。请管理员在配置 roster.cadres 中添加。", strings.Join(unknown, "、"))
	}
	return b.String()
}

// correctionText says which amounts on record as paid this upload lowered (its 已发放 corrects an
// earlier upload's): their number and at most three of them, names masked, never an ID number.
// A person's two subjects (ID number, 户编号/姓名) are one item.
func correctionText(lowered []store.PaymentChange, led *ledger.Ledger, res *calc.Result) string {
	if len(lowered) == 0 {
		return ""
	}
	aliases := personAliases(&led.Inputs)
	type key struct{ s, r string }
	names := map[key]string{} // the subject's name in the findings of its subsidy
	for _, f := range res.Findings {
		if _, ok := names[key{f.Subject, f.Rule}]; !ok && f.SubjectName != "" {
			names[key{f.Subject, f.Rule}] = f.SubjectName
		}
	}
	heads := map[string]string{}
	for _, h := range led.Inputs.Households {
		heads[h.ID] = h.Head
	}
	for _, f := range res.Findings { // a ledger without a household sheet: the heads the store knows
		if f.Household != "" && f.Subject == f.Household && f.SubjectName != "" && heads[f.Household] == "" {
			heads[f.Household] = f.SubjectName
		}
	}
	people := map[string]string{}
	for _, l := range led.Inputs.Laborers {
		people[calc.PersonSubject(l.Household, l.Name, l.IDNumber)] = l.Name
		people[calc.PersonSubject(l.Household, l.Name, "")] = l.Name
	}
	// An entity (吸纳就业奖补 to a 合作社) is named as the ledger names it: it is no person; a
	// person's name inside it (包玉山养殖场) is masked as anywhere in the reply.
	entities := map[string]bool{}
	for _, e := range led.Inputs.Employers {
		entities[e.Name] = true
	}
	for _, e := range led.Inputs.Entities {
		entities[e.Name] = true
	}
	mask := nameMasker(&led.Inputs)
	seen := map[key]bool{}
	n := 0
	var examples []string
	for _, c := range lowered {
		if seen[key{c.Subject, c.Rule}] || seen[key{aliases[c.Subject], c.Rule}] {
			continue
		}
		seen[key{c.Subject, c.Rule}] = true
		n++
		if len(examples) == 3 {
			continue
		}
		who := ""
		if head, ok := heads[c.Subject]; ok {
			if head != "" {
				who = redact.Name(head) + "户"
			}
		} else if entities[c.Subject] {
			who = mask.Replace(c.Subject)
		} else if name := cmp.Or(names[key{c.Subject, c.Rule}], people[c.Subject]); name != "" {
			who = redact.Name(name)
		}
		title := c.Rule
		if r, ok := calc.RuleByID(c.Rule); ok {
			title = r.Title
		}
		if who == "" {
			continue // no name to show (an ID number never is): counted only
		}
		examples = append(examples, fmt.Sprintf("%s%s %s→%s", who, title, c.From.Text(), c.To.Text()))
	}
	eg := ""
	if len(examples) > 0 {
		eg = "（如" + strings.Join(examples, "；") + "）"
	}
	return fmt.Sprintf("已发放更正：%d项金额低于此前上传的记录，已按本次台账更正%s\n", n, eg)
}

// personMasker masks ID and phone numbers and the names of every person the store knows
// (household heads, laborers): for text bound for a group or a log when the ledger at hand gave
// no names (it could not be read, or the text is a command typed in the chat).
func (s *Service) personMasker(ctx context.Context) func(string) string {
	names, err := s.st.PersonNames(ctx)
	if err != nil {
		s.log.WithError(err).Warn("mask: person names")
	}
	seen := map[string]bool{}
	var pairs []string
	for _, n := range names {
		n = strings.TrimSpace(n)
		if len([]rune(n)) >= 2 && !seen[n] {
			seen[n] = true
			pairs = append(pairs, n, redact.Name(n))
		}
	}
	r := strings.NewReplacer(pairs...)
	return func(t string) string { return r.Replace(redact.Text(t)) }
}

// maskedError is an error whose text is masked for the log; errors.As/Is still see the cause.
type maskedError struct {
	text string
	err  error
}

func (e *maskedError) Error() string { return e.text }
func (e *maskedError) Unwrap() error { return e.err }

// nameMasker masks the names of the ledger's people (包玉山 → 包*山) in text bound for a group.
func nameMasker(in *calc.Inputs) *strings.Replacer {
	seen := map[string]bool{}
	var pairs []string
	add := func(n string) {
		if len([]rune(n)) >= 2 && !seen[n] {
			seen[n] = true
			pairs = append(pairs, n, redact.Name(n))
		}
	}
	for _, h := range in.Households {
		add(h.Head)
	}
	for _, l := range in.Laborers {
		add(l.Name)
	}
	for _, p := range in.Posts {
		add(p.Name)
	}
	return strings.NewReplacer(pairs...)
}

var (
	// headInProblem is a household head named by a problem about a row that matches no household
	// (在家庭台账中找不到这一户（红旗村户主欧阳玉山），请核对): that name is in no sheet the
	// ledger's names come from, so nameMasker does not know it.
	headInProblem = regexp.MustCompile(`户主(\p{Han}[\p{Han}·]{1,5})([，）])`)
	// loneLabel is the only cell of a row read as a section title (第7行只有“包玉山”一项): often a
	// household's name typed before the rest of its row.
	loneLabel = regexp.MustCompile(`只有“(\p{Han}{2,4})”一项`)
)

// maskProblemNames masks the names the reader quotes from cells it could not place, in a
// problem bound for the group.
func maskProblemNames(s string) string {
	s = headInProblem.ReplaceAllStringFunc(s, func(m string) string {
		g := headInProblem.FindStringSubmatch(m)
		return "户主" + redact.Name(g[1]) + g[2]
	})
	return loneLabel.ReplaceAllStringFunc(s, func(m string) string {
		return "只有“" + redact.Name(loneLabel.FindStringSubmatch(m)[1]) + "”一项"
	})
}

// problemText is one data problem in plain Chinese with sheet, row and column.
func problemText(e calc.DataError) string {
	var loc []string
	if e.Sheet != "" {
		loc = append(loc, "“"+e.Sheet+"”")
	}
	if e.Row > 0 {
		loc = append(loc, fmt.Sprintf("第%d行", e.Row))
	}
	if e.Column != "" {
		loc = append(loc, "“"+e.Column+"”列")
	}
	return redact.Text(strings.Join(loc, "")) + "：" + truncate(redact.Text(e.Message), 120)
}
