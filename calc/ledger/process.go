package ledger

import (
	"fmt"
	"os"
	"time"

	"zengshou/calc"
)

// Options are what Process needs besides the two paths.
type Options struct {
	Policy *calc.Policy
	Period calc.Period
	Read   ReadOptions  // Read.Period is set to Period
	Write  WriteOptions // Write.Limits defaults to Read.Limits
	// From the caller's store, merged into the inputs read from the workbook.
	PriorIncome []calc.IncomePoint
	Payments    []calc.Payment
	OpenTasks   []calc.TaskAge
	AsOf        time.Time // zero: the period's end
}

// ReportTask is a task as the JSON report gives it: the due date as "2026-12-31".
type ReportTask struct {
	ID          string    `json:"id"`
	Rule        string    `json:"rule"`
	Clause      string    `json:"clause"`
	Subject     string    `json:"subject"`
	SubjectName string    `json:"subject_name,omitempty"`
	Household   string    `json:"household,omitempty"`
	Unit        calc.Unit `json:"unit"`
	Ref         calc.Ref  `json:"ref"`
	Cadre       string    `json:"cadre,omitempty"`
	Due         string    `json:"due"`
	Amount      *calc.Fen `json:"amount,omitempty"`
	Explain     string    `json:"explain"`
}

// Report is the JSON report of one processed workbook (`zengshou calc --json`, the HTTP API).
// Money is yuan as a string ("800.00").
type Report struct {
	Period   calc.Period      `json:"period"`
	Findings []calc.Finding   `json:"findings"`
	Tasks    []ReportTask     `json:"tasks"`
	Errors   []calc.DataError `json:"errors"` // the reader's and the rules' data problems
	Warnings []string         `json:"warnings"`
	Summary  Summary          `json:"summary"`
	Sheets   []SheetInfo      `json:"sheets"`
	Mode     string           `json:"mode"` // ModeColumns or ModeSheet: how the results were written
	// Inputs are what was read (plus the caller's history), for the service to store.
	Inputs *calc.Inputs `json:"-"`
}

// NewReport builds the report of an evaluation of a ledger.
func NewReport(led *Ledger, res *calc.Result, in *calc.Inputs, mode string) *Report {
	r := &Report{Period: res.Period, Findings: res.Findings, Tasks: make([]ReportTask, 0, len(res.Tasks)),
		Errors: make([]calc.DataError, 0, len(led.Errors)+len(res.Errors)), Warnings: res.Warnings,
		Summary: Summarize(led, res), Sheets: led.Sheets, Mode: mode, Inputs: in}
	if r.Findings == nil {
		r.Findings = []calc.Finding{}
	}
	if r.Warnings == nil {
		r.Warnings = []string{}
	}
	if r.Sheets == nil {
		r.Sheets = []SheetInfo{}
	}
	r.Errors = append(r.Errors, Problems(led, res)...)
	for _, t := range res.Tasks {
		r.Tasks = append(r.Tasks, ReportTask{ID: t.ID, Rule: t.Rule, Clause: t.Clause, Subject: t.Subject, SubjectName: t.SubjectName,
			Household: t.Household, Unit: t.Unit, Ref: t.Ref, Cadre: t.Cadre, Due: calc.DateText(t.Due), Amount: t.Amount, Explain: t.Explain})
	}
	return r
}

// Process reads the workbook src, evaluates it for the period under the policy and writes the
// workbook with results to dst: Read → calc.Evaluate → Write. A workbook that cannot be read
// at all gives a *FileError (its Message is one Chinese sentence for the cadre); unreadable
// cells do not stop it and are listed in the report and on 问题清单.
func Process(src, dst string, opt Options) (*Report, error) {
	if opt.Policy == nil {
		return nil, fmt.Errorf("process %s: no policy", "workbook")
	}
	if !opt.Period.Valid() {
		return nil, fmt.Errorf("process workbook: invalid period %v", opt.Period)
	}
	ro := opt.Read
	ro.Period = opt.Period
	if ro.PreparedDir == "" {
		dir, err := os.MkdirTemp(opt.Read.Limits.TmpDir, "ledger-prepared-")
		if err != nil {
			return nil, fmt.Errorf("process workbook: %w", err)
		}
		defer os.RemoveAll(dir)
		ro.PreparedDir = dir
	}
	led, err := Read(src, ro)
	if err != nil {
		return nil, err
	}
	in := led.Inputs // a copy of the slices' headers: the caller's history is appended, not shared
	if !opt.AsOf.IsZero() {
		in.AsOf = opt.AsOf
	}
	in.Payments = append(append([]calc.Payment(nil), in.Payments...), opt.Payments...)
	in.PriorIncome = append(append([]calc.IncomePoint(nil), in.PriorIncome...), opt.PriorIncome...)
	in.OpenTasks = append(append([]calc.TaskAge(nil), in.OpenTasks...), opt.OpenTasks...)
	res := calc.Evaluate(opt.Period, opt.Policy, &in)
	wo := opt.Write
	if wo.Limits == (Limits{}) {
		wo.Limits = opt.Read.Limits
	}
	mode := chooseMode(led, wo)
	wo.Mode = mode
	if led.Source != "" {
		src = led.Source
	}
	if err := Write(src, dst, led, res, wo); err != nil {
		return nil, err
	}
	if err := EncryptAs(led, dst, opt.Read.Password); err != nil {
		return nil, err
	}
	return NewReport(led, res, &in, mode), nil
}
