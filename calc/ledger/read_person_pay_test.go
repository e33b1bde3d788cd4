package ledger

import (
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
	"zengshou/config"
)

// A laborer without an ID number is the person 户编号/姓名 to the rules (calc.PersonSubject), and
// what the 务工就业清单 says was already paid to them must meet their subsidy: no 应享未享 task
// for a subsidy paid in full, the balance for one paid in part.
func TestReadLaborerPaymentWithoutIDNumber(t *testing.T) {
	path := filepath.Join(t.TempDir(), "务工.xlsx")
	f := excelize.NewFile()
	hs := "脱贫户收入台账"
	f.SetSheetName("Sheet1", hs)
	for i, row := range [][]any{
		{"户编号", "户主姓名", "家庭人口数", "户类型"},
		{"HQ001", "张三", 3, "脱贫户"},
		{"HQ002", "李四", 2, "脱贫户"},
	} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(hs, cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	ls := "务工就业清单"
	f.NewSheet(ls)
	for i, row := range [][]any{
		{"户编号", "姓名", "就业类型", "务工时长", "月工资", "已发放稳岗补贴"},
		{"HQ001", "张小三", "稳定就业", 6, 2000, 1800},
		{"HQ002", "李小四", "稳定就业", 6, 3000, 1000},
	} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(ls, cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	led, err := Read(path, ReadOptions{Period: q3})
	if err != nil {
		t.Fatal(err)
	}
	ps := led.Inputs.Payments
	if len(ps) != 2 || ps[0].Subject != "HQ001/张小三" || ps[1].Subject != "HQ002/李小四" || ps[0].Rule != "stable_job" {
		t.Fatalf("payments = %+v, want subjects 户编号/姓名", ps)
	}
	res := calc.Evaluate(q3, config.DefaultPolicy(), &led.Inputs)
	owed := map[string]calc.Fen{}
	for _, fd := range res.Findings {
		if fd.Rule == "stable_job" {
			owed[fd.Subject] = mustFen(t, fd.Amount)
		}
	}
	// 张小三: 2000 × 3 × 30% = 1800 (under the 3000 cap), 1800 paid → no task.
	// 李小四: 3000 × 3 × 30% = 2700, 1000 paid → 1700 still owed.
	if owed["HQ001/张小三"] != calc.Yuan(1800) || owed["HQ002/李小四"] != calc.Yuan(2700) {
		t.Fatalf("stable_job owed = %v", owed)
	}
	var unpaid []calc.Task
	for _, tk := range res.Tasks {
		if tk.Rule == "subsidy_unpaid" {
			unpaid = append(unpaid, tk)
		}
	}
	if len(unpaid) != 1 || unpaid[0].Subject != "HQ002/李小四" || mustFen(t, unpaid[0].Amount) != calc.Yuan(1700) {
		t.Fatalf("subsidy_unpaid tasks = %+v, want one for 李小四 of 1700元", unpaid)
	}
}
