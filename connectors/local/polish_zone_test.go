package local

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"zengshou/connectors"
)

// The outbox's file names are prefixed with the time of sending in the service's zone, as the
// date inside them is: 2026-11-29 21:12:08 UTC is 2026-11-30 05:12:08 in Asia/Shanghai (UTC+8).
func TestPolishOutboxPrefixInTheServiceZone(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	c, err := New(dir, Options{Quiet: true, Zone: shanghai, Now: func() time.Time { return time.Date(2026, 11, 29, 21, 12, 8, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	for i, key := range []string{"a", "b"} {
		m := connectors.Message{Kind: "summary", ChatID: "群", Text: "汇总", IdempotencyKey: key,
			File: &connectors.Attachment{Name: "汇总-全市-2026-11-30.xlsx", Data: []byte{byte('0' + i)}}}
		if _, err := c.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(filepath.Join(dir, "outbox", "群"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 2 {
		t.Fatalf("outbox: %v", names)
	}
	for _, n := range names { // two in one second: both kept, under names of the same prefix
		if !strings.HasPrefix(n, "20261130-051208-") {
			t.Errorf("outbox file %q, want the prefix 20261130-051208-", n)
		}
	}
	if names[0] == names[1] {
		t.Errorf("one name for two files: %v", names)
	}
}
