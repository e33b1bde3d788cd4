package ledger

import "testing"

// 灵活就业天数 counts the days of one year: 1000000000 (or 1200 for 120) earned the 1000元 of
// flexible work without a word. A count of days beyond a year is reported and not counted.
func TestFlexibleDaysBeyondAYear(t *testing.T) {
	led := readRows(t, ReadOptions{Period: q3}, [][]any{
		{"户编号", "姓名", "身份证号", "就业类型", "灵活就业天数", "是否县内"},
		{"HQ001", "包玉山", idA, "灵活就业", 1200, "是"},
		{"HQ002", "王秀英", idB, "灵活就业", 120, "是"},
	})
	checkErrors(t, led.Errors, []wantErr{{formulaSheet, 2, "灵活就业天数", "‘灵活就业天数’的值“1200”超过一年的天数，请核对"}})
	for _, l := range led.Inputs.Laborers {
		if l.FlexibleDays > 366 {
			t.Errorf("%s: %d days counted", l.Name, l.FlexibleDays)
		}
	}
}
