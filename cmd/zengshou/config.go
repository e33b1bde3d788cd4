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
		usage: "check [FILE]  检查配置文件，每处错误一行（键、值、原因），无效时退出码 1 / validate a config file",
		run: func(ctx context.Context, args []string) error {
			return runConfig(os.Stdout, os.Stderr, args)
		},
	})
}

const configUsage = `用法 / usage: zengshou config check [FILE]

检查配置文件：有效时打印“配置有效”、警告和生效的设置；无效时每处错误一行，写明键、值和原因。
FILE 省略时检查环境变量 ZENGSHOU_CONFIG 指定的文件，都没有时检查默认值和 ZENGSHOU_* 环境变量。
退出码：0 有效（可能有警告），1 无效或无法读取，2 用法错误。
Checks a config file: valid, it prints "配置有效", the warnings and the settings in force; invalid,
one line per problem naming the key, the value and what is wrong. Without FILE: the file named by
ZENGSHOU_CONFIG, else the defaults and the ZENGSHOU_* environment. Exit 0 valid, 1 invalid or
unreadable, 2 usage.
`

func runConfig(stdout, stderr io.Writer, args []string) error {
	if len(args) > 0 && isHelp(args[len(args)-1]) {
		fmt.Fprint(stdout, configUsage)
		return nil
	}
	if len(args) == 0 || args[0] != "check" || len(args) > 2 {
		fmt.Fprint(stderr, configUsage)
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
