package bot_test

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// restoreRows is every household point, payment record and summary row on record whose quarter
// (or year, of a payment) starts with period ("": all), one line each, read from the store's file.
func restoreRows(h *harness, period string) string {
	h.t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(h.dir, "zengshou.db")+"?mode=ro")
	if err != nil {
		h.t.Fatal(err)
	}
	defer db.Close()
	year := period
	if len(year) > 4 {
		year = year[:4]
	}
	var out []string
	for _, q := range []struct{ name, sql, arg string }{
		{"point", `SELECT household, period, job_id, name, county, township, village, cadre, ytd_per_capita, base_per_capita, monitored,
			updated_at, members, category, labor, labor_why FROM households WHERE period LIKE ?`, period + "%"},
		{"payment", `SELECT subject, rule, year, amount, job_id, period FROM payments WHERE CAST(year AS TEXT) LIKE ?`, year + "%"},
		{"unit", `SELECT county, township, village, level, period, summary, job_id, updated_at FROM units WHERE period LIKE ?`, period + "%"},
	} {
		rows, err := db.Query(q.sql, q.arg)
		if err != nil {
			h.t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				h.t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%s %v", q.name, vals))
		}
		rows.Close()
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}

// restoreRight is 红旗村's right 2026Q4 ledger (the measure done, the 5 calves' 1000元 paid);
// restoreWrong a wrong file for the same village and quarter (本年累计工资性收入 5000元, the
// measure not done, 600元 of the 1000元 paid; paid is 已发放 of the 牲畜台账).
func restoreRight(t *testing.T) *excelize.File {
	return lifeBook(t, "家庭收入台账", lifeHH("已落实", "王建军"), "牲畜台账", lifeLivestock(5, 1000))
}

func restoreWrong(t *testing.T, paid int) *excelize.File {
	return lifeBook(t, "家庭收入台账", lifeHHMonitored("未落实"), "牲畜台账", lifeLivestock(5, paid))
}

// #5, the right 2026Q4 ledger of 红旗村, then #6, a wrong file for the same village and quarter.
// 撤销 6 puts back #5's household point, payment and summary rows, as they were after #5 alone, and
// deletes the tasks #6 raised; the reply says what was restored and asks for no ledger.
func TestRestoreUndoBringsBackTheEarlierUpload(t *testing.T) {
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	h.clock.Set(time.Date(2026, 11, 30, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", restoreRight(t))
	h.drain()
	right := uploadNo(t, h.lastReply())
	after, tasks := restoreRows(h, ""), h.openTaskKeys()
	if !strings.Contains(after, "point") || !strings.Contains(after, "payment") || !strings.Contains(after, "unit") {
		t.Fatalf("the right ledger stored:\n%s", after)
	}

	h.clock.Set(time.Date(2026, 11, 30, 11, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度包玉山户台账.xlsx", restoreWrong(t, 600))
	h.drain()
	wrong := uploadNo(t, h.lastReply())
	if restoreRows(h, "") == after || h.paid("HQ001", 2026) != 60000 {
		t.Fatalf("the wrong file changed nothing:\n%s", restoreRows(h, ""))
	}

	h.clock.Set(time.Date(2026, 11, 30, 12, 0, 0, 0, shanghai))
	reply := h.say("红旗村群", uploader, fmt.Sprintf("撤销 %d", wrong))
	// #6 raised the measure not done and the 400元 still owed (2 tasks); it held HQ001's point and
	// its 2026 payment, both #5's again.
	want := fmt.Sprintf("已撤销上传编号 #%d《2026年第4季度包*山户台账.xlsx》（2026年第4季度）的结果：涉及1户，2项待办删除。\n"+
		"已恢复为上传编号 #%d 的数据：1户，1条已发放记录。\n进度、提醒和汇总不再计入这次上传。", wrong, right)
	if !strings.HasSuffix(reply, want) || strings.Contains(reply, "包玉山") || strings.Contains(reply, "请上传正确的台账") {
		t.Errorf("reply:\n%s\nwant:\n%s", reply, want)
	}
	if got := restoreRows(h, ""); got != after {
		t.Errorf("after 撤销:\n%s\nwant (after #%d alone):\n%s", got, right, after)
	}
	if got := h.openTaskKeys(); !slices.Equal(got, tasks) {
		t.Errorf("open tasks %v, want %v", got, tasks)
	}
	if p := h.say("红旗村群", "u", "进度"); strings.Contains(p, "暂无数据") {
		t.Errorf("进度 after the withdrawal:\n%s", p)
	}
}

// #5, #6, #7 of the same village and quarter. 撤销 6: #7 holds the rows, nothing changes; 撤销 7
// then brings back #5's, not #6's (withdrawn).
func TestRestoreUndoChain(t *testing.T) {
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	h.clock.Set(time.Date(2026, 11, 30, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", restoreRight(t))
	h.drain()
	first := uploadNo(t, h.lastReply())
	after5, tasks := restoreRows(h, ""), h.openTaskKeys()
	h.clock.Set(time.Date(2026, 11, 30, 11, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", restoreWrong(t, 600))
	h.drain()
	second := uploadNo(t, h.lastReply())
	h.clock.Set(time.Date(2026, 11, 30, 12, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", restoreWrong(t, 800))
	h.drain()
	third := uploadNo(t, h.lastReply())
	after7, tasks7 := restoreRows(h, ""), h.openTaskKeys()

	h.clock.Set(time.Date(2026, 11, 30, 13, 0, 0, 0, shanghai))
	reply := h.say("红旗村群", uploader, fmt.Sprintf("撤销 %d", second))
	if !strings.Contains(reply, "1户的结果已被之后的上传覆盖，未撤销") || strings.Contains(reply, "已恢复") {
		t.Errorf("撤销 %d:\n%s", second, reply)
	}
	if got := restoreRows(h, ""); got != after7 {
		t.Errorf("撤销 %d changed what #%d holds:\n%s\nwant:\n%s", second, third, got, after7)
	}
	if got := h.openTaskKeys(); !slices.Equal(got, tasks7) {
		t.Errorf("open tasks %v, want %v", got, tasks7)
	}
	reply = h.say("红旗村群", uploader, fmt.Sprintf("撤销 %d", third))
	if want := fmt.Sprintf("已恢复为上传编号 #%d 的数据：1户，1条已发放记录。", first); !strings.Contains(reply, want) {
		t.Errorf("撤销 %d:\n%s\nwant %s", third, reply, want)
	}
	if got := restoreRows(h, ""); got != after5 {
		t.Errorf("after 撤销 %d:\n%s\nwant #%d's:\n%s", third, got, first, after5)
	}
	if got := h.openTaskKeys(); !slices.Equal(got, tasks) {
		t.Errorf("open tasks %v, want %v", got, tasks)
	}
}

// The wrong file has a household more than the right one (HQ002): HQ001's point is restored,
// HQ002's, which had none before, cleared; the reply says both and invites the right ledger.
func TestRestoreUndoReplyWhenSomeHouseholdsHadNoData(t *testing.T) {
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	h.clock.Set(time.Date(2026, 11, 30, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("已落实", "王建军")))
	h.drain()
	right := uploadNo(t, h.lastReply())
	after := restoreRows(h, "")
	hh := lifeHH("已落实", "王建军")
	two := append(hh, append([]any(nil), hh[1]...))
	two[2][3], two[2][4] = "HQ002", "乌力吉"
	h.drop(dir, "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", two))
	h.drain()
	wrong := uploadNo(t, h.lastReply())
	reply := h.say("红旗村群", uploader, "撤销")
	want := fmt.Sprintf("已撤销上传编号 #%d《2026年第4季度台账.xlsx》（2026年第4季度）的结果：涉及2户。\n"+
		"已恢复为上传编号 #%d 的数据：1户。\n进度、提醒和汇总不再计入这次上传。1户2026年第4季度此前没有数据，已清除；现在可以上传正确的台账。", wrong, right)
	if reply != want {
		t.Errorf("reply:\n%s\nwant:\n%s", reply, want)
	}
	if got := restoreRows(h, ""); got != after {
		t.Errorf("after 撤销:\n%s\nwant:\n%s", got, after)
	}
}

// 红旗村 sends its 2027Q1 ledger on 5 January (named: 300元 of a calf subsidy paid in 2027), then
// on 6 January its 2026Q4 ledger unnamed: evaluated for 2027Q1, it overwrites the 2027Q1 point, the
// 2027 payment and the 2027Q1 summary rows. The renamed copy (“2026年第4季度台账.xlsx”, 7 January)
// withdraws the guessed upload: the 2027 rows are the 5 January ledger's again, as after it alone.
func TestRestoreRenameWithdrawalBringsBackTheQuarter(t *testing.T) {
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	h.clock.Set(time.Date(2027, 1, 5, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2027年第1季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("已落实", "王建军"), "牲畜台账", lifeLivestock(1, 300)))
	h.drain()
	after := restoreRows(h, "2027")
	if !strings.Contains(after, "2027Q1") || h.paid("HQ001", 2027) != 30000 {
		t.Fatalf("the 2027Q1 ledger stored:\n%s", after)
	}
	book := func() *excelize.File {
		return lifeBook(t, "家庭收入台账", lifeHHMonitored("未落实"), "牲畜台账", lifeLivestock(5, 600))
	}
	h.clock.Set(time.Date(2027, 1, 6, 10, 0, 0, 0, shanghai))
	h.drop(dir, "红旗村台账.xlsx", book())
	h.drain()
	if r := h.lastReply(); !strings.Contains(r, "文件名未写明季度") {
		t.Fatalf("the unnamed upload is not evaluated for 2027Q1 with the hint:\n%s", r)
	}
	if h.paid("HQ001", 2027) != 60000 || restoreRows(h, "2027") == after {
		t.Fatalf("the guessed upload overwrote nothing:\n%s", restoreRows(h, "2027"))
	}
	h.clock.Set(time.Date(2027, 1, 7, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", book())
	h.drain()
	if r := h.lastReply(); !strings.Contains(r, "已撤销此前按2027年第1季度核算的《红旗村台账.xlsx》的结果（1户）") {
		t.Errorf("reply:\n%s", r)
	}
	if got := restoreRows(h, "2027"); got != after {
		t.Errorf("the 2027 rows after the renamed copy:\n%s\nwant (the 5 January ledger's):\n%s", got, after)
	}
	if h.latestPeriod("HQ001") != q1of2027 {
		t.Errorf("latest quarter stored %v, want 2027Q1 (the 5 January ledger's)", h.latestPeriod("HQ001"))
	}
}

// restoreExec runs q on the store's file (as an earlier release left it, or to count rows).
func restoreExec(h *harness, q string, args ...any) int {
	h.t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(h.dir, "zengshou.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		h.t.Fatal(err)
	}
	defer db.Close()
	if strings.HasPrefix(q, "SELECT") {
		var n int
		if err := db.QueryRow(q, args...).Scan(&n); err != nil {
			h.t.Fatal(err)
		}
		return n
	}
	res, err := db.Exec(q, args...)
	if err != nil {
		h.t.Fatal(err)
	}
	n, _ := res.RowsAffected()
	return int(n)
}

// An upload saved before rows were kept (as the last release left it: uploads.kept 0, no kept
// rows) is withdrawn as it was: its quarter's data cleared, the earlier payment not restored, and
// the reply asks for the right ledger.
func TestRestoreUndoOfAnUploadSavedBefore(t *testing.T) {
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	h.clock.Set(time.Date(2026, 11, 30, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", restoreRight(t))
	h.drain()
	h.drop(dir, "2026年第4季度台账.xlsx", restoreWrong(t, 600))
	h.drain()
	wrong := uploadNo(t, h.lastReply())
	restoreExec(h, `UPDATE uploads SET kept = 0 WHERE job_id = ?`, wrong)
	restoreExec(h, `DELETE FROM kept_rows WHERE job_id = ?`, wrong)
	reply := h.say("红旗村群", uploader, "撤销")
	for _, want := range []string{"1条已发放记录删除。", "删除的已发放记录不会恢复为这次上传之前的金额，请以正确台账的“已发放”为准。",
		"这些户2026年第4季度的数据已清除（同一季度此前上传的也一并清除），请上传正确的台账以恢复。"} {
		if !strings.Contains(reply, want) {
			t.Errorf("reply:\n%s\nwant %s", reply, want)
		}
	}
	if strings.Contains(reply, "已恢复") {
		t.Errorf("reply:\n%s", reply)
	}
	if lp, paid := h.latestPeriod("HQ001"), h.paid("HQ001", 2026); lp.Valid() || paid != 0 {
		t.Errorf("point %v, paid %d: want none, as before", lp, paid)
	}
}

// The daily cleanup deletes the rows kept for withdrawing an upload 8 days after its save (撤销's
// 7 days and a day of margin), not before.
func TestRestoreKeptRowsGoWithTheDailyCleanup(t *testing.T) {
	h := newHarness(t, nil)
	dir := h.lifeInbox("红旗村群")
	h.clock.Set(time.Date(2026, 11, 30, 10, 0, 0, 0, shanghai))
	h.drop(dir, "2026年第4季度台账.xlsx", restoreRight(t))
	h.drain()
	h.drop(dir, "2026年第4季度台账.xlsx", restoreWrong(t, 600))
	h.drain()
	kept := func() int { return restoreExec(h, `SELECT COUNT(*) FROM kept_rows`) }
	// The second upload overwrote HQ001's point, its payment and 3 summary rows (village, township, county).
	if n := kept(); n != 5 {
		t.Fatalf("kept rows: %d, want 5", n)
	}
	h.tickAt(time.Date(2026, 12, 8, 3, 30, 0, 0, shanghai)) // 7 days 17.5 hours on
	if n := kept(); n != 5 {
		t.Errorf("kept rows after 7 days: %d, want 5", n)
	}
	h.tickAt(time.Date(2026, 12, 9, 3, 30, 0, 0, shanghai)) // 8 days 17.5 hours on
	if n := kept(); n != 0 {
		t.Errorf("kept rows after 8 days: %d, want 0", n)
	}
}
