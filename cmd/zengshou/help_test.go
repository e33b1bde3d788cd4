package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// capture runs f with os.Stdout and os.Stderr going to one file, and returns what was written.
func capture(t *testing.T, f func() error) (string, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "out")
	file, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	stdout, stderr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = file, file
	err = f()
	os.Stdout, os.Stderr = stdout, stderr
	file.Close()
	b, _ := os.ReadFile(path)
	return string(b), err
}

// Every command's --help exits 0 and prints its usage in Chinese and English, with flags
// written as the README writes them; demo --help does not run the demo.
func TestEveryCommandHelp(t *testing.T) {
	clearEnv(t)
	for name, c := range commands {
		if name == "worker" || name == "bench-floor" || name == "bench-eval" { // internal, started by the service and bench
			continue
		}
		for _, arg := range []string{"--help", "-h"} {
			out, err := capture(t, func() error { return c.run(context.Background(), []string{arg}) })
			if err != nil {
				t.Errorf("%s %s: %v", name, arg, err)
			}
			if !strings.Contains(out, "用法 / usage: zengshou "+name) {
				t.Errorf("%s %s: no usage line:\n%s", name, arg, out)
			}
			if strings.Contains(out, "演示结束") || strings.Contains(out, "Usage of") {
				t.Errorf("%s %s:\n%s", name, arg, out)
			}
		}
	}
	for name, flags := range map[string][]string{
		"serve":  {"--config FILE", "--data DIR", "--addr HOST:PORT"},
		"calc":   {"-o OUT.xlsx", "--period YYYYQn", "--config FILE", "--json REPORT.json"},
		"gen":    {"--households N", "--seed S", "-o FILE"},
		"policy": {"--date YYYY-MM-DD", "--county NAME", "--json", "--config FILE"},
	} {
		out, _ := capture(t, func() error { return commands[name].run(context.Background(), []string{"--help"}) })
		for _, f := range flags {
			if !strings.Contains(out, "\n  "+f+"\n") {
				t.Errorf("%s --help does not show %q:\n%s", name, f, out)
			}
		}
	}
}

func TestTopLevelUsageListsCommands(t *testing.T) {
	var b strings.Builder
	usage(&b)
	for name := range commands {
		if !strings.Contains(b.String(), "\n  "+name+" ") {
			t.Errorf("usage does not list %s:\n%s", name, b.String())
		}
	}
	if !strings.Contains(b.String(), "zengshou <命令 command> --help") {
		t.Errorf("usage does not say how to get a command's flags:\n%s", b.String())
	}
}
