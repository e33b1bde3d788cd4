package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"zengshou/bot"
	"zengshou/calc"
	"zengshou/calc/ledger"
	"zengshou/config"
)

func init() {
	register(command{
		name:  "calc",
		usage: "IN.xlsx -o OUT.xlsx [--period 2026Q3] [--config FILE] [--json REPORT.json]  计算台账并写回结果 / process a ledger",
		run: func(ctx context.Context, args []string) error {
			return runCalc(os.Stdout, os.Stderr, args)
		},
	})
}

// parseArgs parses flags that may come before or after the positional arguments.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func runCalc(stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("calc", stderr)
	out := fs.String("o", "", "输出工作簿（必填） / output workbook `OUT.xlsx` (required)")
	period := fs.String("period", "", "季度，如 2026Q3（默认本季度，北京时间） / quarter `YYYYQn` (default: the current one, Asia/Shanghai)")
	file := fs.String("config", "", "配置文件（默认环境变量 ZENGSHOU_CONFIG，都没有时用内置默认值） / config `FILE` (default $ZENGSHOU_CONFIG, else the built-in defaults)")
	report := fs.String("json", "", "JSON 报告文件（- 为标准输出） / JSON report `REPORT.json` (- for stdout)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return usageError(err)
	}
	if len(pos) != 1 || *out == "" {
		return &exitError{code: 2, msg: "用法 / usage: zengshou calc IN.xlsx -o OUT.xlsx [--period 2026Q3] [--config FILE] [--json REPORT.json]"}
	}
	// The paths first, in the admin's words (os errors are English, and a missing output folder
	// surfaced as the name of our temporary file in it).
	if st, err := os.Stat(pos[0]); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return &exitError{code: 1, msg: fmt.Sprintf("找不到台账文件 %s，请检查文件名和路径", pos[0])}
		}
		return &exitError{code: 1, msg: fmt.Sprintf("无法读取台账文件 %s：%v", pos[0], err)}
	} else if st.IsDir() {
		return &exitError{code: 1, msg: fmt.Sprintf("%s 是一个目录，不是台账文件", pos[0])}
	}
	if d := filepath.Dir(*out); d != "" {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			return &exitError{code: 1, msg: fmt.Sprintf("结果文件的目录不存在：%s，请先创建该目录或换一个 -o 路径", d)}
		}
	}
	p := calc.PeriodOf(today())
	if *period != "" {
		if p, err = calc.ParsePeriod(*period); err != nil || !p.Valid() {
			return &exitError{code: 2, msg: fmt.Sprintf("--period %q：季度格式应为 2026Q3 / want YYYYQn", *period)}
		}
	}
	cfg, err := config.Load(*file)
	if err != nil {
		var ce *config.Error
		if errors.As(err, &ce) {
			printProblems(stderr, ce)
			return &exitError{code: 1, msg: "配置有误，未处理台账"}
		}
		return &exitError{code: 1, msg: fmt.Sprintf("配置文件无法读取：%v", err)}
	}
	// A soft memory target for one big ledger: a 100,000-household workbook holds ≈ 440 MiB live
	// at its peak; with the default GOGC the heap would double that. GOMEMLIMIT overrides it.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(540 << 20)
	}
	tmp, err := os.MkdirTemp("", "zengshou-calc-")
	if err != nil {
		return &exitError{code: 1, msg: fmt.Sprintf("无法创建临时目录：%v", err)}
	}
	defer os.RemoveAll(tmp)
	ro := bot.LedgerOptions(cfg, p, tmp)
	rep, err := ledger.Process(pos[0], *out, ledger.Options{Policy: cfg.Policy, Period: p, Read: ro})
	if err != nil {
		var fe *ledger.FileError
		if errors.As(err, &fe) {
			return &exitError{code: 1, msg: fe.Message}
		}
		return &exitError{code: 1, msg: "台账处理失败：" + firstLine(err.Error())}
	}
	if *report != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return &exitError{code: 1, msg: fmt.Sprintf("JSON 报告生成失败：%v", err)}
		}
		b = append(b, '\n')
		if *report == "-" {
			_, err = stdout.Write(b)
		} else {
			err = os.WriteFile(*report, b, 0o644)
		}
		if err != nil {
			return &exitError{code: 1, msg: fmt.Sprintf("JSON 报告写入失败：%v", err)}
		}
	}
	s := rep.Summary
	if *report != "-" {
		fmt.Fprintf(stdout, "%s %s：%d户，纳入监测%d户，应享补贴%s，已发放%s，未发放%s，待办事项%d项，数据问题%d条 → %s\n",
			filepath.Base(pos[0]), p, s.Households, s.Monitored, s.Owed.Text(), s.Paid.Text(), s.Unpaid.Text(), s.OpenTasks, s.Errors, *out)
	}
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
