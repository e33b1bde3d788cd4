package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"zengshou/calc"
)

func open(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "z.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var t0 = time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)

func TestEnqueueDedupes(t *testing.T) {
	s, ctx := open(t), context.Background()
	id1, created, err := s.Enqueue(ctx, "feishu", "om_1", "file", "oc_1", []byte(`{}`), t0)
	if err != nil || !created {
		t.Fatalf("first enqueue: %v %v", created, err)
	}
	id2, created, err := s.Enqueue(ctx, "feishu", "om_1", "file", "oc_1", []byte(`{}`), t0.Add(time.Hour))
	if err != nil || created || id2 != id1 {
		t.Fatalf("second delivery: id %d created %v err %v, want id %d not created", id2, created, err, id1)
	}
	// Another platform with the same message id is another job.
	if _, created, _ := s.Enqueue(ctx, "wecom", "om_1", "file", "x", []byte(`{}`), t0); !created {
		t.Fatal("same id on another platform must be a new job")
	}
}

func TestClaimLeaseRetryFinish(t *testing.T) {
	s, ctx := open(t), context.Background()
	id, _, _ := s.Enqueue(ctx, "local", "a", "file", "c", []byte(`{}`), t0)
	j, err := s.Claim(ctx, "w1", t0, time.Minute)
	if err != nil || j == nil || j.ID != id || j.Attempts != 1 {
		t.Fatalf("claim: %+v %v", j, err)
	}
	if j2, _ := s.Claim(ctx, "w2", t0.Add(30*time.Second), time.Minute); j2 != nil {
		t.Fatal("a leased job must not be claimed twice")
	}
	// The lease expired: another worker takes it, and the first loses it.
	j2, _ := s.Claim(ctx, "w2", t0.Add(61*time.Second), time.Minute)
	if j2 == nil || j2.Attempts != 2 {
		t.Fatalf("expired lease: got %+v", j2)
	}
	if err := s.SetStage(ctx, id, "w1", StageDownloaded, nil, t0); err == nil {
		t.Fatal("the first worker lost its lease; its update must fail")
	}
	if err := s.Retry(ctx, id, "w2", t0.Add(5*time.Minute), "timeout", t0); err != nil {
		t.Fatal(err)
	}
	if j3, _ := s.Claim(ctx, "w3", t0.Add(4*time.Minute), time.Minute); j3 != nil {
		t.Fatal("retry must wait until next_run_at")
	}
	j3, _ := s.Claim(ctx, "w3", t0.Add(5*time.Minute), time.Minute)
	if j3 == nil {
		t.Fatal("due retry not claimed")
	}
	if err := s.Finish(ctx, id, "w3", JobDone, "", t0); err != nil {
		t.Fatal(err)
	}
	c, _ := s.JobCounts(ctx)
	if c[JobDone] != 1 {
		t.Fatalf("counts %v", c)
	}
}

func TestRecoverAllRequeuesRunning(t *testing.T) {
	s, ctx := open(t), context.Background()
	s.Enqueue(ctx, "local", "a", "file", "c", []byte(`{}`), t0)
	j, _ := s.Claim(ctx, "dead", t0, time.Hour)
	s.SetStage(ctx, j.ID, "dead", StageDownloaded, []byte(`{"x":1}`), t0)
	n, err := s.RecoverAll(ctx, t0.Add(time.Second))
	if err != nil || n != 1 {
		t.Fatalf("recover: %d %v", n, err)
	}
	j2, _ := s.Claim(ctx, "new", t0.Add(time.Second), time.Hour)
	if j2 == nil || j2.Stage != StageDownloaded || string(j2.Result) != `{"x":1}` {
		t.Fatalf("recovered job must keep its stage and result: %+v", j2)
	}
}

// SetStageEvent records the stage and the event in one update, only for the lease holder; a
// restart reads both back.
func TestSetStageEventKeepsTheEventWithTheStage(t *testing.T) {
	s, ctx := open(t), context.Background()
	s.Enqueue(ctx, "wecom", "m1", "file", "c", []byte(`{"file":{"name":""}}`), t0)
	j, _ := s.Claim(ctx, "w1", t0, time.Hour)
	if err := s.SetStageEvent(ctx, j.ID, "other", StageDownloaded, []byte(`{"file":{"name":"x"}}`), nil, t0); err == nil {
		t.Fatal("a worker without the lease must not update the job")
	}
	if err := s.SetStageEvent(ctx, j.ID, "w1", StageDownloaded, []byte(`{"file":{"name":"台账.xlsx"}}`), nil, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecoverAll(ctx, t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	j2, _ := s.Claim(ctx, "w2", t0.Add(time.Second), time.Hour)
	if j2 == nil || j2.Stage != StageDownloaded || string(j2.Event) != `{"file":{"name":"台账.xlsx"}}` || len(j2.Result) != 0 {
		t.Fatalf("job after restart: %+v", j2)
	}
}

func fen(y int64) *calc.Fen { f := calc.Yuan(y); return &f }

func TestSaveEvaluationOpensAndClosesTasks(t *testing.T) {
	s, ctx := open(t), context.Background()
	p := calc.Period{Year: 2026, Quarter: 4}
	due := calc.Day(2027, 3, 31)
	task := func(id, hh string) calc.Task {
		return calc.Task{ID: id, Rule: "subsidy_unpaid", Clause: "（三）", Subject: hh, Household: hh, Cadre: "张三", Due: due, Amount: fen(800), Explain: "x"}
	}
	ev1 := &Evaluation{JobID: 1, Period: p, Tasks: []calc.Task{task("subsidy_unpaid|H1|calf_sale", "H1"), task("subsidy_unpaid|H2|calf_sale", "H2")},
		Covered: map[string]bool{"H1": true, "H2": true}}
	r1, err := s.SaveEvaluation(ctx, ev1, t0)
	if err != nil || len(r1.NewTasks) != 2 || len(r1.ClosedTasks) != 0 {
		t.Fatalf("first save: %+v %v", r1, err)
	}
	// A second upload for H1 only, no longer raising H1's task: H1's closes, H2's stays open
	// (H2 is not in this ledger).
	ev2 := &Evaluation{JobID: 2, Period: p, Covered: map[string]bool{"H1": true}}
	r2, err := s.SaveEvaluation(ctx, ev2, t0.Add(time.Hour))
	if err != nil || len(r2.ClosedTasks) != 1 || r2.ClosedTasks[0] != "subsidy_unpaid|H1|calf_sale" {
		t.Fatalf("second save: %+v %v", r2, err)
	}
	open, _ := s.OpenTasks(ctx)
	if len(open) != 1 || open[0].Household != "H2" {
		t.Fatalf("open tasks: %+v", open)
	}
	closed, _ := s.ClosedUnacked(ctx)
	if len(closed) != 1 {
		t.Fatalf("closed unacked: %+v", closed)
	}
	// Re-raising a task keeps its original due date while open.
	later := task("subsidy_unpaid|H2|calf_sale", "H2")
	later.Due = calc.Day(2027, 6, 30)
	s.SaveEvaluation(ctx, &Evaluation{JobID: 3, Period: p, Tasks: []calc.Task{later}, Covered: map[string]bool{"H2": true}}, t0.Add(2*time.Hour))
	open, _ = s.OpenTasks(ctx)
	if !open[0].Due.Equal(due) {
		t.Fatalf("due moved to %v; an open task keeps its deadline", open[0].Due)
	}
}

func TestPriorIncomeAndPayments(t *testing.T) {
	s, ctx := open(t), context.Background()
	q2 := calc.Period{Year: 2026, Quarter: 2}
	ev := &Evaluation{JobID: 1, Period: q2, Households: []HouseholdPoint{{Household: "H1", YTDPerCapita: fen(4500), BasePerCapita: fen(10000)}},
		Payments: []calc.Payment{{Subject: "H1", Rule: "calf_sale", Amount: calc.Yuan(400)}}}
	if _, err := s.SaveEvaluation(ctx, ev, t0); err != nil {
		t.Fatal(err)
	}
	// A smaller paid figure in the same quarter's ledger sent later is a correction: it stands
	// (TestPaymentsNewestLedgerStands).
	ev.Payments[0].Amount = calc.Yuan(200)
	ev.JobID = 2
	s.SaveEvaluation(ctx, ev, t0)
	pts, err := s.PriorIncome(ctx, []string{"H1", "H9"}, calc.Period{Year: 2026, Quarter: 3})
	if err != nil || len(pts) != 1 || pts[0].YTDPerCapita != calc.Yuan(4500) || pts[0].Period != q2 {
		t.Fatalf("prior income: %+v %v", pts, err)
	}
	if pts, _ := s.PriorIncome(ctx, []string{"H1"}, calc.Period{Year: 2026, Quarter: 2}); len(pts) != 0 {
		t.Fatalf("a quarter's own figures are not prior: %+v", pts)
	}
	pays, _ := s.Payments(ctx, []string{"H1"}, 2026)
	if len(pays) != 1 || pays[0].Amount != calc.Yuan(200) || pays[0].Period != q2 || pays[0].JobID != 2 {
		t.Fatalf("payments: %+v", pays)
	}
	if pays, _ := s.Payments(ctx, []string{"H1"}, 2027); len(pays) != 0 {
		t.Fatalf("caps reset on 1 January: %+v", pays)
	}
}

func TestClaimSendOnce(t *testing.T) {
	s, ctx := open(t), context.Background()
	ok, _ := s.ClaimSend(ctx, "k1", "reminder", "local:zhang", "d1", t0)
	if !ok {
		t.Fatal("first claim")
	}
	if ok, _ := s.ClaimSend(ctx, "k1", "reminder", "local:zhang", "d1", t0); ok {
		t.Fatal("second claim of the same key must fail")
	}
	if p, _ := s.PendingSends(ctx); len(p) != 1 {
		t.Fatalf("pending: %v", p)
	}
	s.SendDone(ctx, "k1", t0.Add(time.Minute))
	d, at, ok, _ := s.LastSent(ctx, "reminder", "local:zhang")
	if !ok || d != "d1" || !at.Equal(t0.Add(time.Minute)) {
		t.Fatalf("last sent: %q %v %v", d, at, ok)
	}
	// A failed send is unclaimed and may be tried again.
	s.ClaimSend(ctx, "k2", "reminder", "local:zhang", "d2", t0)
	s.Unclaim(ctx, "k2")
	if ok, _ := s.ClaimSend(ctx, "k2", "reminder", "local:zhang", "d2", t0); !ok {
		t.Fatal("unclaimed key must be claimable again")
	}
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "z.db")
	s, _ := Open(path)
	s.Enqueue(context.Background(), "local", "a", "file", "c", []byte(`{}`), t0)
	s.Close()
	s2, err := Open(path) // migrations must not run twice
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	c, _ := s2.JobCounts(context.Background())
	if c[JobQueued] != 1 {
		t.Fatalf("after reopen: %v", c)
	}
}

func TestOverdueTaskAges(t *testing.T) {
	s, ctx := open(t), context.Background()
	p := calc.Period{Year: 2026, Quarter: 4}
	mk := func(id string, due time.Time) calc.Task {
		return calc.Task{ID: id, Rule: "measure_missing", Subject: id, Household: id, Unit: calc.Unit{County: "巴林左旗", Village: "红旗村"}, Due: due, Explain: "x"}
	}
	ev := &Evaluation{JobID: 1, Period: p, Tasks: []calc.Task{mk("a", calc.Day(2026, 9, 30)), mk("b", calc.Day(2027, 3, 31))}}
	if _, err := s.SaveEvaluation(ctx, ev, t0); err != nil {
		t.Fatal(err)
	}
	got, err := s.OverdueTaskAges(ctx, calc.Day(2026, 11, 30))
	if err != nil || len(got) != 1 || got[0].ID != "a" || got[0].Unit.Village != "红旗村" || !got[0].Due.Equal(calc.Day(2026, 9, 30)) {
		t.Fatalf("overdue on 2026-11-30: %+v %v, want task a only", got, err)
	}
}

// Closing the tasks an upload no longer raises must look up only the open tasks of the uploaded
// subjects and households (partial indexes), never read every open task once per chunk of 400
// nor every task closed before for those households: with a county
// ledger of 130,000 households that scan held the write lock for minutes, and every other
// upload and command waited. The plan is read from SQLite itself, on a store with many open
// tasks.
func TestCloseTasksLooksUpOnlyTheUploadedSubjects(t *testing.T) {
	s, ctx := open(t), context.Background()
	p := calc.Period{Year: 2026, Quarter: 4}
	ev := &Evaluation{JobID: 1, Period: p, Covered: map[string]bool{}}
	for i := range 2000 {
		hh := fmt.Sprintf("H%04d", i)
		ev.Tasks = append(ev.Tasks, calc.Task{ID: "subsidy_unpaid|" + hh + "|calf_sale", Rule: "subsidy_unpaid", Subject: hh, Household: hh,
			Cadre: "张三", Due: calc.Day(2027, 3, 31), Explain: "x"})
		ev.Covered[hh] = true
	}
	if _, err := s.SaveEvaluation(ctx, ev, t0); err != nil {
		t.Fatal(err)
	}
	args := []any{"H0001", "H0002", "H0001", "H0002"}
	rows, err := s.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+closeCandidatesSQL(2), args...)
	if err != nil {
		t.Fatal(err)
	}
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	rows.Close()
	all := strings.Join(plan, " | ")
	if !strings.Contains(all, "tasks_open_subject") || !strings.Contains(all, "tasks_open_household") || strings.Contains(all, "tasks_cadre") || strings.Contains(all, "SCAN") {
		t.Fatalf("the closing query must search the subject and household indexes, not scan the open tasks: %s", all)
	}
	// And it still closes what it should: H0001 uploaded again without its task.
	r, err := s.SaveEvaluation(ctx, &Evaluation{JobID: 2, Period: p, Covered: map[string]bool{"H0001": true}}, t0.Add(time.Hour))
	if err != nil || len(r.ClosedTasks) != 1 || r.ClosedTasks[0] != "subsidy_unpaid|H0001|calf_sale" {
		t.Fatalf("second save: %+v %v", r, err)
	}
}

// Unknown cadres are kept by name and unit (namesakes in two villages are two rows); the rows a
// store recorded by name only, before units were kept, stay readable with a blank unit.
func TestUnknownCadresByUnitKeepOldRows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "z.db")
	// A store as the last release left it: every migration before, one cadre recorded by name.
	old := storeBefore(t, path, "CREATE TABLE unknown_cadre_units")
	if _, err := old.Exec(`INSERT INTO unknown_cadres(name, first_seen, chat_id, platform) VALUES('张明', ?, 'c', 'local')`, ms(t0)); err != nil {
		t.Fatal(err)
	}
	old.Close()

	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	hq := calc.Unit{County: "巴林左旗", Township: "林东镇", Village: "红旗村"}
	df := calc.Unit{County: "巴林左旗", Township: "林东镇", Village: "东风村"}
	for i, c := range []struct {
		name  string
		u     calc.Unit
		first bool
	}{{"王建军", hq, true}, {"王建军", df, true}, {"王建军", df, false}, {"张明", df, true}} {
		first, err := s.NoteUnknownCadre(ctx, c.name, c.u, "local", "c", t0.Add(time.Duration(i+1)*time.Minute))
		if err != nil || first != c.first {
			t.Errorf("note %s %v: %v %v, want %v", c.name, c.u, first, err, c.first)
		}
	}
	got, err := s.UnknownCadres(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, c := range got {
		rows = append(rows, c.Name+"|"+c.Unit.Village)
	}
	if want := "张明|,王建军|红旗村,王建军|东风村,张明|东风村"; strings.Join(rows, ",") != want {
		t.Errorf("unknown cadres = %v, want %s", rows, want)
	}
}

// 有收入下降趋势 chains year-on-year growth back trend_quarters quarters (calc's incomeTrend
// takes earlier years' points): in 2027Q1 the quarters before are 2026Q4 and 2026Q3, stored by
// the 2026 uploads. Only the quarters of p's year were returned, so in Q1 (and Q2, for the
// default of 2) no trend across the new year could ever be seen from the store.
func TestPriorIncomeReachesIntoLastYear(t *testing.T) {
	s, ctx := open(t), context.Background()
	for i, p := range []calc.Period{{Year: 2025, Quarter: 4}, {Year: 2026, Quarter: 3}, {Year: 2026, Quarter: 4}} {
		ev := &Evaluation{JobID: int64(i + 1), Period: p, Households: []HouseholdPoint{{Household: "H1", YTDPerCapita: fen(int64(7000 + i)), BasePerCapita: fen(10000)}}}
		if _, err := s.SaveEvaluation(ctx, ev, t0); err != nil {
			t.Fatal(err)
		}
	}
	pts, err := s.PriorIncome(ctx, []string{"H1"}, calc.Period{Year: 2027, Quarter: 1})
	if err != nil {
		t.Fatal(err)
	}
	got := map[calc.Period]calc.Fen{}
	for _, pt := range pts {
		got[pt.Period] = pt.YTDPerCapita
	}
	// The four quarters of 2026 at most: 2026Q3 (7001 元) and 2026Q4 (7002 元); 2025Q4 is older.
	want := map[calc.Period]calc.Fen{{Year: 2026, Quarter: 3}: calc.Yuan(7001), {Year: 2026, Quarter: 4}: calc.Yuan(7002)}
	if len(got) != len(want) || got[calc.Period{Year: 2026, Quarter: 3}] != want[calc.Period{Year: 2026, Quarter: 3}] ||
		got[calc.Period{Year: 2026, Quarter: 4}] != want[calc.Period{Year: 2026, Quarter: 4}] {
		t.Fatalf("prior income for 2027Q1: %v, want %v", got, want)
	}
}

// storeBefore creates at path the store an earlier release left: the schema of every migration
// before the one containing marker. It returns it open, as the earlier release would.
func storeBefore(t *testing.T, path, marker string) *sql.DB {
	t.Helper()
	split := -1
	for i, m := range migrations {
		if strings.Contains(m, marker) {
			split = i
		}
	}
	if split < 0 {
		t.Fatalf("no migration %q", marker)
	}
	old, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range append([]string{`CREATE TABLE schema_version (n INTEGER NOT NULL)`, fmt.Sprintf(`INSERT INTO schema_version(n) VALUES(%d)`, split)}, migrations[:split]...) {
		if _, err := old.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return old
}

// A chat's files are evaluated in the order they came: the second file of chat c waits while
// the first is running or waiting for a retry, until the first is evaluated; another chat's file
// and a text command of the same chat do not wait.
func TestClaimKeepsAChatsFilesInOrder(t *testing.T) {
	s, ctx := open(t), context.Background()
	first, _, _ := s.Enqueue(ctx, "local", "m1", "file", "c", []byte(`{}`), t0)
	second, _, _ := s.Enqueue(ctx, "local", "m2", "file", "c", []byte(`{}`), t0)
	other, _, _ := s.Enqueue(ctx, "local", "m3", "file", "d", []byte(`{}`), t0)
	text, _, _ := s.Enqueue(ctx, "local", "m4", "text", "c", []byte(`{}`), t0)
	sameName, _, _ := s.Enqueue(ctx, "feishu", "m5", "file", "c", []byte(`{}`), t0) // chat "c" of another platform
	claim := func(at time.Time) int64 {
		t.Helper()
		j, err := s.Claim(ctx, "w", at, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if j == nil {
			return 0
		}
		return j.ID
	}
	if got := claim(t0); got != first {
		t.Fatalf("first claim: job %d, want %d", got, first)
	}
	// The first file is running: the next ready job is not the chat's second file.
	if got := claim(t0); got != other {
		t.Fatalf("while the first runs: job %d, want the other chat's %d", got, other)
	}
	if got := claim(t0); got != text {
		t.Fatalf("while the first runs: job %d, want the text command %d", got, text)
	}
	if got := claim(t0); got != sameName {
		t.Fatalf("while the first runs: job %d, want the other platform's %d", got, sameName)
	}
	if got := claim(t0); got != 0 {
		t.Fatalf("while the first runs: job %d claimed, want none (the chat's second file waits)", got)
	}
	// Downloaded, then waiting for a retry: still not evaluated, the second file still waits.
	if err := s.SetStage(ctx, first, "w", StageDownloaded, nil, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.Retry(ctx, first, "w", t0.Add(time.Minute), "timeout", t0); err != nil {
		t.Fatal(err)
	}
	if got := claim(t0.Add(30 * time.Second)); got != 0 {
		t.Fatalf("the first waits for its retry: job %d claimed, want none", got)
	}
	if got := claim(t0.Add(time.Minute)); got != first {
		t.Fatalf("the retry: job %d, want %d", got, first)
	}
	// Evaluated (only its reply left): the second file may go.
	if err := s.SetStage(ctx, first, "w", StageEvaluated, nil, t0); err != nil {
		t.Fatal(err)
	}
	if got := claim(t0.Add(time.Minute)); got != second {
		t.Fatalf("after the first's evaluation: job %d, want %d", got, second)
	}
}

// “撤销” without a number is the sender's own latest upload in the chat, not another cadre's
// sent since; a sender with none there (an admin) gets the chat's latest. Uploads after the
// command, and other chats', are never it.
func TestUploadOfPrefersTheSendersOwn(t *testing.T) {
	s, ctx := open(t), context.Background()
	p := calc.Period{Year: 2026, Quarter: 4}
	for _, u := range []struct {
		job          int64
		chat, sender string
	}{{1, "c", "wang"}, {2, "c", "li"}, {3, "d", "wang"}, {5, "c", "wang"}} {
		ev := &Evaluation{JobID: u.job, Platform: "local", ChatID: u.chat, Sender: u.sender, Period: p, Name: fmt.Sprintf("f%d.xlsx", u.job)}
		if _, err := s.SaveEvaluation(ctx, ev, t0); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		sender string
		before int64
		want   int64
	}{
		{"wang", 4, 1},  // wang's own, though li's (2) came after it
		{"li", 4, 2},    // li's own
		{"admin", 4, 2}, // none of the admin's: the chat's latest before the command
		{"wang", 6, 5},  // wang's latest
		{"wang", 0, 5},
	} {
		u, err := s.UploadOf(ctx, "local", "c", 0, c.before, c.sender)
		if err != nil || u == nil || u.JobID != c.want {
			t.Errorf("%s before %d: %+v %v, want upload %d", c.sender, c.before, u, err, c.want)
		}
	}
	if u, _ := s.UploadOf(ctx, "local", "c", 3, 0, "wang"); u != nil {
		t.Errorf("another chat's upload by number: %+v", u)
	}
}
