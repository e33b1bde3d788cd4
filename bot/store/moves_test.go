package store

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"zengshou/calc"
)

// movesEval is an upload of H1's 2026Q4 家庭收入台账 placing it in village with cadre as its
// 帮扶责任人. With raise, it raises H1's measure_missing task and the calf subsidy owed (a
// workbook with the 牲畜台账); without, it raises measure_missing only and cannot judge the calf
// subsidy (a 家庭收入台账 alone): that task stays open and is moved or reassigned with H1.
func movesEval(job int64, village, cadre string, raise bool) *Evaluation {
	u := calc.Unit{County: "巴林左旗", Township: "林东镇", Village: village}
	y := calc.Yuan(9000)
	ev := &Evaluation{JobID: job, Platform: "local", ChatID: "c", Sender: "s", Period: restoreQ4, Name: fmt.Sprintf("%d.xlsx", job),
		Households: []HouseholdPoint{{Household: "H1", Name: "包玉山", Unit: u, Cadre: cadre, YTDPerCapita: &y, Members: 4}},
		Covered:    map[string]bool{"H1": true},
		Tasks: []calc.Task{{ID: "measure_missing|H1", Rule: "measure_missing", Subject: "H1", Household: "H1", Unit: u, Cadre: cadre,
			Due: t0.AddDate(0, 1, 0), Explain: "帮扶措施尚未落实"}}}
	if raise {
		a := calc.Yuan(600)
		ev.Tasks = append(ev.Tasks, calc.Task{ID: "subsidy_unpaid|H1|calf", Rule: "subsidy_unpaid", Subject: "H1", Household: "H1", Unit: u,
			Cadre: cadre, Due: t0.AddDate(0, 1, 0), Amount: &a, Explain: "犊牛补贴未发放"})
	} else {
		ev.Judges = func(id, rule string) bool { return rule != "subsidy_unpaid" }
	}
	return ev
}

// movesTasks is H1's tasks: id, state, place, cadre and reminders, one line each.
func movesTasks(t *testing.T, s *Store) string {
	t.Helper()
	rows, err := s.db.Query(`SELECT id, state, county, township, village, cadre, reminders, reminded_at, escalated_at, handed_over FROM tasks ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, state, county, township, village, cadre string
		var reminders, remindedAt, escalatedAt, handedOver int64
		if err := rows.Scan(&id, &state, &county, &township, &village, &cadre, &reminders, &remindedAt, &escalatedAt, &handedOver); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %s %s%s%s %s 提醒%d次 %d %d 移交%d", id, state, county, township, village, cadre, reminders, remindedAt, escalatedAt, handedOver))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, "\n")
}

// movesRemind records n reminders sent to the tasks' cadre at, and the calf subsidy reported.
func movesRemind(t *testing.T, s *Store, n int, at time.Time) {
	t.Helper()
	if _, err := s.db.Exec(`UPDATE tasks SET reminders = ?, reminded_at = ?, escalated_at = CASE WHEN rule = 'subsidy_unpaid' THEN ? ELSE 0 END`,
		n, ms(at), ms(at)); err != nil {
		t.Fatal(err)
	}
}

// #1 places H1 in 红旗村 with 张三; its two tasks are reminded twice (the calf subsidy reported).
// #2, a wrong file, puts H1 in 东风村 with 李四: the task it raises again and the calf subsidy it
// cannot judge move there and pass to 李四, reminders from the start. 撤销 2 puts both back in
// 红旗村 with 张三, reminded twice and reported as before (handed over 0 times).
func TestMovesUndoPutsBackTheMovedTasks(t *testing.T) {
	s := open(t)
	restoreSave(t, s, movesEval(1, "红旗村", "张三", true), t0)
	movesRemind(t, s, 2, t0.Add(time.Hour))
	after1 := movesTasks(t, s)
	if !strings.Contains(after1, "subsidy_unpaid|H1|calf open 巴林左旗林东镇红旗村 张三 提醒2次") {
		t.Fatalf("after #1:\n%s", after1)
	}
	restoreSave(t, s, movesEval(2, "东风村", "李四", false), t0.Add(2*time.Hour))
	after2 := movesTasks(t, s)
	if strings.Contains(after2, "红旗村") || strings.Contains(after2, "张三") || strings.Count(after2, "李四 提醒0次 0 0 移交1") != 2 {
		t.Fatalf("#2 moved H1 to 东风村 and 李四; its tasks:\n%s", after2)
	}
	res := restoreUndo(t, s, 2)
	if got := movesTasks(t, s); got != after1 {
		t.Errorf("撤销 2: tasks\n%s\nwant as after #1\n%s", got, after1)
	}
	// 2 tasks given back their place (1 point put back too, of #1).
	if res.RestoredTasks != 2 || res.Restored != 1 || !slices.Equal(res.RestoredFrom, []int64{1}) || res.Deleted != 0 {
		t.Errorf("撤销 2: %+v", res)
	}
	// #1's withdrawal now deletes both: it raised them first.
	if res := restoreUndo(t, s, 1); res.Deleted != 2 || res.RestoredTasks != 0 {
		t.Errorf("撤销 1: %+v", res)
	}
}

// #1 (红旗村, 张三), #2 (东风村, 李四), #3 (胜利村, 王五), each reminded in between. 撤销 2 leaves
// the tasks with #3 (胜利村, 王五: it moved them again); 撤销 3 then puts back #1's place, cadre and
// reminders, not #2's. The other order: 撤销 3 brings back #2's, then 撤销 2 #1's.
func TestMovesUndoChain(t *testing.T) {
	for _, order := range [][]int64{{2, 3}, {3, 2}} {
		t.Run(fmt.Sprint(order), func(t *testing.T) {
			s := open(t)
			restoreSave(t, s, movesEval(1, "红旗村", "张三", true), t0)
			movesRemind(t, s, 2, t0.Add(time.Hour))
			after1 := movesTasks(t, s)
			restoreSave(t, s, movesEval(2, "东风村", "李四", false), t0.Add(2*time.Hour))
			movesRemind(t, s, 1, t0.Add(3*time.Hour))
			after2 := movesTasks(t, s)
			restoreSave(t, s, movesEval(3, "胜利村", "王五", false), t0.Add(4*time.Hour))
			after3 := movesTasks(t, s)
			if strings.Count(after3, "胜利村 王五 提醒0次 0 0 移交2") != 2 {
				t.Fatalf("after #3:\n%s", after3)
			}
			res := restoreUndo(t, s, order[0])
			want, n := after3, 0 // 撤销 2 first: #3 holds the tasks
			if order[0] == 3 {
				want, n = after2, 2
			}
			if got := movesTasks(t, s); got != want || res.RestoredTasks != n {
				t.Errorf("撤销 %d (%d restored):\n%s\nwant\n%s", order[0], res.RestoredTasks, got, want)
			}
			res = restoreUndo(t, s, order[1])
			if got := movesTasks(t, s); got != after1 || res.RestoredTasks != 2 || !slices.Contains(res.RestoredFrom, 1) {
				t.Errorf("撤销 %d then (%+v):\n%s\nwant as after #1\n%s", order[1], res, got, after1)
			}
		})
	}
}

// #2 moves the tasks to 东风村 and 李四; #3, a 牲畜台账 alone (no household sheet, no point
// stored) showing the calf subsidy paid, closes it. 撤销 2 gives the closed task back its place
// and cadre too (it was 红旗村's, done in 红旗村 for the reports); it stays closed.
func TestMovesUndoClosedSince(t *testing.T) {
	s := open(t)
	restoreSave(t, s, movesEval(1, "红旗村", "张三", true), t0)
	movesRemind(t, s, 2, t0.Add(time.Hour))
	after1 := movesTasks(t, s)
	restoreSave(t, s, movesEval(2, "东风村", "李四", false), t0.Add(2*time.Hour))
	livestock := &Evaluation{JobID: 3, Platform: "local", ChatID: "c", Sender: "s", Period: restoreQ4, Name: "3.xlsx",
		Covered: map[string]bool{"H1": true}, Judges: func(id, rule string) bool { return rule == "subsidy_unpaid" }}
	restoreSave(t, s, livestock, t0.Add(3*time.Hour))
	if got := movesTasks(t, s); !strings.Contains(got, "subsidy_unpaid|H1|calf closed 巴林左旗林东镇东风村 李四 提醒0次 0 0 移交1") {
		t.Fatalf("after #3:\n%s", got)
	}
	res := restoreUndo(t, s, 2)
	want := strings.Replace(after1, "subsidy_unpaid|H1|calf open", "subsidy_unpaid|H1|calf closed", 1)
	if got := movesTasks(t, s); got != want || res.RestoredTasks != 2 {
		t.Errorf("撤销 2 (%+v):\n%s\nwant\n%s", res, got, want)
	}
}

// #3 places H1 where #2 put it (东风村, 李四) and cannot judge the calf subsidy: it moves
// nothing, but it holds H1's point. 撤销 2 leaves the tasks in 东风村 with 李四 (as #3 has H1);
// 撤销 3 then puts back #1's place, cadre and reminders.
func TestMovesUndoLaterUploadConfirms(t *testing.T) {
	s := open(t)
	restoreSave(t, s, movesEval(1, "红旗村", "张三", true), t0)
	movesRemind(t, s, 2, t0.Add(time.Hour))
	after1 := movesTasks(t, s)
	restoreSave(t, s, movesEval(2, "东风村", "李四", false), t0.Add(2*time.Hour))
	restoreSave(t, s, movesEval(3, "东风村", "李四", false), t0.Add(3*time.Hour))
	after3 := movesTasks(t, s)
	if res := restoreUndo(t, s, 2); movesTasks(t, s) != after3 || res.RestoredTasks != 0 {
		t.Errorf("撤销 2 (%+v):\n%s\nwant as after #3\n%s", res, movesTasks(t, s), after3)
	}
	if res := restoreUndo(t, s, 3); movesTasks(t, s) != after1 || res.RestoredTasks != 2 || !slices.Equal(res.RestoredFrom, []int64{1}) {
		t.Errorf("撤销 3 (%+v):\n%s\nwant as after #1\n%s", res, movesTasks(t, s), after1)
	}
}

// A store from before tasks kept their moves: #2, saved then, moved the calf subsidy to 东风村
// and 李四; 撤销 2 leaves it there (as it did: nothing kept). #3, saved since, moves it to
// 胜利村 (its cadre stays 李四: 撤销 2 put back #1's point, naming 张三, whose tasks alone pass
// to 王五): 撤销 3 gives it back 东风村 (the upload that set it not known).
func TestMovesStoreFromBeforeKeepsTodaysBehaviour(t *testing.T) {
	path := filepath.Join(t.TempDir(), "z.db")
	old := storeBefore(t, path, "ADD COLUMN moved_by")
	for _, q := range []string{
		`INSERT INTO households(household, period, job_id, name, county, township, village, cadre, updated_at) VALUES('H1', '2026Q4', 2, '包玉山', '巴林左旗', '林东镇', '东风村', '李四', 1)`,
		`INSERT INTO uploads(job_id, platform, chat_id, sender, period, name, saved_at, households, kept) VALUES(1, 'local', 'c', 's', '2026Q4', '1.xlsx', 1, 1, 1)`,
		`INSERT INTO uploads(job_id, platform, chat_id, sender, period, name, saved_at, households, kept) VALUES(2, 'local', 'c', 's', '2026Q4', '2.xlsx', 2, 1, 1)`,
		`INSERT INTO kept_rows(job_id, kind, key, prev_job, row, saved_at) VALUES(2, 'household', 'H1|2026Q4', 1,
			json_object('household', 'H1', 'period', '2026Q4', 'job_id', 1, 'name', '包玉山', 'county', '巴林左旗', 'township', '林东镇', 'village', '红旗村',
				'cadre', '张三', 'ytd_per_capita', NULL, 'base_per_capita', NULL, 'monitored', 0, 'updated_at', 1, 'members', 4, 'category', '', 'labor', '', 'labor_why', ''), 2)`,
		`INSERT INTO tasks(id, rule, clause, subject, household, county, township, village, cadre, due, explain, state, first_seen, last_seen, job_id, year, raised_by, handed_over)
			VALUES('subsidy_unpaid|H1|calf', 'subsidy_unpaid', '', 'H1', 'H1', '巴林左旗', '林东镇', '东风村', '李四', 9, '犊牛补贴未发放', 'open', 1, 1, 1, 2026, 1, 1)`,
	} {
		if _, err := old.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	before := movesTasks(t, s)
	res := restoreUndo(t, s, 2)
	if got := movesTasks(t, s); got != before || res.RestoredTasks != 0 || res.Restored != 1 {
		t.Errorf("撤销 2 (saved before, %+v):\n%s\nwant as it was\n%s", res, got, before)
	}
	restoreSave(t, s, movesEval(3, "胜利村", "王五", false), t0)
	if got := movesTasks(t, s); !strings.Contains(got, "subsidy_unpaid|H1|calf open 巴林左旗林东镇胜利村 李四") {
		t.Fatalf("after #3:\n%s", got)
	}
	res = restoreUndo(t, s, 3)
	if got := movesTasks(t, s); !strings.Contains(got, "subsidy_unpaid|H1|calf open 巴林左旗林东镇东风村 李四 提醒0次 0 0 移交1") || res.RestoredTasks != 1 ||
		slices.Contains(res.RestoredFrom, 0) {
		t.Errorf("撤销 3 (%+v):\n%s", res, got)
	}
}
