package feishu

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/go-resty/resty/v2"

	"zengshou/config/redact"
	"zengshou/connectors"
)

const (
	pathToken     = "/open-apis/auth/v3/tenant_access_token/internal"
	pathBotInfo   = "/open-apis/bot/v3/info"
	pathMessages  = "/open-apis/im/v1/messages"
	pathFiles     = "/open-apis/im/v1/files"
	pathImages    = "/open-apis/im/v1/images"
	maxAPIAnswer  = 1 << 20 // a JSON answer is a few hundred bytes; cap what we read of it
	apiTimeout    = 30 * time.Second
	uploadTimeout = 2 * time.Minute // a 30 MB upload on a slow county uplink
)

// apiAnswer is Feishu's JSON envelope; code≠0 is an error even with HTTP 200.
type apiAnswer struct {
	Code int             `json:"code"`
	Msg  string          `json:"msg"`
	Data json.RawMessage `json:"data"`
	Bot  json.RawMessage `json:"bot"` // bot/v3/info answers outside "data"
}

// apiCall is one REST call. build fills the request and runs once per attempt, so bodies
// (readers of uploads) are fresh on each retry.
type apiCall struct {
	op     string // for errors and logs: "send", "upload", "download", …
	method string
	path   string
	chat   string // counts against this chat's rate limit
	limit  bool   // counts against the app's send limits
	stream bool   // success leaves the body open for the caller (download)
	build  func(r *resty.Request)
}

// knownCodes gives a permanent verdict and a hint for the codes an admin can act on. Codes
// marked (verify) are from the Feishu error-code pages as quoted by other projects, not from
// PLATFORMS.md; any other code on an HTTP 4xx is treated as permanent as well.
var knownCodes = map[int]string{
	99991672: "应用缺少接口权限：请在飞书开发者后台「权限管理」开通 im:message、im:message:send_as_bot、im:resource 并发布新版本", // (verify)
	230002:   "机器人不在该群里：请在群设置里把机器人添加为群成员",                                                       // (verify)
	230013:   "该用户不在应用的可用范围内：请在开发者后台「可用范围」里加入此人",                                                // (verify)
	234001:   "上传文件类型参数不正确（file_type 必须是 xls/stream 等枚举值）",                                      // §1.3
	230017:   "不能在消息里使用云文档的文件 token，须先用 IM 接口上传",                                                // §1.3
}

// apiError builds the *connectors.Error for a failed answer.
func apiError(op string, status int, hdr http.Header, code int, msg string) *connectors.Error {
	e := &connectors.Error{Platform: Name, Op: op, Code: code, HTTPStatus: status, Msg: redact.Text(msg)}
	switch {
	case status == http.StatusTooManyRequests || rateLimitCodes[code]:
		e.RetryAfter = retryAfter(hdr)
		e.Hint = "飞书接口限流，稍后自动重试"
	case tokenExpiredCodes[code]:
		e.Hint = "飞书访问凭证失效，已自动刷新；若反复出现请检查 app_secret 是否被重置"
	case knownCodes[code] != "":
		e.Permanent = true
		e.Hint = knownCodes[code]
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Permanent = true
		e.Hint = "飞书拒绝访问：请检查应用凭证和接口权限"
	case status >= 400 && status < 500 && code != 0:
		e.Permanent = true
		e.Hint = fmt.Sprintf("飞书拒绝了请求（错误码 %d），请在飞书开放平台按错误码排查", code)
	}
	return e
}

// exec runs one call: rate limit, tenant token, refresh-and-retry once on a token-expired code,
// and a short in-place wait on a throttled answer whose reset is near. On success a JSON call
// returns its answer; a stream call returns the response with the body open.
func (c *Connector) exec(ctx context.Context, call apiCall) (*resty.Response, *apiAnswer, error) {
	stale := ""
	refreshed := false
	for throttled := 0; ; {
		if call.limit {
			if err := c.lim.wait(ctx, call.chat); err != nil {
				return nil, nil, err
			}
		}
		tok, err := c.tokens.get(ctx, stale)
		if err != nil {
			return nil, nil, err
		}
		req := c.http.R().SetContext(ctx).SetAuthToken(tok).SetDoNotParseResponse(true)
		if call.build != nil {
			call.build(req)
		}
		resp, err := req.Execute(call.method, call.path)
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, fmt.Errorf("%s: %w", call.op, ctx.Err())
			}
			return nil, nil, &connectors.Error{Platform: Name, Op: call.op, Msg: redact.Text(transportMsg(err))}
		}
		status := resp.StatusCode()
		if call.stream && status/100 == 2 && !isJSON(resp.Header()) {
			return resp, nil, nil
		}
		ans, err := readAnswer(resp)
		if err != nil {
			e := &connectors.Error{Platform: Name, Op: call.op, HTTPStatus: status, Msg: "unreadable answer"}
			if status >= 400 && status < 500 && status != http.StatusTooManyRequests {
				e.Permanent = true
			}
			if status == http.StatusTooManyRequests {
				e.RetryAfter = retryAfter(resp.Header())
			}
			return nil, nil, e
		}
		if status/100 == 2 && ans.Code == 0 {
			return resp, ans, nil
		}
		e := apiError(call.op, status, resp.Header(), ans.Code, ans.Msg)
		c.log.WithFields(map[string]any{"op": call.op, "code": ans.Code, "http": status}).Warn("feishu api error")
		switch {
		case tokenExpiredCodes[ans.Code] && !refreshed:
			refreshed, stale = true, tok
			continue
		case e.RetryAfter > 0 && e.RetryAfter <= maxInlineWait && throttled < 2:
			throttled++
			if err := c.sleep(ctx, e.RetryAfter); err != nil {
				return nil, nil, fmt.Errorf("%s: wait rate limit: %w", call.op, err)
			}
			continue
		}
		return nil, nil, e
	}
}

// transportMsg: resty/net/http errors name the URL, which holds no secret (the token travels in
// a header and the secret in the body).
func transportMsg(err error) string { return err.Error() }

func isJSON(h http.Header) bool {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return mt == "application/json"
}

func readAnswer(resp *resty.Response) (*apiAnswer, error) {
	body := resp.RawBody()
	defer body.Close()
	b, err := io.ReadAll(io.LimitReader(body, maxAPIAnswer))
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	var a apiAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("decode answer: %w", err)
	}
	return &a, nil
}

// fetchToken calls tenant_access_token/internal (PLATFORMS.md §1.5).
func (c *Connector) fetchToken(ctx context.Context) (string, time.Duration, error) {
	resp, err := c.http.R().SetContext(ctx).SetDoNotParseResponse(true).
		SetBody(map[string]string{"app_id": c.cfg.AppID, "app_secret": c.cfg.AppSecret}).
		Post(pathToken)
	if err != nil {
		return "", 0, &connectors.Error{Platform: Name, Op: "token", Msg: redact.Text(transportMsg(err))}
	}
	body := resp.RawBody()
	defer body.Close()
	b, err := io.ReadAll(io.LimitReader(body, maxAPIAnswer))
	if err != nil {
		return "", 0, &connectors.Error{Platform: Name, Op: "token", HTTPStatus: resp.StatusCode(), Msg: "read answer failed"}
	}
	var a struct {
		Code   int    `json:"code"`
		Msg    string `json:"msg"`
		Token  string `json:"tenant_access_token"`
		Expire int64  `json:"expire"`
	}
	status := resp.StatusCode()
	if jerr := json.Unmarshal(b, &a); jerr != nil || status/100 != 2 || a.Code != 0 || a.Token == "" {
		e := apiError("token", status, resp.Header(), a.Code, a.Msg)
		if e.RetryAfter == 0 && status < 500 && (a.Code != 0 || status/100 == 4) {
			// Bad app_id/app_secret: waiting will not help.
			e.Permanent = true
			e.Hint = "飞书应用凭证无效：请核对 feishu.app_id 与 ZENGSHOU_FEISHU_APP_SECRET（开发者后台「凭证与基础信息」）"
		}
		c.log.WithFields(map[string]any{"op": "token", "code": a.Code, "http": status}).Error("feishu token refresh failed")
		return "", 0, e
	}
	if a.Expire <= 0 {
		a.Expire = 7200 // documented maximum life (§1.5) when the field is missing
	}
	c.log.WithField("op", "token").Debug("feishu tenant token refreshed")
	return a.Token, time.Duration(a.Expire) * time.Second, nil
}
