package bot_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"

	"zengshou/bot"
	"zengshou/calc/ledger"
)

var demoOnce struct {
	sync.Once
	text string
	err  error
}

// demoText is the demo's output, run once for the copy tests below.
func demoText(t *testing.T) string {
	t.Helper()
	demoOnce.Do(func() {
		var out bytes.Buffer
		demoOnce.err = bot.Demo(context.Background(), &out)
		demoOnce.text = out.String()
	})
	if demoOnce.err != nil {
		t.Fatalf("demo: %v\n%s", demoOnce.err, demoOnce.text)
	}
	return demoOnce.text
}

// The escalation to a leader quotes clause (十八) word for word, as the seed writes it:
// “对落实不力的地区给与通报约谈” (给与, not the commoner 给予: a quotation is not corrected).
func TestDemoEscalationQuotesClause18(t *testing.T) {
	text := demoText(t)
	if !strings.Contains(text, "《若干措施》（十八）：对落实不力的地区给与通报约谈") {
		t.Errorf("escalation wording:\n%s", text)
	}
}

// A cadre with 8 open tasks, all about to be reported, read “请注意：第1、2、3、4、5、6、7、8项
// 如下次提醒前仍未完成……” and then “第1、2、3、4、5、6、7、8项已报告……”: a row of numbers on a
// phone to say “all of them”. When every item listed above is meant it says 以上8项.
func TestDemoDigestSaysAllItemsInAWord(t *testing.T) {
	text := demoText(t)
	for _, bad := range []string{"第1、2、3、4、5、6、7、8项", "第1、2、3项", "第1、2项"} {
		if strings.Contains(text, bad) {
			t.Errorf("digest lists every item by number: %q", bad)
		}
	}
	for _, want := range []string{"请注意：以上8项如下次提醒前仍未完成", "以上4项已报告巴林左旗林东镇领导，请尽快落实。", "请注意：第1项如下次提醒前"} {
		if !strings.Contains(text, want) {
			t.Errorf("digest lacks %q", want)
		}
	}
}

// One thing, one name: the reply said “待办事项：21项”, 进度 “待办21项”, the summary “未完成待办共21项”,
// but the digest “您负责的未完成帮扶措施共1项” and the escalation “以下21项帮扶措施……” — for an
// unpaid 羔羊奖补 too, while 帮扶措施 is also a column of the ledger (技能培训, 公益岗位).
func TestDemoTasksAreCalledDaiban(t *testing.T) {
	text := demoText(t)
	for _, bad := range []string{"未完成帮扶措施", "项帮扶措施经"} {
		if strings.Contains(text, bad) {
			t.Errorf("demo still says %q", bad)
		}
	}
	for _, want := range []string{"刘海燕，您好！您负责的未完成待办共1项（涉及金额3000元）", "以下21项待办经多次提醒仍未完成：", "未完成待办共4项（涉及金额1050元）"} {
		if !strings.Contains(text, want) {
			t.Errorf("demo lacks %q", want)
		}
	}
}

// 进度 read “完成率32.2%（落实不力）（数据：2026年第4季度）”: two brackets in a row. One now.
func TestDemoProgressOneBracket(t *testing.T) {
	text := demoText(t)
	if strings.Contains(text, "）（数据") || !strings.Contains(text, "完成率32.2%（落实不力；数据：2026年第4季度）") {
		t.Errorf("进度:\n%s", text)
	}
}

// The reply's first line read “已处理《…》（2026年第4季度）（上传编号 #1，发“撤销”可撤回）”.
func TestDemoReplyHeadOneBracket(t *testing.T) {
	text := demoText(t)
	if !strings.Contains(text, "已处理《林东镇脱贫户收入台账.xlsx》（2026年第4季度，上传编号 #1，发“撤销”可撤回）\n") {
		t.Errorf("reply head:\n%s", text)
	}
}

// “政策 十八” read “· 落实不力：完成率低于：60%” and “· 落实不力：任务逾期超过天数：30”: two colons
// in a line, and 任务 where every message says 待办.
func TestPolicyEighteenOneColon(t *testing.T) {
	h := newHarness(t, nil)
	got := h.say("群", "u", "政策 十八")
	for _, want := range []string{"· 落实不力标准（完成率低于）：60%", "· 落实不力标准（待办逾期超过天数）：30"} {
		if !strings.Contains(got, want) {
			t.Errorf("政策 十八 lacks %q:\n%s", want, got)
		}
	}
}

// “政策 一” read “· 任务期限：上传所在季度之后第几个季度末：1” and “· 倒推算：各季度末累计收入占全年比例：…”.
func TestPolicyOneOneColon(t *testing.T) {
	h := newHarness(t, nil)
	got := h.say("群", "u", "政策 一")
	for _, line := range strings.Split(got, "\n") {
		if strings.HasPrefix(line, "· ") && strings.Count(line, "：") > 1 {
			t.Errorf("two colons: %q", line)
		}
	}
	if !strings.Contains(got, "· 待办期限（上传所在季度之后第几个季度末）：1") {
		t.Errorf("政策 一:\n%s", got)
	}
}

// An admin's “提醒” after a ledger with 6 cadres, one in the roster, read “已发送提醒 2 份（每位帮扶
// 责任人一份）”: 2 for 6 does not add up (the 5 outside the roster share one message in the group).
func TestRemindCommandCountAddsUp(t *testing.T) {
	h := newHarness(t, nil)
	h.upload("群", "2026年第4季度台账.xlsx", 20, 7, ledger.GenOptions{Quarter: 4, Villages: 2})
	h.drain()
	got := h.say("群", "admin1", "提醒")
	if want := "已发送提醒2份（名册中的帮扶责任人各收到一份私信，不在名册中的按群合并为一份）。"; got != want {
		t.Errorf("提醒: %q, want %q", got, want)
	}
}

// A ledger without 帮扶责任人: the group's reminder read “以下帮扶责任人未在名册中，请管理员在
// roster.cadres 中添加以便私信提醒。……帮扶责任人：（台账未填写帮扶责任人）”, asking the admin
// to add no one to the roster. What is missing is the ledger's 帮扶责任人.
func TestDigestForTasksWithoutCadreAsksForTheLedger(t *testing.T) {
	h := newHarness(t, nil)
	x := lifeHouseholds(5000)
	x[1][10] = ""
	h.drop(h.lifeInbox("红旗村"), "2026年第4季度台账.xlsx", lifeBook(t, "家庭收入台账", x, "牲畜动态监测台账", lifeLivestock(2, 0)))
	h.drain()
	h.say("红旗村", "admin1", "提醒")
	r := h.messages("reminder")
	if len(r) != 1 {
		t.Fatalf("reminders: %+v", r)
	}
	text := r[0].Text
	if strings.Contains(text, "roster.cadres") || strings.Contains(text, "未在名册中") || strings.Contains(text, "（台账未填写帮扶责任人）") ||
		!strings.Contains(text, "【增收助手·待办提醒】以下待办的台账未填写帮扶责任人，无法私信提醒，请在台账“帮扶责任人”列填写后重新上传。") ||
		!strings.Contains(text, "\n帮扶责任人：未填写\n") {
		t.Errorf("reminder:\n%s", text)
	}
}

// “待办” and the daily reminder list the same tasks of 王建军 but read differently: the reminder
// “您负责的未完成待办共6项（涉及金额3234.9元）：……完成后请在台账中登记（如已发放金额、帮扶措施），
// 重新上传后自动销号。”, “待办” “您负责的未完成待办共6项：……完成后请在台账中登记并重新上传，系统
// 会自动销号。” without the amount. They now read the same.
func TestMyTasksReadsLikeTheReminder(t *testing.T) {
	h := newHarness(t, nil)
	h.upload("群", "2026年第4季度台账.xlsx", 20, 7, ledger.GenOptions{Quarter: 4, Villages: 2})
	h.drain()
	mine := h.say("群", "wangjj", "待办")
	h.say("群", "admin1", "提醒")
	var digest string
	for _, m := range h.messages("reminder") {
		if strings.HasPrefix(m.Text, "【增收助手·待办提醒】王建军，您好！") {
			digest = m.Text
		}
	}
	head, _, _ := strings.Cut(strings.TrimPrefix(digest, "【增收助手·待办提醒】"), "\n")
	head = strings.Replace(head, "您好！", "", 1) // a greeting is for a message the cadre did not ask for
	if digest == "" || !strings.Contains(head, "（涉及金额") || !strings.HasPrefix(mine, head+"\n") {
		t.Errorf("待办:\n%s\nreminder:\n%s", mine, digest)
	}
	if foot := "完成后请在台账中登记（如已发放金额、帮扶措施），重新上传后自动销号。"; !strings.HasSuffix(mine, foot) || !strings.HasSuffix(digest, foot) {
		t.Errorf("待办:\n%s\nreminder:\n%s", mine, digest)
	}
}

// The plugin API's 400 answers showed Go's decoder in English: “JSON 格式错误：json: unknown
// field "househlds"”, “… json: cannot unmarshal string into Go struct field Household.inputs.households.size of type int”.
func TestPluginAPIBadJSONIsChinese(t *testing.T) {
	srv, _ := apiServer(t, nil)
	for body, want := range map[string]string{
		`{"period":"2026Q3","inputs":{"househlds":[]}}`:             "JSON 格式错误：未知字段“househlds”",
		`{"period":"2026Q3","inputs":{"households":[{"id":3}]}}`:    "JSON 格式错误：字段“inputs.households.id”的值类型不对（应为文本）",
		`{"period":"2026Q3","inputs":{"households":[{"id":"a",}]}}`: "JSON 格式错误：第",
		`{"period":"2026Q3"`: "JSON 格式错误：请求内容不完整",
	} {
		r := do(t, "POST", srv.URL+"/api/v1/evaluate", "s3cret-token", "application/json", strings.NewReader(body))
		b, _ := io.ReadAll(r.Body)
		if r.StatusCode != 400 || !strings.Contains(string(b), want) || strings.Contains(string(b), "json:") {
			t.Errorf("%s: %d %s, want %q", body, r.StatusCode, b, want)
		}
	}
}

// The reply read “纳入增收监测：15户（收入同比减少12、收入持平1、收入增速低于当地农牧民收入增速2）”:
// “增速2” reads as a growth of 2, not 2 households.
func TestDemoMonitoredCountsSayHu(t *testing.T) {
	text := demoText(t)
	if !strings.Contains(text, "纳入增收监测：15户（收入同比减少12户、收入持平1户、收入增速低于当地农牧民收入增速2户）") {
		t.Errorf("reply:\n%s", text)
	}
}
