package bot

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/sirupsen/logrus"

	"zengshou/bot/store"
	"zengshou/calc/ledger"
	"zengshou/config"
	"zengshou/connectors"
	"zengshou/connectors/local"
)

// Demo runs the whole flow in a temporary data directory with a simulated clock, printing
// every message the bot sends: an upload answered with the processed workbook, a command, the
// cadres' reminder digests, an escalation to leaders, and the weekly leader summary. Nothing
// outside the temporary directory is touched and no network is used.
func Demo(ctx context.Context, out io.Writer) error {
	dir, err := os.MkdirTemp("", "zengshou-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	loc, _ := time.LoadLocation("Asia/Shanghai")
	clock := NewFakeClock(time.Date(2026, 11, 30, 10, 0, 0, 0, loc)) // a Monday
	cfg := config.Defaults()
	cfg.DataDir = dir
	cfg.Reminders.EscalateAfter = 2
	cfg.Roster.Cadres = []config.Cadre{
		{Name: "王建军", IDs: config.IDs{"local": "wangjianjun"}},
		{Name: "刘海燕", IDs: config.IDs{"local": "liuhaiyan"}},
	}
	cfg.Roster.Leaders = []config.Leader{{Name: "林东镇党委书记", Unit: config.Unit{County: "巴林左旗", Township: "林东镇"}, IDs: config.IDs{"local": "lindong-leader"}}}
	cfg.Roster.Admins = []config.Admin{{Name: "旗乡村振兴局管理员", IDs: config.IDs{"local": "admin"}}}
	st, err := store.Open(filepath.Join(dir, "zengshou.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	conn, err := local.New(dir, local.Options{Console: out, Now: clock.Now, Zone: cfg.Reminders.Location(), ShowDirect: true}) // a demo's names are made up
	if err != nil {
		return err
	}
	log := logrus.New()
	log.SetOutput(io.Discard)
	svc, err := New(Options{Config: cfg, Store: st, Connectors: []connectors.Connector{conn}, Clock: clock, Log: logrus.NewEntry(log), DataDir: dir})
	if err != nil {
		return err
	}
	step := func(format string, a ...any) {
		fmt.Fprintf(out, "\n==================== %s ====================\n", fmt.Sprintf(format, a...))
		fmt.Fprintf(out, "（模拟时间 %s）\n", clock.Now().In(loc).Format("2006-01-02 15:04 Mon"))
	}
	drain := func() error {
		for i := 0; i < 100; i++ {
			ok, err := svc.WorkOnce(ctx)
			if err != nil || !ok {
				return err
			}
		}
		return nil
	}
	chat := "红旗嘎查工作群"
	inbox := filepath.Join(dir, "inbox", chat)
	if err := os.MkdirAll(inbox, 0o750); err != nil {
		return err
	}

	step("1. 村干部把台账放进 inbox/%s/（相当于在群里上传）", chat)
	if err := ledger.GenerateFile(filepath.Join(inbox, "林东镇脱贫户收入台账.xlsx"), 24, 2026, ledger.GenOptions{Quarter: 4, Villages: 2}); err != nil {
		return err
	}
	conn.ScanOnce(ctx, svc.Intake)
	conn.ScanOnce(ctx, svc.Intake)
	if err := drain(); err != nil {
		return err
	}
	if err := svc.Tick(ctx); err != nil { // the scheduler starts: nothing from before now is sent
		return err
	}

	step("2. 群里发送“进度”")
	if err := os.WriteFile(filepath.Join(inbox, "msg.txt"), []byte("进度"), 0o640); err != nil {
		return err
	}
	conn.ScanOnce(ctx, svc.Intake)
	conn.ScanOnce(ctx, svc.Intake)
	if err := drain(); err != nil {
		return err
	}

	clock.Set(time.Date(2026, 12, 1, 9, 0, 0, 0, loc))
	step("3. 第二天 09:00：每位帮扶责任人收到一份待办提醒（名册内私信，名册外发到群里）")
	if err := svc.Tick(ctx); err != nil {
		return err
	}

	clock.Set(time.Date(2026, 12, 2, 9, 0, 0, 0, loc))
	step("4. 12月2日：内容未变且未到重复间隔（72小时），不重复发送")
	if err := svc.Tick(ctx); err != nil {
		return err
	}
	fmt.Fprintln(out, "（没有消息）")

	clock.Set(time.Date(2026, 12, 4, 9, 0, 0, 0, loc))
	step("5. 12月4日：满72小时仍未完成，第2次提醒，并预先告知将上报")
	if err := svc.Tick(ctx); err != nil {
		return err
	}

	clock.Set(time.Date(2026, 12, 5, 9, 0, 0, 0, loc))
	step("6. 12月5日（周六）：非工作日，消息顺延到下一个工作日")
	if err := svc.Tick(ctx); err != nil {
		return err
	}
	fmt.Fprintln(out, "（没有消息）")

	clock.Set(time.Date(2026, 12, 7, 9, 0, 0, 0, loc))
	step("7. 12月7日（周一）09:00：提醒2次仍未完成的待办上报镇领导；领导周报（附汇总工作簿）")
	if err := svc.Tick(ctx); err != nil {
		return err
	}

	msgs, err := local.ReadMessages(dir)
	if err != nil {
		return err
	}
	count := map[string]int{}
	for _, m := range msgs {
		count[m.Kind]++
	}
	step("演示结束")
	fmt.Fprintf(out, "共发送消息 %d 条：回复 %d、提醒与上报 %d、领导汇总 %d、错误 %d。\n", len(msgs), count["reply"], count["reminder"], count["summary"], count["error"])
	fmt.Fprintln(out, "真实运行：zengshou serve，然后把 .xlsx 放进 data/inbox/<群名>/，回复在 data/outbox/。")
	return nil
}
