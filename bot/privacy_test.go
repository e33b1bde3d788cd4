package bot_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zengshou/bot"
	"zengshou/calc"
	"zengshou/calc/ledger"
	"zengshou/connectors"
)

// fxHeads generates a ledger (n households, seed) at path and returns its household heads.
func fxHeads(t *testing.T, h *harness, path string, n int, seed int64) []string {
	t.Helper()
	if err := ledger.GenerateFile(path, n, seed, q4()); err != nil {
		t.Fatal(err)
	}
	led, err := ledger.Read(path, bot.LedgerOptions(h.cfg, calc.Period{Year: 2026, Quarter: 4}, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	var heads []string
	for _, hh := range led.Inputs.Households {
		if len([]rune(hh.Head)) >= 2 {
			heads = append(heads, hh.Head)
		}
	}
	if len(heads) < 2 {
		t.Fatalf("the generated ledger has %d named heads", len(heads))
	}
	return heads
}

// fxCommand sends a text command from the admin into a group and runs it.
func fxCommand(t *testing.T, h *harness, id, text string) {
	t.Helper()
	ev := connectors.Event{Platform: "local", ID: id, Kind: connectors.EventText, ChatID: "红旗村群", ChatType: connectors.ChatGroup, SenderID: "admin1", Text: text}
	if err := h.svc.Intake(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	h.drain()
}

// Cadres name a household's ledger after its head (“包玉山户台账.xlsx”). The reply and the
// result's attachment go to the whole group: the head's name is masked there as everywhere else
// in the group.
func TestPrivacyFileNamedAfterAHeadIsMaskedInTheGroup(t *testing.T) {
	h := newHarness(t, nil)
	dir := filepath.Join(h.dir, "inbox", "红旗村群")
	os.MkdirAll(dir, 0o755)
	tmp := filepath.Join(t.TempDir(), "g.xlsx")
	heads := fxHeads(t, h, tmp, 12, 7)
	b, err := os.ReadFile(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, heads[0]+"户台账.xlsx"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	h.scan()
	h.drain()
	replies := h.messages("reply")
	if len(replies) != 1 || replies[0].File == "" {
		t.Fatalf("one reply with the result: %+v", h.messages(""))
	}
	if strings.Contains(replies[0].Text, heads[0]) {
		t.Errorf("the group reply names the household head %s:\n%s", heads[0], replies[0].Text)
	}
	if strings.Contains(replies[0].File, heads[0]) {
		t.Errorf("the attachment sent to the group is named after the household head: %s", replies[0].File)
	}
}

// A workbook whose sheet has no header row is refused with the sheets it saw, described by their
// first row: here a household's name, ID and phone number. That answer goes to the group and the
// cause to the log: the numbers are masked in both, and the names the service knows too.
func TestPrivacyUnreadableSheetIsMaskedInTheReplyAndTheLog(t *testing.T) {
	h := newHarness(t, nil)
	dir := filepath.Join(h.dir, "inbox", "红旗村群")
	os.MkdirAll(dir, 0o755)
	heads := fxHeads(t, h, filepath.Join(dir, "台账.xlsx"), 12, 7)
	h.scan()
	h.drain()
	id, phone := "150422199004160065", "13812345678"
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{heads[0], id, phone, heads[1]})
	f.SetSheetRow("Sheet1", "A2", &[]any{"张三", "150422196606269419", "13912345678", "x"})
	h.drop(dir, "名单.xlsx", f)
	h.drain()
	errs := h.messages("error")
	if len(errs) != 1 || !strings.Contains(errs[0].Text, "无法处理") {
		t.Fatalf("one error reply: %+v", h.messages(""))
	}
	for _, s := range []string{id, phone, heads[0], heads[1]} {
		if strings.Contains(errs[0].Text, s) {
			t.Errorf("the group's error reply shows %q:\n%s", s, errs[0].Text)
		}
		if strings.Contains(h.logs.String(), s) {
			t.Errorf("the log shows %q:\n%s", s, h.logs.String())
		}
	}
}

// A sheet named after its household (head's name and ID number) is listed in the reply's 读取
// line and in the examples of 表格问题: both go to the group, masked.
func TestPrivacySheetNamedAfterAHouseholdIsMaskedInTheGroup(t *testing.T) {
	h := newHarness(t, nil)
	dir := filepath.Join(h.dir, "inbox", "红旗村群")
	os.MkdirAll(dir, 0o755)
	tmp := filepath.Join(t.TempDir(), "g.xlsx")
	heads := fxHeads(t, h, tmp, 12, 7)
	id := "150422199004160065"
	f, err := excelize.OpenFile(tmp)
	if err != nil {
		t.Fatal(err)
	}
	sheet := heads[0] + id
	if err := f.SetSheetName(f.GetSheetList()[0], sheet); err != nil {
		t.Fatal(err)
	}
	h.drop(dir, "台账.xlsx", f)
	h.drain()
	replies := h.messages("reply")
	if len(replies) != 1 || !strings.Contains(replies[0].Text, "读取") {
		t.Fatalf("one reply: %+v", h.messages(""))
	}
	for _, s := range []string{heads[0], id} {
		if strings.Contains(replies[0].Text, s) {
			t.Errorf("the group reply shows %q:\n%s", s, replies[0].Text)
		}
	}
}

// A livestock row whose household is not in the household sheet is reported by its head's name
// (在家庭台账中找不到这一户（红旗村户主欧阳玉山）), and a row with only a name typed is reported
// as a section title quoting it (只有“阎红梅”一项): among the reply's problem examples, in the group.
func TestPrivacyUnmatchedHeadInAProblemIsMaskedInTheGroup(t *testing.T) {
	h := newHarness(t, nil)
	dir := filepath.Join(h.dir, "inbox", "红旗村群")
	os.MkdirAll(dir, 0o755)
	f := excelize.NewFile()
	f.SetSheetName("Sheet1", "家庭收入台账")
	for i, r := range [][]any{
		{"旗县区", "苏木乡镇", "行政村", "户编号", "户主姓名", "户主身份证号", "家庭人口", "第1季度收入", "第2季度收入", "第3季度收入", "第4季度收入", "上年人均纯收入", "帮扶责任人"},
		{"巴林左旗", "林东镇", "红旗村", "1504221000001", "包玉山", "150422199004160065", 3, 3000, 3000, 3000, 3000, 4000, "王建军"},
		{"", "", "", "", "阎红梅"}, // the rest of the row not typed yet
	} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetSheetRow("家庭收入台账", cell, &r)
	}
	f.NewSheet("牲畜台账")
	for i, r := range [][]any{
		{"行政村", "户主姓名", "畜种", "年初存栏", "出售犊牛", "存栏"},
		{"红旗村", "欧阳玉山", "牛", 5, 1, 4},
	} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetSheetRow("牲畜台账", cell, &r)
	}
	h.drop(dir, "台账.xlsx", f)
	h.drain()
	replies := h.messages("reply")
	if len(replies) != 1 || !strings.Contains(replies[0].Text, "找不到这一户") {
		t.Fatalf("one reply naming the unmatched row: %+v", h.messages(""))
	}
	if !strings.Contains(replies[0].Text, "一项") {
		t.Fatalf("the reply does not show the lone name's row:\n%s", replies[0].Text)
	}
	for _, name := range []string{"欧阳玉山", "阎红梅"} {
		if strings.Contains(replies[0].Text, name) {
			t.Errorf("the group reply names %s:\n%s", name, replies[0].Text)
		}
	}
}
