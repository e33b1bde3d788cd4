// Package wecom is the WeCom (企业微信) connector: the self-built app callback (WXBizMsgCrypt),
// the smart robot, group robot webhooks, media upload, messages, tokens and rate limits.
package wecom

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"zengshou/connectors"
)

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

	// BotToken and BotEncodingAESKey are the smart robot's own callback Token/EncodingAESKey
	// (API mode, URL callback). Empty: the app's token/encoding_aes_key are used, so an admin
	// may type the same pair into both settings pages.
	BotToken          string `mapstructure:"bot_token" json:"-"`
	BotEncodingAESKey string `mapstructure:"bot_encoding_aes_key" json:"-"`
	// BotWSURL is the smart robot long-connection endpoint; default wss://openws.work.weixin.qq.com.
	BotWSURL string `mapstructure:"bot_ws_url" json:"bot_ws_url"`
}

const (
	defaultBaseURL  = "https://qyapi.weixin.qq.com"
	defaultBotWSURL = "wss://openws.work.weixin.qq.com"
)

// appCallback reports whether the self-built app callback is configured.
func (c Config) appCallback() bool { return c.Token != "" || c.EncodingAESKey != "" }

// appSend reports whether the self-built app may send (token + agent).
func (c Config) appSend() bool { return c.Secret != "" || c.AgentID != 0 }

// botCallback reports whether the smart robot URL callback is configured.
func (c Config) botCallback() bool {
	return c.BotToken != "" || c.BotEncodingAESKey != "" || c.appCallback()
}

// botLongConn reports whether the smart robot long connection is configured.
func (c Config) botLongConn() bool { return c.BotID != "" || c.BotSecret != "" }

func (c Config) botCrypto() (token, key string) {
	if c.BotToken != "" || c.BotEncodingAESKey != "" {
		return c.BotToken, c.BotEncodingAESKey
	}
	return c.Token, c.EncodingAESKey
}

// missing and missingSecret word an empty key as every platform does (connectors.MissingKey,
// connectors.MissingSecret).
func missing(key, zh, en string) error { return connectors.MissingKey("wecom."+key, zh, en) }

func missingSecret(key, env, zh, en string) error {
	return connectors.MissingSecret("wecom."+key, env, zh, en)
}

// Validate checks the section and names the key at fault, in Chinese and English.
func (c Config) Validate() error {
	var errs []error
	if c.appCallback() || c.appSend() {
		if c.CorpID == "" {
			errs = append(errs, missing("corp_id", "企业ID，见管理后台“我的企业”页底部", "the corp id, shown at the bottom of My Company in the admin console"))
		}
	}
	if c.appCallback() {
		if c.Token == "" {
			errs = append(errs, missingSecret("token", "ZENGSHOU_WECOM_TOKEN", "应用“接收消息”设置里的 Token", "the Token of the app's receive-message settings"))
		}
		if c.EncodingAESKey == "" {
			errs = append(errs, missingSecret("encoding_aes_key", "ZENGSHOU_WECOM_ENCODING_AES_KEY", "应用“接收消息”设置里的 EncodingAESKey", "the EncodingAESKey of the app's receive-message settings"))
		} else if _, err := decodeAESKey(c.EncodingAESKey); err != nil {
			errs = append(errs, fmt.Errorf("wecom.encoding_aes_key 格式不对，应为 43 位字符 / wecom.encoding_aes_key must be the 43-character key: %w", err))
		}
	}
	if c.appSend() {
		if c.Secret == "" {
			errs = append(errs, missingSecret("secret", "ZENGSHOU_WECOM_SECRET", "自建应用的 Secret", "the self-built app's Secret"))
		}
		if c.AgentID == 0 {
			errs = append(errs, missing("agent_id", "自建应用的 AgentId", "the self-built app's AgentId"))
		}
	}
	if c.BotToken != "" || c.BotEncodingAESKey != "" {
		if c.BotToken == "" {
			errs = append(errs, missingSecret("bot_token", "ZENGSHOU_WECOM_BOT_TOKEN", "智能机器人回调的 Token（与 bot_encoding_aes_key 成对填写）", "the smart robot callback Token (set together with bot_encoding_aes_key)"))
		}
		if c.BotEncodingAESKey == "" {
			errs = append(errs, missingSecret("bot_encoding_aes_key", "ZENGSHOU_WECOM_BOT_ENCODING_AES_KEY", "智能机器人回调的 EncodingAESKey（与 bot_token 成对填写）", "the smart robot callback EncodingAESKey (set together with bot_token)"))
		} else if _, err := decodeAESKey(c.BotEncodingAESKey); err != nil {
			errs = append(errs, fmt.Errorf("wecom.bot_encoding_aes_key 格式不对，应为 43 位字符 / wecom.bot_encoding_aes_key must be the 43-character key: %w", err))
		}
	}
	if c.botLongConn() {
		if c.BotID == "" {
			errs = append(errs, missing("bot_id", "智能机器人的 BotID（长连接模式，与 bot_secret 成对填写）", "the smart robot BotID (long connection, set together with bot_secret)"))
		}
		if c.BotSecret == "" {
			errs = append(errs, missingSecret("bot_secret", "ZENGSHOU_WECOM_BOT_SECRET", "智能机器人长连接的 Secret", "the smart robot long-connection Secret"))
		}
	}
	for chat, key := range c.WebhookKeys {
		if strings.TrimSpace(chat) == "" || strings.TrimSpace(key) == "" {
			errs = append(errs, errors.New("wecom.webhook_keys 有空的群ID或key / wecom.webhook_keys has an empty chat id or key"))
			break
		}
	}
	for _, u := range []struct{ key, val string }{{"base_url", c.BaseURL}, {"bot_ws_url", c.BotWSURL}} {
		if u.val == "" {
			continue
		}
		if p, err := url.Parse(u.val); err != nil || p.Scheme == "" || p.Host == "" {
			errs = append(errs, fmt.Errorf("wecom.%s 不是有效网址 / wecom.%s is not a valid URL: %q", u.key, u.key, u.val))
		}
	}
	if !c.appCallback() && !c.botLongConn() && c.BotToken == "" && !c.appSend() && len(c.WebhookKeys) == 0 {
		errs = append(errs, errors.New("wecom: 什么都没配置，请配置 token+encoding_aes_key（回调）或 bot_id+bot_secret（长连接） / "+
			"wecom: nothing is configured; set token+encoding_aes_key (callback) or bot_id+bot_secret (long connection)"))
	}
	return errors.Join(errs...)
}
