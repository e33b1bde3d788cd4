package ledger

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// The cadre filtered our 风险标识 column to see the flagged households, saved, and uploads the
// workbook again: the filter on a column we remove must not be left pointing past the sheet's
// filter range (Excel repairs such a file), and the rows it hid are shown again.
func TestFidelityFilterOnOurColumn(t *testing.T) {
	dir := t.TempDir()
	in := fidBase(t, dir)
	out := filepath.Join(dir, "out.xlsx")
	opt := processOptions(t)
	opt.Write.Mode = ModeColumns
	if _, err := Process(in, out, opt); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	flags, _ := f.GetCols(fidIncome)
	f.Close()
	var keep string
	hide := map[int]bool{}
	for r := 5; r < len(flags[29]); r++ {
		if flags[29][r] != "" && keep == "" {
			keep = flags[29][r]
		}
	}
	for r := 5; r < len(flags[29]); r++ {
		if flags[29][r] != keep {
			hide[r+1] = true
		}
	}
	if keep == "" {
		t.Skip("no flagged household")
	}
	filtered := filepath.Join(dir, "filtered.xlsx")
	reAF := regexp.MustCompile(`<autoFilter ref="\$A\$4:\$AJ\$(\d+)"></autoFilter>`)
	reRow := regexp.MustCompile(`<row r="(\d+)"`)
	fidEditSheet(t, out, filtered, fidIncome, func(s string) string {
		if !reAF.MatchString(s) {
			t.Fatalf("no autofilter: %s", s[strings.Index(s, "</sheetData>"):])
		}
		s = reAF.ReplaceAllString(s, `<autoFilter ref="A4:AJ$1"><filterColumn colId="29"><filters><filter val="`+keep+`"/></filters></filterColumn></autoFilter>`)
		return reRow.ReplaceAllStringFunc(s, func(m string) string {
			n := reRow.FindStringSubmatch(m)[1]
			var r int
			for _, c := range n {
				r = r*10 + int(c-'0')
			}
			if hide[r] && r <= 55 {
				return m + ` hidden="1"`
			}
			return m
		})
	})
	for _, mode := range []string{ModeColumns} {
		out2 := filepath.Join(dir, mode+"-again.xlsx")
		opt := processOptions(t)
		opt.Write.Mode = mode
		rep, err := Process(filtered, out2, opt)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("households %d", rep.Summary.Households)
		fidValidate(t, out2)
		xml := fidSheetXML(t, out2, fidIncome)
		af := regexp.MustCompile(`<autoFilter[^>]*>.*?</autoFilter>|<autoFilter[^>]*/>`).FindString(xml)
		t.Logf("autofilter after: %s", af)
		if strings.Contains(af, "filterColumn") || !strings.Contains(af, "AJ") {
			t.Errorf("the filter on our old column is left, or ours does not cover our columns: %s", af)
		}
		g, _ := excelize.OpenFile(out2)
		hidden := 0
		for r := 6; r <= 55; r++ {
			if v, _ := g.GetRowVisible(fidIncome, r); !v {
				hidden++
			}
		}
		g.Close()
		if hidden > 0 {
			t.Errorf("%d household rows still hidden by the filter on our old column", hidden)
		}
	}
}

// The same with the cadre's own criterion beside ours: theirs stays (with the rows it hides),
// ours goes, and the filter stays inside the sheet's columns.
func TestFidelityFilterOnOurAndTheirColumns(t *testing.T) {
	dir := t.TempDir()
	in := fidBase(t, dir)
	out := filepath.Join(dir, "out.xlsx")
	opt := processOptions(t)
	opt.Write.Mode = ModeColumns
	if _, err := Process(in, out, opt); err != nil {
		t.Fatal(err)
	}
	filtered := filepath.Join(dir, "filtered.xlsx")
	reAF := regexp.MustCompile(`<autoFilter ref="\$A\$4:\$AJ\$(\d+)"></autoFilter>`)
	fidEditSheet(t, out, filtered, fidIncome, func(s string) string {
		s = reAF.ReplaceAllString(s, `<autoFilter ref="A4:AJ$1"><filterColumn colId="3"><filters><filter val="红旗村"/></filters></filterColumn><filterColumn colId="29"><filters blank="1"/></filterColumn></autoFilter>`)
		return strings.Replace(s, `<row r="7"`, `<row r="7" hidden="1"`, 1)
	})
	out2 := filepath.Join(dir, "again.xlsx")
	opt2 := processOptions(t)
	opt2.Write.Mode = ModeColumns
	if _, err := Process(filtered, out2, opt2); err != nil {
		t.Fatal(err)
	}
	fidValidate(t, out2)
	af := regexp.MustCompile(`<autoFilter[^>]*>.*?</autoFilter>|<autoFilter[^>]*/>`).FindString(fidSheetXML(t, out2, fidIncome))
	if !strings.Contains(af, `colId="3"`) || strings.Contains(af, `colId="29"`) || !strings.Contains(af, "红旗村") {
		t.Errorf("autofilter after: %s", af)
	}
	g, _ := excelize.OpenFile(out2)
	defer g.Close()
	if v, _ := g.GetRowVisible(fidIncome, 7); v {
		t.Error("row 7, hidden by the cadre's own criterion, is shown")
	}
}

func TestStripOurMarksXML(t *testing.T) {
	ours := map[int]bool{30: true, 31: true} // AD, AE
	const rows = `<sheetData><row r="4"><c r="A4"/></row><row r="5" hidden="1"/><row r="6" hidden="true" ht="15"/><row r="60" hidden="1"/></sheetData>`
	for _, c := range []struct {
		name, in, want    string
		changed, nofilter bool
	}{
		{"our format only",
			`<worksheet>` + rows + `<conditionalFormatting sqref="J6:J55"><cfRule type="cellIs" dxfId="0" priority="1" operator="lessThan"><formula>10000</formula></cfRule></conditionalFormatting><conditionalFormatting sqref="A6:AJ57"><cfRule type="expression" dxfId="1" priority="2"><formula>LEN($AD6)&gt;0</formula></cfRule></conditionalFormatting></worksheet>`,
			`<worksheet>` + rows + `<conditionalFormatting sqref="J6:J55"><cfRule type="cellIs" dxfId="0" priority="1" operator="lessThan"><formula>10000</formula></cfRule></conditionalFormatting></worksheet>`,
			true, false},
		{"a cadre's LEN rule on their own column stays",
			`<worksheet>` + rows + `<conditionalFormatting sqref="A6:C9"><cfRule type="expression" dxfId="1" priority="2"><formula>LEN($C6)&gt;0</formula></cfRule></conditionalFormatting></worksheet>`,
			`<worksheet>` + rows + `<conditionalFormatting sqref="A6:C9"><cfRule type="expression" dxfId="1" priority="2"><formula>LEN($C6)&gt;0</formula></cfRule></conditionalFormatting></worksheet>`,
			false, false},
		{"the filter on our column only",
			`<worksheet><sheetPr filterMode="1"><tabColor rgb="FFFF0000"/></sheetPr>` + rows + `<autoFilter ref="A4:AJ57"><filterColumn colId="29"><filters><filter val="x"/></filters></filterColumn></autoFilter></worksheet>`,
			`<worksheet><sheetPr><tabColor rgb="FFFF0000"/></sheetPr><sheetData><row r="4"><c r="A4"/></row><row r="5"/><row r="6" ht="15"/><row r="60" hidden="1"/></sheetData><autoFilter ref="A4:AJ57"></autoFilter></worksheet>`,
			true, true},
		{"the cadre's criterion stays, with its rows",
			`<worksheet>` + rows + `<autoFilter ref="A4:AJ57"><filterColumn colId="3"><filters><filter val="y"/></filters></filterColumn><filterColumn colId="30"><filters blank="1"/></filterColumn></autoFilter></worksheet>`,
			`<worksheet>` + rows + `<autoFilter ref="A4:AJ57"><filterColumn colId="3"><filters><filter val="y"/></filters></filterColumn></autoFilter></worksheet>`,
			true, false},
		{"a custom view's filter is not the sheet's",
			`<worksheet>` + rows + `<customSheetViews><customSheetView guid="{1}"><autoFilter ref="A4:AJ57"><filterColumn colId="29"><filters><filter val="x"/></filters></filterColumn></autoFilter></customSheetView></customSheetViews></worksheet>`,
			`<worksheet>` + rows + `<customSheetViews><customSheetView guid="{1}"><autoFilter ref="A4:AJ57"><filterColumn colId="29"><filters><filter val="x"/></filters></filterColumn></autoFilter></customSheetView></customSheetViews></worksheet>`,
			false, false},
	} {
		got, changed, nofilter := stripOurMarksXML([]byte(c.in), ours)
		if string(got) != c.want || changed != c.changed || nofilter != c.nofilter {
			t.Errorf("%s:\ngot  %s (%v %v)\nwant %s (%v %v)", c.name, got, changed, nofilter, c.want, c.changed, c.nofilter)
		}
	}
}
