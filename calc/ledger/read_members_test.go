package ledger

import "testing"

// A 家庭人口 of 44 (4 typed twice) or 400 is read as it is and divides the income into a
// per-capita figure that puts the household under 增收监测, without a word on the number. It is
// computed as written, with a note to check it.
func TestImplausibleHouseholdSizeIsNoted(t *testing.T) {
	led := readRows(t, ReadOptions{Period: q3}, [][]any{
		{"户编号", "户主姓名", "家庭人口", "上年人均纯收入", "本年累计工资性收入", "帮扶责任人"},
		{"HQ001", "包玉山", 44, 3000, 16000, "王建军"},
		{"HQ002", "王秀英", 12, 3000, 40000, "王建军"},
	})
	checkErrors(t, led.Errors, []wantErr{{formulaSheet, 2, "家庭人口", "‘家庭人口’为44人，多于一般家庭，请核对（已按44人计算人均收入）"}})
	if led.Inputs.Households[0].Members != 44 {
		t.Errorf("members %d", led.Inputs.Households[0].Members)
	}
}
