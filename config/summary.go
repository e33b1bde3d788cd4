package config

import (
	"fmt"
	"strings"

	"zengshou/config/redact"
)

// Summary is a short, redacted description of the config for `zengshou config check` and the
// start-up log: no secret, no name, no phone number.
func (c *Config) Summary() string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	onOff := func(on bool) string {
		if on {
			return "启用 enabled"
		}
		return "未启用 disabled"
	}
	file := c.File
	if file == "" {
		file = "(无，使用默认值和环境变量 / none: defaults and environment)"
	}
	line("配置文件 file: %s", file)
	line("数据目录 data_dir: %s", c.DataDir)
	line("HTTP: addr %s, max_upload_mb %d, 插件令牌 tokens: %d 个 %s", c.HTTP.Addr, c.HTTP.MaxUploadMB,
		len(c.HTTP.Tokens), redact.Secret(strings.Join(c.HTTP.Tokens, "")))
	line("上限 limits: 文件 %dMB, 解压 %dMB, %d 行, 超时 %s, 内存 %dMB, 大表 >%d 行另建结果表",
		c.Limits.MaxFileMB, c.Limits.MaxUnzippedMB, c.Limits.MaxRows, c.Limits.ParseTimeout, c.Limits.ParseMemoryMB, c.Limits.LargeFileRows)
	line("台账 ledger: 同义词 %d 个字段, 模板 %d 个, soffice %q, 工作簿密码 xlsx_password %s",
		len(c.Ledger.Synonyms), len(c.Ledger.Templates), c.Ledger.SofficePath, redact.Secret(c.Ledger.XLSXPassword))
	line("任务 workers: %d 个, 重试 %d 次, 间隔 %s", c.Workers.Count, c.Workers.RetryMax, c.Workers.RetryBase)
	r := c.Reminders
	line("提醒 reminders: %s, 每日 %s, 间隔 %s, 免打扰 %s–%s, %d 次后上报, 每条最多列出 %d 项, 节假日 %d 天, 调休 %d 天, 时区 %s",
		onOff(r.Enabled), r.DigestTime, r.RepeatInterval, r.QuietStart, r.QuietEnd, r.EscalateAfter, r.DigestMaxItems, len(r.Holidays), len(r.Workdays), r.Timezone)
	line("汇总 summaries: 周报 %q, 季度 %v", c.Summaries.Weekly, c.Summaries.Quarterly)
	line("名册 roster: 干部 %d, 领导 %d, 管理员 %d", len(c.Roster.Cadres), len(c.Roster.Leaders), len(c.Roster.Admins))
	line("群聊 chats: 白名单 %d 个, 租户 %d 个", len(c.Chats.Allow), len(c.Chats.Tenants))
	line("local: %s", onOff(c.Local.Enabled))
	f := c.Feishu
	line("feishu: %s, app_id %q, mode %q, app_secret %s, verification_token %s, encrypt_key %s",
		onOff(f.Enabled), f.AppID, f.Mode, redact.Secret(f.AppSecret), redact.Secret(f.VerificationToken), redact.Secret(f.EncryptKey))
	w := c.WeCom
	line("wecom: %s, corp_id %q, agent_id %d, bot_id %q, secret %s, token %s, encoding_aes_key %s, bot_secret %s, 群机器人 %d 个",
		onOff(w.Enabled), w.CorpID, w.AgentID, w.BotID, redact.Secret(w.Secret), redact.Secret(w.Token),
		redact.Secret(w.EncodingAESKey), redact.Secret(w.BotSecret), len(w.WebhookKeys))
	d := c.DingTalk
	line("dingtalk: %s, app_key %q, mode %q, app_secret %s, callback_token %s, callback_aes_key %s, 自定义机器人 %d 个",
		onOff(d.Enabled), d.AppKey, d.Mode, redact.Secret(d.AppSecret), redact.Secret(d.CallbackToken),
		redact.Secret(d.CallbackAESKey), len(d.Webhooks))
	line("日志 log: %s, %s", c.Log.Level, c.Log.Format)
	if p := c.Policy; p != nil {
		line("政策 policy: 地区 %s, 旗县区 %d 个, 参数 %d 个, 价格序列 %d 个（zengshou policy 查看 / see zengshou policy）",
			p.Region, len(p.Counties), len(paramTable(p)), len(p.Prices))
	}
	return b.String()
}
