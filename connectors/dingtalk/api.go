package dingtalk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"zengshou/connectors"
)

// callAPI makes a JSON call to api.dingtalk.com with the new-API token in
// x-acs-dingtalk-access-token. An invalid token is dropped, refreshed and the call retried once.
func (c *Connector) callAPI(ctx context.Context, op, path string, body, out any) error {
	for attempt := 0; ; attempt++ {
		tok, err := c.token(ctx, tokenNew)
		if err != nil {
			return fmt.Errorf("call %s: %w", op, err)
		}
		resp, err := c.rc.R().SetContext(ctx).
			SetHeader("x-acs-dingtalk-access-token", tok).
			SetHeader("Content-Type", "application/json").
			SetBody(body).
			Post(c.cfg.BaseURL + path)
		if err != nil {
			return scrub("call "+op, err)
		}
		if resp.StatusCode() >= 400 {
			e := apiError(op, resp.StatusCode(), resp.Header(), resp.Body())
			if attempt == 0 && isInvalidToken(e) {
				c.invalidate(tokenNew, tok)
				continue
			}
			return fmt.Errorf("call %s: %w", op, e)
		}
		if out != nil {
			if err := json.Unmarshal(resp.Body(), out); err != nil {
				return fmt.Errorf("call %s: decode: %w", op, err)
			}
		}
		return nil
	}
}

// oapiToken is the token for oapi.dingtalk.com: the new-API token works there (§3.3); the
// legacy gettoken token when oapi_legacy_token is set.
func (c *Connector) oapiKind() tokenKind {
	if c.cfg.OapiLegacyToken {
		return tokenLegacy
	}
	return tokenNew
}

// uploadMedia uploads data to oapi /media/upload (type image|file, multipart field "media")
// and returns the media_id.
func (c *Connector) uploadMedia(ctx context.Context, typ, name string, data []byte) (string, error) {
	if len(data) > maxFileBytes {
		return "", fmt.Errorf("upload media: %w", &connectors.Error{Platform: Platform, Op: "upload",
			Msg: fmt.Sprintf("%d bytes", len(data)), Permanent: true,
			Hint: "文件超过钉钉 20 MB 的上传上限，无法发送"})
	}
	kind := c.oapiKind()
	for attempt := 0; ; attempt++ {
		tok, err := c.token(ctx, kind)
		if err != nil {
			return "", fmt.Errorf("upload media: %w", err)
		}
		resp, err := c.rc.R().SetContext(ctx).
			SetQueryParam("access_token", tok).
			SetMultipartFormData(map[string]string{"type": typ}).
			SetFileReader("media", name, bytes.NewReader(data)).
			Post(c.cfg.OapiURL + "/media/upload")
		if err != nil {
			return "", scrub("upload media", err)
		}
		var out struct {
			oapiResult
			MediaID string `json:"media_id"`
		}
		if err := json.Unmarshal(resp.Body(), &out); err != nil {
			return "", fmt.Errorf("upload media: decode (http %d): %w", resp.StatusCode(), err)
		}
		if out.ErrCode != 0 {
			e := oapiError("upload", resp.StatusCode(), resp.Header(), out.oapiResult)
			if attempt == 0 && isInvalidToken(e) {
				c.invalidate(kind, tok)
				continue
			}
			return "", fmt.Errorf("upload media: %w", e)
		}
		if out.MediaID == "" {
			return "", errors.New("upload media: empty media_id")
		}
		return out.MediaID, nil
	}
}

// groupSend posts a robot message to a group (openConversationId = conversationId).
func (c *Connector) groupSend(ctx context.Context, chatID, msgKey string, param any) (string, error) {
	p, err := json.Marshal(param)
	if err != nil {
		return "", fmt.Errorf("send group message: %w", err)
	}
	var out struct {
		ProcessQueryKey string `json:"processQueryKey"`
	}
	err = c.callAPI(ctx, "send "+msgKey, "/v1.0/robot/groupMessages/send", map[string]string{
		"robotCode":          c.cfg.RobotCode,
		"openConversationId": chatID,
		"msgKey":             msgKey,
		"msgParam":           string(p),
	}, &out)
	if err != nil {
		return "", fmt.Errorf("send group message: %w", err)
	}
	return out.ProcessQueryKey, nil
}

// otoBatch is the most users one oToMessages/batchSend call takes.
const otoBatch = 20

// otoSend posts a robot message to each user 1:1, 20 users a call.
func (c *Connector) otoSend(ctx context.Context, userIDs []string, msgKey string, param any) (string, error) {
	p, err := json.Marshal(param)
	if err != nil {
		return "", fmt.Errorf("send direct message: %w", err)
	}
	var id string
	for i := 0; i < len(userIDs); i += otoBatch {
		batch := userIDs[i:min(i+otoBatch, len(userIDs))]
		var out struct {
			ProcessQueryKey       string   `json:"processQueryKey"`
			InvalidStaffIDList    []string `json:"invalidStaffIdList"`
			FlowControlledStaffID []string `json:"flowControlledStaffIdList"`
		}
		err := c.callAPI(ctx, "send "+msgKey, "/v1.0/robot/oToMessages/batchSend", map[string]any{
			"robotCode": c.cfg.RobotCode,
			"userIds":   batch,
			"msgKey":    msgKey,
			"msgParam":  string(p),
		}, &out)
		if err != nil {
			return id, fmt.Errorf("send direct message: %w", err)
		}
		id = out.ProcessQueryKey
		if n := len(out.InvalidStaffIDList); n > 0 {
			c.log.WithField("invalid_users", n).Warn("dingtalk: some users cannot receive robot messages (not in the robot's visible range?)")
			if n == len(batch) {
				return id, fmt.Errorf("send direct message: %w", &connectors.Error{Platform: Platform, Op: "send " + msgKey,
					Msg: "invalidStaffIdList: every user", Permanent: true,
					Hint: "这些用户收不到机器人单聊消息：请确认用户 ID 正确、用户在应用的可见范围内"})
			}
		}
		if n := len(out.FlowControlledStaffID); n > 0 {
			c.log.WithField("flow_controlled_users", n).Warn("dingtalk: some users are flow-controlled and got nothing")
			if n == len(batch) {
				// DingTalk gives no wait time here; a minute is a guess.
				return id, fmt.Errorf("send direct message: %w", &connectors.Error{Platform: Platform, Op: "send " + msgKey,
					Msg: "flowControlledStaffIdList: every user", RetryAfter: time.Minute})
			}
		}
	}
	return id, nil
}

// postWebhook posts a webhook-style message (sessionWebhook or custom robot) and checks errcode.
func (c *Connector) postWebhook(ctx context.Context, op, rawURL string, payload any) error {
	resp, err := c.rc.R().SetContext(ctx).
		SetHeader("Content-Type", "application/json").
		SetBody(payload).
		Post(rawURL)
	if err != nil {
		return scrub(op, err)
	}
	var out oapiResult
	if err := json.Unmarshal(resp.Body(), &out); err != nil {
		if resp.StatusCode() >= 400 {
			return fmt.Errorf("%s: %w", op, &connectors.Error{Platform: Platform, Op: op, HTTPStatus: resp.StatusCode(),
				Msg: http.StatusText(resp.StatusCode()), Permanent: resp.StatusCode() < 500 && resp.StatusCode() != http.StatusTooManyRequests,
				RetryAfter: retryAfterIf(resp.StatusCode() == http.StatusTooManyRequests, resp.Header())})
		}
		return fmt.Errorf("%s: decode (http %d): %w", op, resp.StatusCode(), err)
	}
	if out.ErrCode != 0 || resp.StatusCode() >= 400 {
		return fmt.Errorf("%s: %w", op, oapiError(op, resp.StatusCode(), resp.Header(), out))
	}
	return nil
}

func retryAfterIf(ok bool, h http.Header) time.Duration {
	if !ok {
		return 0
	}
	return retryAfter(h, webhookPenalty)
}

// sendCustomWebhook signs and posts to a custom robot, waiting for its 20/min budget.
func (c *Connector) sendCustomWebhook(ctx context.Context, w Webhook, payload any) error {
	if err := c.hooks.wait(ctx, w.URL); err != nil {
		return fmt.Errorf("send webhook: %w", err)
	}
	ts := strconv.FormatInt(c.now().UnixMilli(), 10)
	u, err := signWebhookURL(strings.TrimSpace(w.URL), w.Secret, ts)
	if err != nil {
		return fmt.Errorf("send webhook: %w", err)
	}
	return c.postWebhook(ctx, "send webhook", u, payload)
}

// fileURL asks for the short-lived download URL of a received file.
func (c *Connector) fileURL(ctx context.Context, downloadCode string) (string, error) {
	var out struct {
		DownloadURL string `json:"downloadUrl"`
	}
	err := c.callAPI(ctx, "download", "/v1.0/robot/messageFiles/download",
		map[string]string{"downloadCode": downloadCode, "robotCode": c.cfg.RobotCode}, &out)
	if err != nil {
		return "", fmt.Errorf("get download url: %w", err)
	}
	u, err := url.Parse(out.DownloadURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", errors.New("get download url: no valid downloadUrl in the answer")
	}
	return out.DownloadURL, nil
}

// Download implements connectors.Connector: downloadCode → downloadUrl → GET at once, streamed
// through a LimitedWriter.
func (c *Connector) Download(ctx context.Context, f connectors.FileRef, dst io.Writer, max int64) (int64, error) {
	if f.Key == "" {
		return 0, fmt.Errorf("download file: %w", &connectors.Error{Platform: Platform, Op: "download",
			Msg: "empty downloadCode", Permanent: true})
	}
	u, err := c.fileURL(ctx, f.Key)
	if err != nil {
		return 0, fmt.Errorf("download file: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, fmt.Errorf("download file: %w", scrub("build request", err))
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, scrub("download file", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		// The URL is short-lived: asking again gives a new one, so this is not permanent.
		return 0, fmt.Errorf("download file: %w", &connectors.Error{Platform: Platform, Op: "download",
			HTTPStatus: resp.StatusCode, Msg: http.StatusText(resp.StatusCode)})
	}
	if resp.ContentLength > max {
		return 0, fmt.Errorf("download file: %w (%d bytes max)", connectors.ErrTooLarge, max)
	}
	lw := &connectors.LimitedWriter{W: dst, Max: max}
	n, err := io.Copy(lw, resp.Body)
	if err != nil {
		return n, fmt.Errorf("download file: %w", err)
	}
	return n, nil
}

func sameHost(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.Host != "" && strings.EqualFold(ua.Host, ub.Host) &&
		(ua.Scheme == "https" || ua.Scheme == ub.Scheme)
}
