package bot_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// A village's ledger that names only its 行政村 (no 旗县区, no 苏木乡镇 column) is summed into a
// township row and a county row without names: 进度 listed them as two identical lines
// “（未填写单位）：4户…”, and the cadre could not tell them apart.
func TestProgressNamesTheLevelOfAnUnnamedUnit(t *testing.T) {
	h := newHarness(t, nil)
	f := excelize.NewFile()
	rows := [][]any{
		{"行政村", "户编号", "户主姓名", "家庭人口", "上年人均纯收入", "工资性收入", "帮扶责任人"},
		{"富河村", "FH001", "包玉山", 4, 3000, 14000, "王建军"},
		{"富河村", "FH002", "王秀英", 2, 9000, 20000, "王建军"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(h.dir, "inbox", "富河村")
	os.MkdirAll(dir, 0o755)
	h.drop(dir, "2026年第4季度台账.xlsx", f)
	h.drain()
	got := h.ask("p1", "富河村", "进度")
	seen := map[string]bool{}
	for _, l := range strings.Split(got, "\n") {
		if !strings.HasPrefix(l, "· ") {
			continue
		}
		name, _, _ := strings.Cut(l, "：")
		if seen[name] {
			t.Errorf("two lines for %s:\n%s", name, got)
		}
		seen[name] = true
	}
	if !strings.Contains(got, "（未填写旗县区）") || !strings.Contains(got, "（未填写苏木乡镇）") {
		t.Errorf("进度 does not say which level is unnamed:\n%s", got)
	}
}
