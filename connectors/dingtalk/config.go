// Package dingtalk is the DingTalk (钉钉) connector: Stream mode and the robot HTTP callback,
// event-subscription crypto, file download and upload, messages, tokens and rate limits.
package dingtalk

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"zengshou/connectors"
)

// Webhook is a custom group robot: its URL (with access_token) and signing secret.
type Webhook struct {
	URL    string `mapstructure:"url" json:"-"`
	Secret string `mapstructure:"secret" json:"-"`
}

// Config is the `dingtalk:` section of the config file. Secrets come from the environment
// (ZENGSHOU_DINGTALK_APP_SECRET, …) or a file reference.
type Config struct {
	Enabled        bool               `mapstructure:"enabled" json:"enabled"`
	AppKey         string             `mapstructure:"app_key" json:"app_key"`
	AppSecret      string             `mapstructure:"app_secret" json:"-"`
	RobotCode      string             `mapstructure:"robot_code" json:"robot_code"`
	Mode           string             `mapstructure:"mode" json:"mode"` // stream | http
	CallbackToken  string             `mapstructure:"callback_token" json:"-"`
	CallbackAESKey string             `mapstructure:"callback_aes_key" json:"-"`
	Webhooks       map[string]Webhook `mapstructure:"webhooks" json:"-"`        // chat id -> custom robot
	BaseURL        string             `mapstructure:"base_url" json:"base_url"` // default https://api.dingtalk.com
	OapiURL        string             `mapstructure:"oapi_url" json:"oapi_url"` // default https://oapi.dingtalk.com

	// CorpID is the organisation's corpId ("ding…"). The event-subscription crypto appends the
	// owner key to every plaintext: the corpId for internal apps, the appKey on newer consoles.
	// Both are accepted; CorpID is optional.
	CorpID string `mapstructure:"corp_id" json:"corp_id"`
	// OapiLegacyToken makes calls to oapi.dingtalk.com (media upload) use the legacy gettoken
	// token instead of the new-API accessToken (both work today; this is an escape hatch).
	OapiLegacyToken bool `mapstructure:"oapi_legacy_token" json:"oapi_legacy_token"`
}

// Mode values.
const (
	ModeStream = "stream"
	ModeHTTP   = "http"
)

const (
	defaultBaseURL = "https://api.dingtalk.com"
	defaultOapiURL = "https://oapi.dingtalk.com"
)

// normalize fills defaults and checks every key. Each message names the key, in Chinese and
// in English, and never shows a secret.
func (c Config) normalize() (Config, error) {
	c.AppKey = strings.TrimSpace(c.AppKey)
	c.AppSecret = strings.TrimSpace(c.AppSecret)
	c.RobotCode = strings.TrimSpace(c.RobotCode)
	c.Mode = strings.ToLower(strings.TrimSpace(c.Mode))
	c.CallbackToken = strings.TrimSpace(c.CallbackToken)
	c.CallbackAESKey = strings.TrimSpace(c.CallbackAESKey)
	c.CorpID = strings.TrimSpace(c.CorpID)
	var errs []error
	bad := func(key, zh, en string) {
		errs = append(errs, fmt.Errorf("dingtalk.%s: %s / %s", key, zh, en))
	}
	if c.AppKey == "" {
		errs = append(errs, connectors.MissingKey("dingtalk.app_key", "应用 AppKey（ClientID）", "the app's AppKey (ClientID)"))
	}
	if c.AppSecret == "" {
		errs = append(errs, connectors.MissingSecret("dingtalk.app_secret", "ZENGSHOU_DINGTALK_APP_SECRET", "应用 AppSecret（ClientSecret）", "the app's AppSecret (ClientSecret)"))
	}
	if c.RobotCode == "" {
		c.RobotCode = c.AppKey // current consoles: robotCode = appKey
	}
	switch c.Mode {
	case "":
		c.Mode = ModeStream
	case ModeStream, ModeHTTP:
	default:
		bad("mode", fmt.Sprintf("取值 %q 无效，只能是 stream 或 http", c.Mode),
			fmt.Sprintf("%q is not valid, use stream or http", c.Mode))
	}
	switch {
	case c.CallbackToken == "" && c.CallbackAESKey == "":
	case c.CallbackToken == "":
		errs = append(errs, connectors.MissingSecret("dingtalk.callback_token", "ZENGSHOU_DINGTALK_CALLBACK_TOKEN",
			"事件订阅 Token（与 callback_aes_key 成对填写）", "the event subscription Token (set together with callback_aes_key)"))
	case c.CallbackAESKey == "":
		errs = append(errs, connectors.MissingSecret("dingtalk.callback_aes_key", "ZENGSHOU_DINGTALK_CALLBACK_AES_KEY",
			"事件订阅 aes_key（与 callback_token 成对填写）", "the event subscription aes_key (set together with callback_token)"))
	default:
		if _, err := aesKey(c.CallbackAESKey); err != nil {
			bad("callback_aes_key", "格式不对：应为开发者后台生成的 43 位字符", "must be the 43-character key from the developer console")
		}
	}
	var err error
	if c.BaseURL, err = baseURL(c.BaseURL, defaultBaseURL); err != nil {
		bad("base_url", "不是有效的 http(s) 地址", "is not a valid http(s) URL")
	}
	if c.OapiURL, err = baseURL(c.OapiURL, defaultOapiURL); err != nil {
		bad("oapi_url", "不是有效的 http(s) 地址", "is not a valid http(s) URL")
	}
	for chat, w := range c.Webhooks {
		u, err := url.Parse(strings.TrimSpace(w.URL))
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Query().Get("access_token") == "" {
			// The chat id is not a secret; the URL is (it carries the robot's access_token).
			bad("webhooks."+chat+".url", "不是有效的自定义机器人 Webhook 地址（应含 access_token）",
				"is not a custom robot webhook URL with an access_token")
		}
	}
	return c, errors.Join(errs...)
}

func baseURL(s, def string) (string, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "/")
	if s == "" {
		return def, nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("parse url: %w", err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", errors.New("parse url: not an absolute http(s) URL")
	}
	return s, nil
}

// aesKey decodes the 43-character EncodingAESKey: base64(key + "=") must give 32 bytes.
func aesKey(s string) ([]byte, error) {
	if len(s) != 43 {
		return nil, fmt.Errorf("decode aes key: length %d, want 43", len(s))
	}
	k, err := base64.StdEncoding.DecodeString(s + "=")
	if err != nil {
		return nil, fmt.Errorf("decode aes key: %w", err)
	}
	if len(k) != 32 {
		return nil, fmt.Errorf("decode aes key: %d bytes, want 32", len(k))
	}
	return k, nil
}
