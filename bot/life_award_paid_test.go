package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"zengshou/bot/store"
	"zengshou/calc"
	"zengshou/config"
)

// The two awards paid through their own columns — （十一）吸纳就业奖补 (an entity's 已发放 on the
// 吸纳就业奖补台账) and （五）庭院经济以奖代补 (a project's 奖补已发放 on the 到户项目台账) — are
// recorded like every other 已发放 (store.MergePaid): kept when a later ledger leaves the cell
// blank, corrected when a ledger of the same or a later quarter records less.

const absorptionEntity = "红旗村肉牛养殖合作社"

// lifeEmployers is the 吸纳就业奖补台账 of absorptionEntity: five workers of 巴林左旗 (三类, minimum
// wage 2140元 from 2024-12-01), each with a labor agreement, 6 months, 2140元 a month, so
// absorption = min(5 × 2140 × 3 = 32100, 30% × 5 × 2140 × 3 = 9630) = 9630元. paid is the first
// worker row's amount in the column paidHead (the standard template's 已发放, or 奖补已发放), the
// others left blank (the cell is often filled once per entity).
func lifeEmployers(paidHead string, paid any) [][]any {
	rows := [][]any{{"旗县区", "苏木乡镇", "行政村", "经营主体名称", "姓名", "身份证号", "是否签订劳动协议", "务工时长", "月工资", "帮扶责任人", paidHead}}
	for i, name := range []string{"工一", "工二", "工三", "工四", "工五"} {
		var p any = ""
		if i == 0 {
			p = paid
		}
		rows = append(rows, []any{"巴林左旗", "林东镇", "红旗村", absorptionEntity, name, lifeID("1504221985010100" + string(rune('1'+i))),
			"是", 6, 2140, "王建军", p})
	}
	return rows
}

// lifeCourtyard is HQ001's 庭院经济 project 小菜园 (小种植) with its 奖补已发放.
func lifeCourtyard(paid any) [][]any {
	return [][]any{
		{"序号", "户编号", "户主姓名", "项目名称", "项目类型", "到户项目资金", "是否庭院经济", "奖补已发放"},
		{1, "HQ001", "包玉山", "小菜园", "小种植", 3000, "是", paid},
	}
}

// onRecord is what the store holds as paid in 2026 to subject under rule (zero, and an error,
// when nothing is).
func onRecord(t *testing.T, h *harness, subject, rule string) store.Payment {
	t.Helper()
	pays, err := h.st.Payments(context.Background(), []string{subject}, 2026)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pays {
		if p.Rule == rule {
			return p
		}
	}
	t.Errorf("no %s on record for %s: %+v", rule, subject, pays)
	return store.Payment{}
}

// unpaidFor is the open subsidy_unpaid tasks for subject.
func unpaidFor(t *testing.T, h *harness, subject string) []store.TaskRow {
	t.Helper()
	var out []store.TaskRow
	for _, tk := range openByRule(t, h, "subsidy_unpaid") {
		if tk.Subject == subject {
			out = append(out, tk)
		}
	}
	return out
}

// 2026Q3 records the 9630元 absorption award paid in full: no task. The 2026Q4 workbook leaves
// 已发放 blank: the 9630元 on record stands (it owed the award again, a false 应享未享 task, when
// the column was read only into the evaluation). The 2026Q4 workbook sent again with 5000元
// corrects it: 9630 − 5000 = 4630元 owed, 5000元 of 2026Q4 on record, and the reply says so.
// Under both headers: 吸纳就业奖补已发放, and the standard template's 已发放 (which was not read at
// all, so even 2026Q3 owed the award paid).
func TestAbsorptionAwardPaidIsKeptAndCorrected(t *testing.T) {
	for _, head := range []string{"吸纳就业奖补已发放", "已发放"} {
		t.Run(head, func(t *testing.T) { testAbsorptionAwardPaid(t, head) })
	}
}

func testAbsorptionAwardPaid(t *testing.T, head string) {
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	q3, q4 := calc.Period{Year: 2026, Quarter: 3}, calc.Period{Year: 2026, Quarter: 4}

	h.clock.Set(time.Date(2026, 10, 12, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第3季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHouseholds(22000), "吸纳就业奖补台账", lifeEmployers(head, 9630)))
	h.drain()
	if got := unpaidFor(t, h, absorptionEntity); len(got) != 0 {
		t.Fatalf("Q3: 9630元 paid of 9630元, yet %+v\n%s", got, newestReply(h))
	}
	if p := onRecord(t, h, absorptionEntity, "absorption"); p.Amount != calc.Yuan(9630) || p.Period != q3 {
		t.Errorf("Q3 on record: %+v, want 9630元 of 2026Q3", p)
	}

	h.clock.Set(time.Date(2026, 12, 14, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHouseholds(30000), "吸纳就业奖补台账", lifeEmployers(head, "")))
	h.drain()
	if got := unpaidFor(t, h, absorptionEntity); len(got) != 0 {
		t.Errorf("Q4 with 已发放 blank owes the 9630元 paid again: %+v\n%s", got, newestReply(h))
	}
	if p := onRecord(t, h, absorptionEntity, "absorption"); p.Amount != calc.Yuan(9630) || p.Period != q3 {
		t.Errorf("Q4 on record after a blank 已发放: %+v, want 9630元 of 2026Q3", p)
	}
	if reply := newestReply(h); strings.Contains(reply, "已发放更正") || !strings.Contains(reply, "已发放9630元") {
		t.Errorf("Q4 reply:\n%s", reply)
	}

	h.clock.Set(time.Date(2026, 12, 15, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账(更正).xlsx", lifeBook(t, "家庭收入台账", lifeHouseholds(30000), "吸纳就业奖补台账", lifeEmployers(head, 5000)))
	h.drain()
	got := unpaidFor(t, h, absorptionEntity)
	if len(got) != 1 || got[0].Amount == nil || *got[0].Amount != calc.Yuan(4630) || got[0].Cadre != "王建军" {
		t.Fatalf("corrected to 5000元: want one task of 4630元 (9630 − 5000) for 王建军, got %+v\n%s", got, newestReply(h))
	}
	if !strings.Contains(got[0].Explain, "已发放5000元，尚欠4630元") {
		t.Errorf("task: %s", got[0].Explain)
	}
	if p := onRecord(t, h, absorptionEntity, "absorption"); p.Amount != calc.Yuan(5000) || p.Period != q4 {
		t.Errorf("on record after the correction: %+v, want 5000元 of 2026Q4", p)
	}
	reply := newestReply(h)
	for _, want := range []string{"已发放更正：1项金额低于此前上传的记录，已按本次台账更正", absorptionEntity + "吸纳就业奖补 9630元→5000元",
		"已发放5000元", "未发放4630元"} {
		if !strings.Contains(reply, want) {
			t.Errorf("reply lacks %q:\n%s", want, reply)
		}
	}
}

// The seed sets no courtyard award (courtyard.awards): this county's config sets 小种植 500元.
// HQ001's 小菜园 is owed 500元. 2026Q3 records 500元 paid: no task. The 2026Q4 workbook leaves
// 奖补已发放 blank: the 500元 on record stands. The 2026Q4 workbook sent again with 200元 corrects
// it: 500 − 200 = 300元 owed, 200元 of 2026Q4 on record, and the reply says so (name masked).
func TestCourtyardAwardPaidIsKeptAndCorrected(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Policy.CourtyardAwards = calc.Const("courtyard.awards", "（五）", calc.BasisDefault, "庭院经济以奖代补金额",
			calc.Awards{"小种植": calc.Yuan(500)})
	})
	dir := h.lifeInbox("红旗村群")
	q3, q4 := calc.Period{Year: 2026, Quarter: 3}, calc.Period{Year: 2026, Quarter: 4}

	h.clock.Set(time.Date(2026, 10, 12, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第3季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHouseholds(22000), "到户项目台账", lifeCourtyard(500)))
	h.drain()
	if got := unpaidFor(t, h, "HQ001"); len(got) != 0 {
		t.Fatalf("Q3: 500元 paid of 500元, yet %+v\n%s", got, newestReply(h))
	}
	if p := onRecord(t, h, "HQ001", "courtyard_award"); p.Amount != calc.Yuan(500) || p.Period != q3 {
		t.Errorf("Q3 on record: %+v, want 500元 of 2026Q3", p)
	}

	h.clock.Set(time.Date(2026, 12, 14, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHouseholds(30000), "到户项目台账", lifeCourtyard("")))
	h.drain()
	if got := unpaidFor(t, h, "HQ001"); len(got) != 0 {
		t.Errorf("Q4 with 奖补已发放 blank owes the 500元 paid again: %+v\n%s", got, newestReply(h))
	}
	if p := onRecord(t, h, "HQ001", "courtyard_award"); p.Amount != calc.Yuan(500) || p.Period != q3 {
		t.Errorf("Q4 on record after a blank 奖补已发放: %+v, want 500元 of 2026Q3", p)
	}
	if reply := newestReply(h); strings.Contains(reply, "已发放更正") || !strings.Contains(reply, "已发放500元") {
		t.Errorf("Q4 reply:\n%s", reply)
	}

	h.clock.Set(time.Date(2026, 12, 15, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账(更正).xlsx", lifeBook(t, "家庭收入台账", lifeHouseholds(30000), "到户项目台账", lifeCourtyard(200)))
	h.drain()
	got := unpaidFor(t, h, "HQ001")
	if len(got) != 1 || got[0].Rule != "subsidy_unpaid" || got[0].Amount == nil || *got[0].Amount != calc.Yuan(300) {
		t.Fatalf("corrected to 200元: want one task of 300元 (500 − 200), got %+v\n%s", got, newestReply(h))
	}
	if p := onRecord(t, h, "HQ001", "courtyard_award"); p.Amount != calc.Yuan(200) || p.Period != q4 {
		t.Errorf("on record after the correction: %+v, want 200元 of 2026Q4", p)
	}
	reply := newestReply(h)
	for _, want := range []string{"已发放更正：1项金额低于此前上传的记录，已按本次台账更正", "包*山户庭院经济以奖代补 500元→200元",
		"已发放200元", "未发放300元"} {
		if !strings.Contains(reply, want) {
			t.Errorf("reply lacks %q:\n%s", want, reply)
		}
	}
	if strings.Contains(reply, "包玉山") {
		t.Errorf("reply names the household head in full:\n%s", reply)
	}
}
