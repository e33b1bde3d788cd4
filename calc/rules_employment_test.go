package calc_test

import (
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"zengshou/calc"
	"zengshou/config"
)

// TestNoIDNumberInText: a person's ID number may be a finding's subject (the key for payments),
// but it is never written into an explanation, a task or a data error a cadre reads.
func TestNoIDNumberInText(t *testing.T) {
	for _, file := range []string{"08_employment.yaml", "11_absorption.yaml"} {
		raw, err := os.ReadFile("testdata/rules/" + file)
		if err != nil {
			t.Fatal(err)
		}
		var cf caseFile
		if err := yaml.UnmarshalStrict(raw, &cf); err != nil {
			t.Fatal(err)
		}
		for _, c := range cf.Cases {
			var ids []string
			for _, l := range c.Inputs.Laborers {
				ids = append(ids, l.IDNumber)
			}
			for _, p := range c.Inputs.Posts {
				ids = append(ids, p.IDNumber)
			}
			for _, e := range c.Inputs.Employers {
				for _, w := range e.Workers {
					ids = append(ids, w.IDNumber)
				}
			}
			p, _ := calc.ParsePeriod(c.Period)
			res := calc.Evaluate(p, config.DefaultPolicy(), &c.Inputs)
			var texts []string
			for _, f := range res.Findings {
				texts = append(texts, f.Explain, f.SubjectName)
				for _, in := range f.Inputs {
					texts = append(texts, in.Value)
				}
			}
			for _, k := range res.Tasks {
				texts = append(texts, k.Explain, k.SubjectName)
			}
			for _, e := range res.Errors {
				texts = append(texts, e.Message)
			}
			for _, id := range ids {
				if strings.TrimSpace(id) == "" {
					continue
				}
				for _, s := range texts {
					if strings.Contains(s, id) {
						t.Errorf("%s/%s: ID number in %q", file, c.Name, s)
					}
				}
			}
		}
	}
}

// TestStableJobPolicyParams: the finding records every parameter it used, with its key, and
// the policy's values drive the amount (no number of the seed is a literal in calc).
func TestStableJobPolicyParams(t *testing.T) {
	pol := config.DefaultPolicy()
	pol.StableCap.Values = []calc.Dated[calc.Fen]{{Value: calc.Yuan(2000)}}
	pay := calc.Yuan(9000)
	in := &calc.Inputs{Laborers: []calc.Laborer{{Household: "H1", Name: "张三", Job: calc.JobStable, StableMonths: 3, ThreeMonthPay: &pay}}}
	res := calc.Evaluate(calc.Period{Year: 2025, Quarter: 2}, pol, in)
	if len(res.Findings) != 1 {
		t.Fatalf("findings: %+v", res.Findings)
	}
	f := res.Findings[0]
	// 9000 × 30% = 2700 > 2000 → 2000.
	if *f.Amount != calc.Yuan(2000) || f.Cap != "每人每年2000元" {
		t.Errorf("amount %s cap %q", f.Amount, f.Cap)
	}
	keys := map[string]bool{}
	for _, u := range f.Params {
		keys[u.Key] = true
	}
	for _, k := range []string{pol.StableMinMonths.Key, pol.StableShare.Key, pol.StableCap.Key} {
		if !keys[k] {
			t.Errorf("param %s not recorded: %+v", k, f.Params)
		}
	}
}
