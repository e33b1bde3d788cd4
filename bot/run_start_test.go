package bot_test

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"

	"zengshou/bot"
	"zengshou/config"
)

// What stops `zengshou serve` at start is told to the admin in Chinese, with what to do: a port
// already taken (another service on :8080 is common on a fresh server) and a data directory that
// cannot be created were “listen :8080: … bind: address already in use” and “create data dir: …”.
func TestRunStartErrorsInChinese(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	log := logrus.New()
	log.SetOutput(io.Discard)
	run := func(dataDir, addr string) error {
		cfg := config.Defaults()
		return bot.Run(context.Background(), bot.RunOptions{Config: cfg, DataDir: dataDir, Addr: addr, Stdout: io.Discard, Log: logrus.NewEntry(log)})
	}
	err = run(t.TempDir(), ln.Addr().String())
	if err == nil || !strings.Contains(err.Error(), "无法监听 "+ln.Addr().String()) || !strings.Contains(err.Error(), "--addr") {
		t.Errorf("port taken: %v", err)
	}
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	err = run(filepath.Join(file, "data"), "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "无法创建数据目录 "+filepath.Join(file, "data")) {
		t.Errorf("data dir: %v", err)
	}
}
