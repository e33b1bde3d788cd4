package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"zengshou/bot"
	"zengshou/bot/sandbox"
	"zengshou/config"
)

func init() {
	register(command{name: "serve", usage: "运行服务（本地收件箱、平台回调、提醒、HTTP API）/ run the service", run: runServe})
}

// loadConfig loads the config file (or defaults) and prints its warnings; an invalid config is
// an error naming every problem.
func loadConfig(path string) (*config.Config, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, &exitError{code: 1, msg: err.Error()}
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintln(os.Stderr, "配置提示 / config warning:", w)
	}
	return cfg, nil
}

func runServe(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfgPath := fs.String("config", "", "配置文件 / config file (default $ZENGSHOU_CONFIG or built-in defaults)")
	data := fs.String("data", "", "数据目录 / data directory (default data_dir, ./data)")
	addr := fs.String("addr", "", "HTTP 监听地址 / listen address (default http.addr, :8080)")
	if err := fs.Parse(args); err != nil {
		return &exitError{code: 2}
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
