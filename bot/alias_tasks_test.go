package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"zengshou/bot/store"
	"zengshou/calc"
)

// A laborer is known by two subjects: the ID number when the ledger has one, else 户编号/姓名
// (calc.PersonSubject). The same measure for the same person is one task, whichever subject the
// ledger at hand gives.

// aliasID is 包玉山's ID number in these tests.
var aliasID = lifeID("15042219800101123")

// aliasDump lists tasks for a failure message.
func aliasDump(tasks []store.TaskRow) string {
	var s string
	for _, tk := range tasks {
		s += fmt.Sprintf("\n  %s due %s first %s reminders %d", tk.ID, tk.Due.Format("2006-01-02"), tk.FirstSeen.Format("2006-01-02 15:04"), tk.Reminders)
	}
	return s
}

// aliasToCadre is the messages to 王建军 (local id wangjj) sent since the n-th.
func (h *harness) aliasToCadre(n int) []string {
	d := h.directTo("wangjj")
	if n > len(d) {
		return nil
	}
	return d[n:]
}

// 包玉山's 稳岗补贴 (30% × 3 × 5000 = 4500, capped at 3000元 a person a year), 0 paid: one task of
// 3000元. The 2026Q3 workbook (sent in September) gives one subject, the 2026Q4 workbook the other. The task the
// cadre was reminded of in October stays: its id, due date (end of 2026Q4: one quarter after
// 2026Q3, tasks.due_quarters), first_seen and reminders count; the cadre is not told 已完成 and
// the reply counts no new task and none done.
func TestAliasTaskKeptWhenTheNextQuarterGivesTheOtherSubject(t *testing.T) {
	for _, c := range []struct{ name, q3ID, q4ID string }{
		{"ID number left out in Q4", aliasID, ""},
		{"ID number added in Q4", "", aliasID},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, nil)
			dir := h.lifeInbox("红旗村群")
			h.tickAt(at(2026, 9, 14, 9, 0)) // the first tick sends nothing
			h.clock.Set(at(2026, 9, 14, 10, 0))
			h.drop(dir, "2026年第3季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHouseholds(15000), "务工就业清单", lifeLaborers(c.q3ID, 0)))
			h.drain()
			q3 := openByRule(t, h, "subsidy_unpaid")
			if len(q3) != 1 || q3[0].Amount == nil || *q3[0].Amount != calc.Yuan(3000) {
				t.Fatalf("Q3: want one task of 3000元:%s", aliasDump(q3))
			}
			if want := (calc.Period{Year: 2026, Quarter: 4}).End(); !q3[0].Due.Equal(want) {
				t.Fatalf("Q3 task due %s, want the end of 2026Q4", q3[0].Due)
			}
			h.tickAt(at(2026, 9, 15, 9, 0))
			if d := h.aliasToCadre(0); len(d) != 1 || !strings.Contains(d[0], "稳岗") {
				t.Fatalf("Q3 digest to 王建军: %q", d)
			}
			q3 = openByRule(t, h, "subsidy_unpaid")
			if q3[0].Reminders != 1 {
				t.Fatalf("reminded once:%s", aliasDump(q3))
			}

			h.clock.Set(at(2026, 12, 14, 10, 0))
			h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHouseholds(30000), "务工就业清单", lifeLaborers(c.q4ID, 0)))
			h.drain()
			q4 := openByRule(t, h, "subsidy_unpaid")
			if len(q4) != 1 || q4[0].ID != q3[0].ID || !q4[0].Due.Equal(q3[0].Due) || !q4[0].FirstSeen.Equal(q3[0].FirstSeen) || q4[0].Reminders != 1 {
				t.Fatalf("Q4: want the Q3 task kept (id, due, first_seen, reminders):\nQ3:%s\nQ4:%s", aliasDump(q3), aliasDump(q4))
			}
			if *q4[0].Amount != calc.Yuan(3000) {
				t.Errorf("Q4 amount %v, want 3000元", *q4[0].Amount)
			}
			reply := h.lastReply()
			if !strings.Contains(reply, "新增0项") || strings.Contains(reply, "本次上传确认已完成1项") {
				t.Errorf("Q4 reply counts a new or a done task:\n%s", reply)
			}
			if closed, _ := h.st.ClosedUnacked(context.Background()); len(closed) != 0 {
				t.Errorf("closed tasks to report 已完成:%s", aliasDump(closed))
			}
			// The next digests: nothing 已完成, the subsidy listed once.
			n := len(h.directTo("wangjj"))
			h.tickAt(at(2026, 12, 15, 9, 0))
			h.tickAt(at(2026, 12, 18, 9, 0))
			for _, d := range h.aliasToCadre(n) {
				if strings.Contains(d, "已完成") || strings.Count(d, "稳岗") != 1 {
					t.Errorf("digest after Q4:\n%s", d)
				}
			}
			// Overdue from 2027-01-01: the unit's 落实不力 counts it (it was not given a fresh due date).
			over, err := h.st.OverdueTasks(context.Background(), at(2027, 1, 2, 0, 0))
			if err != nil {
				t.Fatal(err)
			}
			if len(over) != 1 || over[0].ID != q3[0].ID {
				t.Errorf("overdue on 2027-01-02:%s", aliasDump(over))
			}
		})
	}
}

// The household workbook (its 务工就业清单 without ID numbers) and the 务工就业清单 kept apart (with
// them) are sent the same quarter, in either order: one open task, one line in the digest.
func TestAliasOneTaskForTwoLedgersOfOneQuarter(t *testing.T) {
	for _, c := range []struct{ name, firstID, secondID string }{
		{"ID numbers second", "", aliasID},
		{"ID numbers first", aliasID, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, nil)
			dir := h.lifeInbox("红旗村群")
			h.tickAt(at(2026, 11, 30, 9, 0))
			h.clock.Set(at(2026, 11, 30, 10, 0))
			h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHouseholds(30000), "务工就业清单", lifeLaborers(c.firstID, 0)))
			h.drain()
			first := openByRule(t, h, "subsidy_unpaid")
			if len(first) != 1 {
				t.Fatalf("first upload:%s", aliasDump(first))
			}
			h.clock.Set(at(2026, 11, 30, 11, 0))
			h.drop(dir, "2026年第4季度务工就业清单.xlsx", sheetFile(t, "务工就业清单", lifeLaborers(c.secondID, 0)))
			h.drain()
			got := openByRule(t, h, "subsidy_unpaid")
			if len(got) != 1 || got[0].ID != first[0].ID {
				t.Fatalf("after the second ledger: want the first task alone:%s", aliasDump(got))
			}
			if reply := h.lastReply(); !strings.Contains(reply, "新增0项") {
				t.Errorf("second reply:\n%s", reply)
			}
			h.tickAt(at(2026, 12, 1, 9, 0))
			d := h.aliasToCadre(0)
			if len(d) != 1 || strings.Count(d[0], "稳岗") != 1 {
				t.Errorf("digest: want the subsidy once:\n%s", strings.Join(d, "\n---\n"))
			}
		})
	}
}

// The 务工就业清单 sent alone without ID numbers records the 稳岗补贴 paid in full: the task the
// workbook with ID numbers raised is done (the ledger speaks for the person under either
// subject), and the cadre is told so once.
func TestAliasPaidUnderTheOtherSubjectClosesTheTask(t *testing.T) {
	for _, c := range []struct{ name, firstID, secondID string }{
		{"ID numbers first", aliasID, ""},
		{"ID numbers second", "", aliasID},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, nil)
			dir := h.lifeInbox("红旗村群")
			h.tickAt(at(2026, 11, 30, 9, 0))
			h.clock.Set(at(2026, 11, 30, 10, 0))
			h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHouseholds(30000), "务工就业清单", lifeLaborers(c.firstID, 0)))
			h.drain()
			if got := openByRule(t, h, "subsidy_unpaid"); len(got) != 1 {
				t.Fatalf("first upload:%s", aliasDump(got))
			}
			h.clock.Set(at(2026, 12, 1, 10, 0))
			h.drop(dir, "2026年第4季度务工就业清单.xlsx", sheetFile(t, "务工就业清单", lifeLaborers(c.secondID, 3000)))
			h.drain()
			if got := openByRule(t, h, "subsidy_unpaid"); len(got) != 0 {
				t.Fatalf("3000元 paid under the other subject, yet open:%s\n%s", aliasDump(got), h.lastReply())
			}
			if reply := h.lastReply(); !strings.Contains(reply, "本次上传确认已完成1项") {
				t.Errorf("reply:\n%s", reply)
			}
		})
	}
}

// 撤销 of the 2026Q4 upload that kept the 2026Q3 task under the other subject: the task is an
// earlier upload's and stays open with its due date (Undo deletes only the tasks an upload raised
// first); nothing is reopened or deleted. (Before, 撤销 deleted the Q4 upload's new task and
// reopened the Q3 one it had closed.)
func TestAliasUndoOfTheUploadThatKeptTheTask(t *testing.T) {
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	h.clock.Set(at(2026, 10, 12, 10, 0))
	h.drop(dir, "2026年第3季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHouseholds(15000), "务工就业清单", lifeLaborers(aliasID, 0)))
	h.drain()
	q3 := openByRule(t, h, "subsidy_unpaid")
	h.clock.Set(at(2026, 12, 14, 10, 0))
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHouseholds(30000), "务工就业清单", lifeLaborers("", 0)))
	h.drain()
	no := uploadNo(t, h.lastReply())
	reply := h.say("红旗村群", uploader, fmt.Sprintf("撤销 %d", no))
	if !strings.Contains(reply, "已撤销") {
		t.Fatalf("撤销: %s", reply)
	}
	// The task is the Q3 upload's: 撤销 of Q4 neither deletes nor reopens one for it.
	if !strings.Contains(reply, "的结果：涉及1户。") || strings.Contains(reply, "待办删除") || strings.Contains(reply, "恢复为未完成") {
		t.Errorf("撤销 reply:\n%s", reply)
	}
	got := openByRule(t, h, "subsidy_unpaid")
	if len(got) != 1 || len(q3) != 1 || got[0].ID != q3[0].ID || !got[0].Due.Equal(q3[0].Due) {
		t.Fatalf("after 撤销:\nQ3:%s\nnow:%s\n%s", aliasDump(q3), aliasDump(got), reply)
	}
	if closed, _ := h.st.ClosedUnacked(context.Background()); len(closed) != 0 {
		t.Errorf("closed tasks to report 已完成:%s", aliasDump(closed))
	}
}

// aliasPosts is 包玉山's 公益岗位 (护林员): 1100元 a month this year, 1200元 last year. The minimum
// wage of a 三类 county (巴林左旗) did not change between 2025 and 2026 (2140元 since 2024-12-01):
// this year's wage should be at least last year's, 100元 short (post_wage_lag).
func aliasPosts(id string) [][]any {
	return [][]any{
		{"序号", "旗县区", "苏木乡镇", "行政村", "户编号", "姓名", "身份证号", "岗位名称", "月工资", "上年月工资"},
		{1, "巴林左旗", "林东镇", "红旗村", "HQ001", "包玉山", id, "护林员", 1100, 1200},
	}
}

// The 公益岗位台账 is the same: the 2026Q3 ledger's wage task under one subject is kept when the
// 2026Q4 ledger gives the other, its due date (end of 2026Q4) and reminders with it.
func TestAliasPostWageTaskKeptUnderTheOtherSubject(t *testing.T) {
	for _, c := range []struct{ name, q3ID, q4ID string }{
		{"ID number left out in Q4", aliasID, ""},
		{"ID number added in Q4", "", aliasID},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, nil)
			dir := h.lifeInbox("红旗村群")
			h.clock.Set(at(2026, 9, 14, 10, 0))
			h.drop(dir, "2026年第3季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHouseholds(15000), "公益岗位台账", aliasPosts(c.q3ID)))
			h.drain()
			q3 := openByRule(t, h, "post_wage_lag")
			if len(q3) != 1 || q3[0].Amount == nil || *q3[0].Amount != calc.Yuan(100) {
				t.Fatalf("Q3: want one task, 100元 short:%s\n%s", aliasDump(q3), h.lastReply())
			}
			h.clock.Set(at(2026, 12, 14, 10, 0))
			h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHouseholds(30000), "公益岗位台账", aliasPosts(c.q4ID)))
			h.drain()
			q4 := openByRule(t, h, "post_wage_lag")
			if len(q4) != 1 || q4[0].ID != q3[0].ID || !q4[0].Due.Equal(q3[0].Due) {
				t.Fatalf("Q4: want the Q3 task kept:\nQ3:%s\nQ4:%s", aliasDump(q3), aliasDump(q4))
			}
			if reply := h.lastReply(); !strings.Contains(reply, "新增0项，本次上传确认已完成0项") {
				t.Errorf("Q4 reply:\n%s", reply)
			}
		})
	}
}

// A subsidy is owed per year (subsidy_unpaid ids by year, store.YearTaskID): 2026's 稳岗补贴 owed
// under the ID number is not 2027's. The 2027Q1 ledger without ID numbers owes 2027's 3000元 as a
// task of its own; 2026's stays open as it was (only a 2026 ledger settles it). The 2027Q2 ledger
// with ID numbers keeps 2027's task: still two tasks, each with its id and due date.
func TestAliasSubsidyOfAnotherYearIsAnotherTask(t *testing.T) {
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	h.clock.Set(at(2026, 12, 14, 10, 0))
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHouseholds(30000), "务工就业清单", lifeLaborers(aliasID, 0)))
	h.drain()
	y2026 := openByRule(t, h, "subsidy_unpaid")
	if len(y2026) != 1 {
		t.Fatalf("2026:%s", aliasDump(y2026))
	}
	h.clock.Set(at(2027, 4, 13, 10, 0))
	h.drop(dir, "2027年第1季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHouseholds(8000), "务工就业清单", lifeLaborers("", 0)))
	h.drain()
	q1 := openByRule(t, h, "subsidy_unpaid")
	byYear := map[int]store.TaskRow{}
	for _, tk := range q1 {
		byYear[tk.Year] = tk
	}
	if len(q1) != 2 || byYear[2026].Due != y2026[0].Due || byYear[2026].FirstSeen != y2026[0].FirstSeen || byYear[2027].ID == "" {
		t.Fatalf("2027Q1: want 2026's kept and 2027's new:\n2026:%s\nnow:%s\n%s", aliasDump(y2026), aliasDump(q1), h.lastReply())
	}
	h.clock.Set(at(2027, 7, 13, 10, 0))
	h.drop(dir, "2027年第2季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHouseholds(16000), "务工就业清单", lifeLaborers(aliasID, 0)))
	h.drain()
	q2 := openByRule(t, h, "subsidy_unpaid")
	ids := map[string]bool{}
	for _, tk := range q2 {
		ids[tk.ID] = true
	}
	if len(q2) != 2 || !ids[byYear[2026].ID] || !ids[byYear[2027].ID] {
		t.Fatalf("2027Q2: want the same two tasks:\nQ1:%s\nQ2:%s\n%s", aliasDump(q1), aliasDump(q2), h.lastReply())
	}
	if reply := h.lastReply(); !strings.Contains(reply, "新增0项，本次上传确认已完成0项") {
		t.Errorf("2027Q2 reply:\n%s", reply)
	}
}
