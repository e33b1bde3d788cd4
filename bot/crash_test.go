package bot_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"zengshou/bot"
	"zengshou/calc/ledger"
	"zengshou/connectors/local"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// zengshouBinary builds the real binary once for the crash tests.
func zengshouBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "zengshou-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "zengshou")
		out, err := exec.Command("go", "build", "-o", binPath, "zengshou/cmd/zengshou").CombinedOutput()
		if err != nil {
			binErr = errors.New(string(out))
		}
	})
	if binErr != nil {
		t.Fatalf("build zengshou: %v", binErr)
	}
	return binPath
}

// serve starts `zengshou serve` on dir; fault names the point where it kills itself ("" none).
func serve(t *testing.T, dir, fault string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(zengshouBinary(t), "serve", "--data", dir, "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "ZENGSHOU_CONFIG=", "ZENGSHOU_LOG_FORMAT=json")
	if fault != "" {
		cmd.Env = append(cmd.Env, bot.FaultEnv+"="+fault)
	}
	logf, _ := os.OpenFile(filepath.Join(dir, "serve.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

func waitExit(cmd *exec.Cmd, d time.Duration) (*os.ProcessState, bool) {
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
		return cmd.ProcessState, true
	case <-time.After(d):
		return nil, false
	}
}

func replies(t *testing.T, dir string) []local.Message {
	msgs, err := local.ReadMessages(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []local.Message
	for _, m := range msgs {
		if m.Kind == "reply" || m.Kind == "error" {
			out = append(out, m)
		}
	}
	return out
}

// A kill -9 at any point between receipt and reply, then a restart, gives exactly one reply.
func TestKillDuringProcessingThenRestartRepliesOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	for _, fault := range []string{"accept", "download", "evaluate", "reply"} {
		t.Run(fault, func(t *testing.T) {
			dir := t.TempDir()
			first := serve(t, dir, fault)
			inbox := filepath.Join(dir, "inbox", "群")
			os.MkdirAll(inbox, 0o755)
			if err := ledger.GenerateFile(filepath.Join(inbox, "台账.xlsx.part"), 30, 5, ledger.GenOptions{Quarter: 4}); err != nil {
				t.Fatal(err)
			}
			os.Rename(filepath.Join(inbox, "台账.xlsx.part"), filepath.Join(inbox, "台账.xlsx"))
			st, ok := waitExit(first, 30*time.Second)
			if !ok {
				first.Process.Kill()
				t.Fatalf("the service did not reach fault point %q", fault)
			}
			if ws, _ := st.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				b, _ := os.ReadFile(filepath.Join(dir, "serve.log"))
				t.Fatalf("first run ended with %v, want SIGKILL at %q\n%s", st, fault, b)
			}
			second := serve(t, dir, "")
			defer func() {
				second.Process.Signal(syscall.SIGTERM)
				if _, ok := waitExit(second, 20*time.Second); !ok {
					second.Process.Kill()
				}
			}()
			deadline := time.Now().Add(30 * time.Second)
			for len(replies(t, dir)) == 0 && time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond)
			}
			time.Sleep(1500 * time.Millisecond) // anything sent twice would show up by now
			got := replies(t, dir)
			if len(got) != 1 || got[0].Kind != "reply" || !strings.Contains(got[0].Text, "已处理《台账.xlsx》") {
				b, _ := os.ReadFile(filepath.Join(dir, "serve.log"))
				t.Fatalf("after kill at %q and restart: %d replies %+v, want exactly one\n%s", fault, len(got), got, b)
			}
		})
	}
}
