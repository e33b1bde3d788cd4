package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"zengshou/bot"
	"zengshou/calc/ledger"
)

func init() {
	register(command{
		name:  "template",
		usage: "[KIND|all] -o DIR  生成空白标准台账 / write blank standard ledgers (" + strings.Join(ledger.TemplateKinds, ", ") + ")",
		run: func(ctx context.Context, args []string) error {
			return runTemplate(os.Stdout, os.Stderr, args)
		},
	})
}

func runTemplate(stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("template", stderr)
	dir := fs.String("o", ".", "输出目录 / output `DIR`")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return usageError(err)
	}
	kind := "all"
	if len(pos) > 1 {
		return &exitError{code: 2, msg: "用法 / usage: zengshou template [KIND|all] -o DIR"}
	}
	if len(pos) == 1 {
		kind = pos[0]
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return &exitError{code: 1, msg: fmt.Sprintf("无法创建目录 %s：%v", *dir, err)}
	}
	if k, ok := bot.TemplateKind(kind); ok { // 牲畜, 务工…: the names the 模板 command takes
		kind = k
	}
	if kind != "all" && !slices.Contains(ledger.TemplateKinds, kind) {
		var kinds []string
		for _, k := range ledger.TemplateKinds {
			kinds = append(kinds, fmt.Sprintf("%s（%s）", k, ledger.KindNames[k]))
		}
		return &exitError{code: 2, msg: fmt.Sprintf("没有“%s”模板。可用的种类：%s，或 all（全部）", kind, strings.Join(kinds, "、"))}
	}
	paths, err := ledger.WriteTemplates(kind, *dir)
	if err != nil {
		return &exitError{code: 1, msg: fmt.Sprintf("模板生成失败：%v", err)}
	}
	for _, p := range paths {
		fmt.Fprintln(stdout, p)
	}
	return nil
}
