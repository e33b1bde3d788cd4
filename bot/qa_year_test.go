package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"zengshou/calc/ledger"
	"zengshou/connectors"
)

// lastReply sends text to chat and returns the reply.
func (h *harness) ask(id, chat, text string) string {
	h.t.Helper()
	ev := connectors.Event{Platform: "local", ID: id, Kind: connectors.EventText, ChatID: chat, SenderID: "u", Text: text}
	if err := h.svc.Intake(context.Background(), ev); err != nil {
		h.t.Fatal(err)
	}
	h.drain()
	r := h.messages("reply")
	return r[len(r)-1].Text
}

func lineOf(text, prefix string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

// 红旗村 has uploaded for 2027Q1, 东风村 only for 2026Q4: the township's figures add the two
// villages' latest rows (unitSummaries: "the latest summary of every unit"), so each line
// must say which quarter(s) it covers rather than pass a mix off as one period.
func TestProgressAndSummaryNameThePeriodsTheyCover(t *testing.T) {
	h := newHarness(t, nil)
	h.clock.Set(time.Date(2026, 12, 20, 10, 0, 0, 0, shanghai))
	h.upload("群", "2026年第4季度台账.xlsx", 40, 7, ledger.GenOptions{Quarter: 4, Villages: 2}) // 红旗村 + 东风村
	h.drain()
	h.clock.Set(time.Date(2027, 4, 12, 10, 0, 0, 0, shanghai))                                       // Monday
	h.upload("群", "2027年第1季度台账.xlsx", 20, 7, ledger.GenOptions{Year: 2027, Quarter: 1, Villages: 1}) // 红旗村 only
	h.drain()

	text := h.ask("p1", "群", "进度 林东镇")
	for prefix, want := range map[string][]string{
		"· 巴林左旗林东镇：":    {"2026年第4季度", "2027年第1季度"},
		"· 巴林左旗林东镇红旗村：": {"2027年第1季度"},
		"· 巴林左旗林东镇东风村：": {"2026年第4季度"},
	} {
		l := lineOf(text, prefix)
		for _, w := range want {
			if !strings.Contains(l, w) {
				t.Errorf("进度 line %q does not name %s:\n%s", prefix, w, text)
			}
		}
	}
	if l := lineOf(text, "· 巴林左旗林东镇红旗村："); strings.Contains(l, "2026年第4季度") {
		t.Errorf("红旗村 is 2027Q1 only: %q", l)
	}

	if _, err := h.svc.SendSummaries(context.Background(), "weekly"); err != nil {
		t.Fatal(err)
	}
	var sum string
	for _, m := range h.messages("summary") {
		if strings.Contains(m.Text, "林东镇领导") {
			sum = m.Text
		}
	}
	if l := lineOf(sum, "· 巴林左旗林东镇红旗村："); !strings.Contains(l, "2027年第1季度") {
		t.Errorf("leader's summary: 红旗村 line does not name 2027Q1: %q\n%s", l, sum)
	}
	if l := lineOf(sum, "· 巴林左旗林东镇东风村："); !strings.Contains(l, "2026年第4季度") {
		t.Errorf("leader's summary: 东风村 line does not name 2026Q4: %q\n%s", l, sum)
	}
}

// A ledger sent on 2027-01-03 without a quarter in its name is evaluated for the quarter of
// the upload, 2027Q1 (README) — while in January a cadre is most likely sending 2026Q4's data.
// The reply says so and how to name the file for 2026Q4.
func TestUnnamedUploadInJanuarySaysItsQuarterAndHowToNameQ4(t *testing.T) {
	h := newHarness(t, nil)
	h.clock.Set(time.Date(2027, 1, 3, 10, 0, 0, 0, shanghai))
	h.upload("群", "台账.xlsx", 20, 7, ledger.GenOptions{Quarter: 4, Villages: 1})
	h.drain()
	r := h.messages("reply")
	if len(r) != 1 {
		t.Fatalf("replies: %+v", h.messages(""))
	}
	for _, want := range []string{"《台账.xlsx》（2027年第1季度，", "文件名未写明季度", "2026年第4季度"} {
		if !strings.Contains(r[0].Text, want) {
			t.Errorf("reply lacks %q:\n%s", want, r[0].Text)
		}
	}
	// A named file gets no such note.
	h.upload("群", "2026年第4季度台账.xlsx", 20, 7, ledger.GenOptions{Quarter: 4, Villages: 1})
	h.drain()
	r = h.messages("reply")
	if strings.Contains(r[len(r)-1].Text, "文件名未写明季度") {
		t.Errorf("named file got the naming note:\n%s", r[len(r)-1].Text)
	}
}

// A subsidy owed for 2026 and not paid stays owed in 2027: the 2027Q1 ledger counts calves sold
// and payments made in 2027 (caps reset on 1 January) and says nothing about 2026's debt, so it
// must not close (and report 已完成) a 2026 subsidy_unpaid task.
func TestNewYearLedgerDoesNotCloseLastYearsUnpaidSubsidies(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	h.clock.Set(time.Date(2026, 12, 20, 10, 0, 0, 0, shanghai))
	h.upload("群", "2026年第4季度台账.xlsx", 20, 7, ledger.GenOptions{Quarter: 4, Villages: 1})
	h.drain()
	open, _ := h.st.OpenTasks(ctx)
	unpaid2026 := map[string]bool{}
	for _, tk := range open {
		if tk.Rule == "subsidy_unpaid" {
			unpaid2026[tk.ID] = true
		}
	}
	if len(unpaid2026) == 0 {
		t.Fatal("the 2026Q4 ledger raises no subsidy_unpaid task")
	}
	h.clock.Set(time.Date(2027, 4, 12, 10, 0, 0, 0, shanghai))
	h.upload("群", "2027年第1季度台账.xlsx", 20, 7, ledger.GenOptions{Year: 2027, Quarter: 1, Villages: 1})
	h.drain()
	open, _ = h.st.OpenTasks(ctx)
	still := map[string]bool{}
	for _, tk := range open {
		still[tk.ID] = true
	}
	for id := range unpaid2026 {
		if !still[id] {
			t.Errorf("2026's unpaid subsidy %s was closed by the 2027Q1 ledger", id)
		}
	}
}
