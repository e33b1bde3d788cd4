package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"time"

	"github.com/fsnotify/fsnotify"
)

// WatchPoll is how often Watch also rereads the file, for file systems where change events
// do not arrive (network mounts, some container volumes).
var WatchPoll = 5 * time.Second

// watchSettle is how long Watch waits after a change event before reading: editors write a
// file in several steps.
const watchSettle = 100 * time.Millisecond

// Watch rereads the config file at path (or ZENGSHOU_CONFIG when path is "") whenever it
// changes. A valid new config goes to onChange; an invalid or unreadable one goes to onError
// (an *Error with every message) and is otherwise ignored, so the last good config stays in
// force; so is a file that becomes empty. Watch reads the file once at the start as the
// baseline, returns at once, and stops when ctx is done. It returns an error when there is no
// file to watch.
func Watch(ctx context.Context, path string, onChange func(*Config), onError func(error)) error {
	if path == "" {
		path = os.Getenv(EnvConfig)
	}
	if path == "" {
		return errors.New("watch config: no config file (pass a path or set ZENGSHOU_CONFIG)")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("watch config %s: %w", path, err)
	}
	last, err := os.ReadFile(abs)
	if err != nil {
		return fmt.Errorf("watch config %s: %w", path, err)
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch config %s: %w", path, err)
	}
	// Watch the directory: editors and Kubernetes ConfigMaps replace the file (rename,
	// symlink swap), which ends a watch on the file itself.
	if err := w.Add(filepath.Dir(abs)); err != nil {
		_ = w.Close()
		return fmt.Errorf("watch config %s: %w", path, err)
	}
	if onChange == nil {
		onChange = func(*Config) {}
	}
	if onError == nil {
		onError = func(error) {}
	}
	go func() {
		defer w.Close()
		poll := time.NewTicker(WatchPoll)
		defer poll.Stop()
		var settle <-chan time.Time
		check := func() {
			data, err := os.ReadFile(abs)
			if err != nil {
				if !errors.Is(err, os.ErrNotExist) { // a replace in progress: wait for the new file
					onError(fmt.Errorf("reload config %s: %w", path, err))
				}
				return
			}
			if bytes.Equal(data, last) {
				return
			}
			last = data
			if len(bytes.TrimSpace(data)) == 0 {
				// At start no file means the defaults; a file emptied while running is a
				// mistake or a write in progress, and the defaults would drop the roster.
				onError(fmt.Errorf("reload config %s: 配置文件是空的，继续使用上一份配置 (the file is empty; the last good config stays)", path))
				return
			}
			cfg, err := load(data, path)
			if err != nil {
				onError(err)
				return
			}
			onChange(cfg)
		}
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				if ev.Has(fsnotify.Chmod) && !ev.Has(fsnotify.Write) && !ev.Has(fsnotify.Create) {
					continue
				}
				settle = time.After(watchSettle)
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				onError(fmt.Errorf("watch config %s: %w", path, err))
			case <-settle:
				settle = nil
				check()
			case <-poll.C:
				check()
			}
		}
	}()
	return nil
}

// NeedsRestart lists the keys whose new values a running service cannot take on a hot reload
// (the data directory, the listening address, the worker count, the parsing child's timeout and
// memory cap, logging, which are set up once at start): they apply at the next start. Everything
// else — policy, reminders, roster, limits, chats, API tokens and http.max_parallel, retention,
// and the platform sections (local, feishu, wecom, dingtalk), whose connectors the service
// rebuilds — applies at once.
func NeedsRestart(old, new *Config) []string {
	if old == nil || new == nil {
		return nil
	}
	var keys []string
	diff := func(key string, a, b any) {
		if !reflect.DeepEqual(a, b) {
			keys = append(keys, key)
		}
	}
	diff("data_dir", old.DataDir, new.DataDir)
	diff("http.addr", old.HTTP.Addr, new.HTTP.Addr)
	diff("workers.count", old.Workers.Count, new.Workers.Count)
	diff("limits.parse_timeout", old.Limits.ParseTimeout, new.Limits.ParseTimeout) // the sandbox is set up at start
	diff("limits.parse_memory_mb", old.Limits.ParseMemoryMB, new.Limits.ParseMemoryMB)
	diff("log", old.Log, new.Log)
	return keys
}
