package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"zengshou/calc"
	"zengshou/config"
)

func init() {
	register(command{
		name:  "config",
		usage: "check [FILE]  检查配置文件 / validate a config file",
		run: func(ctx context.Context, args []string) error {
			return runConfig(os.Stdout, os.Stderr, args)
		},
	})
}

func runConfig(stdout, stderr io.Writer, args []string) error {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprintln(stderr, "用法 / usage: zengshou config check [FILE]")
		return &exitError{code: 2}
	}
	if len(args) > 2 {
		fmt.Fprintln(stderr, "用法 / usage: zengshou config check [FILE]")
		return &exitError{code: 2}
	}
	file := ""
	if len(args) == 2 {
		file = args[1]
	}
	cfg, err := config.Load(file)
	if err != nil {
		var ce *config.Error
		if errors.As(err, &ce) {
			printProblems(stderr, ce)
			return &exitError{code: 1}
		}
		fmt.Fprintf(stderr, "配置无法读取 / cannot read config: %v\n", err)
		return &exitError{code: 1}
	}
	fmt.Fprintln(stdout, "配置有效 / config is valid")
	for _, w := range cfg.Warnings {
		fmt.Fprintf(stdout, "警告 warning: %s\n", w)
	}
	for _, n := range notices(cfg.Policy, today()) {
		fmt.Fprintf(stdout, "提示 notice: %s\n", n)
	}
	fmt.Fprintln(stdout)
	fmt.Fprint(stdout, cfg.Summary())
	return nil
}

// printProblems prints every message of an invalid config.
func printProblems(w io.Writer, e *config.Error) {
	name := e.File
	if name == "" {
		name = "(默认值和环境变量 / defaults and environment)"
	}
	fmt.Fprintf(w, "配置无效 / config is invalid: %s\n", name)
	for _, p := range e.Problems {
		fmt.Fprintf(w, "错误 error: %s\n", p)
	}
	for _, p := range e.Warnings {
		fmt.Fprintf(w, "警告 warning: %s\n", p)
	}
}

// notices point at yearly data the admin has not filled in for this year yet (POLICY.md:
// the service warns and uses the latest year, or skips the check).
func notices(pol *calc.Policy, d time.Time) []string {
	var out []string
	for _, p := range config.InForce(pol, "", d) {
		switch p.Key {
		case "income.local_growth":
			if p.Stale {
				out = append(out, fmt.Sprintf("policy.%s：%d 年未设置，暂用 %s 起的 %s (not set for %d; the latest value is used)",
					p.Key, d.Year(), p.From, p.Value, d.Year()))
			}
		case "income.monitoring_line":
			if p.Stale || p.Value == "" {
				out = append(out, fmt.Sprintf("policy.%s：%d 年未设置，低于监测标准的检查将跳过 (not set for %d; the check is skipped)",
					p.Key, d.Year(), d.Year()))
			}
		}
	}
	return out
}
