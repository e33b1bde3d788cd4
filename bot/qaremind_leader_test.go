package bot_test

import (
	"context"
	"strings"
	"testing"

	"zengshou/config"
)

// The warning before an escalation names the leaders it goes to. With a leader of the whole city
// (unit: {}, as README shows) listed before the township's, it read “将报告（未填写单位）领导”.
// It names the nearest level: the township's leaders.
func TestQaremindWarningNamesTheNearestLeaders(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Reminders.EscalateAfter = 1 // the first digest warns
		c.Summaries.Weekly = ""
		c.Summaries.Quarterly = false
		c.Roster.Leaders = append([]config.Leader{{Name: "市领导", Unit: config.Unit{}, IDs: config.IDs{"local": "city1"}}}, c.Roster.Leaders...)
	})
	h.drop(h.lifeInbox("红旗村群"), "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军")))
	h.drain()
	if err := h.svc.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.tickAt(at(2026, 12, 1, 9, 0))
	d := h.directTo("wangjj")
	if len(d) != 1 {
		t.Fatalf("digests to 王建军: %q", d)
	}
	if !strings.Contains(d[0], "请注意：第1项如下次提醒前仍未完成（或已逾期），将报告巴林左旗林东镇领导。") {
		t.Errorf("the warning must name the township's leaders:\n%s", d[0])
	}
	h.tickAt(at(2026, 12, 4, 9, 0)) // the next reminder (72 h): escalated, to both levels
	if len(qaremindEscalations(h, "leader1")) != 1 || len(qaremindEscalations(h, "city1")) != 1 {
		t.Errorf("escalations: township %d, city %d; want 1 each", len(qaremindEscalations(h, "leader1")), len(qaremindEscalations(h, "city1")))
	}
}

// With only a leader of the whole city, the warning says 全市领导 (as summaries name the scope).
func TestQaremindWarningNamesTheCityLeaders(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Reminders.EscalateAfter = 1
		c.Summaries.Weekly = ""
		c.Summaries.Quarterly = false
		c.Roster.Leaders = []config.Leader{{Name: "市领导", Unit: config.Unit{}, IDs: config.IDs{"local": "city1"}}}
	})
	h.drop(h.lifeInbox("红旗村群"), "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军")))
	h.drain()
	if err := h.svc.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.tickAt(at(2026, 12, 1, 9, 0))
	d := h.directTo("wangjj")
	if len(d) != 1 || !strings.Contains(d[0], "将报告全市领导。") {
		t.Errorf("the warning must name the city's leaders:\n%q", d)
	}
}
