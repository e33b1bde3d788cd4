package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"zengshou/calc/ledger"
)

func init() {
	register(command{
		name:  "gen",
		usage: "--households N --seed S -o FILE [--villages V] [--clean]  生成测试台账（同一种子结果相同） / deterministic test ledger",
		run: func(ctx context.Context, args []string) error {
			return runGen(os.Stdout, os.Stderr, args)
		},
	})
}

func runGen(stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("gen", stderr)
	n := fs.Int("households", 300, "户数 / households `N`")
	seed := fs.Int64("seed", 1, "随机种子（同一种子生成的台账相同） / seed `S` (the same seed, the same ledger)")
	out := fs.String("o", "", "输出文件（必填） / output `FILE` (required)")
	villages := fs.Int("villages", 0, "嘎查村数（默认 户数/50） / villages `V` (default households/50)")
	clean := fs.Bool("clean", false, "不加入杂乱数据 / no messy cells")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return usageError(err)
	}
	if len(pos) > 0 || *out == "" || *n < 1 {
		return &exitError{code: 2, msg: "用法 / usage: zengshou gen --households N --seed S -o FILE"}
	}
	if err := ledger.GenerateFile(*out, *n, *seed, ledger.GenOptions{Villages: *villages, Clean: *clean}); err != nil {
		return &exitError{code: 1, msg: fmt.Sprintf("生成失败：%v", err)}
	}
	fmt.Fprintf(stdout, "%s：%d户（种子 %d）\n", *out, *n, *seed)
	return nil
}
