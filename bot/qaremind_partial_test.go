package bot_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"zengshou/config"
)

// A task goes to the township's leader (on the local connector) and the county's (on WeCom).
// WeCom fails when the task is first reported: the township's leader has it, and the task was
// marked reported, so the county's leader never heard of it. Each leader now gets it once: the
// county's at the next pass, the township's not again.
func TestQaremindEscalationReachesALeaderWhosePlatformFailedOnce(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Reminders.EscalateAfter = 1
		c.Reminders.RepeatInterval = 24 * time.Hour
		c.Summaries.Weekly = ""
		c.Summaries.Quarterly = false
		c.Roster.Leaders = append(c.Roster.Leaders, config.Leader{Name: "巴林左旗领导", Unit: config.Unit{County: "巴林左旗"}, IDs: config.IDs{"wecom": "county1"}})
	})
	wecom := newFxConn("wecom", nil)
	h.withConnectors(wecom)
	h.drop(h.lifeInbox("红旗村群"), "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军")))
	h.drain()
	h.tickAt(at(2026, 11, 30, 10, 30)) // the scheduler's first tick
	h.tickAt(at(2026, 12, 1, 9, 0))    // reminded once
	wecom.failSends(errors.New("wecom: errcode 45009 api freq out of limit"))
	h.tickAt(at(2026, 12, 2, 9, 0)) // reported: WeCom fails
	if n := len(qaremindEscalations(h, "leader1")); n != 1 {
		t.Fatalf("escalations to the township's leader on 12-02: %d, want 1", n)
	}
	if n := len(wecom.messages()); n != 0 {
		t.Fatalf("WeCom accepted %d messages while failing", n)
	}
	h.tickAt(at(2026, 12, 3, 9, 0))
	h.tickAt(at(2026, 12, 4, 9, 0))
	var county []string
	for _, m := range wecom.messages() {
		if strings.Contains(m.Text, "上报】") && len(m.UserIDs) == 1 && m.UserIDs[0] == "county1" {
			county = append(county, m.Text)
		}
	}
	if len(county) != 1 || !strings.Contains(county[0], "包*山") {
		t.Fatalf("escalations to the county's leader: %q, want 1 after WeCom recovered", county)
	}
	if n := len(qaremindEscalations(h, "leader1")); n != 1 {
		t.Fatalf("escalations to the township's leader: %d, want still 1", n)
	}
}
