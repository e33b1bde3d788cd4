package ledger

import (
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
)

// awardBook is a workbook of named sheets, each given as rows from row 1.
func awardBook(t *testing.T, sheets ...any) *excelize.File {
	t.Helper()
	f := excelize.NewFile()
	for i := 0; i+1 < len(sheets); i += 2 {
		name := sheets[i].(string)
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		if err := rowsAt(f, name, 1, sheets[i+1].([][]any)); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// paymentsOf are a ledger's payments under rule, by subject.
func paymentsOf(led *Ledger, rule string) map[string][]calc.Payment {
	out := map[string][]calc.Payment{}
	for _, p := range led.Inputs.Payments {
		if p.Rule == rule {
			out[p.Subject] = append(out[p.Subject], p)
		}
	}
	return out
}

// A 庭院经济 project's filled 奖补已发放 is a payment to its household under courtyard_award, like
// every other 已发放 (stored, merged with later uploads, corrected): HQ001's 500 and HQ003's
// explicit 0 are recorded; HQ002's blank records nothing. HQ001's 肉牛 is no 庭院经济 project: its
// 800 is not the courtyard award. The projects' AwardPaid (JSON rows) stays 0, so the money is
// not counted twice.
func TestCourtyardAwardPaidIsAPayment(t *testing.T) {
	led := saveRead(t, awardBook(t,
		"家庭收入台账", [][]any{
			{"户编号", "户主姓名", "户类型", "家庭人口", "劳动能力", "上年人均纯收入", "本年累计工资性收入"},
			{"HQ001", "包玉山", "脱贫户", 2, "弱劳力", 9000, 12000},
			{"HQ002", "王秀英", "脱贫户", 2, "弱劳力", 9000, 12000},
			{"HQ003", "李春花", "脱贫户", 2, "弱劳力", 9000, 12000},
		},
		"到户项目台账", [][]any{
			{"户编号", "户主姓名", "项目名称", "项目类型", "到户项目资金", "是否庭院经济", "奖补已发放"},
			{"HQ001", "包玉山", "小菜园", "小种植", 3000, "是", 500},
			{"HQ002", "王秀英", "小菜园", "小种植", 3000, "是", ""},
			{"HQ003", "李春花", "小菜园", "小种植", 3000, "是", 0},
			{"HQ001", "包玉山", "肉牛", "养殖", 20000, "否", 800},
		}), filepath.Join(t.TempDir(), "in.xlsx"), ReadOptions{Period: q3})
	if len(led.Inputs.Projects) != 4 {
		t.Fatalf("projects: %+v\nerrors: %+v", led.Inputs.Projects, led.Errors)
	}
	for _, p := range led.Inputs.Projects {
		if p.AwardPaid != 0 {
			t.Errorf("%s %s: AwardPaid %v, want 0 (the cell is a payment)", p.Household, p.Name, p.AwardPaid)
		}
	}
	got := paymentsOf(led, "courtyard_award")
	if p := got["HQ001"]; len(p) != 1 || p[0].Amount != calc.Yuan(500) || p[0].Note != "奖补已发放" ||
		p[0].Sheet != "到户项目台账" || p[0].Row != 2 {
		t.Errorf("HQ001: %+v, want one payment of 500元 from 到户项目台账 row 2, 奖补已发放", p)
	}
	if p := got["HQ002"]; len(p) != 0 {
		t.Errorf("HQ002's 奖补已发放 is blank: %+v", p)
	}
	if p := got["HQ003"]; len(p) != 1 || p[0].Amount != 0 {
		t.Errorf("HQ003's explicit 0 is a recorded 0: %+v", p)
	}
	if len(got) != 2 {
		t.Errorf("courtyard payments %+v, want HQ001 and HQ003 only", got)
	}
	for _, p := range led.Inputs.Payments {
		if p.Rule != "courtyard_award" {
			t.Errorf("unexpected payment %+v", p)
		}
	}
}

// An entity's filled 吸纳就业奖补已发放 is one payment to the entity under absorption: repeated
// down its worker rows (9630 on two of 车间A's three), it is the largest, not a sum (19260).
// 车间B's blank cells record nothing. The entities' AwardPaid (JSON rows) stays 0.
func TestAbsorptionAwardPaidIsAPayment(t *testing.T) {
	led := saveRead(t, awardBook(t, "吸纳就业奖补台账", [][]any{
		{"旗县区", "经营主体名称", "姓名", "身份证号", "是否签订劳动协议", "务工时长", "月工资", "吸纳就业奖补已发放"},
		{"林西县", "车间A", "工1", idA, "是", 6, 2140, 9630},
		{"林西县", "车间A", "工2", idB, "是", 6, 2140, 9630},
		{"林西县", "车间A", "工3", testID("15042219850101003"), "是", 6, 2140, ""},
		{"林西县", "车间B", "工4", testID("15042219850101004"), "是", 6, 2140, ""},
	}), filepath.Join(t.TempDir(), "in.xlsx"), ReadOptions{Period: q3})
	if len(led.Inputs.Employers) != 2 {
		t.Fatalf("employers: %+v\nerrors: %+v", led.Inputs.Employers, led.Errors)
	}
	for _, e := range led.Inputs.Employers {
		if e.AwardPaid != 0 {
			t.Errorf("%s: AwardPaid %v, want 0 (the cell is a payment)", e.Name, e.AwardPaid)
		}
	}
	got := paymentsOf(led, "absorption")
	if p := got["车间A"]; len(p) != 1 || p[0].Amount != calc.Yuan(9630) || p[0].Note != "吸纳就业奖补已发放" {
		t.Errorf("车间A: %+v, want one payment of 9630元", p)
	}
	if p := got["车间B"]; len(p) != 0 {
		t.Errorf("车间B's 已发放 is blank: %+v", p)
	}
	if len(led.Inputs.Payments) != 1 {
		t.Errorf("payments %+v, want 车间A's only", led.Inputs.Payments)
	}
}

// The standard 吸纳就业奖补台账 calls the column 已发放 (template.go): read the same way. An
// explicit 0 is a recorded 0.
func TestAbsorptionTemplatePaidColumnIsAPayment(t *testing.T) {
	led := saveRead(t, awardBook(t, "吸纳就业奖补台账", [][]any{
		{"序号", "旗县区", "经营主体名称", "姓名", "身份证号", "是否签订劳动协议", "务工时长", "月工资", "已享受月数", "已享受一次性奖补", "申请时间", "已发放"},
		{1, "林西县", "车间A", "工1", idA, "是", 6, 2140, 0, "否", "2026-09-30", 0},
		{2, "林西县", "车间A", "工2", idB, "是", 6, 2140, 0, "否", "2026-09-30", ""},
	}), filepath.Join(t.TempDir(), "in.xlsx"), ReadOptions{Period: q3})
	if len(led.Inputs.Employers) != 1 {
		t.Fatalf("employers: %+v\nerrors: %+v", led.Inputs.Employers, led.Errors)
	}
	got := paymentsOf(led, "absorption")
	if p := got["车间A"]; len(p) != 1 || p[0].Amount != 0 || p[0].Note != "已发放" {
		t.Errorf("车间A: %+v, want one payment of 0", p)
	}
}
