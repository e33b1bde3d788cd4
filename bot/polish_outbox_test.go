package bot_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"zengshou/bot"
	"zengshou/config"
	"zengshou/connectors"
)

// polishUTCClock is a clock that tells the time in UTC, as the system clock of a server in UTC.
type polishUTCClock struct{ t time.Time }

func (c polishUTCClock) Now() time.Time { return c.t }

// The local connector BuildConnectors makes prefixes its outbox files with the time in
// reminders.timezone (default Asia/Shanghai, UTC+8), the zone of the dates inside the names:
// 2026-11-29 21:12:08 UTC is 2026-11-30 05:12:08 there.
func TestPolishBuiltLocalConnectorNamesFilesInTheServiceZone(t *testing.T) {
	cfg := config.Defaults()
	cfg.Local.Enabled = true
	dir := t.TempDir()
	clock := polishUTCClock{time.Date(2026, 11, 29, 21, 12, 8, 0, time.UTC)}
	cs, err := bot.BuildConnectors(cfg, dir, io.Discard, clock, logrus.NewEntry(logrus.New()), nil)
	if err != nil || len(cs) != 1 {
		t.Fatalf("connectors: %v %d", err, len(cs))
	}
	m := connectors.Message{Kind: "reply", ChatID: "群", Text: "汇总", IdempotencyKey: "k",
		File: &connectors.Attachment{Name: "汇总-全市-2026-11-30.xlsx", Data: []byte("x")}}
	if _, err := cs[0].Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "outbox", "群"))
	if err != nil || len(entries) != 1 {
		t.Fatalf("outbox: %v %d", err, len(entries))
	}
	if got, want := entries[0].Name(), "20261130-051208-汇总-全市-2026-11-30.xlsx"; got != want {
		t.Errorf("outbox file %q, want %q", got, want)
	}
}
