package bot_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func sheetFile(t *testing.T, sheet string, rows [][]any) *excelize.File {
	t.Helper()
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// The standard 低保渐退台账 has no 帮扶责任人 and no unit columns; sent alone, as cadres keep and
// send each ledger, its task was for “未填写帮扶责任人”, reminded to no one by name and counted
// in no village, though the household's own ledger, uploaded before, names both.
func TestTaskOfALedgerWithoutCadreGoesToTheHouseholdsCadre(t *testing.T) {
	h := newHarness(t, nil)
	dir := filepath.Join(h.dir, "inbox", "红旗村")
	os.MkdirAll(dir, 0o755)
	h.drop(dir, "2026年第4季度家庭收入台账.xlsx", sheetFile(t, "家庭收入台账", [][]any{
		{"旗县区", "苏木乡镇", "行政村", "户编号", "户主姓名", "家庭人口", "上年人均纯收入", "本年累计工资性收入", "帮扶责任人", "帮扶措施", "措施是否落实"},
		{"巴林左旗", "林东镇", "红旗村", "HQ001", "包玉山", 4, 3000, 16000, "王建军", "发展养殖", "已落实"},
	}))
	h.drain()
	h.drop(dir, "2026年第4季度低保渐退台账.xlsx", sheetFile(t, "低保渐退台账", [][]any{
		{"序号", "户编号", "户主姓名", "渐退期满时间", "是否复核评估"},
		{1, "HQ001", "包玉山", "2026-06-30", "否"},
	}))
	h.drain()
	replies := h.messages("reply")
	last := replies[len(replies)-1].Text
	if !strings.Contains(last, "待办事项：1项") || !strings.Contains(last, "王建军 1项") {
		t.Errorf("reply:\n%s", last)
	}
	tasks, err := h.st.OpenTasks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 1 || tasks[0].Cadre != "王建军" || tasks[0].Unit.Village != "红旗村" || tasks[0].SubjectName != "包玉山" {
		t.Errorf("tasks %+v", tasks)
	}
	if got := h.ask("p1", "红旗村", "进度 红旗村"); !strings.Contains(got, "红旗村：1户，监测0户，待办1项") {
		t.Errorf("进度:\n%s", got)
	}
}
