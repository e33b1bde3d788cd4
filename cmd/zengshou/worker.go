package main

import (
	"context"
	"fmt"
	"os"

	"zengshou/bot/sandbox"
)

func init() {
	register(command{
		name:  "worker",
		usage: "内部使用 / internal: parse a workbook in a sandboxed child",
		run: func(ctx context.Context, args []string) error {
			return runWorker(args)
		},
	})
}

// runWorker is the child side of bot/sandbox: `zengshou worker read`, one JSON request on
// stdin, one JSON response on stdout. The service starts it; people do not.
func runWorker(args []string) error {
	if len(args) != 1 || !sandbox.IsVerb(args[0]) {
		return &exitError{code: 2, msg: fmt.Sprintf("用法 / usage: zengshou worker %s  (内部使用 / internal)", sandbox.VerbRead)}
	}
	if code := sandbox.ChildMain(os.Stdin, os.Stdout); code != 0 {
		return &exitError{code: code}
	}
	return nil
}
