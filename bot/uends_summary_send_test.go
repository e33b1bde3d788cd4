package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"zengshou/connectors"
)

// uendsSay sends text to a group chat of platform through the service and drains the jobs.
func uendsSay(t *testing.T, h *harness, platform, chat, text string) {
	t.Helper()
	ev := connectors.Event{Platform: platform, ID: "uends-" + text, Kind: connectors.EventText, ChatID: chat,
		ChatType: connectors.ChatGroup, SenderID: "u1", Text: text, Time: h.clock.Now()}
	if err := h.svc.Intake(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	h.drain()
}

// 红旗村's ledger is on record; 汇总 is asked on a platform whose file limit (1 KB here; 20 MB on
// WeCom and DingTalk) the summary workbook is above. The reply said “结果工作簿…超过…请把台账按
// 乡镇或嘎查村拆分后分别上传”: no ledger was sent, and splitting one makes no smaller summary.
// It says the summary workbook is too large and how to get a smaller one, and no longer that
// it is attached.
func TestUendsSummaryAboveThePlatformLimitSaysSo(t *testing.T) {
	h := newHarness(t, nil)
	h.clock.Set(time.Date(2026, 11, 30, 10, 0, 0, 0, shanghai))
	h.drop(h.lifeInbox("红旗村群"), "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军")))
	h.drain()
	c := &smallConn{fxConn: newFxConn("small", nil), max: 1 << 10}
	h.withConnectors(c)
	uendsSay(t, h, "small", "oc_leaders", "汇总 林东镇")
	msgs := c.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages: %+v", len(msgs), msgs)
	}
	m := msgs[0]
	if m.File != nil || !strings.Contains(m.Text, "\n注意：巴林左旗林东镇的汇总工作簿（") ||
		!strings.Contains(m.Text, "MB）超过平台的文件大小上限（0 MB），无法发送：请发送“汇总 单位名”取更小范围（旗县区、苏木乡镇或嘎查村）的汇总。") {
		t.Errorf("reply (file %v):\n%s", m.File != nil, m.Text)
	}
	for _, wrong := range []string{"结果工作簿", "台账", "附件为"} {
		if strings.Contains(m.Text, wrong) {
			t.Errorf("the reply says %q:\n%s", wrong, m.Text)
		}
	}
}

// The platform refuses the summary workbook for good (a permanent error): the error reply
// speaks of the summary workbook, not of a ledger's result workbook.
func TestUendsSummaryRefusedSaysSummary(t *testing.T) {
	h := newHarness(t, nil)
	h.clock.Set(time.Date(2026, 11, 30, 10, 0, 0, 0, shanghai))
	h.drop(h.lifeInbox("红旗村群"), "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", lifeHH("未落实", "王建军")))
	h.drain()
	c := newFxConn("fake", nil)
	h.withConnectors(c)
	c.failSends(&connectors.Error{Platform: "fake", Op: "send", HTTPStatus: 400, Msg: "file refused", Permanent: true})
	uendsSay(t, h, "fake", "oc_leaders", "汇总 林东镇")
	msgs := c.messages()
	if len(msgs) != 1 || msgs[0].Kind != "error" ||
		msgs[0].Text != "汇总工作簿已生成，但发送失败（可能文件超过平台大小上限，或机器人没有发送文件的权限），已通知管理员处理。" {
		t.Fatalf("messages %+v", msgs)
	}
}
