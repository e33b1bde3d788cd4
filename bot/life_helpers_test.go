package bot_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"zengshou/bot/store"
)

// lifeBook is a workbook of several named sheets, each given as rows (the first the header).
func lifeBook(t *testing.T, sheets ...any) *excelize.File {
	t.Helper()
	f := excelize.NewFile()
	for i := 0; i+1 < len(sheets); i += 2 {
		name := sheets[i].(string)
		rows := sheets[i+1].([][]any)
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for j, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, j+1)
			if err := f.SetSheetRow(name, cell, &r); err != nil {
				t.Fatal(err)
			}
		}
	}
	return f
}

func lifeHouseholds(ytd int) [][]any {
	return [][]any{
		{"旗县区", "苏木乡镇", "行政村", "户编号", "户主姓名", "户类型", "家庭人口", "劳动能力", "上年人均纯收入", "本年累计工资性收入", "帮扶责任人", "帮扶措施", "措施是否落实"},
		{"巴林左旗", "林东镇", "红旗村", "HQ001", "包玉山", "脱贫户", 4, "有劳动能力", 9000, ytd, "王建军", "发展养殖", "已落实"},
	}
}

func lifeLivestock(calves int, paid any) [][]any {
	return [][]any{
		{"序号", "户编号", "户主姓名", "畜种", "年初存栏", "能繁母畜", "出生", "购入", "出售", "出售犊牛", "死淘", "存栏", "已发放"},
		{1, "HQ001", "包玉山", "牛", 6, 3, calves, 0, calves, calves, 0, 6, paid},
	}
}

func (h *harness) lifeInbox(chat string) string {
	h.t.Helper()
	dir := filepath.Join(h.dir, "inbox", chat)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		h.t.Fatal(err)
	}
	return dir
}

func openByRule(t *testing.T, h *harness, rule string) []store.TaskRow {
	t.Helper()
	open, err := h.st.OpenTasks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []store.TaskRow
	for _, tk := range open {
		if tk.Rule == rule {
			out = append(out, tk)
		}
	}
	return out
}

// lifeHHMonitored is lifeHH for 王建军 with 本年累计工资性收入 5000元 (far below last year's 9000元 ×
// 4 people): the household is monitored, so its measure (done or not) is checked.
func lifeHHMonitored(done string) [][]any {
	x := lifeHH(done, "王建军")
	x[1][9] = 5000
	return x
}
