package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"zengshou/bot"
)

func init() {
	register(command{name: "demo", usage: "演示完整流程（临时目录、模拟时钟，打印所有消息后退出）/ run the whole flow on a simulated clock", run: func(ctx context.Context, args []string) error {
		return runDemo(ctx, os.Stdout, os.Stderr, args)
	}})
}

func runDemo(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("demo", stderr)
	if err := fs.Parse(args); err != nil {
		return usageError(err)
	}
	if fs.NArg() > 0 {
		return &exitError{code: 2, msg: fmt.Sprintf("多余的参数 / unexpected arguments: %s", strings.Join(fs.Args(), " "))}
	}
	return bot.Demo(ctx, stdout)
}
