package bot_test

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"zengshou/calc/ledger"
)

// A village sends its ledger every quarter (Q1..Q4 2026, then 2027Q1), each a few days after the
// quarter ends, the scheduler running daily in between. Every reply's 待办事项 count is the open
// tasks the store holds for the village afterwards (less last year's unpaid subsidies in 2027),
// its 新增 and 已完成 are what changed in the store, and no digest is sent twice the same day.
func TestFiveQuartersOfOneVillage(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	h.clock.Set(time.Date(2026, 4, 8, 10, 0, 0, 0, shanghai))
	if err := h.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`待办事项：(\d+)项（新增(\d+)项，本次上传确认已完成(\d+)项）`)
	ids := func() map[string]bool {
		open, _ := h.st.OpenTasks(ctx)
		out := map[string]bool{}
		for _, tk := range open {
			out[tk.ID] = true
		}
		return out
	}
	uploads := []struct {
		at      time.Time
		year, q int
	}{
		{time.Date(2026, 4, 8, 10, 0, 0, 0, shanghai), 2026, 1},
		{time.Date(2026, 7, 8, 10, 0, 0, 0, shanghai), 2026, 2},
		{time.Date(2026, 10, 12, 10, 0, 0, 0, shanghai), 2026, 3},
		{time.Date(2027, 1, 6, 10, 0, 0, 0, shanghai), 2026, 4},
		{time.Date(2027, 4, 7, 10, 0, 0, 0, shanghai), 2027, 1},
	}
	for i, u := range uploads {
		if i > 0 {
			// daily passes up to the upload
			for d := uploads[i-1].at.AddDate(0, 0, 1); d.Before(u.at); d = d.AddDate(0, 0, 1) {
				day := time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, shanghai)
				before := len(h.messages("reminder"))
				h.tickAt(day)
				seen := map[string]bool{}
				for _, m := range h.messages("reminder")[before:] {
					k := m.Chat + "|" + strings.Join(m.To, ",")
					if seen[k] {
						t.Fatalf("%s: two digests to %s", day.Format("01-02"), k)
					}
					seen[k] = true
				}
			}
		}
		h.clock.Set(u.at)
		prev := ids()
		name := fmt.Sprintf("%d年第%d季度台账.xlsx", u.year, u.q)
		h.upload("红旗村群", name, 30, 5, ledger.GenOptions{Year: u.year, Quarter: u.q, Villages: 1})
		h.drain()
		r := h.messages("reply")
		text := r[len(r)-1].Text
		m := re.FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("%s: reply:\n%s", name, text)
		}
		total, added, closed := atoiT(m[1]), atoiT(m[2]), atoiT(m[3])
		now := ids()
		var gotAdded, gotClosed, lastYear int
		for id := range now {
			if !prev[id] {
				gotAdded++
			}
		}
		for id := range prev {
			if !now[id] {
				gotClosed++
			}
		}
		open, _ := h.st.OpenTasks(ctx)
		for _, tk := range open {
			if tk.Year < u.year {
				lastYear++
			}
		}
		if added != gotAdded || closed != gotClosed || total != len(now)-lastYear {
			t.Errorf("%s: reply says %d tasks (%d new, %d done); store: %d open (%d of last year), %d new, %d closed",
				name, total, added, closed, len(now), lastYear, gotAdded, gotClosed)
		}
	}
}

func atoiT(s string) int { n, _ := strconv.Atoi(s); return n }
