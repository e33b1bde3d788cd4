package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"zengshou/bot"
	"zengshou/bot/sandbox"
	"zengshou/config"
)

func init() {
	register(command{name: "serve", usage: "[--config FILE] [--data DIR] [--addr HOST:PORT]  运行服务（本地收件箱、平台回调、作业、提醒、汇总、HTTP API），Ctrl-C 退出 / run the service", run: runServe})
}

// loadConfig loads the config file (or defaults) and prints its warnings; an invalid config is
// an error naming every problem.
func loadConfig(path string) (*config.Config, error) {
	cfg, err := config.Load(path)
	if err != nil {
		var ce *config.Error
		if errors.As(err, &ce) {
			printProblems(os.Stderr, ce)
			return nil, &exitError{code: 1, msg: "配置有误，服务未启动；改正后可用 zengshou config check 检查 / invalid config, not started"}
		}
		return nil, &exitError{code: 1, msg: fmt.Sprintf("配置文件无法读取 / cannot read config: %v", err)}
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintln(os.Stderr, "配置提示 / config warning:", w)
	}
	return cfg, nil
}

func runServe(ctx context.Context, args []string) error {
	fs := newFlagSet("serve", os.Stderr)
	cfgPath := fs.String("config", "", "配置文件（默认环境变量 ZENGSHOU_CONFIG，都没有时用内置默认值） / config `FILE` (default $ZENGSHOU_CONFIG, else the built-in defaults)")
	data := fs.String("data", "", "数据目录（默认配置 data_dir，即 ./data） / data `DIR` (default data_dir, ./data)")
	addr := fs.String("addr", "", "HTTP 监听地址（默认配置 http.addr，即 :8080） / listen address `HOST:PORT` (default http.addr, :8080)")
	if err := fs.Parse(args); err != nil {
		return usageError(err)
	}
	if fs.NArg() > 0 {
		return &exitError{code: 2, msg: fmt.Sprintf("多余的参数 / unexpected arguments: %s", strings.Join(fs.Args(), " "))}
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	file := *cfgPath
	if file == "" {
		file = os.Getenv(config.EnvConfig)
	}
	exe, _ := os.Executable()
	so := sandbox.Options{Exe: exe, MemoryMB: cfg.Limits.ParseMemoryMB, Timeout: cfg.Limits.ParseTimeout}
	return bot.Run(ctx, bot.RunOptions{Config: cfg, ConfigFile: file, DataDir: *data, Addr: *addr, Read: so.ReadFunc()})
}
