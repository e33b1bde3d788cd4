// Package feishu is the Feishu/Lark connector: event callbacks (HTTP, encrypted and signed) and
// the long connection, file download and upload, messages, tokens and rate limits.
package feishu

// Config is the `feishu:` section of the config file. Secrets (AppSecret, EncryptKey,
// VerificationToken) come from the environment (ZENGSHOU_FEISHU_APP_SECRET, …) or a file reference.
type Config struct {
	Enabled           bool   `mapstructure:"enabled" json:"enabled"`
	AppID             string `mapstructure:"app_id" json:"app_id"`
	AppSecret         string `mapstructure:"app_secret" json:"-"`
	VerificationToken string `mapstructure:"verification_token" json:"-"`
	EncryptKey        string `mapstructure:"encrypt_key" json:"-"`
	Mode              string `mapstructure:"mode" json:"mode"`         // webhook | websocket
	BaseURL           string `mapstructure:"base_url" json:"base_url"` // default https://open.feishu.cn
	// UserIDType is the receive_id_type used for direct messages and the id reported as
	// Event.SenderID: open_id (default, needs no extra scope) or user_id (needs the scope
	// contact:user.employee_id:readonly, PLATFORMS.md §1.1) or union_id.
	UserIDType string `mapstructure:"user_id_type" json:"user_id_type"`
}
