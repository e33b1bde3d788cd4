package bot_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"

	"zengshou/calc/ledger"
	"zengshou/config"
)

// The reply counts the workbook's problems as its 问题清单 sheet lists them: one message per
// cell. A blank 家庭人口 is reported by the reader; the rules' "‘家庭人口数’为空" for the same
// cell is its echo and was counted (and quoted) a second time in the chat.
func TestReplyCountsProblemsAsTheProblemSheet(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.Summaries.Weekly = ""; c.Summaries.Quarterly = false })
	f := excelize.NewFile()
	s := "脱贫户收入台账"
	f.SetSheetName("Sheet1", s)
	for i, row := range [][]any{
		{"户编号", "户主姓名", "家庭人口", "工资性收入（元）", "人均纯收入（元）", "上年人均纯收入（元）"},
		{"HQ001", "包玉山", 4, 12000, 3000, 2800},
		{"HQ002", "王秀英", nil, 6000, nil, 6100},
		{"HQ003", "李德胜", 3, 3000, 1000, 9000},
	} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(s, cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(h.dir, "inbox", "红旗村")
	os.MkdirAll(dir, 0o755)
	if err := f.SaveAs(filepath.Join(dir, "2026年第1季度台账.xlsx")); err != nil {
		t.Fatal(err)
	}
	h.scan()
	h.drain()
	replies := h.messages("reply")
	if len(replies) != 1 || replies[0].File == "" {
		t.Fatalf("replies = %+v", replies)
	}
	m := regexp.MustCompile(`表格问题：(\d+)处`).FindStringSubmatch(replies[0].Text)
	if m == nil {
		t.Fatalf("the reply names no problem count:\n%s", replies[0].Text)
	}
	said, _ := strconv.Atoi(m[1])
	out, err := excelize.OpenFile(filepath.Join(h.dir, replies[0].File))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	rows, err := out.GetRows(ledger.SheetProblems)
	if err != nil {
		t.Fatal(err)
	}
	listed := len(rows) - 1 // below the header
	if said != listed || said == 0 {
		t.Fatalf("the reply says %d problems, the 问题清单 sheet lists %d:\n%s\n%v", said, listed, replies[0].Text, rows)
	}
}
