package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"slices"
	"time"

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
	var times []float64
	for start := time.Now(); len(times) < 3 || time.Since(start) < minTime; {
		t0 := time.Now()
		calc.Evaluate(p, cfg.Policy, &led.Inputs)
		times = append(times, time.Since(t0).Seconds())
	}
	slices.Sort(times)
	return evalRun{Households: len(led.Inputs.Households), Runs: len(times), Median: times[len(times)/2]}, nil
}
