package ledger

import (
	"path/filepath"
	"strings"
	"testing"
)

// A sheet that looks like a ledger but whose kind is not recognized (a livestock sheet headed
// 户主、养殖品种、卖掉的小牛) was left out in silence: only the 汇总 sheet's 识别结果说明 said
// 未识别（未处理）, and the reply in the chat listed the sheets read, so a cadre whose calves went
// uncounted was never told. A sheet with nothing of a ledger in it (会议记录) stays quiet.
func TestUnrecognizedLedgerLikeSheetIsNamed(t *testing.T) {
	p := filepath.Join(t.TempDir(), "in.xlsx")
	f := ledgerFile(t, [][]any{
		{"户编号", "户主姓名", "家庭人口", "上年人均纯收入", "工资性收入", "帮扶责任人"},
		{"HQ001", "包玉山", 4, 3000, 16000, "王建军"},
	})
	if _, err := f.NewSheet("养殖情况"); err != nil {
		t.Fatal(err)
	}
	if err := rowsAt(f, "养殖情况", 1, [][]any{
		{"户编号", "户主", "养殖品种", "卖掉的小牛", "现有头数"},
		{"HQ001", "包玉山", "牛", 3, 5},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.NewSheet("会议记录"); err != nil {
		t.Fatal(err)
	}
	if err := rowsAt(f, "会议记录", 1, [][]any{{"时间", "内容"}, {"3月5日", "开会"}}); err != nil {
		t.Fatal(err)
	}
	led := saveRead(t, f, p, ReadOptions{Period: q3})
	var got []string
	for _, e := range led.Errors {
		if e.Sheet != formulaSheet {
			got = append(got, e.Sheet+"："+e.Message)
		}
	}
	if len(got) != 1 || !strings.HasPrefix(got[0], "养殖情况：工作表‘养殖情况’没有识别为哪一种台账，未计算（认出的列：户编号、户主、养殖品种）") {
		t.Errorf("problems outside the ledger sheet: %q", got)
	}
}
