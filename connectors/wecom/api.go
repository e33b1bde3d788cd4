package wecom

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"

	"zengshou/config/redact"
	"zengshou/connectors"
)

// apiStatus is the common part of every WeCom JSON answer.
type apiStatus struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// apiResult is what one HTTP attempt produced.
type apiResult struct {
	code   int
	msg    string
	status int
}

// Hints for admins, in plain Chinese. Codes from WeCom's global error code list
// (https://developer.work.weixin.qq.com/document/path/90313); 60020, 40001, 40014, 42001 are in
// PLATFORMS.md §2.5.
var permanentHints = map[int]string{
	60020: "服务器出口IP不在企业微信应用的可信IP列表中，请管理员在应用设置中添加",
	40001: "应用 Secret 不正确，请核对 wecom.secret（环境变量 ZENGSHOU_WECOM_SECRET）",
	40013: "企业ID不正确，请核对 wecom.corp_id",
	40056: "应用 AgentId 不正确，请核对 wecom.agent_id",
	60011: "应用没有权限：请在应用的“可见范围”里加入这些成员或部门",
	81013: "接收人都不在应用的可见范围内或用户ID有误",
	93000: "群机器人 webhook key 无效，可能机器人已被移出群，请重新添加并更新 wecom.webhook_keys",
	86003: "群聊不存在：应用只能给自己创建的群发消息，请为该群配置群机器人 webhook_keys",
	40058: "请求参数不正确",
	40006: "文件大小不合法（企业微信要求 5 字节到 20MB）",
	40004: "不支持的文件类型",
	40007: "文件已失效（企业微信的临时文件只保存 3 天），请重新发送",
}

// apiError turns a WeCom errcode into a *connectors.Error the bot can act on.
func apiError(op string, r apiResult) *connectors.Error {
	e := &connectors.Error{Platform: platform, Op: op, Code: r.code, HTTPStatus: r.status, Msg: redact.Text(r.msg)}
	if h, ok := permanentHints[r.code]; ok {
		e.Permanent = true
		e.Hint = h
	}
	if isTokenCode(r.code) {
		// Still rejected after a fresh token: the secret is wrong or was reset.
		e.Permanent = true
		if e.Hint == "" {
			e.Hint = "access_token 刷新后仍被拒绝，请核对应用 Secret"
		}
	}
	if isBackoffCode(r.code) {
		e.RetryAfter = retryAfterRateLimit
	}
	if r.code == 0 && r.status >= 400 && r.status < 500 && r.status != http.StatusTooManyRequests {
		e.Permanent = true
	}
	if r.code > 0 && !e.Permanent && e.RetryAfter == 0 {
		// WeCom answers HTTP 200 for every error, so the status says nothing. Its global error
		// code list (doc 90313) names only -1 (系统繁忙) and the frequency codes as worth a
		// retry; any other code is a refusal (bad parameter, message too long, no permission…)
		// that a retry repeats: report it now, like a Feishu or DingTalk 4xx.
		e.Permanent = true
		e.Hint = fmt.Sprintf("企业微信拒绝了请求（错误码 %d），重试也不会成功：请按错误码排查 https://open.work.weixin.qq.com/devtool/query?e=%d", r.code, r.code)
	}
	if r.status == http.StatusTooManyRequests {
		e.RetryAfter = retryAfterRateLimit
	}
	return e
}

// transportError hides the request URL (it may carry a token, a secret or a webhook key).
func transportError(op string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("%s %s: %w", platform, op, err)
}

// call runs one API operation: it adds an access_token when useToken is set, refreshes the token
// and retries once when WeCom rejects it, and pauses and retries on rate-limit codes.
func (c *Connector) call(ctx context.Context, op string, useToken bool, do func(ctx context.Context, token string) (apiResult, error)) error {
	stale := ""
	refreshed := false
	backoffs := 0
	for {
		tok := ""
		if useToken {
			var err error
			tok, err = c.accessToken(ctx, stale)
			if err != nil {
				return err
			}
		}
		r, err := do(ctx, tok)
		if err != nil {
			return transportError(op, err)
		}
		switch {
		case r.code == 0 && r.status < 400:
			return nil
		case useToken && isTokenCode(r.code) && !refreshed:
			c.log.WithField("errcode", r.code).Info("wecom: access_token rejected, refreshing")
			stale, refreshed = tok, true
			continue
		case (isBackoffCode(r.code) || r.status == http.StatusTooManyRequests || r.status >= 500) && backoffs < backoffAttempts-1:
			d := c.backoff << backoffs
			backoffs++
			c.log.WithFields(map[string]any{"op": op, "errcode": r.code, "http": r.status, "wait": d}).Warn("wecom: rate limited or busy, backing off")
			if err := c.sleep(ctx, d); err != nil {
				return fmt.Errorf("back off %s: %w", op, err)
			}
			continue
		}
		return apiError(op, r)
	}
}

// decodeStatus reads errcode/errmsg and the rest of the answer into out.
func decodeStatus(resp *resty.Response, out any) (apiResult, error) {
	r := apiResult{status: resp.StatusCode()}
	body := resp.Body()
	var st apiStatus
	if err := json.Unmarshal(body, &st); err != nil {
		if r.status >= 400 {
			r.msg = http.StatusText(r.status)
			return r, nil
		}
		return r, fmt.Errorf("decode answer: %w", err)
	}
	r.code, r.msg = st.ErrCode, st.ErrMsg
	if out != nil && r.code == 0 {
		if err := json.Unmarshal(body, out); err != nil {
			return r, fmt.Errorf("decode answer: %w", err)
		}
	}
	return r, nil
}

// fetchToken calls gettoken (PLATFORMS.md §2.5).
func (c *Connector) fetchToken(ctx context.Context) (string, time.Duration, error) {
	var out struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	var res apiResult
	err := c.call(ctx, "token", false, func(ctx context.Context, _ string) (apiResult, error) {
		resp, err := c.http.R().SetContext(ctx).
			SetQueryParams(map[string]string{"corpid": c.cfg.CorpID, "corpsecret": c.cfg.Secret}).
			Get("/cgi-bin/gettoken")
		if err != nil {
			return apiResult{}, err
		}
		res, err = decodeStatus(resp, &out)
		return res, err
	})
	if err != nil {
		return "", 0, err
	}
	if out.AccessToken == "" {
		return "", 0, &connectors.Error{Platform: platform, Op: "token", HTTPStatus: res.status, Msg: "empty access_token"}
	}
	ttl := time.Duration(out.ExpiresIn) * time.Second
	if ttl <= 0 {
		ttl = 7200 * time.Second
	}
	return out.AccessToken, ttl, nil
}

func (c *Connector) accessToken(ctx context.Context, stale string) (string, error) {
	if c.cfg.Secret == "" || c.cfg.CorpID == "" {
		return "", &connectors.Error{Platform: platform, Op: "token", Permanent: true, Msg: "app secret not configured",
			Hint: "未配置自建应用 corp_id/secret/agent_id，无法通过应用发消息或下载文件"}
	}
	return c.tokens.get(ctx, makeTokenKey(c.cfg.CorpID, c.cfg.Secret), stale, c.fetchToken)
}

// uploadMedia uploads a temporary file (valid 3 days) for the app (webhookKey empty) or for a
// group robot, and returns its media_id.
func (c *Connector) uploadMedia(ctx context.Context, webhookKey, kind, name string, data []byte) (string, error) {
	var out struct {
		MediaID string `json:"media_id"`
	}
	op := "upload"
	do := func(ctx context.Context, tok string) (apiResult, error) {
		req := c.http.R().SetContext(ctx).
			SetFileReader("media", name, bytes.NewReader(data))
		path := "/cgi-bin/media/upload"
		if webhookKey != "" {
			path = "/cgi-bin/webhook/upload_media"
			req.SetQueryParams(map[string]string{"key": webhookKey, "type": kind})
		} else {
			req.SetQueryParams(map[string]string{"access_token": tok, "type": kind})
		}
		resp, err := req.Post(path)
		if err != nil {
			return apiResult{}, err
		}
		return decodeStatus(resp, &out)
	}
	if err := c.call(ctx, op, webhookKey == "", do); err != nil {
		return "", err
	}
	if out.MediaID == "" {
		return "", &connectors.Error{Platform: platform, Op: op, Msg: "empty media_id"}
	}
	return out.MediaID, nil
}

// postAPI posts a JSON body to an access_token API and decodes the answer into out.
func (c *Connector) postAPI(ctx context.Context, op, path string, body, out any) error {
	return c.call(ctx, op, true, func(ctx context.Context, tok string) (apiResult, error) {
		resp, err := c.http.R().SetContext(ctx).
			SetQueryParam("access_token", tok).
			SetHeader("Content-Type", "application/json; charset=utf-8").
			SetBody(body).
			Post(path)
		if err != nil {
			return apiResult{}, err
		}
		return decodeStatus(resp, out)
	})
}

// appMessage is the body of /cgi-bin/message/send (doc 90236) and /cgi-bin/appchat/send
// (doc 90248).
type appMessage struct {
	ToUser                 string       `json:"touser,omitempty"`
	ChatID                 string       `json:"chatid,omitempty"`
	MsgType                string       `json:"msgtype"`
	AgentID                int64        `json:"agentid,omitempty"`
	Text                   *contentBody `json:"text,omitempty"`
	Markdown               *contentBody `json:"markdown,omitempty"`
	File                   *mediaBody   `json:"file,omitempty"`
	Image                  *mediaBody   `json:"image,omitempty"`
	Safe                   int          `json:"safe"`
	EnableDuplicateCheck   int          `json:"enable_duplicate_check,omitempty"`
	DuplicateCheckInterval int          `json:"duplicate_check_interval,omitempty"`
}

type contentBody struct {
	Content       string   `json:"content"`
	MentionedList []string `json:"mentioned_list,omitempty"`
}

type mediaBody struct {
	MediaID string `json:"media_id"`
}

// duplicateCheckInterval is how long WeCom rejects an identical message to the same receivers:
// half an hour, the value PLATFORMS.md §2.3 shows.
const duplicateCheckInterval = 1800

// sendAppMessage sends to users (touser set) or to an app-created group chat (chatid set).
func (c *Connector) sendAppMessage(ctx context.Context, m appMessage, dedupe bool) (string, error) {
	path, op := "/cgi-bin/message/send", "send"
	if m.ChatID != "" {
		path, op = "/cgi-bin/appchat/send", "appchat"
	} else {
		m.AgentID = c.cfg.AgentID
		if dedupe {
			m.EnableDuplicateCheck = 1
			m.DuplicateCheckInterval = duplicateCheckInterval
		}
	}
	var out struct {
		MsgID        string `json:"msgid"`
		InvalidUser  string `json:"invaliduser"`
		Unlicensed   string `json:"unlicenseduser"`
		InvalidParty string `json:"invalidparty"`
	}
	if err := c.postAPI(ctx, op, path, m, &out); err != nil {
		return "", err
	}
	if out.InvalidUser != "" || out.Unlicensed != "" {
		c.log.WithField("invaliduser", out.InvalidUser).Warn("wecom: some receivers are invalid or outside the app's visible range")
	}
	return out.MsgID, nil
}

// webhookMessage is the body of /cgi-bin/webhook/send (doc 91770).
type webhookMessage struct {
	MsgType  string       `json:"msgtype"`
	Text     *contentBody `json:"text,omitempty"`
	Markdown *contentBody `json:"markdown,omitempty"`
	File     *mediaBody   `json:"file,omitempty"`
	Image    *imageBody   `json:"image,omitempty"`
}

type imageBody struct {
	Base64 string `json:"base64"`
	MD5    string `json:"md5"`
}

func newImageBody(data []byte) *imageBody {
	sum := md5.Sum(data)
	return &imageBody{Base64: base64.StdEncoding.EncodeToString(data), MD5: hex.EncodeToString(sum[:])}
}

// sendWebhook posts one message through a group robot, waiting for the robot's 20/min budget.
func (c *Connector) sendWebhook(ctx context.Context, key string, m webhookMessage) error {
	if err := c.webhookLimit.wait(ctx, hashKey(key)); err != nil {
		return err
	}
	return c.call(ctx, "webhook", false, func(ctx context.Context, _ string) (apiResult, error) {
		resp, err := c.http.R().SetContext(ctx).
			SetQueryParam("key", key).
			SetHeader("Content-Type", "application/json; charset=utf-8").
			SetBody(m).
			Post("/cgi-bin/webhook/send")
		if err != nil {
			return apiResult{}, err
		}
		return decodeStatus(resp, nil)
	})
}

// sendResponseURL answers a smart-robot callback once through its response_url (markdown only,
// one call, valid 1 h; PLATFORMS.md §2.4).
func (c *Connector) sendResponseURL(ctx context.Context, responseURL, markdown string) error {
	body := webhookMessage{MsgType: "markdown", Markdown: &contentBody{Content: markdown}}
	return c.call(ctx, "response_url", false, func(ctx context.Context, _ string) (apiResult, error) {
		resp, err := c.http.R().SetContext(ctx).
			SetHeader("Content-Type", "application/json; charset=utf-8").
			SetBody(body).
			Post(responseURL)
		if err != nil {
			return apiResult{}, err
		}
		return decodeStatus(resp, nil)
	})
}

// hashKey names a secret (a webhook key) in maps and logs without revealing it.
func hashKey(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:6])
}

// isJSONAnswer tells an error answer from file bytes on media/get.
func isJSONAnswer(h http.Header) bool {
	ct := strings.ToLower(h.Get("Content-Type"))
	return strings.Contains(ct, "json") || strings.HasPrefix(ct, "text/plain")
}
