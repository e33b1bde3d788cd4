package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"zengshou/calc/ledger"
	"zengshou/config"
)

// Over 元旦 (2027-01-01..03 holidays): nothing is sent on a holiday, the 2027Q1 调度 summary goes
// once, at the first working time (Mon 2027-01-04 08:00, quiet hours' end), and the weekly
// summary once in the week of 2027-01-04.
func TestNewYearHolidaysScheduleRunsOnce(t *testing.T) {
	d := func(y int, m time.Month, dd int) time.Time { return time.Date(y, m, dd, 0, 0, 0, 0, time.UTC) }
	h := newHarness(t, func(c *config.Config) {
		c.Reminders.Holidays = []time.Time{d(2027, 1, 1), d(2027, 1, 2), d(2027, 1, 3)}
		c.Reminders.Workdays = []time.Time{d(2027, 1, 9)}
	})
	h.clock.Set(time.Date(2026, 12, 20, 10, 0, 0, 0, shanghai))
	h.upload("群", "2026年第4季度台账.xlsx", 20, 7, ledger.GenOptions{Quarter: 4, Villages: 1})
	h.drain()
	h.svc.Tick(context.Background())
	for tm := time.Date(2026, 12, 30, 0, 0, 0, 0, shanghai); tm.Before(time.Date(2027, 1, 12, 12, 0, 0, 0, shanghai)); tm = tm.Add(10 * time.Minute) {
		h.clock.Set(tm)
		if err := h.svc.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
		h.drain()
	}
	quarterly, weekly := map[string]int{}, map[string]int{}
	for _, m := range h.messages("") {
		if m.Kind == "reply" {
			continue
		}
		day := m.Time.In(shanghai).Format("2006-01-02")
		if day >= "2027-01-01" && day <= "2027-01-03" {
			t.Errorf("%s sent on a holiday %s: %.40s", m.Kind, day, m.Text)
		}
		if m.Kind == "summary" && strings.Contains(m.Text, "季度调度") && strings.Contains(strings.Join(m.To, ","), "leader1") {
			quarterly[day]++
		}
		if m.Kind == "summary" && strings.Contains(m.Text, "周报") && strings.Contains(strings.Join(m.To, ","), "leader1") && day >= "2027-01-04" && day <= "2027-01-10" {
			weekly[day]++
		}
	}
	if fmt.Sprint(quarterly) != "map[2027-01-04:1]" {
		t.Errorf("quarterly 调度 to the leader: %v, want once on 2027-01-04", quarterly)
	}
	if fmt.Sprint(weekly) != "map[2027-01-04:1]" {
		t.Errorf("weekly summary to the leader in the week of 2027-01-04: %v, want once on 2027-01-04", weekly)
	}
}
