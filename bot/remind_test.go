package bot_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
	"zengshou/calc/ledger"
	"zengshou/config"
)

func at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, shanghai)
}

// uploadAndStart uploads a ledger on Monday 2026-11-30 10:00 and starts the scheduler (its first
// tick sends nothing from before now).
func uploadAndStart(t *testing.T, h *harness) {
	h.upload("红旗村群", "台账.xlsx", 30, 11, q4())
	h.drain()
	if err := h.svc.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(h.messages("reminder")); n != 0 {
		t.Fatalf("the first tick must not send reminders: %d", n)
	}
}

func (h *harness) tickAt(t time.Time) []string {
	h.t.Helper()
	before := len(h.messages(""))
	h.clock.Set(t)
	if err := h.svc.Tick(context.Background()); err != nil {
		h.t.Fatal(err)
	}
	var kinds []string
	for _, m := range h.messages("")[before:] {
		kinds = append(kinds, m.Kind)
	}
	return kinds
}

func count(kinds []string, k string) int {
	n := 0
	for _, x := range kinds {
		if x == k {
			n++
		}
	}
	return n
}

func TestDigestOncePerCadreAndRepeatInterval(t *testing.T) {
	h := newHarness(t, nil)
	uploadAndStart(t, h)
	// One digest per recipient: 王建军 (in the roster) alone, the cadres outside the roster together
	// in the chat their ledger came from.
	open, _ := h.st.OpenTasks(context.Background())
	recipients := map[string]bool{}
	for _, tk := range open {
		if tk.Cadre == "王建军" {
			recipients["wangjj"] = true
		} else {
			recipients["红旗村群"] = true
		}
	}
	if len(recipients) != 2 {
		t.Fatalf("the ledger should have tasks for 王建军 and for cadres outside the roster: %v", recipients)
	}
	want := len(recipients)
	sent := h.tickAt(at(2026, 12, 1, 9, 0))
	if got := count(sent, "reminder"); got != want {
		t.Fatalf("digests on 12-01: %d, want one per recipient (%d)", got, want)
	}
	var group []string
	for _, m := range h.messages("reminder") {
		if m.Chat == "红旗村群" {
			group = append(group, m.Text)
		}
	}
	if len(group) != 1 || strings.Count(group[0], "帮扶责任人：") < 2 {
		t.Fatalf("the cadres outside the roster share one group message naming each: %q", group)
	}
	// The cadre in the roster gets a direct message with household names whole.
	var direct bool
	for _, m := range h.messages("reminder") {
		if len(m.To) == 1 && m.To[0] == "wangjj" {
			direct = true
			if !strings.Contains(m.Text, "王建军，您好") || !strings.Contains(m.Text, "依据《若干措施》") || !strings.Contains(m.Text, "期限") {
				t.Errorf("direct digest: %s", m.Text)
			}
		} else if m.Chat == "红旗村群" && strings.Contains(m.Text, "王建军") {
			t.Errorf("王建军 is in the roster; his digest must not go to the group: %s", m.Text)
		}
	}
	if !direct {
		t.Fatal("no direct digest for the cadre in the roster")
	}
	// Same content, within 72 h: nothing. After 72 h: again.
	if got := count(h.tickAt(at(2026, 12, 2, 9, 0)), "reminder"); got != 0 {
		t.Fatalf("12-02: %d digests, want 0 (repeat interval)", got)
	}
	if got := count(h.tickAt(at(2026, 12, 3, 9, 0)), "reminder"); got != 0 {
		t.Fatalf("12-03: %d digests, want 0 (72h not yet passed)", got)
	}
	if got := count(h.tickAt(at(2026, 12, 4, 9, 0)), "reminder"); got != want {
		t.Fatalf("12-04: %d digests, want %d (72h passed)", got, want)
	}
	// A second tick in the same slot sends nothing more.
	if got := len(h.tickAt(at(2026, 12, 4, 9, 30))); got != 0 {
		t.Fatalf("second tick in the same slot sent %d messages", got)
	}
}

func TestQuietHoursHolidaysAndWorkdaysDefer(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Reminders.Holidays = []time.Time{calc.Day(2026, 12, 1)} // a Tuesday off
		c.Reminders.Workdays = []time.Time{calc.Day(2026, 12, 5)} // a Saturday worked (调休)
		c.Reminders.RepeatInterval = 24 * time.Hour
		c.Summaries.Weekly = ""
		c.Summaries.Quarterly = false
	})
	uploadAndStart(t, h)
	if got := len(h.tickAt(at(2026, 11, 30, 22, 0))); got != 0 {
		t.Fatalf("quiet hours (22:00): sent %d", got)
	}
	if got := len(h.tickAt(at(2026, 12, 1, 9, 0))); got != 0 {
		t.Fatalf("holiday: sent %d", got)
	}
	// Deferred, not dropped: the next working time sends the digest once.
	sent := h.tickAt(at(2026, 12, 2, 8, 0))
	if count(sent, "reminder") == 0 {
		t.Fatal("the deferred digest must go out at the next working time")
	}
	h.tickAt(at(2026, 12, 3, 9, 0))
	h.tickAt(at(2026, 12, 4, 9, 0))
	if got := count(h.tickAt(at(2026, 12, 5, 9, 0)), "reminder"); got == 0 {
		t.Fatal("a 调休 Saturday is a working day")
	}
	if got := len(h.tickAt(at(2026, 12, 6, 9, 0))); got != 0 {
		t.Fatalf("an ordinary Sunday: sent %d", got)
	}
}

func TestClockJumpSendsOnePass(t *testing.T) {
	h := newHarness(t, nil)
	uploadAndStart(t, h)
	open, _ := h.st.OpenTasks(context.Background())
	cadres := map[string]bool{}
	for _, tk := range open {
		cadres[tk.Cadre] = true
	}
	sent := h.tickAt(at(2026, 12, 9, 9, 0)) // 9 days later in one jump
	if got := count(sent, "reminder"); got > 2*len(cadres) {
		t.Fatalf("after a 9-day jump: %d reminder messages; at most one digest per cadre plus escalations", got)
	}
}

func TestEscalationAfterNRemindersWithFairWarning(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Reminders.EscalateAfter = 2
		c.Reminders.RepeatInterval = 24 * time.Hour
		c.Summaries.Weekly = ""
		c.Summaries.Quarterly = false
	})
	uploadAndStart(t, h)
	h.tickAt(at(2026, 12, 1, 9, 0)) // 1st reminder
	second := len(h.messages(""))
	h.tickAt(at(2026, 12, 2, 9, 0)) // 2nd reminder: warns
	warned := false
	for _, m := range h.messages("")[second:] {
		if len(m.To) == 1 && m.To[0] == "wangjj" && strings.Contains(m.Text, "将报告巴林左旗林东镇领导") {
			warned = true
		}
		if m.To != nil && len(m.To) == 1 && m.To[0] == "leader1" {
			t.Fatalf("escalated before the warning was given: %s", m.Text)
		}
	}
	if !warned {
		t.Fatalf("the 2nd digest must warn before escalation; got %+v", h.messages("")[second:])
	}
	third := len(h.messages(""))
	h.tickAt(at(2026, 12, 3, 9, 0)) // reminded twice: escalated now, once
	var esc []string
	for _, m := range h.messages("")[third:] {
		if strings.Contains(m.Text, "上报】") {
			esc = append(esc, m.Text)
			if len(m.To) != 1 || m.To[0] != "leader1" {
				t.Errorf("escalation went to %v, want the township leader", m.To)
			}
			if strings.Contains(m.Text, "身份证") || containsID(m.Text) {
				t.Errorf("escalation shows an ID number: %s", m.Text)
			}
		}
	}
	if len(esc) != 1 {
		t.Fatalf("escalations on 12-03: %d, want 1", len(esc))
	}
	h.tickAt(at(2026, 12, 4, 9, 0))
	for _, m := range h.messages("")[third+1:] {
		if strings.Contains(m.Text, "上报】") && m.Time.After(at(2026, 12, 3, 23, 0)) {
			t.Fatal("a task is escalated only once")
		}
	}
}

// A corrected upload that records the measures as done closes their tasks, and the next digest
// says so.
func TestCorrectedUploadClosesTasksAndDigestAcknowledges(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.Summaries.Weekly = ""; c.Summaries.Quarterly = false })
	dir := filepath.Join(h.dir, "inbox", "红旗村群")
	os.MkdirAll(dir, 0o755)
	src := filepath.Join(t.TempDir(), "台账.xlsx")
	if err := ledger.GenerateFile(src, 30, 11, q4()); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(src)
	os.WriteFile(filepath.Join(dir, "台账.xlsx"), b, 0o644)
	h.scan()
	h.drain()
	h.svc.Tick(context.Background())
	ctx := context.Background()
	before, _ := h.st.OpenTasks(ctx)
	missing := 0
	for _, tk := range before {
		if tk.Rule == "measure_missing" {
			missing++
		}
	}
	if missing == 0 {
		t.Fatal("the generated ledger should have monitored households without a finished measure")
	}
	h.tickAt(at(2026, 12, 1, 9, 0))

	// The cadre records every measure as done and uploads again.
	led, err := ledger.Read(src, ledger.ReadOptions{Period: calc.Period{Year: 2026, Quarter: 4}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, si := range led.Sheets {
		if si.Kind != ledger.KindHouseholds {
			continue
		}
		for _, c := range si.Columns {
			if c.Field != "measure" && c.Field != "measure_done" {
				continue
			}
			col, _ := excelize.ColumnNumberToName(c.Index)
			for _, hh := range led.Inputs.Households {
				v := "是"
				if c.Field == "measure" {
					v = "发展养殖"
				}
				f.SetCellValue(si.Name, col+strconv.Itoa(hh.Row), v)
			}
		}
	}
	staged := filepath.Join(t.TempDir(), "fixed.xlsx")
	if err := f.SaveAs(staged); err != nil {
		t.Fatal(err)
	}
	f.Close()
	b, _ = os.ReadFile(staged)
	os.WriteFile(filepath.Join(dir, "台账-已落实.xlsx"), b, 0o644)
	h.clock.Set(at(2026, 12, 1, 15, 0))
	h.scan()
	h.drain()
	reply := h.messages("reply")
	if last := reply[len(reply)-1].Text; !strings.Contains(last, "本次上传确认已完成") || strings.Contains(last, "确认已完成0项") {
		t.Fatalf("the second reply must count the closed tasks: %s", last)
	}
	after, _ := h.st.OpenTasks(ctx)
	for _, tk := range after {
		if tk.Rule == "measure_missing" {
			t.Fatalf("measure_missing still open after the measures were recorded done: %+v", tk)
		}
	}
	n := len(h.messages(""))
	h.tickAt(at(2026, 12, 2, 9, 0)) // content changed: a digest goes out within the repeat interval
	acked := false
	for _, m := range h.messages("")[n:] {
		if strings.Contains(m.Text, "已完成（最新台账确认，已销号）") {
			acked = true
		}
	}
	if !acked {
		t.Fatalf("the next digest must acknowledge the closed tasks: %+v", h.messages("")[n:])
	}
}
