package connectors

import "fmt"

// MissingKey is the error of a platform's required setting left empty, one wording for every
// platform: “wecom.agent_id 未设置：自建应用的 AgentId / wecom.agent_id is not set: the self-built
// app's AgentId”. what and whatEn say what the value is; they may be "".
func MissingKey(key, what, whatEn string) error {
	zh, en := key+" 未设置", key+" is not set"
	if what != "" {
		zh += "：" + what
	}
	if whatEn != "" {
		en += ": " + whatEn
	}
	return fmt.Errorf("%s / %s", zh, en)
}

// MissingSecret is MissingKey for a secret, which also says where it is set: a file: reference
// in the config file, or its environment variable env (config.Secrets):
// “feishu.app_secret 未设置：请在配置文件中写 file: 引用，或设置环境变量 ZENGSHOU_FEISHU_APP_SECRET”.
func MissingSecret(key, env, what, whatEn string) error {
	zh, en := key+" 未设置：", key+" is not set: "
	if what != "" {
		zh += what + "；"
	}
	if whatEn != "" {
		en += whatEn + "; "
	}
	zh += "请在配置文件中写 file: 引用，或设置环境变量 " + env
	en += "write a file: reference in the config file, or set " + env
	return fmt.Errorf("%s / %s", zh, en)
}
