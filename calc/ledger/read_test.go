package ledger

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
)

func readTestLedger(t *testing.T, name string) *Ledger {
	t.Helper()
	led, err := Read(filepath.Join(ledgerDir, name), ReadOptions{Period: calc.Period{Year: 2026, Quarter: 1}})
	if err != nil {
		t.Fatalf("Read %s: %v", name, err)
	}
	return led
}

type wantErr struct {
	sheet  string
	row    int
	column string
	msg    string // substring
}

func checkErrors(t *testing.T, got []calc.DataError, want []wantErr) {
	t.Helper()
	if len(got) != len(want) {
		for _, e := range got {
			t.Logf("got error %+v", e)
		}
		t.Fatalf("got %d errors, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Sheet != w.sheet || g.Row != w.row || g.Column != w.column || !strings.Contains(g.Message, w.msg) {
			t.Errorf("error %d = %+v, want %+v", i, g, w)
		}
	}
}

func sheetByName(t *testing.T, led *Ledger, name string) SheetInfo {
	t.Helper()
	for _, s := range led.Sheets {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no sheet %q", name)
	return SheetInfo{}
}

func mustFen(t *testing.T, p *calc.Fen) calc.Fen {
	t.Helper()
	if p == nil {
		t.Fatal("nil amount")
	}
	return *p
}

func TestReadTemplate(t *testing.T) {
	led := readTestLedger(t, "template.xlsx")
	s := sheetByName(t, led, "家庭收入台账")
	if s.Kind != KindHouseholds || len(s.HeaderRows) != 1 || s.HeaderRows[0] != 1 || s.FirstRow != 2 || s.LastRow != 4 || s.DataRows != 3 || s.LastCol != 16 {
		t.Fatalf("sheet info = %+v", s)
	}
	if c := s.Columns[8]; c.Index != 9 || c.Header != "工资性收入" || c.Field != "wage_income" || c.Unit != "元" {
		t.Errorf("column 9 = %+v", c)
	}
	if c := s.Columns[14]; c.Field != "last_year_per_capita" || c.Period != PeriodLastYear {
		t.Errorf("column 15 = %+v", c)
	}
	hs := led.Inputs.Households
	if len(hs) != 3 {
		t.Fatalf("households = %d", len(hs))
	}
	h := hs[1]
	q := h.Quarters[0]
	if h.ID != "HQ002" || h.Head != "王秀英" || h.HeadIDNumber != idB || h.Category != calc.CategoryEdge || h.Members != 2 ||
		h.Village != "红旗村" || h.Township != "新城镇" || h.Cadre != "赵干部" || h.Ref != (calc.Ref{Sheet: "家庭收入台账", Row: 3}) {
		t.Errorf("household = %+v", h)
	}
	if q == nil || q.Wage != calc.Yuan(6000) || q.Business != 150050 || mustFen(t, q.PerCapita) != 575025 || mustFen(t, h.LastYearPerCapita) != calc.Yuan(6100) {
		t.Errorf("income = %+v", q)
	}
	if hs[2].Category != calc.CategoryUnstable || hs[2].Members != 0 {
		t.Errorf("household 3 = %+v", hs[2])
	}
	checkErrors(t, led.Errors, []wantErr{{"家庭收入台账", 4, "家庭人口数", "‘家庭人口数’为空，无法计算人均收入"}})
}

func TestReadMessy(t *testing.T) {
	led := readTestLedger(t, "messy.xlsx")
	s := sheetByName(t, led, "Sheet1")
	if s.Kind != KindHouseholds || len(s.HeaderRows) != 2 || s.HeaderRows[0] != 3 || s.CodeRow != 5 || s.FirstRow != 6 ||
		s.LastRow != 11 || s.DataRows != 4 || s.Footer != 12 || s.Unit != "元" {
		t.Fatalf("sheet info = %+v", s)
	}
	if len(s.Skipped) != 2 || s.Skipped[0] != 8 || s.Skipped[1] != 11 {
		t.Errorf("skipped = %v, want [8 11] (小计, 合 计)", s.Skipped)
	}
	want := map[int]string{3: "head_name", 5: "household_size", 6: "wage_income", 7: "business_income", 9: "transfer_income", 11: "net_income", 12: "per_capita", 13: "last_year_per_capita"}
	for _, c := range s.Columns {
		if f, ok := want[c.Index]; ok && c.Field != f {
			t.Errorf("column %d %q = %s, want %s", c.Index, c.Header, c.Field, f)
		}
	}
	if c := s.Columns[5]; c.Header != "家庭年收入/工资性收入" {
		t.Errorf("composed header = %q", c.Header)
	}
	hs := led.Inputs.Households
	if len(hs) != 4 {
		t.Fatalf("households = %d", len(hs))
	}
	a := hs[0]
	if a.Head != "包玉山" || a.Members != 4 || a.Quarters[0].Wage != calc.Yuan(1200) || a.Quarters[0].Business != calc.Yuan(8000) ||
		mustFen(t, a.LastYearPerCapita) != calc.Yuan(3000) {
		t.Errorf("household 1 = %+v %+v", a, a.Quarters[0])
	}
	if b := hs[1]; b.Quarters[0].Business != calc.Yuan(12000) || b.Members != 2 || b.HeadIDNumber != "" {
		t.Errorf("household 2 (1.2万, full-width 2, ID lost) = %+v %+v", b, b.Quarters[0])
	}
	if d := hs[3]; mustFen(t, d.Quarters[0].PerCapita) != 333333 {
		t.Errorf("household 4 per capita = %v", d.Quarters[0].PerCapita)
	}
	checkErrors(t, led.Errors, []wantErr{
		{"Sheet1", 7, "身份证号码", MsgIDAsNumber},
		{"Sheet1", 9, "身份证号码", MsgIDChecksum},
		{"Sheet1", 9, "家庭人口", "‘家庭人口’为空，无法计算人均收入"},
		{"Sheet1", 9, "家庭年收入/生产经营性收入", "‘生产经营性收入’的值“三千”不是数字"},
	})
}

func TestReadEmployment(t *testing.T) {
	led := readTestLedger(t, "employment.xlsx")
	s := sheetByName(t, led, "务工就业清单")
	if s.Kind != KindLaborers || s.HeaderRows[0] != 2 || s.FirstRow != 3 || s.DataRows != 5 {
		t.Fatalf("sheet info = %+v", s)
	}
	ls := led.Inputs.Laborers
	if len(ls) != 5 {
		t.Fatalf("laborers = %d", len(ls))
	}
	if l := ls[0]; l.Household != "HQ001" || l.Job != calc.JobStable || l.StableMonths != 6 || l.MonthlyWage != calc.Yuan(4500) || !l.OutsideRegion {
		t.Errorf("laborer 1 = %+v", l)
	}
	if l := ls[1]; l.Job != calc.JobFlexible || l.FlexibleDays != 120 || !l.InCounty {
		t.Errorf("laborer 2 = %+v", l)
	}
	if l := ls[2]; l.Job != calc.JobPost || !l.PostHolder {
		t.Errorf("laborer 3 = %+v", l)
	}
	if l := ls[3]; l.Job != calc.JobNone || !l.Returned || !l.WantsWork {
		t.Errorf("laborer 4 = %+v", l)
	}
	if ps := led.Inputs.Payments; len(ps) != 1 || ps[0].Rule != "stable_job" || ps[0].Amount != calc.Yuan(3000) || ps[0].Subject != idA {
		t.Errorf("payments = %+v", ps)
	}
	checkErrors(t, led.Errors, []wantErr{
		{"务工就业清单", 7, "身份证号", "已出现，本行未计入"},
		{"务工就业清单", 8, "身份证号", MsgIDChecksum},
		{"务工就业清单", 8, "务工时长", "‘务工时长’的值“三个月”不是数字"},
	})
}

func TestReadMulti(t *testing.T) {
	led := readTestLedger(t, "multi.xlsx")
	kinds := map[string]string{"农户花名册": KindHouseholds, "牲畜台账": KindLivestock, "土地托管": KindLand, "务工": KindLaborers, "旧数据": "", "说明": ""}
	for name, k := range kinds {
		if s := sheetByName(t, led, name); s.Kind != k {
			t.Errorf("sheet %s kind = %q, want %q", name, s.Kind, k)
		}
	}
	if !sheetByName(t, led, "旧数据").Hidden {
		t.Error("hidden sheet not marked")
	}
	in := led.Inputs
	if len(in.Households) != 2 { // not HQ101 of the hidden sheet 旧数据
		t.Fatalf("households = %d", len(in.Households))
	}
	h := in.Households[1]
	if h.ID != "HQ004" || h.Head != "张海" || h.Members != 3 || h.Category != calc.CategoryMonitored || h.LaborLostWhy != "因病" {
		t.Errorf("roster household = %+v", h)
	}
	if in.Households[0].Members != 2 { // 户编号 merged over the member row
		t.Errorf("household HQ001 members = %d", in.Households[0].Members)
	}
	if len(in.Livestock) != 2 {
		t.Fatalf("livestock = %+v", in.Livestock)
	}
	if l := in.Livestock[0]; l.Household != "HQ001" || l.Species != calc.Cattle || l.YoungSold != 3 || l.StockStart != 5 || l.StockEnd == nil || *l.StockEnd != 4 {
		t.Errorf("livestock 1 = %+v", l)
	}
	if l := in.Livestock[1]; l.Household != "HQ004" || l.Species != calc.Sheep || l.YoungSold != 12 {
		t.Errorf("livestock 2 = %+v", l)
	}
	if len(in.Land) != 2 || in.Land[0].Household != "HQ001" || in.Land[0].Kind != calc.LandContract || in.Land[0].Area != 1250 || !in.Land[0].CropsSold ||
		in.Land[1].Household != "HQ004" || in.Land[1].Kind != calc.LandEntrust || !in.Land[1].ContractSigned || in.Land[1].LostLaborWhy != "因病" {
		t.Errorf("land = %+v", in.Land)
	}
	if len(in.Laborers) != 2 || in.Laborers[0].Household != "HQ004" || in.Laborers[0].MonthlyWage != calc.Yuan(3800) {
		t.Errorf("laborers = %+v", in.Laborers)
	}
	if len(in.Payments) != 1 || in.Payments[0].Rule != "calf_sale" || in.Payments[0].Subject != "HQ001" || in.Payments[0].Amount != calc.Yuan(200) {
		t.Errorf("payments = %+v", in.Payments)
	}
	checkErrors(t, led.Errors, []wantErr{
		{"牲畜台账", 5, "牛/出售犊牛", "‘出售犊牛’的值“三头”不是数字"},
		{"牲畜台账", 5, "户编号", "在家庭台账中找不到这一户（户编号HQ009）"},
		{"旧数据", 0, "", "工作表‘旧数据’是隐藏的（看起来是家庭收入台账），未计算；如需计算，请在Excel或WPS中取消隐藏后重新上传"},
	})
}

// TestReadOnlyHiddenLedger: when every ledger sheet is hidden, it is read (the cadre can only
// mean it); a hidden ledger sheet beside a visible one is not (TestReadMulti).
func TestReadOnlyHiddenLedger(t *testing.T) {
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", "说明"); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellValue("说明", "A1", "本表为2026年台账"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.NewSheet("台账"); err != nil {
		t.Fatal(err)
	}
	for i, row := range [][]any{{"户编号", "户主姓名", "家庭人口数", "人均纯收入"}, {"HQ101", "孙七", 3, 7000}} {
		if err := f.SetSheetRow("台账", fmt.Sprintf("A%d", i+1), &row); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SetSheetVisible("台账", false); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "hidden.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	led, err := Read(path, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s := sheetByName(t, led, "台账"); s.Kind != KindHouseholds || !s.Hidden {
		t.Errorf("sheet 台账 = %+v, want a hidden households sheet", s)
	}
	if len(led.Inputs.Households) != 1 || led.Inputs.Households[0].ID != "HQ101" {
		t.Errorf("households = %+v", led.Inputs.Households)
	}
	for _, e := range led.Errors {
		if strings.Contains(e.Message, "隐藏") {
			t.Errorf("unexpected %+v", e)
		}
	}
}

// The write side's generator (gen.go) makes messy village ledgers; the reader must read them.
func TestReadGenerated(t *testing.T) {
	for _, clean := range []bool{true, false} {
		p := filepath.Join(t.TempDir(), "gen.xlsx")
		if err := GenerateFile(p, 120, 7, GenOptions{Clean: clean}); err != nil {
			t.Fatal(err)
		}
		led, err := Read(p, ReadOptions{Period: calc.Period{Year: 2026, Quarter: 3}})
		var fe *FileError
		if errors.As(err, &fe) || err != nil {
			t.Fatalf("clean=%v: %v", clean, err)
		}
		if n := len(led.Inputs.Households); n < 100 {
			for _, s := range led.Sheets {
				t.Logf("%+v", s)
			}
			t.Errorf("clean=%v: households = %d, want ≈120", clean, n)
		}
		for _, e := range led.Errors { // the generator's messy cells are all readable; 合计 rows add up
			t.Errorf("clean=%v: unexpected %+v", clean, e)
		}
	}
}

func TestSynonymOverrideAndTemplate(t *testing.T) {
	p := filepath.Join(ledgerDir, "template.xlsx")
	led, err := Read(p, ReadOptions{Templates: []Template{{Name: "县模板", Match: "家庭收入台账", Fields: map[string]string{"帮扶责任人": "-", "财产性收入": "transfer_income"}}}})
	if err != nil {
		t.Fatal(err)
	}
	s := led.Sheets[0]
	if s.Template != "县模板" || s.Columns[15].Field != "" || s.Columns[10].Field != "transfer_income" {
		t.Errorf("template not applied: %+v", s)
	}
	if led.Inputs.Households[0].Cadre != "" {
		t.Error("ignored column still read")
	}
	// header hash match
	led2, err := Read(p, ReadOptions{Templates: []Template{{Name: "按表头", Match: s.HeaderHash, Kind: KindHouseholds, Fields: map[string]string{}}}})
	if err != nil || led2.Sheets[0].Template != "按表头" {
		t.Errorf("hash template: %v %+v", err, led2)
	}
	// extra synonym
	d := newDict(map[string][]string{"household_size": {"在册人数"}}, nil)
	if f, s := d.match("在册人数"); f != "household_size" || s != 3 {
		t.Errorf("extra synonym: %s %d", f, s)
	}
}
