package ledger

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// wantFinding is one expected finding: rule, household, yuan amount ("" = none) and source row.
type wantFinding struct {
	rule, household, amount, sheet string
	row                            int
}

// wantError is one expected data problem (sheet, row, column).
type wantError struct {
	sheet  string
	row    int
	column string
}

// The reader engineer's testdata ledgers, processed for 2026Q3 under config.DefaultPolicy().
// Every amount is traced by hand to the workbook (testdata_gen_test.go) and the seed.
var testdataExpect = map[string]struct {
	findings []wantFinding
	tasks    map[string]int // rule → count
	errors   []wantError
}{
	"template.xlsx": {
		tasks: map[string]int{},
		errors: []wantError{
			{"家庭收入台账", 4, "家庭人口数"}, // blank 家庭人口数
			// a Q3 ledger whose income columns name no quarter: read as 本年累计, one note for the sheet
			{"家庭收入台账", 0, ""},
		},
	},
	"messy.xlsx": {
		tasks: map[string]int{},
		errors: []wantError{
			{"Sheet1", 7, "身份证号码"}, // ID typed as a number: digits lost
			{"Sheet1", 9, "身份证号码"}, // bad check digit
			{"Sheet1", 9, "家庭人口"},
			{"Sheet1", 9, "家庭年收入/生产经营性收入"}, // "三千"
			{"Sheet1", 0, ""},              // 家庭年收入/… name no quarter: read as 本年累计, one note for the sheet
		},
	},
	"employment.xlsx": {
		findings: []wantFinding{
			// （十）: 4500元×3个月=13500元 ×30% = 4050元 > 3000元 cap → 3000元.
			{"stable_job", "HQ001", "3000.00", "务工就业清单", 3},
			// （十）: stable employment outside Inner Mongolia → 300元 once.
			{"transport", "HQ001", "300.00", "务工就业清单", 3},
			// （十）: 120 days of flexible work in the county ≥ 100 → 1000元.
			{"flexible_job", "HQ004", "1000.00", "务工就业清单", 4},
			// （八）: 刘芳 returned, wants work, no help recorded.
			{"job_help_needed", "HQ004", "", "务工就业清单", 6},
		},
		// subsidy_unpaid: transport 300 and flexible_job 1000; stable_job is paid (稳岗补贴已发放 3000).
		tasks: map[string]int{"job_help_needed": 1, "subsidy_unpaid": 2},
		errors: []wantError{
			{"务工就业清单", 7, "身份证号"}, // the same person as row 3
			{"务工就业清单", 8, "身份证号"}, // bad check digit
			{"务工就业清单", 8, "务工时长"}, // "三个月"
		},
	},
	"multi.xlsx": {
		findings: []wantFinding{
			{"unit_lagging", "", "", "", 0}, {"unit_lagging", "", "", "", 0}, // 白塔村, 红旗村: completion 0% < 60%
			// （十）: 3800元×3 = 11400元 ×30% = 3420元 > 3000元 → 3000元.
			{"stable_job", "HQ004", "3000.00", "务工", 2},
			// （三）: 12.5亩 × 50元 = 625元 ≤ 1000元.
			{"land_contract", "HQ001", "625.00", "土地托管", 2},
			// （三）: 8亩 × 50元 = 400元 ≤ 1000元.
			{"land_entrust", "HQ004", "400.00", "土地托管", 3},
			// （三）: 存栏4 ≠ 5+0+0−3−0 = 2; 存栏25 ≠ 30+0+0−12−0 = 18.
			{"livestock_inconsistent", "HQ001", "", "牲畜台账", 3},
			{"livestock_inconsistent", "HQ004", "", "牲畜台账", 4},
		},
		tasks: map[string]int{"subsidy_unpaid": 3},
		errors: []wantError{
			{"牲畜台账", 5, "牛/出售犊牛"}, // "三头"
			{"牲畜台账", 5, "户编号"},    // HQ009 not on the household ledger
			// 旧数据 is a hidden ledger sheet beside visible ones: not computed, one warning.
			{"农户花名册", 0, ""}, // income columns with no quarter: read as 本年累计, one note
			{"旧数据", 0, ""},
			{"牲畜台账", 3, "存栏"}, {"牲畜台账", 4, "存栏"},
		},
	},
}

func TestProcessTestdataLedgers(t *testing.T) {
	for name, want := range testdataExpect {
		t.Run(name, func(t *testing.T) {
			src := filepath.Join(ledgerDir, name)
			if _, err := os.Stat(src); err != nil {
				t.Fatalf("testdata ledger %s missing: %v", name, err)
			}
			out := filepath.Join(t.TempDir(), "out.xlsx")
			rep, err := Process(src, out, processOptions(t))
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Findings) != len(want.findings) {
				t.Errorf("%d findings, want %d: %+v", len(rep.Findings), len(want.findings), rep.Findings)
			}
			used := make([]bool, len(rep.Findings))
			for _, w := range want.findings {
				found := false
				for i, f := range rep.Findings {
					amt := ""
					if f.Amount != nil {
						amt = f.Amount.String()
					}
					if !used[i] && f.Rule == w.rule && f.Household == w.household && amt == w.amount && f.Ref.Sheet == w.sheet && f.Ref.Row == w.row {
						used[i], found = true, true
						break
					}
				}
				if !found {
					t.Errorf("missing finding %+v", w)
				}
			}
			got := map[string]int{}
			for _, x := range rep.Tasks {
				got[x.Rule]++
				if _, err := time.Parse("2006-01-02", x.Due); err != nil {
					t.Errorf("task due %q", x.Due)
				}
			}
			if len(got) != len(want.tasks) {
				t.Errorf("tasks %v, want %v", got, want.tasks)
			}
			for r, n := range want.tasks {
				if got[r] != n {
					t.Errorf("tasks %v, want %v", got, want.tasks)
				}
			}
			if len(rep.Errors) != len(want.errors) {
				t.Errorf("%d errors, want %d: %+v", len(rep.Errors), len(want.errors), rep.Errors)
			}
			for _, w := range want.errors {
				found := false
				for _, e := range rep.Errors {
					if e.Sheet == w.sheet && e.Row == w.row && e.Column == w.column {
						found = true
					}
				}
				if !found {
					t.Errorf("missing error %+v", w)
				}
			}
			// Reprocessing the output gives the same report.
			rep2, err := Process(out, filepath.Join(t.TempDir(), "out2.xlsx"), processOptions(t))
			if err != nil {
				t.Fatal(err)
			}
			if len(rep2.Findings) != len(rep.Findings) || len(rep2.Tasks) != len(rep.Tasks) || len(rep2.Errors) != len(rep.Errors) {
				t.Errorf("reprocessed: %d/%d/%d findings/tasks/errors, first pass %d/%d/%d", len(rep2.Findings), len(rep2.Tasks),
					len(rep2.Errors), len(rep.Findings), len(rep.Tasks), len(rep.Errors))
			}
		})
	}
}

// TestOutputsOpenInLibreOffice converts outputs with LibreOffice headless; skipped when soffice
// is not installed. A workbook LibreOffice cannot load makes the conversion fail.
func TestOutputsOpenInLibreOffice(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Skip("soffice not on PATH")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.xlsx")
	if err := GenerateFile(in, 300, 1, GenOptions{}); err != nil {
		t.Fatal(err)
	}
	cols := filepath.Join(dir, "columns.xlsx")
	if _, err := Process(in, cols, processOptions(t)); err != nil {
		t.Fatal(err)
	}
	sheet := filepath.Join(dir, "sheet.xlsx")
	opt := processOptions(t)
	opt.Write.Mode = ModeSheet
	if _, err := Process(in, sheet, opt); err != nil {
		t.Fatal(err)
	}
	sheetAgain := filepath.Join(dir, "sheet-again.xlsx") // the zip-level writer on its own output
	if _, err := Process(sheet, sheetAgain, opt); err != nil {
		t.Fatal(err)
	}
	again := filepath.Join(dir, "again.xlsx")
	if _, err := Process(cols, again, processOptions(t)); err != nil {
		t.Fatal(err)
	}
	tpl, err := WriteTemplates(KindHouseholds, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{in, cols, sheet, sheetAgain, again, tpl[0]} {
		outDir := filepath.Join(dir, "lo-"+filepath.Base(p))
		cmd := exec.Command(soffice, "--headless", "--norestore", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
			"--convert-to", "xlsx", "--outdir", outDir, p)
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: soffice: %v\n%s", filepath.Base(p), err, b)
		}
		if _, err := os.Stat(filepath.Join(outDir, filepath.Base(p))); err != nil {
			t.Errorf("%s: LibreOffice produced nothing: %s", filepath.Base(p), b)
		}
	}
}
