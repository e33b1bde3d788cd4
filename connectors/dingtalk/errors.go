package dingtalk

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"zengshou/config/redact"
	"zengshou/connectors"
)

// Error codes DingTalk documents for tokens and throttling.
const (
	codeBusy          = -1     // 系统繁忙
	codeInvalidToken  = 40014  // 不合法的access_token (oapi)
	codeTokenExpired  = 42001  // access_token 超时 (oapi)
	codeIPNotAllowed  = 60020  // 访问ip不在白名单之中
	codeQPSAll        = 90002  // all organisations together over the API's maximum rate
	codeQPSInternal   = 90018  // internal app over its per-API rate (verify)
	codeQPSThirdParty = 90019  // third-party app over 40/s per organisation
	codeWebhookToken  = 300001 // custom robot: token is not exist
	codeWebhookSecure = 310000 // custom robot: sign / keyword / IP check failed
	codeWebhookFast   = 130101 // custom robot: send too fast (20/min), throttled 10 min
)

// webhookPenalty is how long a custom robot stays throttled after exceeding 20/min (§3.6).
const webhookPenalty = 10 * time.Minute

// newAPIError is the body of a failing api.dingtalk.com call.
type newAPIError struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"requestid"`
	Detail    *struct {
		RequiredScopes []string `json:"requiredScopes"`
	} `json:"accessdenieddetail"`
}

// oapiResult is the envelope of every oapi.dingtalk.com and webhook answer.
type oapiResult struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// apiError builds the error for a new-API answer with HTTP status >= 400.
func apiError(op string, status int, header http.Header, body []byte) *connectors.Error {
	var b newAPIError
	_ = json.Unmarshal(body, &b)
	e := &connectors.Error{Platform: Platform, Op: op, HTTPStatus: status}
	e.Msg = redact.Text(strings.TrimSpace(strings.TrimSpace(b.Code + ": " + b.Message)))
	if b.Code == "" && b.Message == "" {
		e.Msg = http.StatusText(status)
	}
	switch {
	case status == http.StatusTooManyRequests || isThrottleCode(b.Code):
		e.RetryAfter = retryAfter(header, time.Second)
	case op == "token" || op == "stream open":
		// Credentials, not a token: nothing to refresh.
		e.Permanent = status < 500
		e.Hint = hintFor(op, b)
	case isInvalidTokenCode(status, b.Code):
		// Refreshed and retried once by the caller; if it is still invalid the secret is wrong.
		e.Hint = "钉钉 access_token 无效：请核对 dingtalk.app_key 与 AppSecret（ZENGSHOU_DINGTALK_APP_SECRET）"
	case status >= 500:
	default:
		e.Permanent = true
		e.Hint = hintFor(op, b)
	}
	if e.Permanent && e.Hint == "" {
		e.Hint = genericHint
	}
	return e
}

// genericHint is the admin advice for a refusal without a better one.
const genericHint = "钉钉拒绝了这次请求，重试也不会成功：请管理员核对钉钉应用的权限、机器人配置和 dingtalk 配置项，并参考错误里的 code 与 message"

// oapiError builds the error for an oapi/webhook answer with errcode != 0.
func oapiError(op string, status int, header http.Header, r oapiResult) *connectors.Error {
	e := &connectors.Error{Platform: Platform, Op: op, Code: r.ErrCode, HTTPStatus: status, Msg: redact.Text(r.ErrMsg)}
	switch r.ErrCode {
	case codeQPSAll, codeQPSInternal, codeQPSThirdParty:
		e.RetryAfter = retryAfter(header, time.Second)
	case codeWebhookFast:
		e.RetryAfter = retryAfter(header, webhookPenalty)
	case codeBusy, codeInvalidToken, codeTokenExpired:
	case codeIPNotAllowed:
		e.Permanent = true
		e.Hint = "服务器出口 IP 不在钉钉应用的 IP 白名单里：请在开发者后台「安全设置」中添加本服务器的公网 IP"
	case codeWebhookToken:
		e.Permanent = true
		e.Hint = "自定义机器人不存在或已被移除：请在群里重新添加机器人，并更新 dingtalk.webhooks 中的地址"
	case codeWebhookSecure:
		e.Permanent = true
		e.Hint = "自定义机器人安全设置不通过：请核对加签密钥（SEC 开头）与 dingtalk.webhooks 中的 secret 一致，或检查关键词 / IP 白名单设置"
	default:
		e.Permanent = status < 500
		if e.Permanent {
			e.Hint = genericHint
		}
	}
	return e
}

func hintFor(op string, b newAPIError) string {
	msg := b.Code + " " + b.Message
	switch {
	case op == "token":
		return "钉钉拒绝了应用凭证：请核对 dingtalk.app_key 与 AppSecret（ZENGSHOU_DINGTALK_APP_SECRET），并确认应用已发布"
	case op == "stream open":
		return "钉钉拒绝了 Stream 连接：请核对 dingtalk.app_key 与 AppSecret（ZENGSHOU_DINGTALK_APP_SECRET），确认应用已发布、机器人消息接收模式选了 Stream 模式"
	case strings.Contains(msg, "robot 不存在") || strings.Contains(msg, "robot不存在") ||
		strings.EqualFold(b.Code, "resource.not.found") && strings.Contains(op, "send"):
		return "钉钉说「机器人不存在」：请在开发者后台确认机器人已发布、dingtalk.robot_code 与应用的 AppKey 一致，并确认机器人已加入这个群。" +
			"有的企业内部应用不能在群里发文件，请干部单聊机器人发送台账，结果文件会在单聊中发回"
	case strings.HasPrefix(b.Code, "Forbidden.AccessDenied"):
		h := "应用缺少接口权限：请在钉钉开发者后台「权限管理」中申请并发布"
		if b.Detail != nil && len(b.Detail.RequiredScopes) > 0 {
			h += "（" + strings.Join(b.Detail.RequiredScopes, "、") + "）"
		}
		return h
	case op == "download":
		return "文件下载码无效或已过期：请干部重新发送这个文件"
	}
	return ""
}

func isThrottleCode(code string) bool {
	c := strings.ToLower(code)
	return strings.Contains(c, "throttl") || strings.Contains(c, "qpslimit") || strings.Contains(c, "flowcontrol")
}

func isInvalidTokenCode(status int, code string) bool {
	return status == http.StatusUnauthorized || strings.EqualFold(code, "InvalidAuthentication")
}

func isInvalidToken(err error) bool {
	var e *connectors.Error
	if !errors.As(err, &e) {
		return false
	}
	if e.Code == codeInvalidToken || e.Code == codeTokenExpired {
		return true
	}
	return e.HTTPStatus == http.StatusUnauthorized || strings.HasPrefix(e.Msg, "InvalidAuthentication")
}

func retryAfter(h http.Header, def time.Duration) time.Duration {
	if h != nil {
		if v := h.Get("Retry-After"); v != "" {
			if s, err := strconv.Atoi(v); err == nil && s >= 0 {
				return time.Duration(s) * time.Second
			}
		}
	}
	return def
}

// scrub removes URLs from transport errors: webhook URLs, sessionWebhook URLs, download URLs
// and gettoken URLs carry tokens or secrets.
func scrub(op string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		host := ""
		if u, perr := url.Parse(ue.URL); perr == nil {
			host = u.Host
		}
		return fmt.Errorf("%s %s: %w", op, host, ue.Err)
	}
	return fmt.Errorf("%s: %w", op, err)
}
