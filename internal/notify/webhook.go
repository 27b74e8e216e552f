package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// SignatureHeader carries a webhook body's HMAC-SHA256, as "sha256=HEX".
const SignatureHeader = "X-Signalman-Signature"

// Event is a CloudEvent (specification 1.0, structured JSON mode).
type Event struct {
	SpecVersion     string    `json:"specversion"`
	ID              string    `json:"id"`
	Source          string    `json:"source"`
	Type            string    `json:"type"`
	Subject         string    `json:"subject,omitempty"`
	Time            time.Time `json:"time"`
	DataContentType string    `json:"datacontenttype"`
	Data            EventData `json:"data"`
}

// EventData is what a Signalman event says.
type EventData struct {
	Product string   `json:"product"`
	Version string   `json:"version,omitempty"`
	Stage   string   `json:"stage,omitempty"`
	Text    string   `json:"text"`
	OnCall  []string `json:"oncall,omitempty"`
}

// EventType is the CloudEvent type of a Signalman event.
func EventType(event string) string { return "dev.signalman.release." + event }

// WebhookSignature is the SignatureHeader value of body under secret.
func WebhookSignature(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifyWebhook reports whether header is body's signature under secret;
// a receiver calls it before trusting an event.
func VerifyWebhook(secret string, body []byte, header string) bool {
	return hmac.Equal([]byte(header), []byte(WebhookSignature(secret, body)))
}

// PermanentError is a webhook refusal that a retry would not change: the
// receiver answered 4xx (other than 408 and 429).
type PermanentError struct{ Status int }

func (e *PermanentError) Error() string {
	return fmt.Sprintf("the webhook receiver refused the event with HTTP %d; check its URL and secret", e.Status)
}

// SendWebhook posts the event to url, signed with secret. A retry with the
// same event (same ID) is the same delivery, which the receiver
// deduplicates.
func SendWebhook(ctx context.Context, c *http.Client, url, secret string, e Event) error {
	body, err := json.Marshal(e)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook %s: %w", url, err)
	}
	req.Header.Set("Content-Type", "application/cloudevents+json")
	req.Header.Set(SignatureHeader, WebhookSignature(secret, body))
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("webhook %s: %w", url, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	switch s := resp.StatusCode; {
	case s >= 200 && s < 300:
		return nil
	case s >= 400 && s < 500 && s != http.StatusRequestTimeout && s != http.StatusTooManyRequests:
		return &PermanentError{Status: s}
	default:
		return fmt.Errorf("webhook %s answered HTTP %d; retrying", url, s)
	}
}
