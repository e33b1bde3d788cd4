package store

import (
	"context"
	"path/filepath"
	"testing"
)

// A store written before a person's two subjects made one task: 包玉山's 稳岗补贴 is open under
// the ID number (first seen at 1000) and under HQ001/包玉山 (at 2000), and so is the job help.
// The migration closes the newer of each pair without 已完成 (closed_acked) and by no upload
// (closed_by 0); the older stays open. A pair of another rule, another person (包玉林), another
// year's subsidy debt and a household's task stay as they are.
func TestAliasMigrationClosesTheNewerDuplicate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "z.db")
	old := storeBefore(t, path, "o.subject_name = tasks.subject_name")
	const id = "150422198001011238"
	for _, r := range []struct {
		id, rule, subject, name string
		first                   int64
		year                    int
	}{
		{"subsidy_unpaid|" + id + "|stable_job", "subsidy_unpaid", id, "包玉山", 1000, 2026},
		{"subsidy_unpaid|HQ001/包玉山|stable_job", "subsidy_unpaid", "HQ001/包玉山", "包玉山", 2000, 2026},
		{"job_help_needed|HQ001/包玉山", "job_help_needed", "HQ001/包玉山", "包玉山", 1000, 2026},
		{"job_help_needed|" + id, "job_help_needed", id, "包玉山", 3000, 2026},
		// Not duplicates: another subsidy of the person, another person, another year's debt.
		{"subsidy_unpaid|HQ001/包玉山|transport", "subsidy_unpaid", "HQ001/包玉山", "包玉山", 2000, 2026},
		{"subsidy_unpaid|HQ001/包玉林|stable_job", "subsidy_unpaid", "HQ001/包玉林", "包玉林", 2000, 2026},
		{"subsidy_unpaid@2025|HQ002/李四|stable_job", "subsidy_unpaid", "HQ002/李四", "李四", 500, 2025},
		{"subsidy_unpaid|150422198001011246|stable_job", "subsidy_unpaid", "150422198001011246", "李四", 2000, 2026},
		{"measure_missing|HQ001", "measure_missing", "HQ001", "包玉山", 2000, 2026},
		// Two people named 王芳 in HQ003, each with an ID number: HQ003/王芳 is either of them, so
		// neither of their newer tasks is closed.
		{"job_help_needed|HQ003/王芳", "job_help_needed", "HQ003/王芳", "王芳", 1000, 2026},
		{"job_help_needed|150422199001011234", "job_help_needed", "150422199001011234", "王芳", 2000, 2026},
		{"job_help_needed|150422199202021234", "job_help_needed", "150422199202021234", "王芳", 3000, 2026},
	} {
		hh := "HQ001"
		switch r.name {
		case "李四":
			hh = "HQ002"
		case "王芳":
			hh = "HQ003"
		}
		if _, err := old.Exec(`INSERT INTO tasks(id, rule, clause, subject, subject_name, household, due, explain, state, first_seen, last_seen, job_id, year)
			VALUES(?,?,'（十）',?,?,?,9000,'',  'open', ?, ?, 1, ?)`, r.id, r.rule, r.subject, r.name, hh, r.first, r.first, r.year); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	open, err := s.OpenTasks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, tk := range open {
		got[tk.ID] = true
	}
	for _, want := range []string{"subsidy_unpaid|" + id + "|stable_job", "job_help_needed|HQ001/包玉山", "subsidy_unpaid|HQ001/包玉山|transport",
		"subsidy_unpaid|HQ001/包玉林|stable_job", "subsidy_unpaid@2025|HQ002/李四|stable_job", "subsidy_unpaid|150422198001011246|stable_job", "measure_missing|HQ001",
		"job_help_needed|HQ003/王芳", "job_help_needed|150422199001011234", "job_help_needed|150422199202021234"} {
		if !got[want] {
			t.Errorf("%s is no longer open", want)
		}
	}
	if len(open) != 10 {
		t.Errorf("open tasks: %d, want 10", len(open))
	}
	for _, id := range []string{"subsidy_unpaid|HQ001/包玉山|stable_job", "job_help_needed|" + id} {
		var state string
		var acked, by, at int64
		if err := s.db.QueryRow(`SELECT state, closed_acked, closed_by, closed_at FROM tasks WHERE id = ?`, id).Scan(&state, &acked, &by, &at); err != nil {
			t.Fatal(err)
		}
		if state != "closed" || acked != 1 || by != 0 || at <= 0 {
			t.Errorf("%s: state %s closed_acked %d closed_by %d closed_at %d, want closed, acked, by no upload", id, state, acked, by, at)
		}
	}
	if closed, _ := s.ClosedUnacked(ctx); len(closed) != 0 {
		t.Errorf("closed tasks to report 已完成: %+v", closed)
	}
}
