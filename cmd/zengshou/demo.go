package main

import (
	"context"
	"os"

	"zengshou/bot"
)

func init() {
	register(command{name: "demo", usage: "演示完整流程（临时目录、模拟时钟）/ run the whole flow on a simulated clock", run: func(ctx context.Context, args []string) error {
		return bot.Demo(ctx, os.Stdout)
	}})
}
