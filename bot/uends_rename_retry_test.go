package bot_test

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// uendsTasks is every task on record (open, closed or acknowledged), one line each, sorted.
func uendsTasks(h *harness) string {
	h.t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(h.dir, "zengshou.db")+"?mode=ro")
	if err != nil {
		h.t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT id, year, state, job_id, first_seen, closed_at, closed_by, closed_acked, raised_by, reopened_by FROM tasks`)
	if err != nil {
		h.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals := make([]any, 10)
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			h.t.Fatal(err)
		}
		out = append(out, fmt.Sprint(vals...))
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}

// The renamed copy's save fails once after it withdrew the guessed upload; its retry withdraws
// nothing again and saves: the store (points, payments, summary rows, every task) is as when
// nothing failed, and the cadre gets one reply, the same one, saying what was withdrawn.
func TestUendsRenamedCopyRetriedAfterAFailedSave(t *testing.T) {
	ref := uendsRenameDays(t, false)
	h := uendsRenameDays(t, true)
	if got, want := restoreRows(h, ""), restoreRows(ref, ""); got != want {
		t.Errorf("rows after the retry:\n%s\nwant (nothing failed):\n%s", got, want)
	}
	if got, want := uendsTasks(h), uendsTasks(ref); got != want {
		t.Errorf("tasks after the retry:\n%s\nwant (nothing failed):\n%s", got, want)
	}
	replies, want := h.messages("reply"), ref.messages("reply")
	if len(replies) != 3 || len(want) != 3 {
		t.Fatalf("replies: %d, want 3 (one each upload); without the failure %d", len(replies), len(want))
	}
	if got, want := replies[2].Text, want[2].Text; got != want {
		t.Errorf("the renamed copy's reply:\n%s\nwant (nothing failed):\n%s", got, want)
	}
	if r := replies[2].Text; !strings.Contains(r, "已撤销此前按2027年第1季度核算的《红旗村台账.xlsx》的结果（1户）") ||
		!strings.Contains(r, fmt.Sprintf("已恢复为上传编号 #%d 的数据：1户，1条已发放记录。", uploadNo(t, replies[0].Text))) {
		t.Errorf("reply:\n%s", r)
	}
}
