package bot_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
)

// leadRow is one row of a leaders' summary workbook.
type leadRow struct {
	level, name                      string
	households, monitored            int
	owed, paid, unpaid               calc.Fen
	open, overdue                    int
	completion, lagging, dataQuarter string
}

func leadBook(t *testing.T, path string) []leadRow {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows("汇总")
	var out []leadRow
	for _, r := range rows[1:] {
		for len(r) < 17 {
			r = append(r, "")
		}
		out = append(out, leadRow{level: r[0], name: r[1] + r[2] + r[3], households: atoi(t, r[4]), monitored: atoi(t, r[5]),
			owed: yuan(t, r[6]), paid: yuan(t, r[7]), unpaid: yuan(t, r[8]), open: atoi(t, r[9]), overdue: atoi(t, r[10]), completion: r[11],
			lagging: r[15], dataQuarter: r[16]})
	}
	return out
}

// TestLeadFiguresAgreeForEveryLeader: five villages in three townships of two counties upload
// their 第3季度 ledgers, four their 第4季度 ones, one sends a correction, a village in the roster
// never uploads. For every leader (village, township, county, city, admin), after the uploads and
// again when the tasks are long overdue: the workbook has the units in the leader's scope only;
// each township and county row is the sum of the rows below; each line of the text is the
// workbook's row; the text's open tasks are the sum of its lines; the ranking's overdue counts
// are the workbook's; no household name or ID number appears.
func TestLeadFiguresAgreeForEveryLeader(t *testing.T) {
	h := newHarness(t, leadRoster)
	for i, v := range leadVillages {
		h.leadUpload(v, "2026年第3季度台账.xlsx", 20, int64(30+i), 3)
	}
	for i, v := range leadVillages[:4] {
		h.leadUpload(v, "2026年第4季度台账.xlsx", 20, int64(30+i), 4)
	}
	// 东风村's correction: measures done, some livestock subsidies paid.
	{
		src, fixed := filepath.Join(t.TempDir(), "src.xlsx"), filepath.Join(t.TempDir(), "fixed.xlsx")
		leadLedger(t, src, leadVillages[1], 20, 31, 4)
		correctLedger(t, src, fixed)
		b, _ := os.ReadFile(fixed)
		tmp := filepath.Join(t.TempDir(), "2026年第4季度台账-更正.xlsx")
		os.WriteFile(tmp, b, 0o644)
		if err := os.Rename(tmp, filepath.Join(h.dir, "inbox", "东风村群", "2026年第4季度台账-更正.xlsx")); err != nil {
			t.Fatal(err)
		}
		h.scan()
		h.drain()
	}
	names, err := h.st.PersonNames(context.Background())
	if err != nil || len(names) == 0 {
		t.Fatalf("person names: %v %d", err, len(names))
	}
	scope := map[string]func(string) bool{
		"lead-county":  func(n string) bool { return strings.HasPrefix(n, "巴林左旗") },
		"lead-town":    func(n string) bool { return strings.HasPrefix(n, "巴林左旗林东镇") },
		"lead-village": func(n string) bool { return n == "巴林左旗林东镇红旗村" },
		"lead-ning":    func(n string) bool { return strings.HasPrefix(n, "宁城县") },
		"lead-city":    func(string) bool { return true },
		"admin1":       func(string) bool { return true },
	}
	ctx := context.Background()
	for round, kind := range []string{"weekly", "quarterly"} {
		if round == 1 {
			h.clock.Set(at(2027, 5, 10, 10, 0)) // every task due 2027-03-31: more than 30 days overdue
		}
		before := len(h.messages("summary"))
		if _, err := h.svc.SendSummaries(ctx, kind); err != nil {
			t.Fatal(err)
		}
		paidSeen, overdueSeen := false, false
		for _, m := range h.messages("summary")[before:] {
			who := m.To[0]
			for _, n := range names {
				if len([]rune(n)) >= 2 && strings.Contains(m.Text, n) {
					t.Errorf("%s %s: the summary names %s", kind, who, n)
				}
			}
			if containsID(m.Text) {
				t.Errorf("%s %s: an ID number in the summary", kind, who)
			}
			if who == "lead-never" {
				if m.File != "" || !strings.Contains(m.Text, "暂无已上传的台账数据") {
					t.Errorf("胜利村 never uploaded: %q %s", m.Text, m.File)
				}
				continue
			}
			in := scope[who]
			if in == nil {
				t.Fatalf("summary to %s", who)
			}
			rows := leadBook(t, filepath.Join(h.dir, m.File))
			byName := map[string]leadRow{}
			for _, r := range rows {
				if !in(r.name) {
					t.Errorf("%s %s: workbook row %s is not in the leader's units", kind, who, r.name)
				}
				byName[r.name] = r
				if r.paid > 0 {
					paidSeen = true
				}
				if r.overdue > 0 {
					overdueSeen = true
				}
			}
			// A parent row is the sum of its children.
			for _, p := range rows {
				if p.level == "嘎查村" {
					continue
				}
				child := map[string]string{"旗县区": "苏木乡镇", "苏木乡镇": "嘎查村"}[p.level]
				var s leadRow
				n := 0
				for _, c := range rows {
					if c.level == child && strings.HasPrefix(c.name, p.name) {
						n++
						s.households += c.households
						s.monitored += c.monitored
						s.owed += c.owed
						s.paid += c.paid
						s.unpaid += c.unpaid
						s.open += c.open
						s.overdue += c.overdue
					}
				}
				if n == 0 {
					continue
				}
				if s.households != p.households || s.monitored != p.monitored || s.owed != p.owed || s.paid != p.paid || s.unpaid != p.unpaid ||
					s.open != p.open || s.overdue != p.overdue {
					t.Errorf("%s %s: %s row %+v, its %d %s rows sum to %+v", kind, who, p.name, p, n, child, s)
				}
			}
			// Each line of the text is its workbook row.
			lines := summaryRe.FindAllStringSubmatch(m.Text, -1)
			if len(lines) == 0 {
				t.Errorf("%s %s: no unit lines:\n%s", kind, who, m.Text)
			}
			open := 0
			for _, l := range lines {
				r, ok := byName[l[1]]
				if !ok {
					t.Errorf("%s %s: line %q has no workbook row", kind, who, l[0])
					continue
				}
				if atoi(t, l[2]) != r.households || atoi(t, l[3]) != r.monitored || yuan(t, l[4]) != r.owed || yuan(t, l[5]) != r.paid ||
					l[6] == "" || yuan(t, l[6]) != r.unpaid || atoi(t, l[7]) != r.open || l[8] != r.completion {
					t.Errorf("%s %s: line %q, workbook %+v", kind, who, l[0], r)
				}
				if q := r.dataQuarter; q == "" || !strings.Contains(m.Text, l[1]+"：") {
					t.Errorf("%s %s: %s without a quarter", kind, who, l[1])
				}
				open += r.open
			}
			if !strings.Contains(m.Text, fmt.Sprintf("未完成待办共%d项", open)) {
				t.Errorf("%s %s: text total, want %d (its lines):\n%s", kind, who, open, m.Text)
			}
			// The ranking: lagging units of the workbook, with its overdue counts.
			for _, l := range regexp.MustCompile(`\d+\. (\S+) 完成率([0-9.]+%|—)(?:，逾期超过30天(\d+)项)?`).FindAllStringSubmatch(m.Text, -1) {
				r, ok := byName[l[1]]
				if !ok || r.lagging != "是" || r.completion != l[2] || (l[3] != "" && atoi(t, l[3]) != r.overdue) || (l[3] == "" && r.overdue != 0) {
					t.Errorf("%s %s: ranking %q, workbook %+v", kind, who, l[0], r)
				}
			}
		}
		if overdueSeen != (round == 1) {
			t.Errorf("%s: overdue tasks in the workbooks %v, want %v", kind, overdueSeen, round == 1)
		}
		if !paidSeen {
			t.Errorf("%s: the correction's payments appear in no workbook", kind)
		}
	}
	// Restarted the same day, the service sends none of them again.
	n := len(h.messages(""))
	h.start()
	if _, err := h.svc.SendSummaries(ctx, "quarterly"); err != nil {
		t.Fatal(err)
	}
	if got := len(h.messages("")); got != n {
		t.Errorf("after a restart: %d more messages", got-n)
	}
}
