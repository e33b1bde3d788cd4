package bot_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// aliasDuplicate copies the open task id in the store's file as a task of the same measure under
// subject (a store written before a person's two subjects made one task), first seen an hour
// later.
func (h *harness) aliasDuplicate(id, subject string) string {
	h.t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(h.dir, "zengshou.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		h.t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var from string
	if err := db.QueryRow(`SELECT subject FROM tasks WHERE id = ?`, id).Scan(&from); err != nil {
		h.t.Fatal(err)
	}
	dup := strings.Replace(id, "|"+from, "|"+subject, 1)
	for _, q := range []string{
		`CREATE TEMP TABLE dup AS SELECT * FROM tasks WHERE id = ?1`,
		`UPDATE dup SET id = ?2, subject = ?3, first_seen = first_seen + 3600000, last_seen = last_seen + 3600000`,
		`INSERT INTO tasks SELECT * FROM dup`,
	} {
		if _, err := db.Exec(q, id, dup, subject); err != nil {
			h.t.Fatal(err)
		}
	}
	return dup
}

// The store holds 包玉山's 稳岗补贴 open twice, under the ID number and under HQ001/包玉山, as the
// earlier release left it. The next upload that raises it (without ID numbers here, so under the
// newer duplicate's subject) keeps the older task and closes the other without 已完成: one task,
// one line in the digest, no new task and none done in the reply. 撤销 of that upload leaves the
// duplicate closed.
func TestAliasDuplicateInTheStoreIsClosedWithoutDone(t *testing.T) {
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	h.tickAt(at(2026, 11, 30, 9, 0))
	h.clock.Set(at(2026, 11, 30, 10, 0))
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHouseholds(30000), "务工就业清单", lifeLaborers(aliasID, 0)))
	h.drain()
	first := openByRule(t, h, "subsidy_unpaid")
	if len(first) != 1 {
		t.Fatalf("first upload:%s", aliasDump(first))
	}
	dup := h.aliasDuplicate(first[0].ID, "HQ001/包玉山")
	if got := openByRule(t, h, "subsidy_unpaid"); len(got) != 2 {
		t.Fatalf("the duplicate:%s", aliasDump(got))
	}
	h.clock.Set(at(2026, 12, 1, 10, 0))
	h.drop(dir, "2026年第4季度务工就业清单.xlsx", sheetFile(t, "务工就业清单", lifeLaborers("", 0)))
	h.drain()
	got := openByRule(t, h, "subsidy_unpaid")
	if len(got) != 1 || got[0].ID != first[0].ID || !got[0].Due.Equal(first[0].Due) {
		t.Fatalf("want the older task alone:%s\nduplicate %s", aliasDump(got), dup)
	}
	reply := h.lastReply()
	if !strings.Contains(reply, "新增0项，本次上传确认已完成0项") {
		t.Errorf("reply:\n%s", reply)
	}
	if closed, _ := h.st.ClosedUnacked(context.Background()); len(closed) != 0 {
		t.Errorf("closed tasks to report 已完成:%s", aliasDump(closed))
	}
	h.tickAt(at(2026, 12, 2, 9, 0))
	d := h.aliasToCadre(0)
	if len(d) != 1 || strings.Count(d[0], "稳岗") != 1 || strings.Contains(d[0], "已完成") {
		t.Errorf("digest: want the subsidy once, nothing done:\n%s", strings.Join(d, "\n---\n"))
	}
	no := uploadNo(t, reply)
	if r := h.say("红旗村群", uploader, fmt.Sprintf("撤销 %d", no)); !strings.Contains(r, "已撤销") {
		t.Fatalf("撤销: %s", r)
	}
	if got := openByRule(t, h, "subsidy_unpaid"); len(got) != 1 || got[0].ID != first[0].ID {
		t.Errorf("after 撤销:%s", aliasDump(got))
	}
}
