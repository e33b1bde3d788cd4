// Package dingtalk is the DingTalk (钉钉) connector: Stream mode and the robot HTTP callback,
// event-subscription crypto, file download and upload, messages, tokens and rate limits.
package dingtalk

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
}
