package ledger

import "testing"

// A negative 已发放 is a typing error, not money taken back: read as paid it made the reply say
// “应享补贴：合计1000元，已发放-300元，未发放1300元”, more unpaid than was ever owed.
func TestNegativePaidIsAnError(t *testing.T) {
	led := readRows(t, ReadOptions{Period: q3}, [][]any{
		{"户编号", "姓名", "身份证号", "就业类型", "灵活就业天数", "是否县内", "已发放"},
		{"HQ001", "包玉山", idA, "灵活就业", 120, "是", -300},
		{"HQ002", "王秀英", idB, "灵活就业", 120, "是", 1000},
	})
	checkErrors(t, led.Errors, []wantErr{{formulaSheet, 2, "已发放", "‘已发放’的值“-300”不能是负数"}})
	for _, pay := range led.Inputs.Payments {
		if pay.Amount < 0 {
			t.Errorf("negative payment read: %+v", pay)
		}
	}
	if len(led.Inputs.Payments) != 1 {
		t.Errorf("payments %+v, want 王秀英's 1000", led.Inputs.Payments)
	}
}
