package bot_test

import (
	"context"
	"strings"
	"testing"
)

func lifeHH(measureDone string, cadre string) [][]any {
	return [][]any{
		{"旗县区", "苏木乡镇", "行政村", "户编号", "户主姓名", "户类型", "家庭人口", "劳动能力", "上年人均纯收入", "本年累计工资性收入", "帮扶责任人", "帮扶措施", "措施是否落实"},
		{"巴林左旗", "林东镇", "红旗村", "HQ001", "包玉山", "脱贫户", 4, "有劳动能力", 9000, 30000, cadre, "发展养殖", measureDone},
	}
}

func (h *harness) directTo(id string) []string {
	var out []string
	for _, m := range h.messages("reminder") {
		if len(m.To) == 1 && m.To[0] == id {
			out = append(out, m.Text)
		}
	}
	return out
}

// A village's 2026Q4 workbook has a measure not done and a calf subsidy unpaid; the cadre is
// reminded. The corrected workbook of the same quarter (measure done, 600元 paid) closes both;
// the next digest says 已完成 and lists nothing open. The corrected workbook sent again changes
// nothing and sends nothing.
func TestCorrectedReuploadClosesTasksAndTheNextDigestSaysDone(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	dir := h.lifeInbox("红旗村群")
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军"), "牲畜台账", lifeLivestock(3, 0)))
	h.drain()
	if err := h.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	open, _ := h.st.OpenTasks(ctx)
	if len(open) != 2 {
		t.Fatalf("want 2 open tasks (measure, calf subsidy): %+v", open)
	}
	h.tickAt(at(2026, 12, 1, 9, 0))
	d := h.directTo("wangjj")
	if len(d) != 1 || !strings.Contains(d[0], "包玉山") {
		t.Fatalf("digest to 王建军: %q", d)
	}
	h.clock.Set(at(2026, 12, 1, 15, 0))
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("已落实", "王建军"), "牲畜台账", lifeLivestock(3, 600)))
	h.drain()
	r := h.messages("reply")
	if last := r[len(r)-1].Text; !strings.Contains(last, "待办事项：0项（新增0项，本次上传确认已完成2项）") {
		t.Errorf("corrected upload reply:\n%s", last)
	}
	h.tickAt(at(2026, 12, 2, 9, 0))
	d = h.directTo("wangjj")
	if len(d) != 2 || !strings.Contains(d[1], "已完成") || strings.Count(d[1], "包玉山") < 1 {
		t.Fatalf("the digest after the corrected upload must say 已完成: %q", d)
	}
	if open, _ := h.st.OpenTasks(ctx); len(open) != 0 {
		t.Errorf("open after the corrected upload: %+v", open)
	}
	// The same workbook again: no task, and no digest.
	h.clock.Set(at(2026, 12, 2, 15, 0))
	h.drop(dir, "2026年第4季度台账(1).xlsx", lifeBook(t, "家庭收入台账", lifeHH("已落实", "王建军"), "牲畜台账", lifeLivestock(3, 600)))
	h.drain()
	r = h.messages("reply")
	if last := r[len(r)-1].Text; !strings.Contains(last, "待办事项：0项（新增0项，本次上传确认已完成0项）") {
		t.Errorf("same workbook again:\n%s", last)
	}
	for _, day := range []int{3, 4, 7, 8} {
		if got := count(h.tickAt(at(2026, 12, day, 9, 0)), "reminder"); got != 0 {
			t.Errorf("12-%02d: %d reminders after everything was done", day, got)
		}
	}
}

// The first workbook sent twice (a cadre sends it again the same day): one set of tasks, one
// digest.
func TestSameWorkbookTwiceIsOneSetOfTasksAndOneDigest(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	dir := h.lifeInbox("红旗村群")
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军"), "牲畜台账", lifeLivestock(3, 0)))
	h.drain()
	if err := h.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	h.clock.Set(at(2026, 11, 30, 16, 0))
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军"), "牲畜台账", lifeLivestock(3, 0)))
	h.drain()
	r := h.messages("reply")
	if len(r) != 2 || !strings.Contains(r[1].Text, "待办事项：2项（新增0项，本次上传确认已完成0项）") {
		t.Fatalf("second reply: %+v", r)
	}
	if got := count(h.tickAt(at(2026, 12, 1, 9, 0)), "reminder"); got != 1 {
		t.Errorf("12-01: %d reminders, want 1", got)
	}
	if got := count(h.tickAt(at(2026, 12, 2, 9, 0)), "reminder"); got != 0 {
		t.Errorf("12-02: %d reminders, want 0", got)
	}
	open, _ := h.st.OpenTasks(ctx)
	if len(open) != 2 {
		t.Errorf("open: %d, want 2", len(open))
	}
}
