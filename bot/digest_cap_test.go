package bot_test

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zengshou/config"
	"zengshou/connectors"
)

// A digest or an escalation lists at most reminders.digest_max_items tasks; the rest are in an
// attached workbook with every task (a big village's cadre got 180 messages for one 提醒). The
// list shows names as the message does: whole to the cadre alone, masked for the leader.
func TestLongDigestListsTheFirstItemsAndAttachesTheRest(t *testing.T) {
	const maxItems = 3
	h := newHarness(t, func(c *config.Config) {
		c.Reminders.DigestMaxItems = maxItems
		c.Reminders.EscalateAfter = 1
		c.Summaries.Weekly = ""
		c.Summaries.Quarterly = false
	})
	uploadAndStart(t, h)
	open, err := h.st.OpenTasks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	mine := 0
	for _, tk := range open {
		if tk.Cadre == "王建军" {
			mine++
		}
	}
	if mine <= maxItems {
		t.Fatalf("王建军 has %d tasks; the test needs more than %d", mine, maxItems)
	}
	before := len(h.messages(""))
	h.tickAt(at(2026, 12, 1, 9, 0))
	var dm, group bool
	item := regexp.MustCompile(`(?m)^\d+\. `)
	for _, m := range h.messages("")[before:] {
		if m.Kind != "reminder" {
			continue
		}
		if n := len(item.FindAllString(m.Text, -1)); n > maxItems {
			t.Errorf("a digest lists %d tasks, more than %d:\n%s", n, maxItems, m.Text)
		}
		if len(m.To) == 1 && m.To[0] == "wangjj" {
			dm = true
			if !strings.Contains(m.Text, "……另有") || !strings.Contains(m.Text, "全部待办见附件《待办清单》") || m.File == "" {
				t.Logf("%s", m.Text)
				t.Fatalf("the cadre's digest does not point to the attached list:\n%s\nfile %q", m.Text, m.File)
			}
			rows := listRows(t, h, m.File, "待办清单")
			if len(rows)-1 != mine {
				t.Fatalf("the list has %d tasks, want all %d", len(rows)-1, mine)
			}
			whole := false
			for _, r := range rows[1:] {
				whole = whole || (len(r) > 2 && r[2] != "" && !strings.Contains(r[2], "*"))
			}
			if !whole {
				t.Errorf("the cadre's own list masks the names: %v", rows[1])
			}
		} else if m.Chat != "" {
			group = true
		}
	}
	if !dm || !group {
		t.Fatalf("digests: direct %v, group %v", dm, group)
	}
	// Reminded once with escalate_after 1: escalated with the next reminder (repeat_interval
	// 72h: 12-04), listed up to the cap.
	before = len(h.messages(""))
	h.tickAt(at(2026, 12, 4, 9, 0))
	escalated := false
	for _, m := range h.messages("")[before:] {
		if !strings.Contains(m.Text, "上报】") {
			continue
		}
		escalated = true
		if n := len(item.FindAllString(m.Text, -1)); n > maxItems {
			t.Errorf("the escalation lists %d tasks, more than %d", n, maxItems)
		}
		if !strings.Contains(m.Text, "全部见附件《待办上报清单》") || m.File == "" {
			t.Fatalf("the escalation does not attach its list:\n%s", m.Text)
		}
		for _, r := range listRows(t, h, m.File, "待办清单")[1:] {
			if len(r) > 2 && r[2] != "（未填户主）" && !strings.Contains(r[2], "*") {
				t.Errorf("the leader's list shows a whole name: %v", r)
			}
		}
	}
	if !escalated {
		t.Fatal("no escalation")
	}
}

// listRows reads a sheet of an attachment in the outbox.
func listRows(t *testing.T, h *harness, file, sheet string) [][]string {
	t.Helper()
	if !filepath.IsAbs(file) {
		file = filepath.Join(h.dir, file)
	}
	f, err := excelize.OpenFile(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// 待办 lists at most digest_max_items tasks too, and attaches them all; in a group chat the
// names in the list are masked.
func TestMyTasksOverTheCapAttachesTheList(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.Reminders.DigestMaxItems = 2 })
	h.upload("红旗村群", "台账.xlsx", 30, 11, q4())
	h.drain()
	ev := connectors.Event{Platform: "local", ID: "mine", Kind: connectors.EventText, ChatID: "红旗村群", ChatType: connectors.ChatGroup,
		SenderID: "wangjj", Text: "待办"}
	if err := h.svc.Intake(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	h.drain()
	replies := h.messages("reply")
	m := replies[len(replies)-1]
	if !strings.Contains(m.Text, "……另有") || m.File == "" {
		t.Fatalf("待办 over the cap:\n%s\nfile %q", m.Text, m.File)
	}
	if n := len(regexp.MustCompile(`(?m)^\d+\. `).FindAllString(m.Text, -1)); n != 2 {
		t.Errorf("待办 lists %d tasks, want 2", n)
	}
	rows := listRows(t, h, m.File, "待办清单")
	if len(rows) < 4 {
		t.Fatalf("the list has %d rows", len(rows))
	}
	for _, r := range rows[1:] {
		if len(r) > 2 && r[2] != "（未填户主）" && !strings.Contains(r[2], "*") {
			t.Errorf("a group's list shows a whole name: %v", r)
		}
	}
}
