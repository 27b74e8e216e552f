package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"time"
)

// maxSkew is how far a request's timestamp may be from our clock; beyond
// it a correctly signed request is treated as a replay.
const maxSkew = 5 * time.Minute

// Headers Slack signs its requests with.
const (
	headerSignature = "X-Slack-Signature"
	headerTimestamp = "X-Slack-Request-Timestamp"
)

// Reasons a request is not accepted as coming from Slack.
var (
	errMissingSignature = errors.New("missing " + headerSignature + " or " + headerTimestamp + " header: not a signed Slack request")
	errBadTimestamp     = errors.New("malformed " + headerTimestamp + " header: want Unix seconds")
	errStale            = errors.New("request timestamp is more than 5 minutes from this server's clock: refused as a possible replay (check the server clock if this repeats)")
	errBadSignature     = errors.New("request signature does not match its body: not from Slack, or the Slack signing secret is wrong")
)

// verify checks Slack's v0 signature over body and that it was made
// within maxSkew of now.
func verify(h http.Header, body []byte, secret string, now time.Time) error {
	sig, stamp := h.Get(headerSignature), h.Get(headerTimestamp)
	if sig == "" || stamp == "" {
		return errMissingSignature
	}
	ts, err := strconv.ParseInt(stamp, 10, 64)
	if err != nil {
		return errBadTimestamp
	}
	skew := int64(maxSkew / time.Second)
	if n := now.Unix(); ts < n-skew || ts > n+skew {
		return errStale
	}
	if !hmac.Equal([]byte(sig), []byte(sign(secret, stamp, body))) {
		return errBadSignature
	}
	return nil
}

// sign returns the X-Slack-Signature value for body sent at timestamp.
func sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + timestamp + ":"))
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}
