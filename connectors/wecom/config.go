// Package wecom is the WeCom (企业微信) connector: the self-built app callback (WXBizMsgCrypt),
// the smart robot, group robot webhooks, media upload, messages, tokens and rate limits.
package wecom

// Config is the `wecom:` section of the config file. Secrets come from the environment
// (ZENGSHOU_WECOM_SECRET, ZENGSHOU_WECOM_ENCODING_AES_KEY, …) or a file reference.
type Config struct {
	Enabled        bool              `mapstructure:"enabled" json:"enabled"`
	CorpID         string            `mapstructure:"corp_id" json:"corp_id"`
	AgentID        int64             `mapstructure:"agent_id" json:"agent_id"`
	Secret         string            `mapstructure:"secret" json:"-"`
	Token          string            `mapstructure:"token" json:"-"`
	EncodingAESKey string            `mapstructure:"encoding_aes_key" json:"-"`
	BotID          string            `mapstructure:"bot_id" json:"bot_id"`
	BotSecret      string            `mapstructure:"bot_secret" json:"-"`
	WebhookKeys    map[string]string `mapstructure:"webhook_keys" json:"-"`    // chat id -> group robot key
	BaseURL        string            `mapstructure:"base_url" json:"base_url"` // default https://qyapi.weixin.qq.com
}
