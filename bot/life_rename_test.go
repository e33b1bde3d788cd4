package bot_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
)

func (h *harness) lastReply() string {
	h.t.Helper()
	r := h.messages("reply")
	if len(r) == 0 {
		h.t.Fatal("no reply")
	}
	return r[len(r)-1].Text
}

func (h *harness) latestPeriod(household string) calc.Period {
	h.t.Helper()
	lp, err := h.st.LatestPeriods(context.Background(), []string{household})
	if err != nil {
		h.t.Fatal(err)
	}
	return lp[household]
}

func (h *harness) paid(subject string, year int) calc.Fen {
	h.t.Helper()
	pays, err := h.st.Payments(context.Background(), []string{subject}, year)
	if err != nil {
		h.t.Fatal(err)
	}
	var sum calc.Fen
	for _, p := range pays {
		sum += p.Amount
	}
	return sum
}

// openTaskKeys are the open tasks as id#year, sorted.
func (h *harness) openTaskKeys() []string {
	h.t.Helper()
	open, err := h.st.OpenTasks(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, tk := range open {
		out = append(out, fmt.Sprintf("%s#%d", tk.ID, tk.Year))
	}
	sort.Strings(out)
	return out
}

var (
	q4of2026 = calc.Period{Year: 2026, Quarter: 4}
	q1of2027 = calc.Period{Year: 2027, Quarter: 1}
)

// On 6 January 2027 红旗村 sends its 2026Q4 ledger unnamed (5 calves sold, 600元 of the 1000元 paid,
// the measure not done): it is evaluated for 2027Q1 (2026's income as 2027Q1's, the 600元 paid as
// 2027's, the 400元 still owed as a 2027 task) and the reply proposes renaming it
// “2026年第4季度台账.xlsx”. The renamed copy sent the next day withdraws all that and is evaluated
// as any 2026Q4 upload: the store's tasks are those of the 2026Q4 upload alone, and in April the
// calf subsidy of 2027 is owed, not taken as paid.
func TestRenamedUploadWithdrawsTheGuessedQuarter(t *testing.T) {
	book := func() any {
		return lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军"), "牲畜台账", lifeLivestock(5, 600))
	}
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	h.clock.Set(time.Date(2027, 1, 6, 10, 0, 0, 0, shanghai))
	h.drop(dir, "红旗村台账.xlsx", book().(*excelize.File))
	h.drain()
	if r := h.lastReply(); !strings.Contains(r, "文件名未写明季度") || !strings.Contains(r, "（2027年第1季度，") {
		t.Fatalf("the unnamed upload is not evaluated for 2027Q1 with the hint:\n%s", r)
	}
	if lp, paid := h.latestPeriod("HQ001"), h.paid("HQ001", 2027); lp != q1of2027 || paid != 60000 {
		t.Fatalf("the guessed upload stored: %v, paid in 2027 %d", lp, paid)
	}
	if got := openByRule(t, h, "subsidy_unpaid"); len(got) != 1 || got[0].Year != 2027 {
		t.Fatalf("the guessed upload raised the 400元 owed for 2027: %+v", got)
	}

	h.clock.Set(time.Date(2027, 1, 7, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", book().(*excelize.File))
	h.drain()
	reply := h.lastReply()
	if !strings.Contains(reply, "已撤销此前按2027年第1季度核算的《红旗村台账.xlsx》的结果（1户）") {
		t.Errorf("the reply does not say the guessed upload was withdrawn:\n%s", reply)
	}
	if strings.Contains(reply, "包玉山") || strings.Contains(reply, "已上传过更新的") {
		t.Errorf("reply:\n%s", reply)
	}
	if lp := h.latestPeriod("HQ001"); lp != q4of2026 {
		t.Errorf("HQ001's latest quarter stored is %v, want 2026Q4 (the guessed 2027Q1 point withdrawn)", lp)
	}
	if paid := h.paid("HQ001", 2027); paid != 0 {
		t.Errorf("2026's 600元 still stored as paid in 2027: %d", paid)
	}
	if paid := h.paid("HQ001", 2026); paid != 60000 {
		t.Errorf("2026's 600元 not stored for 2026: %d", paid)
	}
	for _, tk := range append(openByRule(t, h, "subsidy_unpaid"), openByRule(t, h, "measure_missing")...) {
		if tk.Year != 2026 || !tk.FirstSeen.Equal(h.clock.Now()) {
			t.Errorf("want the tasks raised by the 2026Q4 upload alone: %+v", tk)
		}
	}
	if len(openByRule(t, h, "measure_missing")) != 1 || len(openByRule(t, h, "subsidy_unpaid")) != 1 {
		t.Errorf("the 2026Q4 upload raises the measure and the 400元 owed: %v", h.openTaskKeys())
	}
	// The open tasks, and the reply's counts, are those of the 2026Q4 upload sent alone.
	ref := newHarness(t, nil)
	ref.clock.Set(h.clock.Now())
	ref.drop(ref.lifeInbox("红旗村群"), "2026年第4季度台账.xlsx", book().(*excelize.File))
	ref.drain()
	if got, want := h.openTaskKeys(), ref.openTaskKeys(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("open tasks %v, want those of the 2026Q4 upload alone %v", got, want)
	}
	if got, want := lineOf(reply, "待办事项"), lineOf(ref.lastReply(), "待办事项"); got != want {
		t.Errorf("reply: %q, want %q", got, want)
	}
	units, err := h.st.UnitSummaries(context.Background(), q1of2027)
	if err != nil {
		t.Fatal(err)
	}
	if len(units) != 0 {
		t.Errorf("the guessed upload's 2027Q1 summary rows stay: %+v", units)
	}

	// April: the 2027Q1 ledger has 3 calves sold in 2027 and nothing paid yet: 600元 owed.
	h.clock.Set(time.Date(2027, 4, 12, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2027年第1季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("已落实", "王建军"), "牲畜台账", lifeLivestock(3, 0)))
	h.drain()
	var owed2027 bool
	for _, tk := range openByRule(t, h, "subsidy_unpaid") {
		owed2027 = owed2027 || (tk.Year == 2027 && tk.Amount != nil && *tk.Amount == 60000)
	}
	if !owed2027 {
		t.Errorf("2027's calf subsidy is taken as paid (2026's 600元 stored as 2027's): %v\n%s", h.openTaskKeys(), h.lastReply())
	}
}

// Nothing is withdrawn by a ledger of another chat, by a renamed copy of an upload that named its
// quarter, by a ledger named for the guessed quarter itself, or after the window.
func TestRenamedUploadWithdrawsNothingElse(t *testing.T) {
	for _, c := range []struct {
		name        string
		first       string // the earlier upload's name
		second      string
		secondChat  string
		secondAt    time.Time
		wantVanish  bool
		wantLatestQ calc.Period
	}{
		{name: "other chat", first: "红旗村台账.xlsx", second: "2026年第4季度台账.xlsx", secondChat: "东风村群",
			secondAt: time.Date(2027, 1, 7, 10, 0, 0, 0, shanghai), wantLatestQ: q1of2027},
		{name: "named earlier upload", first: "2027年第1季度台账.xlsx", second: "2026年第4季度台账.xlsx", secondChat: "红旗村群",
			secondAt: time.Date(2027, 1, 7, 10, 0, 0, 0, shanghai), wantLatestQ: q1of2027},
		{name: "the guessed quarter itself", first: "红旗村台账.xlsx", second: "2027年第1季度台账.xlsx", secondChat: "红旗村群",
			secondAt: time.Date(2027, 1, 7, 10, 0, 0, 0, shanghai), wantLatestQ: q1of2027},
		{name: "after 31 days", first: "红旗村台账.xlsx", second: "2026年第4季度台账.xlsx", secondChat: "红旗村群",
			secondAt: time.Date(2027, 2, 8, 10, 0, 0, 0, shanghai), wantLatestQ: q1of2027},
		{name: "within 31 days", first: "红旗村台账.xlsx", second: "2026年第4季度台账.xlsx", secondChat: "红旗村群",
			secondAt: time.Date(2027, 2, 5, 10, 0, 0, 0, shanghai), wantVanish: true, wantLatestQ: q4of2026},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, nil)
			h.clock.Set(time.Date(2027, 1, 6, 10, 0, 0, 0, shanghai))
			h.drop(h.lifeInbox("红旗村群"), c.first, lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军"), "牲畜台账", lifeLivestock(3, 600)))
			h.drain()
			paid := h.paid("HQ001", 2027)
			h.clock.Set(c.secondAt)
			h.drop(h.lifeInbox(c.secondChat), c.second, lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军"), "牲畜台账", lifeLivestock(3, 600)))
			h.drain()
			reply := h.lastReply()
			if got := strings.Contains(reply, "已撤销"); got != c.wantVanish {
				t.Errorf("withdrawal %v, want %v:\n%s", got, c.wantVanish, reply)
			}
			if lp := h.latestPeriod("HQ001"); lp != c.wantLatestQ {
				t.Errorf("latest quarter %v, want %v", lp, c.wantLatestQ)
			}
			if got := h.paid("HQ001", 2027); (got == 0) != c.wantVanish || (!c.wantVanish && got != paid) {
				t.Errorf("paid in 2027: %d (before %d)", got, paid)
			}
		})
	}
}

// A task raised before the guessed upload is no task of its: the measure 2026Q3's ledger found
// not done survives the withdrawal as it was, whether the guessed upload saw it again (2026Q4's
// income taken for 2027Q1's is low too) or closed it (it is not: the household is monitored in
// 2026Q4, and the renamed copy finds it still open, not new). 2026's calf subsidy left unpaid,
// which the guessed upload moved aside for a 2027 one of its own, is 2026's again under its id.
func TestRenamedUploadKeepsTasksRaisedBefore(t *testing.T) {
	for _, c := range []struct {
		name string
		ytd  int // 本年累计工资性收入 of the 2026Q4 ledger
	}{{"seen again", 5000}, {"closed by the guess", 30000}} {
		t.Run(c.name, func(t *testing.T) {
			book := func(ytd int) *excelize.File {
				hh := lifeHH("未落实", "王建军")
				hh[1][9] = ytd
				return lifeBook(t, "家庭收入台账", hh, "牲畜台账", lifeLivestock(3, 0))
			}
			h := newHarness(t, nil)
			dir := h.lifeInbox("红旗村群")
			q3 := time.Date(2026, 10, 12, 10, 0, 0, 0, shanghai)
			h.clock.Set(q3)
			h.drop(dir, "2026年第3季度台账.xlsx", book(5000))
			h.drain()
			before := openByRule(t, h, "measure_missing")
			unpaid := openByRule(t, h, "subsidy_unpaid")
			if len(before) != 1 || len(unpaid) != 1 {
				t.Fatalf("2026Q3: %+v %+v", before, unpaid)
			}
			h.clock.Set(time.Date(2027, 1, 6, 10, 0, 0, 0, shanghai))
			h.drop(dir, "红旗村台账.xlsx", book(c.ytd))
			h.drain()
			if n := len(openByRule(t, h, "measure_missing")); (n == 1) != (c.ytd == 5000) {
				t.Fatalf("the guessed upload: %d measure tasks open", n)
			}
			h.clock.Set(time.Date(2027, 1, 7, 10, 0, 0, 0, shanghai))
			h.drop(dir, "2026年第4季度台账.xlsx", book(c.ytd))
			h.drain()
			reply := h.lastReply()
			if !strings.Contains(reply, "已撤销此前按2027年第1季度核算") {
				t.Errorf("reply:\n%s", reply)
			}
			after := openByRule(t, h, "measure_missing")
			if len(after) != 1 || after[0].ID != before[0].ID || !after[0].FirstSeen.Equal(q3) {
				t.Errorf("the measure raised in 2026Q3 did not survive: %+v", after)
			}
			got := openByRule(t, h, "subsidy_unpaid")
			if len(got) != 1 || got[0].ID != unpaid[0].ID || got[0].Year != 2026 || !got[0].FirstSeen.Equal(q3) || strings.HasPrefix(got[0].Explain, "2026年度") {
				t.Errorf("2026's unpaid calf subsidy: %+v, want %+v", got, unpaid)
			}
			if !strings.Contains(reply, "新增0项") {
				t.Errorf("the 2026Q4 upload raises nothing new:\n%s", reply)
			}
		})
	}
}

// A 牲畜台账 sent alone and unnamed stores no household point, only the payments (as 2027's) and
// tasks: its renamed copy withdraws those.
func TestRenamedLivestockLedgerWithdrawsThePayments(t *testing.T) {
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	h.clock.Set(time.Date(2026, 10, 12, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第3季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("已落实", "王建军"), "牲畜台账", lifeLivestock(0, 0)))
	h.drain()
	h.clock.Set(time.Date(2027, 1, 6, 10, 0, 0, 0, shanghai))
	h.drop(dir, "红旗村牲畜台账.xlsx", lifeBook(t, "牲畜台账", lifeLivestock(3, 600)))
	h.drain()
	if paid := h.paid("HQ001", 2027); paid != 60000 {
		t.Fatalf("the guessed upload stored as paid in 2027: %d", paid)
	}
	h.clock.Set(time.Date(2027, 1, 7, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度牲畜台账.xlsx", lifeBook(t, "牲畜台账", lifeLivestock(3, 600)))
	h.drain()
	if r := h.lastReply(); !strings.Contains(r, "已撤销此前按2027年第1季度核算的《红旗村牲畜台账.xlsx》的结果（1户）") {
		t.Errorf("reply:\n%s", r)
	}
	if paid := h.paid("HQ001", 2027); paid != 0 {
		t.Errorf("2026's 600元 still stored as paid in 2027: %d", paid)
	}
	if paid := h.paid("HQ001", 2026); paid != 60000 {
		t.Errorf("2026's 600元 not stored for 2026: %d", paid)
	}
}
