package ledger

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"
)

// go test ./calc/ledger/ -run TestGenerateLedgerTestdata -update regenerates testdata/ledgers.
var update = flag.Bool("update", false, "regenerate testdata/ledgers/*.xlsx")

const ledgerDir = "testdata/ledgers"

// testID makes a valid 18-digit ID number from a 17-digit prefix.
func testID(first17 string) string { return first17 + string(IDChecksum(first17)) }

var (
	idA = testID("15042219800101001") // 包玉山
	idB = testID("15042219820315002") // 王秀英
	idC = testID("15042219751120003") // 李德胜
	idD = testID("15042219900707004") // 张海
	idE = testID("15042220010909005") // 张小海 (member of D)
	idF = testID("15042219950505006") // 刘芳 (laborer)
)

func TestGenerateLedgerTestdata(t *testing.T) {
	if !*update {
		t.Skip("run with -update to regenerate testdata/ledgers")
	}
	if err := os.MkdirAll(ledgerDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, fn := range map[string]func(*excelize.File) error{
		"template.xlsx":   genTemplate,
		"messy.xlsx":      genMessy,
		"employment.xlsx": genEmployment,
		"multi.xlsx":      genMulti,
	} {
		f := excelize.NewFile()
		if err := fn(f); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := f.SaveAs(filepath.Join(ledgerDir, name)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		_ = f.Close()
	}
}

// rowsAt writes rows starting at row r (1-based); string values are written as text.
func rowsAt(f *excelize.File, sheet string, r int, rows [][]any) error {
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, r+i)
		if err := f.SetSheetRow(sheet, cell, &row); err != nil {
			return fmt.Errorf("write row %d: %w", r+i, err)
		}
	}
	return nil
}

// ledgerFile is a new workbook whose one sheet, formulaSheet, holds rows from row 1.
func ledgerFile(t *testing.T, rows [][]any) *excelize.File {
	t.Helper()
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", formulaSheet); err != nil {
		t.Fatal(err)
	}
	if err := rowsAt(f, formulaSheet, 1, rows); err != nil {
		t.Fatal(err)
	}
	return f
}

func merge(f *excelize.File, sheet string, refs ...string) error {
	for i := 0; i+1 < len(refs); i += 2 {
		if err := f.MergeCell(sheet, refs[i], refs[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// template.xlsx: the service's own layout, one header row.
func genTemplate(f *excelize.File) error {
	s := "家庭收入台账"
	if err := f.SetSheetName("Sheet1", s); err != nil {
		return err
	}
	return rowsAt(f, s, 1, [][]any{
		{"序号", "乡镇", "行政村", "户编号", "户主姓名", "身份证号", "户类型", "家庭人口数", "工资性收入（元）", "生产经营性收入（元）", "财产性收入（元）", "转移性收入（元）", "生产经营性支出（元）", "人均纯收入（元）", "上年人均纯收入（元）", "帮扶责任人"},
		{1, "新城镇", "红旗村", "HQ001", "包玉山", idA, "脱贫户", 4, 12000, 8000, 500, 3000, 2000, 5375, 5000, "赵干部"},
		{2, "新城镇", "红旗村", "HQ002", "王秀英", idB, "边缘易致贫户", 2, 6000, 1500.5, 0, 4000, 0, 5750.25, 6100, "赵干部"},
		{3, "新城镇", "红旗村", "HQ003", "李德胜", idC, "脱贫不稳定户", "", 3000, 2000, 0, 6000, 1000, "", 4000, "钱干部"},
	})
}

// messy.xlsx: title, meta line, 2-row merged header, code row, text numbers, full-width digits,
// 小计/合计, footer; an ID stored as a number and one with a wrong check digit.
func genMessy(f *excelize.File) error {
	s := "Sheet1"
	if err := rowsAt(f, s, 1, [][]any{
		{"××县新城镇2026年脱贫户及监测对象家庭收入台账"},
		{"填报单位（盖章）：新城镇人民政府", "", "", "", "", "填报时间：2026年3月", "", "", "", "单位：元、人"},
		{"序号", "行政村", "户主\n姓名", "身份证号码", "家庭人口\n（人）", "家庭年收入（元）", "", "", "", "生产经营性支出", "家庭年\n纯收入", "人均纯收入*", "2025年人均纯收入"},
		{"", "", "", "", "", "工资性收入", "生产经营性收入", "财产性收入", "转移性收入"},
		{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13},
		{"1", "红旗村", "包 玉山", idA, "4", "1,200元", "８０００", "/", "3000", "—", "12200", "3050", "3000"},
		{"2", "红旗村", "王秀英", "522327194003151000", "２", "6000", "1.2万", "无", "4000", "0", "22000", "11000", "9000"},
		{"小计", "", "", "", "6", "7200", "20000", "0", "7000", "0", "34200", "", ""},
		{"3", "白塔村", "李德胜", idC[:17] + "0", "", "3000", "三千", "", "6000", "1000", "", "", "4000"},
		{"4", "白塔村", "张海", idD, "3", "9000", "0", "0", "1500", "500", "10000", "3333.33", "3100"},
		{"合 计", "", "", "", "", "19200", "20000", "0", "14500", "1500", "", "", ""},
		{"填表人：赵干部", "", "", "审核人：钱书记", "", "", "联系电话：138****0000"},
		{"填表说明：1. 家庭纯收入=家庭年收入-生产经营性支出。"},
	}); err != nil {
		return err
	}
	if err := merge(f, s, "A1", "M1", "F3", "I3"); err != nil {
		return err
	}
	for _, c := range []string{"A", "B", "C", "D", "E", "J", "K", "L", "M"} {
		if err := f.MergeCell(s, c+"3", c+"4"); err != nil {
			return err
		}
	}
	// the ID typed as a number (Excel keeps 15 significant digits)
	if err := f.SetCellValue(s, "D7", 522327194003151000.0); err != nil {
		return err
	}
	return merge(f, s, "A11", "D11")
}

// employment.xlsx: one row per person, linked to households by 户编号 (no household sheet).
func genEmployment(f *excelize.File) error {
	s := "务工就业清单"
	if err := f.SetSheetName("Sheet1", s); err != nil {
		return err
	}
	return rowsAt(f, s, 1, [][]any{
		{"2026年务工就业清单"},
		{"序号", "户编号", "姓名", "身份证号", "就业类型", "务工地点", "务工时长（月）", "月工资（元）", "灵活就业天数", "是否返乡", "务工意愿", "稳岗补贴已发放（元）"},
		{1, "HQ001", "包玉山", idA, "稳定就业", "北京市朝阳区", 6, "4500", "", "否", "", 3000},
		{2, "HQ004", "张小海", idE, "灵活就业", "本县", "", "", 120, "否", "", ""},
		{3, "HQ002", "王秀英", idB, "公益岗位", "村内", 12, 1200, "", "", "", ""},
		{4, "HQ004", "刘芳", idF, "未就业", "", "", "", "", "是", "是", ""},
		{5, "HQ001", "包玉山", idA, "稳定就业", "北京", 6, 4500, "", "", "", ""},
		{6, "HQ005", "陈某", "15042219881301007X", "稳定就业", "赤峰", "三个月", 3000, "", "", "", ""},
	})
}

// multi.xlsx: a roster (one row per person) + livestock + land + laborers joined by household,
// a hidden sheet and a sheet that is not a ledger.
func genMulti(f *excelize.File) error {
	hh := "农户花名册"
	if err := f.SetSheetName("Sheet1", hh); err != nil {
		return err
	}
	if err := rowsAt(f, hh, 1, [][]any{
		{"户编号", "姓名", "与户主关系", "身份证号", "户类型", "劳动能力", "工资性收入", "转移性收入", "人均纯收入", "上年人均纯收入", "行政村"},
		{"HQ001", "包玉山", "户主", idA, "脱贫户", "普通劳动力", 12000, 3000, 5375, 5000, "红旗村"},
		{"", "包小山", "之子", "", "", "在校生", "", "", "", "", ""},
		{"HQ004", "张海", "户主", idD, "监测户", "丧失劳动能力(因病)", 9000, 1500, 3333, 3100, "白塔村"},
		{"HQ004", "张小海", "之子", idE, "", "普通劳动力", "", "", "", "", ""},
		{"HQ004", "刘芳", "儿媳", idF, "", "弱劳力", "", "", "", "", ""},
	}); err != nil {
		return err
	}
	if err := f.MergeCell(hh, "A2", "A3"); err != nil { // 户编号 merged over the member row
		return err
	}
	ls := "牲畜台账"
	if _, err := f.NewSheet(ls); err != nil {
		return err
	}
	if err := rowsAt(f, ls, 1, [][]any{
		{"户编号", "户主姓名", "牛（头）", "", "", "羊（只）", "", "", "已发放犊牛补贴（元）"},
		{"", "", "年初存栏", "出售犊牛", "存栏", "年初存栏", "出售羔羊", "存栏", ""},
		{"HQ001", "包玉山", 5, 3, 4, "", "", "", 200},
		{"HQ004", "张海", "", "", "", 30, 12, 25, ""},
		{"HQ009", "赵六", 2, "三头", 2, "", "", "", ""},
	}); err != nil {
		return err
	}
	if err := merge(f, ls, "C1", "E1", "F1", "H1", "A1", "A2", "B1", "B2", "I1", "I2"); err != nil {
		return err
	}
	land := "土地托管"
	if _, err := f.NewSheet(land); err != nil {
		return err
	}
	if err := rowsAt(f, land, 1, [][]any{
		{"户主姓名", "户主身份证号", "承包他人耕地面积（亩）", "作物是否出售", "代耕代种面积（亩）", "是否签订合同", "丧失劳动能力原因"},
		{"包玉山", idA, "12.5", "是", "", "", ""},
		{"张海", idD, "", "", "8", "√", "因病"},
	}); err != nil {
		return err
	}
	lb := "务工"
	if _, err := f.NewSheet(lb); err != nil {
		return err
	}
	if err := rowsAt(f, lb, 1, [][]any{
		{"姓名", "身份证号", "就业方式", "务工月数", "月工资"},
		{"张小海", idE, "稳定就业", 4, "3,800"},
		{"刘芳", idF, "灵活就业", "", ""},
	}); err != nil {
		return err
	}
	hidden := "旧数据"
	if _, err := f.NewSheet(hidden); err != nil {
		return err
	}
	if err := rowsAt(f, hidden, 1, [][]any{
		{"户编号", "户主姓名", "身份证号", "家庭人口数", "人均纯收入"},
		{"HQ101", "孙七", testID("15042219700101011"), 3, 7000},
	}); err != nil {
		return err
	}
	if err := f.SetSheetVisible(hidden, false); err != nil {
		return err
	}
	notes := "说明"
	if _, err := f.NewSheet(notes); err != nil {
		return err
	}
	return rowsAt(f, notes, 1, [][]any{{"本工作簿由红旗村填报"}, {"如有疑问请联系乡镇"}})
}

// readRows reads a workbook whose one sheet, formulaSheet, holds rows from row 1.
func readRows(t *testing.T, opt ReadOptions, rows [][]any) *Ledger {
	t.Helper()
	return saveRead(t, ledgerFile(t, rows), filepath.Join(t.TempDir(), "in.xlsx"), opt)
}

// saveRead saves f as path, closes it and reads it back.
func saveRead(t *testing.T, f *excelize.File, path string, opt ReadOptions) *Ledger {
	t.Helper()
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	f.Close()
	led, err := Read(path, opt)
	if err != nil {
		t.Fatal(err)
	}
	return led
}

// openTemplate writes the standard template of kind into a new folder and opens it: the file,
// its first sheet and the folder.
func openTemplate(t *testing.T, kind string) (f *excelize.File, sheet, dir string) {
	t.Helper()
	dir = t.TempDir()
	paths, err := WriteTemplates(kind, dir)
	if err != nil {
		t.Fatal(err)
	}
	if f, err = excelize.OpenFile(paths[0]); err != nil {
		t.Fatal(err)
	}
	return f, f.GetSheetList()[0], dir
}
