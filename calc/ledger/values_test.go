package ledger

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"zengshou/calc"
)

func TestParseFen(t *testing.T) {
	for _, c := range []struct {
		in      string
		want    calc.Fen
		present bool
		bad     bool
	}{
		{"1,200元", 120000, true, false}, {"１２００", 120000, true, false}, {"1.2万", 1200000, true, false},
		{"1.2万元", 1200000, true, false}, {"/", 0, false, false}, {"—", 0, false, false}, {"-", 0, false, false},
		{"无", 0, false, false}, {"", 0, false, false}, {" 0 ", 0, true, false}, {"3333.335", 333334, true, false},
		{"-12.5", -1250, true, false}, {"三千", 0, true, true}, {"#DIV/0!", 0, true, true}, {"1e999", 0, true, true},
		{"1234.5600000000001", 123456, true, false}, {"¥800", 80000, true, false},
		// a share typed where the amount goes is not 0.70 yuan
		{"70%", 0, true, true}, {"７０％", 0, true, true},
	} {
		got, present, err := parseFen(c.in)
		if got != c.want || present != c.present || (err != nil) != c.bad {
			t.Errorf("parseFen(%q) = %v %v %v", c.in, got, present, err)
		}
	}
}

func TestParseOthers(t *testing.T) {
	if n, ok, err := parseCount("3头"); n != 3 || !ok || err != nil {
		t.Errorf("count 3头 = %d %v %v", n, ok, err)
	}
	if _, _, err := parseCount("2.5"); err == nil || !strings.Contains(err.Error(), "不是整数") {
		t.Errorf("count 2.5: %v", err)
	}
	if a, _, _ := parseArea("12.5亩"); a != 1250 {
		t.Errorf("area = %v", a)
	}
	if r, _, _ := parseRate("30%"); r != 300000 {
		t.Errorf("rate = %v", r)
	}
	for in, want := range map[string]bool{"是": true, "√": true, "Y": true, "1": true, "有": true, "已签订": true, "否": false, "×": false, "N": false, "0": false, "无": false, "未出售": false} {
		if v, ok, err := parseBool(in); v != want || !ok || err != nil {
			t.Errorf("bool %q = %v %v %v", in, v, ok, err)
		}
	}
	for in, want := range map[string]string{"2024-03-05": "2024-03-05", "2024.3.5": "2024-03-05", "2024/3/5": "2024-03-05",
		"2024年3月5日": "2024-03-05", "2024年3月": "2024-03-01", "20240305": "2024-03-05", "45356": "2024-03-05"} {
		d, ok, err := parseDate(in, false)
		if calc.DateText(d) != want || !ok || err != nil {
			t.Errorf("date %q = %v %v %v", in, d, ok, err)
		}
	}
	if _, _, err := parseDate("2024-02-30", false); err == nil {
		t.Error("2024-02-30 accepted")
	}
	for in, want := range map[string]string{"脱贫户": calc.CategoryLifted, "脱贫不稳定户": calc.CategoryUnstable, "边缘易致贫户": calc.CategoryEdge,
		"突发严重困难户": calc.CategorySudden, "监测户": calc.CategoryMonitored, "一般农户": calc.CategoryOrdinary} {
		if got := categoryOf(in); got != want {
			t.Errorf("category %q = %q", in, got)
		}
	}
	for in, want := range map[string]string{"普通劳动力": calc.LaborFull, "弱劳力": calc.LaborWeak, "半劳力": calc.LaborHalf, "丧失劳动能力": calc.LaborNone, "无劳动能力": calc.LaborNone} {
		if got := laborOf(in); got != want {
			t.Errorf("labor %q = %q", in, got)
		}
	}
	for in, want := range map[string]string{"稳定就业": calc.JobStable, "灵活就业": calc.JobFlexible, "公益岗位": calc.JobPost, "未就业": calc.JobNone} {
		if got := jobOf(in); got != want {
			t.Errorf("job %q = %q", in, got)
		}
	}
}

func TestCheckIDNumber(t *testing.T) {
	good := testID("52232719400315100")
	for _, c := range []struct{ in, id, msg string }{
		{good, good, ""},
		{strings.ToLower(testID("15042219800101001")), testID("15042219800101001"), ""},
		{"１５０４２２１９８００１０１００１６", "150422198001010016", ""},
		{" 150422 19800101 0016 ", "150422198001010016", ""},
		{"5.22327194003151E+17", "", MsgIDAsNumber},
		{"522327194003151000", "", MsgIDAsNumber},
		{"150422198001010019", "", MsgIDChecksum},
		{"150422800101001", "150422800101001", MsgIDOld},
		{"1504221980", "", MsgIDLength},
	} {
		id, msg, _ := CheckIDNumber(c.in)
		if msg != c.msg || c.id != "" && id != c.id {
			t.Errorf("CheckIDNumber(%q) = %q %q, want %q %q", c.in, id, msg, c.id, c.msg)
		}
	}
	if IDChecksum("11010519491231002") != 'X' { // the standard's example 11010519491231002X
		t.Error("checksum example")
	}
}

func TestNormalizeHeader(t *testing.T) {
	for in, want := range map[string][2]string{
		"家庭年\n纯收入（元）":   {"家庭年纯收入", "元"},
		"人均纯收入*":        {"人均纯收入", ""},
		"其中：务工收入":       {"务工收入", ""},
		"\u3000户主 姓名：":  {"户主姓名", ""},
		"家庭人口（人）":       {"家庭人口", "人"},
		"人均收入(元/人)":     {"人均收入", "元/人"},
		"变动情况（头、只）":     {"变动情况", "头、只"},
		"县(市、区、旗)":      {"县(市、区、旗)", ""},
		"出售\u200b犊牛(头)": {"出售犊牛", "头"},
	} {
		n, u := NormalizeHeader(in)
		if n != want[0] || u != want[1] {
			t.Errorf("NormalizeHeader(%q) = %q %q, want %q %q", in, n, u, want[0], want[1])
		}
	}
}

func TestDetectHeaderVariants(t *testing.T) {
	d := newDict(nil, nil)
	p := calc.Period{Year: 2026, Quarter: 2}
	win := [][]string{
		{"2026年收入监测表"},
		{"单位：元"},
		{"户编号", "户主姓名", "一季度", "", "二季度", "", "累计人均纯收入", "2025年人均纯收入"},
		{"", "", "工资性收入", "人均纯收入", "工资性收入", "人均纯收入"},
		{"A", "B", "C", "D", "E", "F", "G", "H"},
		{"H1", "张三", "100", "50", "200", "100", "150", "900"},
	}
	merges := []mergeRange{{1, 1, 1, 8}, {3, 3, 3, 4}, {3, 5, 3, 6}, {3, 1, 4, 1}, {3, 2, 4, 2}, {3, 7, 4, 7}, {3, 8, 4, 8}}
	h := d.detectHeader(win, merges, p)
	if h == nil || len(h.rows) != 2 || h.rows[0] != 3 || h.codeRow != 5 || h.sheetUnit != "元" {
		t.Fatalf("header = %+v", h)
	}
	want := []struct {
		field   string
		quarter int
		period  string
	}{{"household_no", 0, ""}, {"head_name", 0, ""}, {"wage_income", 1, ""}, {"per_capita", 1, ""}, {"wage_income", 2, ""}, {"per_capita", 2, ""}, {"per_capita", 0, PeriodYTD}, {"last_year_per_capita", 0, PeriodLastYear}}
	for i, w := range want {
		c := h.cols[i]
		if c.Field != w.field || c.Quarter != w.quarter || c.Period != w.period {
			t.Errorf("col %d %q = %s q%d %s, want %+v", i+1, c.Header, c.Field, c.Quarter, c.Period, w)
		}
	}
}

func FuzzNormalizeHeader(f *testing.F) {
	for _, s := range []string{"家庭年\n纯收入（元）", "其中：务工收入*", "(元)", "（", "))((", "单位：元", "其中", "\u3000\u200b", "牛（头）"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, u := NormalizeHeader(s)
		if !utf8.ValidString(n) || strings.ContainsAny(n, " \n\t\u3000") {
			t.Fatalf("NormalizeHeader(%q) = %q", s, n)
		}
		if u != "" && !isUnit(u) {
			t.Fatalf("unit %q", u)
		}
		n2, _ := NormalizeHeader(n)
		_ = n2
	})
}

func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"1,200元", "１２００", "1.2万", "/", "—", "无", "30%", "5.2E+3", "1e999", "-.5", "万", "%%", "1.2万万元"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok, err := ParseNumber(s)
		if err == nil && ok && v == nil {
			t.Fatal("present without a value")
		}
		if !ok && err != nil {
			t.Fatal("error for an empty value")
		}
		_, _, _ = parseFen(s)
		_, _, _ = parseCount(s)
	})
}

func FuzzIDNumber(f *testing.F) {
	for _, s := range []string{testID("15042219800101001"), "5.22327194003151E+17", "522327194003151000", "150422800101001", "x", "１５０４２２１９８００１０１００１６"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, msg, _ := CheckIDNumber(s)
		if msg == "" && id != "" && (len(id) != 18 || IDChecksum(id[:17]) != id[17]) {
			t.Fatalf("accepted %q as %q", s, id)
		}
	})
}

// A percentage in a money or count column is reported, not read as a fraction of a yuan.
func TestReadPercentInMoneyColumn(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pct.xlsx")
	f := ledgerFile(t, [][]any{
		{"户编号", "户主姓名", "身份证号", "家庭人口", "工资性收入（元）", "人均纯收入（元）"},
		{"HQ001", "包玉山", idA, "4", "70%", 3000},
		{"HQ002", "王秀英", idB, "50%", 6000, 3000},
	})
	led := saveRead(t, f, p, ReadOptions{Period: q1})
	checkErrors(t, led.Errors, []wantErr{
		{formulaSheet, 2, "工资性收入", "‘工资性收入’的值“70%”是百分比，这里应填金额（元）"},
		{formulaSheet, 3, "家庭人口", "‘家庭人口’的值“50%”是百分比，这里应填数量"},
	})
	if q := household(t, led, "HQ001").Quarters[0]; q != nil && q.Wage != 0 {
		t.Errorf("HQ001 wage %v from 70%%", q.Wage)
	}
}
