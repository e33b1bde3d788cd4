package calc_test

// The rules are tested as data, the way OpenFisca tests formulas: one YAML case file per section
// of the seed in testdata/rules/. Each case gives the period, the inputs (calc.Inputs in its JSON
// form: money in yuan, areas in mu, rates as decimals), optionally a config snippet that changes
// the policy, and what must come out. Every expected number is from the seed or a hand
// calculation written next to it in the file.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"zengshou/calc"
	"zengshou/config"
)

type caseFile struct {
	Cases []ruleCase `json:"cases"`
}

type ruleCase struct {
	Name   string      `json:"name"`
	Period string      `json:"period"`
	Config string      `json:"config"` // YAML in the config file's form; empty: the shipped defaults
	Inputs calc.Inputs `json:"inputs"`
	Expect struct {
		Findings []wantFinding `json:"findings"`
		Tasks    []wantTask    `json:"tasks"`
		Errors   []wantError   `json:"errors"`
		Warnings []string      `json:"warnings"` // substrings
		// Partial: findings, tasks and errors not listed are allowed. By default every finding,
		// task and error produced must be listed, so a rule that fires where it should not fails.
		Partial bool `json:"partial"`
		// Absent: rule ids that must not appear at all (useful with partial).
		Absent []string `json:"absent"`
	} `json:"expect"`
}

type wantFinding struct {
	Rule      string `json:"rule"`
	Subject   string `json:"subject"`
	Amount    string `json:"amount"` // yuan "800.00"; empty: not checked
	Paid      string `json:"paid"`
	Monitored *bool  `json:"monitored"`
	Explain   string `json:"explain"` // substring of the explanation
}

type wantTask struct {
	Rule    string `json:"rule"`
	Subject string `json:"subject"`
	Amount  string `json:"amount"`
	Due     string `json:"due"` // 2026-12-31
	Explain string `json:"explain"`
}

type wantError struct {
	Rule    string `json:"rule"`
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Message string `json:"message"` // substring
}

// loadCasePolicy turns a case's config snippet into a policy (defaults when empty).
func loadCasePolicy(t *testing.T, snippet string) *calc.Policy {
	t.Helper()
	if strings.TrimSpace(snippet) == "" {
		return config.DefaultPolicy()
	}
	pol, err := casePolicy(snippet)
	if err != nil {
		t.Fatalf("case config: %v", err)
	}
	return pol
}

func TestRuleCases(t *testing.T) {
	files, _ := filepath.Glob("testdata/rules/*.yaml")
	if len(files) == 0 {
		t.Fatal("no rule case files in testdata/rules")
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var cf caseFile
		if err := yaml.UnmarshalStrict(raw, &cf); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, c := range cf.Cases {
			t.Run(filepath.Base(file)+"/"+c.Name, func(t *testing.T) { runCase(t, c) })
		}
	}
}

func fen(f *calc.Fen) string {
	if f == nil {
		return ""
	}
	return f.String()
}

func runCase(t *testing.T, c ruleCase) {
	p, err := calc.ParsePeriod(c.Period)
	if err != nil {
		t.Fatal(err)
	}
	pol := loadCasePolicy(t, c.Config)
	res := calc.Evaluate(p, pol, &c.Inputs)
	show := func() string {
		var b strings.Builder
		for _, f := range res.Findings {
			fmt.Fprintf(&b, "  finding %s %s amount=%s paid=%s monitored=%v: %s\n", f.Rule, f.Subject, fen(f.Amount), fen(f.Paid), f.Monitored, f.Explain)
		}
		for _, k := range res.Tasks {
			fmt.Fprintf(&b, "  task %s %s amount=%s due=%s: %s\n", k.Rule, k.Subject, fen(k.Amount), calc.DateText(k.Due), k.Explain)
		}
		for _, e := range res.Errors {
			fmt.Fprintf(&b, "  error %s row %d %s: %s\n", e.Rule, e.Row, e.Column, e.Message)
		}
		for _, w := range res.Warnings {
			fmt.Fprintf(&b, "  warning %s\n", w)
		}
		return b.String()
	}
	usedF := make([]bool, len(res.Findings))
	for _, w := range c.Expect.Findings {
		found := false
		for i, f := range res.Findings {
			if usedF[i] || f.Rule != w.Rule || f.Subject != w.Subject {
				continue
			}
			if (w.Amount != "" && fen(f.Amount) != w.Amount) || (w.Paid != "" && fen(f.Paid) != w.Paid) ||
				(w.Monitored != nil && f.Monitored != *w.Monitored) || !strings.Contains(f.Explain, w.Explain) {
				continue
			}
			usedF[i], found = true, true
			break
		}
		if !found {
			t.Errorf("missing finding %+v; got:\n%s", w, show())
		}
	}
	usedT := make([]bool, len(res.Tasks))
	for _, w := range c.Expect.Tasks {
		found := false
		for i, k := range res.Tasks {
			if usedT[i] || k.Rule != w.Rule || k.Subject != w.Subject {
				continue
			}
			if (w.Amount != "" && fen(k.Amount) != w.Amount) || (w.Due != "" && calc.DateText(k.Due) != w.Due) ||
				!strings.Contains(k.Explain, w.Explain) {
				continue
			}
			usedT[i], found = true, true
			break
		}
		if !found {
			t.Errorf("missing task %+v; got:\n%s", w, show())
		}
	}
	usedE := make([]bool, len(res.Errors))
	for _, w := range c.Expect.Errors {
		found := false
		for i, e := range res.Errors {
			if usedE[i] || (w.Rule != "" && e.Rule != w.Rule) || (w.Row != 0 && e.Row != w.Row) ||
				(w.Column != "" && e.Column != w.Column) || !strings.Contains(e.Message, w.Message) {
				continue
			}
			usedE[i], found = true, true
			break
		}
		if !found {
			t.Errorf("missing error %+v; got:\n%s", w, show())
		}
	}
	for _, w := range c.Expect.Warnings {
		ok := false
		for _, g := range res.Warnings {
			ok = ok || strings.Contains(g, w)
		}
		if !ok {
			t.Errorf("missing warning %q; got:\n%s", w, show())
		}
	}
	for _, id := range c.Expect.Absent {
		for _, f := range res.Findings {
			if f.Rule == id {
				t.Errorf("rule %s must not fire; got:\n%s", id, show())
			}
		}
		for _, k := range res.Tasks {
			if k.Rule == id {
				t.Errorf("task %s must not be raised; got:\n%s", id, show())
			}
		}
	}
	if c.Expect.Partial {
		return
	}
	for i, f := range res.Findings {
		if !usedF[i] {
			t.Errorf("unexpected finding %s %s amount=%s: %s", f.Rule, f.Subject, fen(f.Amount), f.Explain)
		}
	}
	for i, k := range res.Tasks {
		if !usedT[i] {
			t.Errorf("unexpected task %s %s amount=%s: %s", k.Rule, k.Subject, fen(k.Amount), k.Explain)
		}
	}
	for i, e := range res.Errors {
		if !usedE[i] {
			t.Errorf("unexpected error %s row %d %s: %s", e.Rule, e.Row, e.Column, e.Message)
		}
	}
}
