package ledger

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"zengshou/calc"
)

// A huge number is 数值过大 however it is written (1E+300 as Excel stores it, a 301-digit
// number as excelize writes 1e300, 40 digits typed as text), and a problem quotes a long value
// clipped: the chat reply shows a problem in 120 characters, and a quoted value that filled
// them hid what was wrong with it (“9999…” with no 不是数字 after it).
func TestHugeNumberAndLongValueProblems(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.xlsx")
	f := ledgerFile(t, [][]any{
		{"户编号", "户主", "身份证号", "家庭人口（人）", "工资性收入（元）", "人均纯收入（元）", "上年人均纯收入（元）", "帮扶责任人"},
		{"HQ001", "包玉山", idA, 4, 12000, 3000, 1e300, "赵干部"},
		{"HQ002", "王秀英", idB, 2, "1E+300", 3000, 2800, "赵干部"},
		{"HQ003", "李德胜", "", 3, strings.Repeat("9", 40), 3000, 2800, "赵干部"},
		{"HQ004", "张海", "", strings.Repeat("四", 200), 9000, 3000, 2800, "赵干部"},
	})
	led := saveRead(t, f, path, ReadOptions{Period: calc.Period{Year: 2026, Quarter: 1}})
	checkErrors(t, led.Errors, []wantErr{
		{formulaSheet, 2, "上年人均纯收入", "数值过大"},
		{formulaSheet, 3, "工资性收入", "‘工资性收入’的值“1E+300”数值过大"},
		{formulaSheet, 4, "工资性收入", "数值过大"},
		{formulaSheet, 5, "家庭人口", "不是数字"},
	})
	for _, e := range led.Errors {
		if n := utf8.RuneCountInString(e.Message); n > 60 {
			t.Errorf("row %d: a %d-character message (the value is not clipped): %.80s…", e.Row, n, e.Message)
		}
	}
}
