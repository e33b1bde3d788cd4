package bot_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"zengshou/bot"
)

var demoOnce struct {
	sync.Once
	text string
	err  error
}

// demoText is the demo's output, run once for the copy tests below.
func demoText(t *testing.T) string {
	t.Helper()
	demoOnce.Do(func() {
		var out bytes.Buffer
		demoOnce.err = bot.Demo(context.Background(), &out)
		demoOnce.text = out.String()
	})
	if demoOnce.err != nil {
		t.Fatalf("demo: %v\n%s", demoOnce.err, demoOnce.text)
	}
	return demoOnce.text
}

// The escalation to a leader quoted clause (十八) as “给与通报约谈”: the word is 给予.
func TestDemoEscalationSaysGeiyu(t *testing.T) {
	text := demoText(t)
	if strings.Contains(text, "给与") || !strings.Contains(text, "给予通报约谈") {
		t.Errorf("escalation wording:\n%s", text)
	}
}
