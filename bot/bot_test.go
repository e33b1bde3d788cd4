package bot_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/xuri/excelize/v2"

	"zengshou/bot"
	"zengshou/bot/store"
	"zengshou/calc/ledger"
	"zengshou/config"
	"zengshou/connectors"
	"zengshou/connectors/local"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// harness is a service on a real SQLite file and real folders, with a fake clock.
type harness struct {
	t     *testing.T
	dir   string
	cfg   *config.Config
	st    *store.Store
	conn  *local.Connector
	svc   *bot.Service
	clock *bot.FakeClock
	logs  *bytes.Buffer
}

func newHarness(t *testing.T, mutate func(*config.Config)) *harness {
	t.Helper()
	dir := t.TempDir()
	cfg := config.Defaults()
	cfg.DataDir = dir
	cfg.Workers.RetryBase = time.Second
	// Monday 2026-11-30 10:00 in Shanghai: a working day, outside quiet hours.
	clock := bot.NewFakeClock(time.Date(2026, 11, 30, 10, 0, 0, 0, shanghai))
	cfg.Roster.Cadres = []config.Cadre{{Name: "王建军", Phone: "13812345678", IDs: config.IDs{"local": "wangjj"}}}
	cfg.Roster.Leaders = []config.Leader{{Name: "林东镇领导", Unit: config.Unit{County: "巴林左旗", Township: "林东镇"}, IDs: config.IDs{"local": "leader1"}}}
	cfg.Roster.Admins = []config.Admin{{Name: "管理员", IDs: config.IDs{"local": "admin1"}}}
	if mutate != nil {
		mutate(cfg)
	}
	h := &harness{t: t, dir: dir, cfg: cfg, clock: clock, logs: &bytes.Buffer{}}
	h.start()
	return h
}

// start opens the store and the service (again, after a simulated restart).
func (h *harness) start() {
	h.t.Helper()
	st, err := store.Open(filepath.Join(h.dir, "zengshou.db"))
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { st.Close() })
	conn, err := local.New(h.dir, local.Options{Console: io.Discard, Quiet: true, Now: h.clock.Now})
	if err != nil {
		h.t.Fatal(err)
	}
	log := logrus.New()
	log.SetOutput(h.logs)
	svc, err := bot.New(bot.Options{Config: h.cfg, Store: st, Connectors: []connectors.Connector{conn}, Clock: h.clock,
		Log: logrus.NewEntry(log), DataDir: h.dir})
	if err != nil {
		h.t.Fatal(err)
	}
	h.st, h.conn, h.svc = st, conn, svc
}

// upload drops a generated ledger of n households into chat's inbox and lets the connector
// take it (two scans: the file must be stable).
func (h *harness) upload(chat, name string, n int, seed int64, opt ledger.GenOptions) {
	h.t.Helper()
	dir := filepath.Join(h.dir, "inbox", chat)
	os.MkdirAll(dir, 0o755)
	tmp := filepath.Join(dir, name+".tmp")
	if err := ledger.GenerateFile(tmp, n, seed, opt); err != nil {
		h.t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		h.t.Fatal(err)
	}
	h.scan()
}

// drop saves workbook f into an inbox folder under name (whole: saved elsewhere, then moved
// in), closes it, and lets the connector take it.
func (h *harness) drop(dir, name string, f *excelize.File) {
	h.t.Helper()
	tmp := filepath.Join(h.t.TempDir(), name)
	if err := f.SaveAs(tmp); err != nil {
		h.t.Fatal(err)
	}
	f.Close()
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		h.t.Fatal(err)
	}
	h.scan()
}

func (h *harness) scan() {
	ctx := context.Background()
	h.conn.ScanOnce(ctx, h.svc.Intake)
	h.conn.ScanOnce(ctx, h.svc.Intake)
}

// drain runs jobs until none is ready.
func (h *harness) drain() int {
	h.t.Helper()
	n := 0
	for {
		ok, err := h.svc.WorkOnce(context.Background())
		if err != nil {
			h.t.Fatal(err)
		}
		if !ok {
			return n
		}
		n++
		if n > 50 {
			h.t.Fatal("jobs do not drain")
		}
	}
}

func (h *harness) messages(kind string) []local.Message {
	h.t.Helper()
	all, err := local.ReadMessages(h.dir)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []local.Message
	for _, m := range all {
		if kind == "" || m.Kind == kind {
			out = append(out, m)
		}
	}
	return out
}

func q4() ledger.GenOptions { return ledger.GenOptions{Quarter: 4, Villages: 2} }

func TestUploadIsAnsweredWithTheProcessedWorkbook(t *testing.T) {
	h := newHarness(t, nil)
	h.upload("红旗村群", "台账.xlsx", 40, 7, q4())
	if n := h.drain(); n != 1 {
		t.Fatalf("jobs run: %d, want 1", n)
	}
	replies := h.messages("reply")
	if len(replies) != 1 {
		t.Fatalf("replies: %+v", h.messages(""))
	}
	r := replies[0]
	if r.Chat != "红旗村群" || !strings.Contains(r.Text, "已处理《台账.xlsx》（2026年第4季度，") || r.File == "" {
		t.Fatalf("reply: %+v", r)
	}
	for _, want := range []string{"纳入增收监测", "应享补贴", "待办事项", "汇总"} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("reply lacks %q:\n%s", want, r.Text)
		}
	}
	// The reply goes to a group: no ID number or phone number in it.
	if strings.ContainsAny(r.Text, "0123456789") && containsID(r.Text) {
		t.Errorf("reply shows an ID number:\n%s", r.Text)
	}
	f, err := excelize.OpenFile(filepath.Join(h.dir, r.File))
	if err != nil {
		t.Fatalf("result workbook: %v", err)
	}
	defer f.Close()
	if idx, _ := f.GetSheetIndex(ledger.SheetSummary); idx < 0 {
		t.Fatalf("result has no %s sheet: %v", ledger.SheetSummary, f.GetSheetList())
	}
	// The same delivery again (a platform retry) does not make a second job.
	tasks, _ := h.st.OpenTasks(context.Background())
	if len(tasks) == 0 {
		t.Fatal("the generated ledger has unfinished measures; tasks must be stored")
	}
}

func containsID(s string) bool {
	digits := 0
	for _, r := range s {
		if r >= '0' && r <= '9' || r == 'X' {
			digits++
			if digits >= 15 {
				return true
			}
		} else {
			digits = 0
		}
	}
	return false
}

func TestDuplicateDeliveryIsOneJob(t *testing.T) {
	h := newHarness(t, nil)
	ev := connectors.Event{Platform: "local", ID: "dup-1", Kind: connectors.EventText, ChatID: "c", Text: "帮助"}
	for i := 0; i < 3; i++ {
		if err := h.svc.Intake(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	if n := h.drain(); n != 1 {
		t.Fatalf("jobs: %d, want 1", n)
	}
	if got := len(h.messages("reply")); got != 1 {
		t.Fatalf("replies: %d, want 1", got)
	}
}

func TestCommands(t *testing.T) {
	h := newHarness(t, nil)
	h.upload("群", "a.xlsx", 20, 3, q4())
	h.drain()
	cases := []struct{ text, sender, want string }{
		{"帮助", "u", "上传台账"},
		{"随便说点什么", "u", "没有听懂"},
		{"进度", "u", "未完成待办"},
		{"政策 三", "u", "出售犊牛奖补"},
		{"政策 10", "u", "稳岗劳务补贴"},
		{"提醒", "u", "仅限管理员"},
		{"提醒", "admin1", "已发送提醒"},
		{"模板 牲畜", "u", "标准台账模板"},
		{"待办", "wangjj", "王建军，您负责的未完成待办"},
		{"待办", "u", "没有在名册中找到您"},
		{"名册", "u", "仅限管理员"},
		{"名册", "admin1", "不在名册里"},
	}
	for i, c := range cases {
		ev := connectors.Event{Platform: "local", ID: "cmd-" + string(rune('a'+i)), Kind: connectors.EventText, ChatID: "群", SenderID: c.sender, Text: c.text}
		if err := h.svc.Intake(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
		h.drain()
		replies := h.messages("reply")
		last := replies[len(replies)-1]
		if !strings.Contains(last.Text, c.want) {
			t.Errorf("%q → %q, want it to contain %q", c.text, last.Text, c.want)
		}
		if c.text == "模板 牲畜" && last.File == "" {
			t.Errorf("模板 must attach a workbook")
		}
	}
}

func TestBadFileGetsAChineseReplyAndTheNextFileWorks(t *testing.T) {
	h := newHarness(t, nil)
	dir := filepath.Join(h.dir, "inbox", "群")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "坏文件.xlsx"), []byte("this is not a workbook"), 0o644)
	h.scan()
	h.drain()
	errs := h.messages("error")
	if len(errs) != 1 || !strings.Contains(errs[0].Text, "《坏文件.xlsx》无法处理") {
		t.Fatalf("error replies: %+v", h.messages(""))
	}
	h.upload("群", "好文件.xlsx", 10, 1, q4())
	h.drain()
	if r := h.messages("reply"); len(r) != 1 || !strings.Contains(r[0].Text, "好文件.xlsx") {
		t.Fatalf("the next good file must be answered: %+v", h.messages(""))
	}
}
