package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"runtime"
	"slices"
	"time"
	"unsafe"

	"zengshou/bot"
	"zengshou/calc"
	"zengshou/calc/ledger"
	"zengshou/config"
)

// bench-eval is stage (d) of `zengshou bench` (issue 9: rule evaluation alone, ≥ 1M households
// per second per core), run as a child like the other stages: it reads the ledger (not timed),
// then evaluates its inputs on one core (GOMAXPROCS=1: the garbage collector shares that core),
// at least 3 times and for at least 1 s, and prints the households and the median seconds of one
// evaluation as JSON. The inputs are those `zengshou calc` evaluates for the same file.

func init() {
	register(command{
		name:  "bench-eval",
		usage: "IN.xlsx PERIOD [CONFIG]  内部使用：规则计算速度 / internal: rule evaluation alone, for `bench`",
		run: func(ctx context.Context, args []string) error {
			if len(args) < 2 || len(args) > 3 {
				return &exitError{code: 2, msg: "用法 / usage: zengshou bench-eval IN.xlsx PERIOD [CONFIG]"}
			}
			cfgFile := ""
			if len(args) == 3 {
				cfgFile = args[2]
			}
			r, err := benchEval(args[0], args[1], cfgFile, time.Second)
			if err != nil {
				return &exitError{code: 1, msg: "bench-eval: " + err.Error()}
			}
			return json.NewEncoder(os.Stdout).Encode(r)
		},
	})
}

// evalRun is what bench-eval prints.
type evalRun struct {
	Households int     `json:"households"`
	Runs       int     `json:"runs"`
	Median     float64 `json:"median_s"` // seconds of one evaluation
	// OutputMedian: seconds to write out the same results with no rule logic at all (outputFloor),
	// on the same core: the floor under (d) for results of this size and form.
	OutputMedian float64 `json:"output_median_s"`
}

// benchEval evaluates the ledger at least 3 times and for at least minTime.
func benchEval(file, period, cfgFile string, minTime time.Duration) (evalRun, error) {
	p, err := calc.ParsePeriod(period)
	if err != nil || !p.Valid() {
		return evalRun{}, fmt.Errorf("period %q", period)
	}
	cfg, err := config.Load(cfgFile)
	if err != nil {
		return evalRun{}, err
	}
	tmp, err := os.MkdirTemp("", "zengshou-bench-eval-")
	if err != nil {
		return evalRun{}, err
	}
	defer os.RemoveAll(tmp)
	led, err := ledger.Read(file, bot.LedgerOptions(cfg, p, tmp))
	if err != nil {
		return evalRun{}, err
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	runtime.GC()
	var res *calc.Result
	median := func(f func()) (float64, int) {
		var times []float64
		for start := time.Now(); len(times) < 3 || time.Since(start) < minTime; {
			t0 := time.Now()
			f()
			times = append(times, time.Since(t0).Seconds())
		}
		slices.Sort(times)
		return times[len(times)/2], len(times)
	}
	eval, runs := median(func() { res = calc.Evaluate(p, cfg.Policy, &led.Inputs) })
	runtime.GC()
	out, _ := median(func() { outputFloor(res) })
	return evalRun{Households: len(led.Inputs.Households), Runs: runs, Median: eval, OutputMedian: out}, nil
}

// outputFloor makes a copy of r the way Evaluate makes its results, with none of the rule logic:
// the records appended one by one to slices sized in advance, the strings an evaluation writes
// (explanations, task ids, input values, messages) copied into large chunks, amounts into
// slabs, each unit's maps anew. Strings an evaluation takes from its inputs or constants (ids,
// names, units, rule ids) are shared, as Evaluate shares them. It is a lower bound of the time
// any evaluation needs to hand over results of this size in this form (the Result of calc):
// numbers are copied already formatted, nothing is looked up, compared or sorted.
func outputFloor(r *calc.Result) *calc.Result {
	var (
		text []byte
		fens []calc.Fen
		ins  []calc.Input
		used []calc.Used
	)
	str := func(s string) string {
		if s == "" {
			return ""
		}
		if len(text)+len(s) > cap(text) {
			text = make([]byte, 0, max(64<<10, len(s)))
		}
		k := len(text)
		text = append(text, s...)
		return unsafe.String(&text[k], len(s))
	}
	fen := func(f *calc.Fen) *calc.Fen {
		if f == nil {
			return nil
		}
		if len(fens) == cap(fens) {
			fens = make([]calc.Fen, 0, 512)
		}
		fens = append(fens, *f)
		return &fens[len(fens)-1]
	}
	out := &calc.Result{Period: r.Period, Findings: make([]calc.Finding, 0, len(r.Findings)), Tasks: make([]calc.Task, 0, len(r.Tasks)),
		Errors: make([]calc.DataError, 0, len(r.Errors)), Warnings: append([]string{}, r.Warnings...), Units: make([]calc.UnitSummary, 0, len(r.Units))}
	for _, f := range r.Findings {
		f.Explain, f.Cap, f.Amount, f.Paid = str(f.Explain), str(f.Cap), fen(f.Amount), fen(f.Paid)
		if n := len(f.Inputs); n > 0 {
			if len(ins)+n > cap(ins) {
				ins = make([]calc.Input, 0, max(512, n))
			}
			k := len(ins)
			for _, in := range f.Inputs {
				ins = append(ins, calc.Input{Name: in.Name, Value: str(in.Value)})
			}
			f.Inputs = ins[k:len(ins):len(ins)]
		}
		if n := len(f.Params); n > 0 {
			if len(used)+n > cap(used) {
				used = make([]calc.Used, 0, max(512, n))
			}
			k := len(used)
			used = append(used, f.Params...)
			f.Params = used[k:len(used):len(used)]
		}
		out.Findings = append(out.Findings, f)
	}
	for _, t := range r.Tasks {
		t.ID, t.Explain, t.Amount = str(t.ID), str(t.Explain), fen(t.Amount)
		out.Tasks = append(out.Tasks, t)
	}
	for _, e := range r.Errors {
		e.Message = str(e.Message)
		out.Errors = append(out.Errors, e)
	}
	for _, u := range r.Units {
		u.Flags, u.Owed, u.Paid, u.Unpaid = maps.Clone(u.Flags), maps.Clone(u.Owed), maps.Clone(u.Paid), maps.Clone(u.Unpaid)
		u.Growth, u.GrowthProj, u.GrowthBase, u.LocalGrowth = ptr(u.Growth), fen(u.GrowthProj), fen(u.GrowthBase), ptr(u.LocalGrowth)
		out.Units = append(out.Units, u)
	}
	return out
}

// ptr is a pointer to a copy of *p (nil for nil).
func ptr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
