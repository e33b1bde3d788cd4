package bot_test

// 汇总 [单位] on demand (local connector): the text as 进度 gives it plus the leaders' summary
// workbook of the unit, the same figures as the scheduled summary's workbook for the same store;
// no household's name, ID or phone number in it; an unknown unit gets 进度's “没有找到单位” and no
// file; 进度 stays text only.

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zengshou/connectors"
	"zengshou/connectors/local"
)

// demandAsk sends text from sender, in chat (a group) or, when chat is "", in a direct chat
// with the bot, and returns the reply.
func demandAsk(t *testing.T, h *harness, id, chat, sender, text string) local.Message {
	t.Helper()
	ev := connectors.Event{Platform: "local", ID: id, Kind: connectors.EventText, ChatID: chat, ChatType: connectors.ChatGroup,
		SenderID: sender, Text: text, Time: h.clock.Now()}
	if chat == "" {
		ev.ChatType = connectors.ChatDirect
	}
	if err := h.svc.Intake(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	h.drain()
	r := h.messages("reply")
	if len(r) == 0 {
		t.Fatalf("%s: no reply", text)
	}
	return r[len(r)-1]
}

// demandRows reads the 汇总 sheet of a workbook (a path under the harness's data directory).
func demandRows(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatalf("%s does not open: %v", path, err)
	}
	defer f.Close()
	rows, err := f.GetRows("汇总")
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// demandAllCells is every cell of every sheet of a workbook, joined.
func demandAllCells(t *testing.T, path string) string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	for _, sh := range f.GetSheetList() {
		rows, _ := f.GetRows(sh)
		for _, r := range rows {
			b.WriteString(strings.Join(r, "\t") + "\n")
		}
	}
	return b.String()
}

func TestDemandSummaryWorkbookIsTheScheduledOne(t *testing.T) {
	h := newHarness(t, leadRoster)
	for i, v := range leadVillages {
		h.leadUpload(v, "2026年第4季度台账.xlsx", 20, int64(30+i), 4)
	}
	if _, err := h.svc.SendSummaries(context.Background(), "weekly"); err != nil {
		t.Fatal(err)
	}
	scheduled := map[string]string{} // recipient → workbook
	for _, m := range h.messages("summary") {
		if m.File != "" {
			scheduled[m.To[0]] = filepath.Join(h.dir, m.File)
		}
	}
	names, err := h.st.PersonNames(context.Background())
	if err != nil || len(names) == 0 {
		t.Fatalf("person names: %v %d", err, len(names))
	}
	cases := []struct {
		id, chat, sender, text string
		leader                 string // whose scheduled workbook it must equal
		file                   string // the attachment's name: the unit and the date (harness clock 2026-11-30)
	}{
		{"d1", "镇群", "someone", "汇总 林东镇", "lead-town", "汇总-巴林左旗林东镇-2026-11-30.xlsx"},
		{"d2", "镇群", "someone", "汇总巴林左旗", "lead-county", "汇总-巴林左旗-2026-11-30.xlsx"},
		{"d3", "镇群", "someone", "汇总", "admin1", "汇总-全市-2026-11-30.xlsx"},                  // not a leader: the whole city
		{"d4", "", "lead-village", "汇总", "lead-village", "汇总-巴林左旗林东镇红旗村-2026-11-30.xlsx"}, // a leader: their unit
		{"d5", "县群", "lead-ning", "汇总。", "lead-ning", "汇总-宁城县-2026-11-30.xlsx"},
		{"d6", "县群", "lead-ning", "汇总 全市", "lead-city", "汇总-全市-2026-11-30.xlsx"},
	}
	for _, c := range cases {
		m := demandAsk(t, h, c.id, c.chat, c.sender, c.text)
		if m.File == "" {
			t.Errorf("%s by %s: no workbook:\n%s", c.text, c.sender, m.Text)
			continue
		}
		// The outbox prefixes the time of sending: 20261130-100000-汇总-….xlsx.
		if got := filepath.Base(m.File); !strings.HasSuffix(got, "-"+c.file) {
			t.Errorf("%s by %s: file %q, want %q", c.text, c.sender, got, c.file)
		}
		if !strings.Contains(m.Text, "进度：") || !strings.Contains(m.Text, "汇总工作簿") {
			t.Errorf("%s by %s: text:\n%s", c.text, c.sender, m.Text)
		}
		got := demandRows(t, filepath.Join(h.dir, m.File))
		want := demandRows(t, scheduled[c.leader])
		if len(want) < 2 {
			t.Fatalf("%s: the scheduled workbook has no units: %v", c.leader, want)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s by %s: the workbook differs from %s's scheduled one:\n got %q\nwant %q", c.text, c.sender, c.leader, got, want)
		}
		// Units only: no household's name, no ID or phone number, in a group or not.
		cells := demandAllCells(t, filepath.Join(h.dir, m.File))
		for _, n := range names {
			if len([]rune(n)) >= 2 && strings.Contains(cells, n) {
				t.Errorf("%s: the workbook names %s", c.text, n)
			}
			if c.chat != "" && len([]rune(n)) >= 2 && strings.Contains(m.Text, n) {
				t.Errorf("%s: the group's text names %s", c.text, n)
			}
		}
		if containsID(cells) || containsID(m.Text) || pfPhoneRE.MatchString(cells) {
			t.Errorf("%s: an ID or phone number", c.text)
		}
	}
	// The text is 进度's, as before: the unit asked for, then its level below.
	if m := demandAsk(t, h, "d7", "镇群", "someone", "进度 林东镇"); m.File != "" {
		t.Errorf("进度 sent a file %s", m.File)
	} else if s := demandAsk(t, h, "d8", "镇群", "someone", "汇总 林东镇"); !strings.HasPrefix(s.Text, m.Text+"\n附件为巴林左旗林东镇的汇总工作簿") {
		t.Errorf("汇总's text is not 进度's:\n%s\n---\n%s", s.Text, m.Text)
	}
}

// A unit that matches nothing: 进度's wording, no workbook. A leader whose own unit (roster) has
// sent nothing: the scheduled summary's wording (scopeNotFound), no workbook.
func TestDemandSummaryUnknownUnit(t *testing.T) {
	h := newHarness(t, leadRoster)
	h.leadUpload(leadVillages[0], "2026年第4季度台账.xlsx", 20, 30, 4)
	m := demandAsk(t, h, "u1", "镇群", "someone", "汇总 红旗材")
	if m.File != "" || !strings.HasPrefix(m.Text, "没有找到单位“红旗材”") {
		t.Errorf("汇总 红旗材: %q\n%s", m.File, m.Text)
	}
	m = demandAsk(t, h, "u2", "", "lead-never", "汇总")
	if m.File != "" || !strings.HasPrefix(m.Text, "“巴林左旗林东镇胜利村”暂无已上传的台账数据") || !strings.Contains(m.Text, "已上传的台账中没有“巴林左旗林东镇胜利村”") {
		t.Errorf("汇总 by the leader of a village without data: %q\n%s", m.File, m.Text)
	}
	// 帮助 says which command sends the workbook.
	m = demandAsk(t, h, "u3", "镇群", "someone", "帮助")
	if !strings.Contains(m.Text, "进度 [单位]：查看待办完成情况（只发文字）") || !strings.Contains(m.Text, "汇总 [单位]：同“进度”，并附该单位的汇总工作簿") {
		t.Errorf("帮助:\n%s", m.Text)
	}
}
