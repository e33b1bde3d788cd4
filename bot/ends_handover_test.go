package bot_test

import (
	"context"
	"strings"
	"testing"

	"zengshou/config"
)

// 包玉山's tasks (a measure the 家庭收入台账 judges, a calf subsidy only the 牲畜台账 does) were
// reported to the leaders for 王建军; then the household passed to 李建国. Both tasks kept
// “已报告”: 李建国's first digest said they had been reported to the leaders though he was never
// warned, and they were never reported for him. His reminders count afresh (escalate_after 1:
// his first digest warns), and the next reminder reports them again, naming him; the leaders'
// first report stands.
func TestEndsNewCadreIsWarnedBeforeAReportOfHisOwn(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		endsQuiet(c)
		c.Reminders.EscalateAfter = 1
		c.Roster.Cadres = append(c.Roster.Cadres, config.Cadre{Name: "李建国", IDs: config.IDs{"local": "lijg"}})
	})
	ctx := context.Background()
	dir := endsStart(t, h, "家庭收入台账", lifeHH("未落实", "王建军"), "牲畜台账", lifeLivestock(3, 0))
	h.tickAt(at(2026, 12, 1, 9, 0)) // 王建军's reminder: warns
	h.tickAt(at(2026, 12, 2, 9, 0)) // reported
	e := qaremindEscalations(h, "leader1")
	if len(e) != 1 || strings.Count(e[0], "帮扶责任人 王建军") != 2 {
		t.Fatalf("王建军's two tasks reported once: %q", e)
	}
	h.clock.Set(at(2026, 12, 2, 15, 0))
	h.drop(dir, "2026年第4季度家庭收入台账.xlsx", sheetFile(t, "家庭收入台账", lifeHH("未落实", "李建国")))
	h.drain()
	open, _ := h.st.OpenTasks(ctx)
	if len(open) != 2 {
		t.Fatalf("open tasks: %+v", open)
	}
	for _, tk := range open { // the measure: raised again; the calf subsidy: handed over unjudged
		if tk.Cadre != "李建国" || !tk.EscalatedAt.IsZero() || tk.Reminders != 0 {
			t.Errorf("task %s after the handover: cadre %s, reported at %v, %d reminders", tk.ID, tk.Cadre, tk.EscalatedAt, tk.Reminders)
		}
	}
	h.tickAt(at(2026, 12, 3, 9, 0))
	d := h.directTo("lijg")
	if len(d) != 1 || strings.Contains(d[0], "已报告") || !strings.Contains(d[0], "请注意：以上2项如下次提醒前仍未完成（或已逾期），将报告巴林左旗林东镇领导") {
		t.Fatalf("李建国's first digest warns, says nothing reported: %q", d)
	}
	if n := len(qaremindEscalations(h, "leader1")); n != 1 {
		t.Fatalf("reported again %d time(s) with 李建国's first reminder", n-1)
	}
	h.tickAt(at(2026, 12, 4, 9, 0))
	e = qaremindEscalations(h, "leader1")
	if len(e) != 2 || strings.Count(e[1], "帮扶责任人 李建国") != 2 || !strings.Contains(e[1], "以下2项待办经提醒仍未完成") {
		t.Fatalf("李建国's tasks reported after his warning: %q", e)
	}
	h.tickAt(at(2026, 12, 7, 9, 0))
	if n := len(qaremindEscalations(h, "leader1")); n != 2 {
		t.Fatalf("reported %d times, want 2 (once per cadre)", n)
	}
}
