package bot_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/xuri/excelize/v2"

	"zengshou/bot"
	"zengshou/bot/store"
	"zengshou/calc"
	"zengshou/calc/ledger"
	"zengshou/config"
	"zengshou/connectors"
)

// A digest sent in the same pass as the escalation (Escalate runs first) must not warn that
// the escalated tasks "will be reported": they already were. It says so instead.
func TestDigestAfterEscalationSaysReportedNotWillReport(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Reminders.EscalateAfter = 2
		c.Reminders.RepeatInterval = 24 * time.Hour
		c.Summaries.Weekly = ""
		c.Summaries.Quarterly = false
	})
	uploadAndStart(t, h)
	h.tickAt(at(2026, 12, 1, 9, 0)) // 1st reminder
	h.tickAt(at(2026, 12, 2, 9, 0)) // 2nd reminder: the fair warning
	third := len(h.messages(""))
	h.tickAt(at(2026, 12, 3, 9, 0)) // reminded twice: escalated, then the day's digest
	var escalated, digest string
	for _, m := range h.messages("")[third:] {
		switch {
		case strings.Contains(m.Text, "上报】"):
			escalated = m.Text
		case len(m.To) == 1 && m.To[0] == "wangjj":
			digest = m.Text
		}
	}
	if escalated == "" || !strings.Contains(escalated, "王建军") {
		t.Fatalf("12-03 must escalate 王建军's tasks to the leader: %q", escalated)
	}
	if digest == "" {
		t.Fatal("12-03: no digest for 王建军 (24 h repeat interval passed)")
	}
	if strings.Contains(digest, "将报告") {
		t.Errorf("the digest warns of a report that was already made in the same pass:\n%s", digest)
	}
	if !strings.Contains(digest, "已报告巴林左旗林东镇领导") {
		t.Errorf("the digest must tell the cadre which tasks were reported to the leader:\n%s", digest)
	}
}

// A ledger named for an earlier quarter ("2026年第2季度台账.xlsx" uploaded on 2026-11-30, in
// Q4) is evaluated for that quarter. Its tasks must not be born overdue: with due_quarters 1 the
// policy's date is the end of Q3 (2026-09-30), already past, so the very first pass escalated
// them to the leaders before the cadre had a single reminder (no fair warning), and 进度 counted
// them as overdue. A task is due no earlier than the end of the quarter it was raised in
// (2026-12-31 here).
func TestBackdatedLedgerTasksAreNotBornOverdue(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.Summaries.Weekly = ""; c.Summaries.Quarterly = false })
	h.upload("红旗村群", "2026年第2季度台账.xlsx", 30, 11, ledger.GenOptions{Quarter: 2, Villages: 2})
	h.drain()
	replies := h.messages("reply")
	if len(replies) != 1 || !strings.Contains(replies[0].Text, "2026年第2季度") {
		t.Fatalf("the ledger must be evaluated for 2026Q2: %+v", replies)
	}
	ctx := context.Background()
	open, err := h.st.OpenTasks(ctx)
	if err != nil || len(open) == 0 {
		t.Fatalf("open tasks: %d %v", len(open), err)
	}
	endQ4 := calc.Day(2026, 12, 31) // end of the upload's quarter
	for _, tk := range open {
		if tk.Due.Before(endQ4) {
			t.Fatalf("task %s is due %s, before the end of the quarter it was raised in (2026-12-31)", tk.ID, tk.Due.Format("2006-01-02"))
		}
	}
	if err := h.svc.Tick(ctx); err != nil { // first tick: starts the schedules
		t.Fatal(err)
	}
	sent := h.tickAt(at(2026, 12, 1, 9, 0))
	for _, m := range h.messages("") {
		if strings.Contains(m.Text, "上报】") || strings.Contains(m.Text, "已逾期") {
			t.Fatalf("12-01, the first pass after the upload: %v; no task may be escalated or overdue yet:\n%s", sent, m.Text)
		}
	}
}

// The service's clock is the server's (UTC in a container); the leaders' summary dates its
// figures in Asia/Shanghai, like its schedule and its attachment's name. A weekly summary at
// Monday 07:30 in Shanghai is Sunday 23:30 UTC: it said "截至2026-12-06" (Sunday).
func TestSummaryDateIsShanghaiDateOnAUTCServer(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Summaries.Weekly = "Mon 07:30"
		c.Summaries.Quarterly = false
		c.Reminders.Enabled = false
		c.Reminders.QuietEnd = "07:00"
	})
	h.clock.Set(at(2026, 11, 30, 10, 0).UTC())
	uploadAndStart(t, h)
	h.tickAt(at(2026, 12, 7, 7, 30).UTC()) // 2026-12-06 23:30 UTC
	var sum []string
	for _, m := range h.messages("summary") {
		sum = append(sum, m.Text)
		if !strings.Contains(m.Text, "截至2026-12-07") {
			t.Errorf("summary sent Monday 2026-12-07 07:30 in Shanghai must be dated that day:\n%s", m.Text)
		}
	}
	if len(sum) == 0 {
		t.Fatal("no weekly summary on Monday 07:30")
	}
}

// An admin's “提醒” sends every digest, then records the command's result. A crash (or a failed
// store write) between the two reruns the command: the digests already sent must not go out a
// second time. Their keys named the clock's second, so a rerun a minute later sent them all again.
func TestRemindCommandRerunAfterCrashSendsNothingTwice(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.Summaries.Weekly = ""; c.Summaries.Quarterly = false })
	uploadAndStart(t, h)
	ctx := context.Background()
	ev := connectors.Event{Platform: "local", ID: "cmd-remind-1", Kind: connectors.EventText, ChatID: "红旗村群",
		ChatType: connectors.ChatGroup, SenderID: "admin1", Text: "提醒", Time: h.clock.Now()}
	if err := h.svc.Intake(ctx, ev); err != nil {
		t.Fatal(err)
	}
	h.drain()
	first := len(h.messages("reminder"))
	if first == 0 {
		t.Fatal("提醒 by an admin sent no digest")
	}
	// The process died after the digests and before the command's result was stored: at the
	// restart the job is queued again at its first stage.
	db, err := sql.Open("sqlite", filepath.Join(h.dir, "zengshou.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE jobs SET state = 'queued', stage = '', result = '', lease_owner = '', lease_until = 0, next_run_at = 0 WHERE message_id = ?`, ev.ID); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(time.Minute)
	h.drain()
	if got := len(h.messages("reminder")); got != first {
		t.Fatalf("the rerun of one 提醒 sent %d digests again", got-first)
	}
	replies := h.messages("reply")
	if last := replies[len(replies)-1].Text; !strings.Contains(last, "已发送提醒") {
		t.Fatalf("the admin still gets the command's answer: %s", last)
	}
}

// A daily pass deferred by a holiday (or a weekend) runs at the next working time, 08:00 when
// quiet hours end. That pass is the day's: the regular 09:00 slot an hour later must not run a
// second one. It did, every Monday: a cadre could get two digests in one morning, and tasks
// whose fair warning went out at 08:00 were reported to the leaders at 09:00.
func TestDeferredDailyPassIsTheDaysOnlyPass(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Reminders.EscalateAfter = 2
		c.Reminders.RepeatInterval = 24 * time.Hour
		c.Reminders.Holidays = []time.Time{calc.Day(2026, 12, 2)} // Wednesday off
		c.Summaries.Weekly = ""
		c.Summaries.Quarterly = false
	})
	uploadAndStart(t, h)                                                     // Monday 11-30 10:00
	if got := count(h.tickAt(at(2026, 12, 1, 9, 0)), "reminder"); got == 0 { // Tuesday: 1st digest
		t.Fatal("Tuesday 09:00: no digest")
	}
	if got := len(h.tickAt(at(2026, 12, 2, 9, 0))); got != 0 { // holiday: deferred
		t.Fatalf("holiday: %d messages", got)
	}
	deferred := h.tickAt(at(2026, 12, 3, 8, 0)) // Thursday, end of quiet hours: the deferred pass
	if count(deferred, "reminder") == 0 {
		t.Fatal("Thursday 08:00: the deferred digests must go out")
	}
	warned := false
	for _, m := range h.messages("reminder") {
		if len(m.To) == 1 && m.To[0] == "wangjj" && strings.Contains(m.Text, "将报告") && m.Time.Equal(at(2026, 12, 3, 8, 0)) {
			warned = true
		}
	}
	if !warned {
		t.Fatal("the 2nd digest (Thursday 08:00) must warn 王建军 before the report")
	}
	n := len(h.messages(""))
	if got := h.tickAt(at(2026, 12, 3, 9, 0)); len(got) != 0 {
		for _, m := range h.messages("")[n:] {
			t.Logf("%v %s", m.To, strings.SplitN(m.Text, "\n", 2)[0])
		}
		t.Fatalf("Thursday 09:00: %d more messages an hour after the day's pass; want none", len(got))
	}
	// The report comes at the next day's pass, a day after the warning.
	esc := 0
	for _, m := range h.messages("")[n:] {
		if strings.Contains(m.Text, "上报】") {
			esc++
		}
	}
	h.tickAt(at(2026, 12, 4, 9, 0))
	for _, m := range h.messages("") {
		if strings.Contains(m.Text, "上报】") {
			esc++
		}
	}
	if esc != 1 {
		t.Fatalf("escalations by Friday: %d, want 1 (on Friday)", esc)
	}
}

// Two responsible cadres with the same name in different villages (common names are common)
// are told apart by roster.cadres[].units. Each gets a digest of their own village's tasks
// only: the service ignored units, so the last 王建军 in the roster received both villages'
// households with their names whole, and the other 王建军 got nothing.
func TestSameNameCadresAreToldApartByUnits(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.Summaries.Weekly = ""; c.Summaries.Quarterly = false })
	// Three villages: the generator gives the first and the third village a cadre named 王建军.
	h.upload("林东镇群", "台账.xlsx", 90, 11, ledger.GenOptions{Quarter: 4, Villages: 3})
	h.drain()
	if err := h.svc.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	open, _ := h.st.OpenTasks(ctx)
	byVillage := map[string]int{} // 王建军's tasks, by village
	for _, tk := range open {
		if tk.Cadre == "王建军" {
			byVillage[tk.Unit.Village]++
		}
	}
	var villages []string
	for v := range byVillage {
		villages = append(villages, v)
	}
	sort.Strings(villages)
	if len(villages) != 2 {
		t.Fatalf("the generated ledger should give 王建军 tasks in two villages: %v", byVillage)
	}
	// The admin registers both 王建军, each with his village (a hot reload).
	cfg := *h.cfg
	cfg.Roster.Cadres = []config.Cadre{
		{Name: "王建军", IDs: config.IDs{"local": "wjj_a"}, Units: []config.Unit{{County: "巴林左旗", Township: "林东镇", Village: villages[0]}}},
		{Name: "王建军", IDs: config.IDs{"local": "wjj_b"}, Units: []config.Unit{{County: "巴林左旗", Township: "林东镇", Village: villages[1]}}},
	}
	h.svc.SetConfig(&cfg)
	h.tickAt(at(2026, 12, 1, 9, 0))
	got := map[string]string{}
	for _, m := range h.messages("reminder") {
		if len(m.To) == 1 {
			got[m.To[0]] += m.Text
		}
		if m.Chat != "" && strings.Contains(m.Text, "王建军") {
			t.Errorf("both 王建军 are in the roster; neither's digest belongs in the group: %s", m.Text)
		}
	}
	ids := map[string]int{"wjj_a": 0, "wjj_b": 1}
	for id, i := range ids {
		village, other := villages[i], villages[1-i]
		text := got[id]
		if text == "" {
			t.Errorf("%s (王建军 of %s) got no digest", id, village)
			continue
		}
		if want := fmt.Sprintf("共%d项", byVillage[village]); !strings.Contains(text, want) || strings.Contains(text, "（"+other+"）") {
			t.Errorf("%s (王建军 of %s) must get only %s's %d tasks:\n%s", id, village, village, byVillage[village], text)
		}
	}
	// 待办 answers each with their own village's tasks.
	for id, i := range ids {
		ev := connectors.Event{Platform: "local", ID: "todo-" + id, Kind: connectors.EventText, ChatType: connectors.ChatDirect,
			SenderID: id, Text: "待办", Time: h.clock.Now()}
		if err := h.svc.Intake(ctx, ev); err != nil {
			t.Fatal(err)
		}
		h.drain()
		replies := h.messages("reply")
		text := replies[len(replies)-1].Text
		if want := fmt.Sprintf("共%d项", byVillage[villages[i]]); !strings.Contains(text, want) {
			t.Errorf("待办 from %s: want %s (王建军's tasks in %s):\n%s", id, want, villages[i], text)
		}
	}
}

// Cadres type commands the way they type Chinese, without a space: “政策三”, “模板牲畜”,
// “进度红旗村” must be understood like “政策 三”, not answered with the help.
func TestCommandsWithoutSpace(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.Summaries.Weekly = ""; c.Summaries.Quarterly = false })
	uploadAndStart(t, h)
	ctx := context.Background()
	ask := func(text string) (string, string) {
		t.Helper()
		ev := connectors.Event{Platform: "local", ID: "q-" + text, Kind: connectors.EventText, ChatID: "红旗村群",
			ChatType: connectors.ChatGroup, SenderID: "someone", Text: text, Time: h.clock.Now()}
		if err := h.svc.Intake(ctx, ev); err != nil {
			t.Fatal(err)
		}
		h.drain()
		r := h.messages("reply")
		return r[len(r)-1].Text, r[len(r)-1].File
	}
	if got, _ := ask("政策三"); !strings.HasPrefix(got, "《若干措施》（三）") {
		t.Errorf("政策三: %s", got)
	}
	if got, file := ask("模板牲畜"); file == "" || !strings.Contains(file, "牲畜") {
		t.Errorf("模板牲畜: %q %s", file, got)
	}
	// 模板 全部: a reply carries one file; it must not claim to attach every template.
	if got, file := ask("模板 全部"); !strings.Contains(file, "家庭收入") || !strings.Contains(got, "共12种") || !strings.Contains(got, "模板 牲畜") {
		t.Errorf("模板 全部: %q %s", file, got)
	}
	if got, _ := ask("进度红旗村"); !strings.HasPrefix(got, "“红旗村”进度") {
		t.Errorf("进度红旗村: %s", got)
	}
	if got, _ := ask("汇总巴林左旗"); !strings.HasPrefix(got, "“巴林左旗”进度") {
		t.Errorf("汇总巴林左旗: %s", got)
	}
	if got, _ := ask("进度怎么看不了"); !strings.HasPrefix(got, "没有找到单位“怎么看不了”") {
		t.Errorf("进度怎么看不了: %s", got)
	}
}

// Villages upload their ledgers one by one. Each upload's township and county rows count only
// its own households, so the last village's upload stood for the whole township and county in
// 进度 and in the leaders' summaries (a county of 60 households showed 30). Those rows are the
// sum of the latest row of every village under them.
func TestTownshipAndCountyRowsSumEveryVillage(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.Summaries.Quarterly = false })
	h.upload("镇群", "全镇.xlsx", 60, 11, ledger.GenOptions{Quarter: 4, Villages: 2}) // 红旗村 30 + 东风村 30
	h.drain()
	h.upload("红旗村群", "红旗村.xlsx", 30, 12, ledger.GenOptions{Quarter: 4, Villages: 1}) // 红旗村 again, 30
	h.drain()
	ctx := context.Background()
	stored, err := h.st.UnitSummaries(ctx, calc.Period{})
	if err != nil {
		t.Fatal(err)
	}
	households, open, villages := 0, 0, 0
	for _, u := range stored {
		if u.Level == "village" {
			households += u.Households
			open += u.OpenTasks
			villages++
		}
	}
	if villages != 2 || households != 60 {
		t.Fatalf("the store should hold 红旗村 (latest upload) and 东风村 (first upload), 60 households: %d villages, %d", villages, households)
	}
	ev := connectors.Event{Platform: "local", ID: "p1", Kind: connectors.EventText, ChatID: "镇群", ChatType: connectors.ChatGroup,
		SenderID: "x", Text: "进度", Time: h.clock.Now()}
	if err := h.svc.Intake(ctx, ev); err != nil {
		t.Fatal(err)
	}
	h.drain()
	replies := h.messages("reply")
	text := replies[len(replies)-1].Text
	for _, want := range []string{fmt.Sprintf("· 巴林左旗：%d户", households), fmt.Sprintf("· 巴林左旗林东镇：%d户", households),
		fmt.Sprintf("待办%d项", open)} {
		if !strings.Contains(text, want) {
			t.Errorf("进度 must sum both villages (%s):\n%s", want, text)
		}
	}
	// The admin's weekly summary (whole city: county rows) says the same.
	if err := h.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	h.tickAt(at(2026, 12, 7, 8, 30))
	found := false
	for _, m := range h.messages("summary") {
		if len(m.To) == 1 && m.To[0] == "admin1" {
			found = true
			if want := fmt.Sprintf("· 巴林左旗：%d户", households); !strings.Contains(m.Text, want) {
				t.Errorf("admin summary must count both villages (%s):\n%s", want, m.Text)
			}
		}
	}
	if !found {
		t.Fatal("no weekly summary for the admin")
	}
}

// A ledger for an earlier quarter than one already uploaded for the same households (the Q2
// file sent again in December, after the Q4 one) is older news: it must not close the tasks the
// newer ledger raised, nor report them done. It closed every task its older rows no longer
// showed (a laborer hired in Q3 is not in the Q2 list) and said “本次上传确认已完成N项”.
func TestOlderQuarterLedgerChangesNoTasks(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.Summaries.Weekly = ""; c.Summaries.Quarterly = false })
	h.upload("镇群", "2026年第4季度台账.xlsx", 60, 11, ledger.GenOptions{Quarter: 4, Villages: 2})
	h.drain()
	ctx := context.Background()
	before, _ := h.st.OpenTasks(ctx)
	if len(before) == 0 {
		t.Fatal("the Q4 ledger should raise tasks")
	}
	h.upload("镇群", "2026年第2季度台账.xlsx", 60, 11, ledger.GenOptions{Quarter: 2, Villages: 2})
	h.drain()
	after, _ := h.st.OpenTasks(ctx)
	ids := map[string]bool{}
	for _, tk := range after {
		ids[tk.ID] = true
	}
	for _, tk := range before {
		if !ids[tk.ID] {
			t.Errorf("task %s raised by the Q4 ledger was closed by the older Q2 ledger", tk.ID)
		}
	}
	if len(after) != len(before) {
		t.Errorf("open tasks %d → %d: the older ledger must neither close nor add tasks of households with a newer ledger", len(before), len(after))
	}
	replies := h.messages("reply")
	last := replies[len(replies)-1].Text
	if !strings.Contains(last, "2026年第2季度") || !strings.Contains(last, "确认已完成0项") || !strings.Contains(last, "2026年第4季度") {
		t.Errorf("the reply must say the older ledger changes no tasks, and why:\n%s", last)
	}
}

// zengshou_reminders_total{what="deferred"} counts passes deferred, not scheduler ticks: the
// scheduler ticks every 30 s, and a digest pass held over a holiday added one per tick (2,880 a
// day for a single deferred pass).
func TestDeferredMetricCountsPassesNotTicks(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Reminders.Holidays = []time.Time{calc.Day(2026, 12, 1)}
		c.Summaries.Weekly = ""
		c.Summaries.Quarterly = false
	})
	uploadAndStart(t, h)
	for _, tm := range []time.Time{at(2026, 12, 1, 9, 0), at(2026, 12, 1, 9, 0).Add(30 * time.Second), at(2026, 12, 1, 9, 1), at(2026, 12, 1, 15, 0)} {
		h.tickAt(tm) // the holiday: one pass, deferred, whatever the number of ticks
	}
	srv := httptest.NewServer(h.svc.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := `zengshou_reminders_total{what="deferred"} 1` + "\n"; !strings.Contains(string(body), want) {
		for _, l := range strings.Split(string(body), "\n") {
			if strings.HasPrefix(l, "zengshou_reminders_total") {
				t.Log(l)
			}
		}
		t.Fatalf("want %q", want)
	}
}

// When the chat cannot be answered at all (the bot was removed from the group: a permanent
// send error), the job ends: the admins are told once. It was requeued every retry_base (2 s)
// for ever, calling the platform each time.
func TestReplyToAChatThatRefusesForeverEnds(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Roster.Admins = []config.Admin{{Name: "管理员", IDs: config.IDs{"local": "admin1"}}}
	})
	fc := newFxConn("fake", nil)
	h.withConnectors(fc)
	gone := &connectors.Error{Platform: "fake", Op: "send", HTTPStatus: 400, Msg: "bot is not in the chat", Permanent: true}
	for range 50 {
		fc.failSends(gone)
	}
	ev := connectors.Event{Platform: "fake", ID: "m-gone", Kind: connectors.EventText, ChatID: "oc_gone", ChatType: connectors.ChatGroup,
		SenderID: "u1", Text: "帮助"}
	if err := h.svc.Intake(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	h.mustWork()
	for range 5 { // a day later, and again: nothing left to do
		h.clock.Advance(24 * time.Hour)
		if ok, err := h.svc.WorkOnce(context.Background()); err != nil || ok {
			_, sends := fc.counts()
			t.Fatalf("the job is still being retried (%d sends to the chat so far)", sends)
		}
	}
	if j, _ := h.st.GetJob(context.Background(), 1); j.State != store.JobFailed {
		t.Fatalf("job %+v, want failed", j)
	}
	alerts := 0
	for _, m := range h.messages("") {
		if len(m.To) == 1 && m.To[0] == "admin1" && strings.Contains(m.Text, "回复发送失败") {
			alerts++
		}
	}
	if alerts != 1 {
		t.Fatalf("admin alerts: %d, want 1", alerts)
	}
}

// A task due 2027-03-31 may be done on 2027-03-31: it is overdue from 04-01, not from 08:00 on
// its due day (the due date is midnight UTC, 08:00 in Shanghai). The 09:00 pass of the due day
// reported it to the leaders as 已逾期 and the digest said so.
func TestTaskIsNotOverdueOnItsDueDay(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Reminders.EscalateAfter = 100 // only the due date escalates here
		c.Summaries.Weekly = ""
		c.Summaries.Quarterly = false
	})
	uploadAndStart(t, h) // 2026Q4 ledger: tasks due 2027-03-31
	open, _ := h.st.OpenTasks(context.Background())
	if len(open) == 0 || open[0].Due.In(shanghai).Format("2006-01-02") != "2027-03-31" {
		t.Fatalf("tasks should be due 2027-03-31: %+v", open[:min(1, len(open))])
	}
	n := len(h.messages(""))
	h.tickAt(at(2027, 3, 31, 9, 0)) // the due day (a Wednesday)
	for _, m := range h.messages("")[n:] {
		if strings.Contains(m.Text, "上报】") || strings.Contains(m.Text, "｜期限 2027-03-31（已逾期）") {
			t.Fatalf("on its due day a task is not overdue yet:\n%s", m.Text)
		}
	}
	n = len(h.messages(""))
	h.tickAt(at(2027, 4, 1, 9, 0))
	esc := 0
	for _, m := range h.messages("")[n:] {
		if strings.Contains(m.Text, "上报】") {
			esc++
		}
	}
	if esc == 0 {
		t.Fatal("the day after the due date the tasks are overdue and reported")
	}
}

// The leader's and the admin's summary workbooks are different files with different names: both
// were called 周报-2026-12-07.xlsx, and the local connector's direct folder kept only the last
// one written, so the leader's message pointed at the admin's whole-city workbook.
func TestSummaryWorkbooksAreNamedForTheirScope(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.Summaries.Quarterly = false; c.Reminders.Enabled = false })
	uploadAndStart(t, h)
	h.tickAt(at(2026, 12, 7, 8, 30))
	files := map[string]string{}
	for _, m := range h.messages("summary") {
		if len(m.To) == 1 {
			files[m.To[0]] = m.File
		}
	}
	if files["leader1"] == "" || files["admin1"] == "" {
		t.Fatalf("summaries with workbooks for the leader and the admin: %v", files)
	}
	if files["leader1"] == files["admin1"] {
		t.Fatalf("the leader's and the admin's workbooks are the same file: %s", files["leader1"])
	}
	if !strings.Contains(files["leader1"], "巴林左旗林东镇") || !strings.Contains(files["admin1"], "全市") {
		t.Errorf("workbook names must say whose they are: %v", files)
	}
}

// A file named after a household (“包玉山户台账.xlsx”) that cannot be read: the error reply in
// the chat names the file, as the cadre did; the service log must not carry the name.
func TestFailedFileNameStaysOutOfTheLog(t *testing.T) {
	h := newHarness(t, nil)
	dir := filepath.Join(h.dir, "inbox", "红旗村群")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "包玉山户台账.xlsx"), []byte("not a workbook at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.scan()
	h.drain()
	errs := h.messages("error")
	if len(errs) != 1 || !strings.Contains(errs[0].Text, "无法处理") {
		t.Fatalf("one error reply: %+v", errs)
	}
	if strings.Contains(h.logs.String(), "包玉山") {
		t.Fatalf("the log names the household:\n%s", h.logs.String())
	}
}

// Cadres keep and send each ledger as its own file. A workbook with only the 家庭收入台账 says
// nothing about the households' livestock or work: it must not close the calf/lamb subsidies or
// the employment tasks the earlier full ledger raised, nor report them done.
func TestLedgerWithoutASheetClosesNoTaskOfThatSheet(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.Summaries.Weekly = ""; c.Summaries.Quarterly = false })
	dir := filepath.Join(h.dir, "inbox", "红旗村群")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	full := filepath.Join(t.TempDir(), "full.xlsx")
	if err := ledger.GenerateFile(full, 30, 11, q4()); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(full)
	os.WriteFile(filepath.Join(dir, "台账.xlsx"), b, 0o644)
	h.scan()
	h.drain()
	ctx := context.Background()
	before, _ := h.st.OpenTasks(ctx)
	other := 0 // tasks from the livestock and work sheets
	for _, tk := range before {
		if tk.Rule == "job_help_needed" || strings.HasSuffix(tk.ID, "|calf_sale") || strings.HasSuffix(tk.ID, "|lamb_sale") ||
			strings.HasSuffix(tk.ID, "|stable_job") || strings.HasSuffix(tk.ID, "|flexible_job") || strings.HasSuffix(tk.ID, "|transport") {
			other++
		}
	}
	if other == 0 {
		t.Fatal("the full ledger should raise livestock and employment tasks")
	}
	// The same workbook with only its income sheet, sent again the same day.
	f, err := excelize.OpenFile(full)
	if err != nil {
		t.Fatal(err)
	}
	for _, sh := range f.GetSheetList() {
		if sh != "脱贫户收入台账" {
			if err := f.DeleteSheet(sh); err != nil {
				t.Fatal(err)
			}
		}
	}
	only := filepath.Join(t.TempDir(), "income.xlsx")
	if err := f.SaveAs(only); err != nil {
		t.Fatal(err)
	}
	f.Close()
	b, _ = os.ReadFile(only)
	os.WriteFile(filepath.Join(dir, "家庭收入台账.xlsx"), b, 0o644)
	h.scan()
	h.drain()
	replies := h.messages("reply")
	last := replies[len(replies)-1].Text
	if strings.Contains(last, "牲畜") || strings.Contains(last, "务工就业清单") {
		t.Fatalf("the second upload should hold only the income sheet:\n%s", last)
	}
	after, _ := h.st.OpenTasks(ctx)
	open := map[string]bool{}
	for _, tk := range after {
		open[tk.ID] = true
	}
	for _, tk := range before {
		if !open[tk.ID] && tk.Rule != "measure_missing" {
			t.Errorf("task %s (%s) closed by a workbook without its sheet", tk.ID, tk.Rule)
		}
	}
	if !strings.Contains(last, "确认已完成0项") {
		t.Errorf("the reply must not report the other sheets' tasks done:\n%s", last)
	}
}

// On WeCom and DingTalk cadres send ledgers to the bot in a direct chat. The digest for cadres
// outside the roster goes “to the chat the ledger came from”: for a direct chat that is the
// uploader, by direct message (names still masked: the uploader is not their cadre). It was
// sent as a group-chat message to a chat id that is a user (WeCom: appchat/send to a user id),
// which fails every day.
func TestUnknownCadreDigestForADirectUploadGoesToTheUploader(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.Summaries.Weekly = ""; c.Summaries.Quarterly = false })
	fc := newFxConn("fake", fxWorkbook(t, 30, 11))
	h.withConnectors(fc)
	ev := fxFileEvent("fake", "dm-1", "zhangsan")
	ev.ChatType, ev.SenderID = connectors.ChatDirect, "zhangsan" // WeCom: the chat of a direct message is the user
	ctx := context.Background()
	if err := h.svc.Intake(ctx, ev); err != nil {
		t.Fatal(err)
	}
	h.drain()
	if err := h.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	h.tickAt(at(2026, 12, 1, 9, 0))
	var digests []connectors.Message
	for _, m := range fc.messages() {
		if m.Kind == "reminder" {
			digests = append(digests, m)
		}
	}
	if len(digests) != 1 {
		t.Fatalf("one digest for the cadres outside the roster, to the uploader: %+v", digests)
	}
	d := digests[0]
	if d.ChatID != "" || len(d.UserIDs) != 1 || d.UserIDs[0] != "zhangsan" {
		t.Fatalf("the digest must be a direct message to the uploader: chat %q users %v", d.ChatID, d.UserIDs)
	}
	if !strings.Contains(d.Text, "*") {
		t.Errorf("names stay masked for the uploader:\n%s", d.Text)
	}
}

// 进度 for a county lists the county and its townships, not every village (a real 旗 has
// hundreds: a reply of hundreds of lines in the group); 进度 for a township lists its villages.
func TestProgressListsTheLevelBelow(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.Summaries.Weekly = ""; c.Summaries.Quarterly = false })
	h.upload("镇群", "台账.xlsx", 90, 11, ledger.GenOptions{Quarter: 4, Villages: 3})
	h.drain()
	ask := func(text string) string {
		t.Helper()
		ev := connectors.Event{Platform: "local", ID: "q-" + text, Kind: connectors.EventText, ChatID: "镇群",
			ChatType: connectors.ChatGroup, SenderID: "x", Text: text, Time: h.clock.Now()}
		if err := h.svc.Intake(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
		h.drain()
		r := h.messages("reply")
		return r[len(r)-1].Text
	}
	county := ask("进度 巴林左旗")
	if !strings.Contains(county, "· 巴林左旗：") || !strings.Contains(county, "· 巴林左旗林东镇：") || strings.Contains(county, "村：") {
		t.Errorf("进度 巴林左旗: the county and its townships only:\n%s", county)
	}
	if !strings.Contains(county, "进度 乡镇名") {
		t.Errorf("进度 巴林左旗 must say how to see the villages:\n%s", county)
	}
	town := ask("进度 林东镇")
	if strings.Count(town, "村：") != 3 || strings.Contains(town, "· 巴林左旗：") {
		t.Errorf("进度 林东镇: the township and its 3 villages:\n%s", town)
	}
}

// The result workbook cannot be sent (too big for the platform, or no permission to send files)
// while text still goes through: the cadre gets a plain explanation, not “回复发送失败”.
func TestResultThatCannotBeSentIsExplained(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Roster.Admins = []config.Admin{{Name: "管理员", IDs: config.IDs{"local": "admin1"}}}
	})
	fc := newFxConn("fake", fxWorkbook(t, 20, 3))
	h.withConnectors(fc)
	fc.failSends(&connectors.Error{Platform: "fake", Op: "send", HTTPStatus: 400, Msg: "file too large", Permanent: true})
	if err := h.svc.Intake(context.Background(), fxFileEvent("fake", "big-1", "oc_1")); err != nil {
		t.Fatal(err)
	}
	h.drain()
	msgs := fc.messages()
	if len(msgs) != 1 || msgs[0].Kind != "error" {
		t.Fatalf("one error reply after the result failed: %+v", msgs)
	}
	if text := msgs[0].Text; !strings.Contains(text, "已通知管理员") || !strings.Contains(text, "结果") {
		t.Errorf("the cadre must be told what failed and that the admins know: %q", text)
	}
}

// slowSendConn is a fake platform whose send takes a while (a big result on a slow link): the
// hook runs before each send.
type slowSendConn struct {
	*fxConn
	before func()
}

func (c *slowSendConn) Send(ctx context.Context, m connectors.Message) (string, error) {
	if c.before != nil {
		f := c.before
		c.before = nil
		f()
	}
	return c.fxConn.Send(ctx, m)
}

// A job's lease (parse_timeout + 2 min) covers each stage, renewed as the job moves on: a slow
// parse followed by a slow reply exceeded the lease taken at the claim, and another worker took
// the running job over and processed it a second time.
func TestLeaseRenewedAtEachStage(t *testing.T) {
	h := newHarness(t, nil)
	fc := &slowSendConn{fxConn: newFxConn("fake", fxWorkbook(t, 20, 3))}
	svc, err := bot.New(bot.Options{Config: h.cfg, Store: h.st, Connectors: []connectors.Connector{h.conn, fc}, Clock: h.clock,
		Log: logrus.NewEntry(h.logger()), DataDir: h.dir,
		Read: func(_ context.Context, path string, o ledger.ReadOptions) (*ledger.Ledger, error) {
			h.clock.Advance(3 * time.Minute) // a slow parse, within parse_timeout + 2 min
			return ledger.Read(path, o)
		}})
	if err != nil {
		t.Fatal(err)
	}
	h.svc = svc
	took := false
	fc.before = func() { // the reply upload takes 2 minutes more; meanwhile another worker looks for work
		h.clock.Advance(2 * time.Minute)
		ok, err := svc.WorkOnce(context.Background())
		if err != nil {
			t.Error(err)
		}
		took = ok
	}
	if err := svc.Intake(context.Background(), fxFileEvent("fake", "slow-1", "oc_1")); err != nil {
		t.Fatal(err)
	}
	h.mustWork()
	if took {
		t.Fatal("another worker took over the job while it was still replying")
	}
	if n := len(fc.messages()); n != 1 {
		t.Fatalf("replies: %d, want 1", n)
	}
}
