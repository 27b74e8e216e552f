package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/slack-go/slack"
)

const (
	// maxBody bounds what one interaction may make us read.
	maxBody = 1 << 20
	// workTimeout bounds Handle plus the reply to Slack after the request
	// has been acknowledged.
	workTimeout = time.Minute
	// notApprover is the reply to someone missing from Interactions.Users.
	notApprover = "you are not a listed approver"
)

// Action is one button press by a listed approver.
type Action struct {
	// Name is the Button.Action that was pressed.
	Name string
	// Value is the Button.Value that was pressed.
	Value string
	// Person is the approver name Interactions.Users maps SlackUser to.
	Person      string
	SlackUser   string
	ResponseURL string
	Channel     string
	MessageTS   string
}

// Interactions serves Slack's interactivity requests: it checks that each
// one is signed by Slack and recent, then passes button presses by listed
// approvers to Handle and replaces the buttons with the outcome.
type Interactions struct {
	SigningSecret string
	// Users maps a Slack user ID to an approver name; nobody else may press.
	Users map[string]string
	// Handle records the action and returns the text that replaces the
	// buttons; an error's text replaces them instead.
	Handle func(ctx context.Context, a Action) (outcome string, err error)
	// HTTP posts replies to response_url; nil means http.DefaultClient.
	HTTP *http.Client
	// PersonOf, if set, maps the Slack user who pressed a button to an
	// approver instead of Users, knowing the button's value (the release
	// it belongs to names its own approvers); "" means not an approver.
	PersonOf func(ctx context.Context, slackUser, value string) string
}

// ServeHTTP acknowledges a verified interaction at once and then handles
// it, because Slack gives up on an acknowledgement after three seconds.
func (in Interactions) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "Slack interactions must be POSTed", http.StatusMethodNotAllowed)
		return
	}
	if in.SigningSecret == "" {
		slog.ErrorContext(r.Context(), "Slack interaction refused: no signing secret configured", "service", "notify")
		http.Error(w, "Slack signing secret is not configured on this server", http.StatusInternalServerError)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		http.Error(w, "read request body: "+err.Error(), http.StatusRequestEntityTooLarge)
		return
	}
	if err := verify(r.Header, body, in.SigningSecret); err != nil {
		slog.WarnContext(r.Context(), "Slack interaction refused", "service", "notify", "error", err)
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	cb, err := parse(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}

	// Content-Length 0 lets Slack see a complete response while we work.
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	_ = http.NewResponseController(w).Flush()

	if cb.Type != slack.InteractionTypeBlockActions || len(cb.ActionCallback.BlockActions) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), workTimeout)
	defer cancel()
	in.act(ctx, cb)
}

// act passes the first pressed button to Handle and reports the result
// back into the message.
func (in Interactions) act(ctx context.Context, cb *slack.InteractionCallback) {
	pressed := cb.ActionCallback.BlockActions[0]
	a := Action{
		Name:        actionName(pressed.ActionID),
		Value:       pressed.Value,
		SlackUser:   cb.User.ID,
		ResponseURL: cb.ResponseURL,
		Channel:     cb.Channel.ID,
		MessageTS:   cb.Container.MessageTs,
	}
	if a.Channel == "" {
		a.Channel = cb.Container.ChannelID
	}
	if a.MessageTS == "" {
		a.MessageTS = cb.Message.Timestamp
	}
	log := slog.With("service", "notify", "action", a.Name, "slack_user", a.SlackUser, "channel", a.Channel, "message_ts", a.MessageTS)

	a.Person = in.Users[a.SlackUser]
	if in.PersonOf != nil {
		a.Person = in.PersonOf(ctx, a.SlackUser, a.Value)
	}
	if a.Person == "" {
		log.WarnContext(ctx, "Slack button pressed by someone who is not a listed approver")
		// Only the presser sees this; the buttons stay for real approvers.
		in.reply(ctx, log, a.ResponseURL, response{ResponseType: "ephemeral", Text: notApprover})
		return
	}
	log = log.With("person", a.Person)

	text, err := in.handle(ctx, a)
	if err != nil {
		// Only the person who pressed sees a refusal; the buttons stay for
		// the approvers who may still act (the release's trigger pressing
		// Approve must not take the buttons from everyone else).
		log.WarnContext(ctx, "Slack action refused", "error", err)
		in.reply(ctx, log, a.ResponseURL, response{ResponseType: "ephemeral", Text: fmt.Sprintf("%s by %s was refused: %v", a.Name, a.Person, err)})
		return
	}
	in.reply(ctx, log, a.ResponseURL, response{ReplaceOriginal: true, Text: text})
}

// handle calls Handle, turning a missing Handle or a panic into an error
// so one bad press cannot take the server down.
func (in Interactions) handle(ctx context.Context, a Action) (outcome string, err error) {
	if in.Handle == nil {
		return "", errors.New("this server does not accept Slack actions (no handler configured)")
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error handling %s: %v", a.Name, p)
		}
	}()
	return in.Handle(ctx, a)
}

// response is the body Slack accepts at an interaction's response_url.
type response struct {
	ResponseType    string `json:"response_type,omitempty"`
	ReplaceOriginal bool   `json:"replace_original"`
	Text            string `json:"text"`
}

// reply posts resp to responseURL, logging rather than returning failures
// because Slack has already been answered.
func (in Interactions) reply(ctx context.Context, log *slog.Logger, responseURL string, resp response) {
	u, err := url.Parse(responseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		log.ErrorContext(ctx, "Slack interaction has no usable response_url", "response_url", responseURL)
		return
	}
	body, err := json.Marshal(resp)
	if err != nil {
		log.ErrorContext(ctx, "encode Slack reply", "error", err)
		return
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		log.ErrorContext(ctx, "build Slack reply", "error", err)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	client := in.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	res, err := client.Do(req)
	if err != nil {
		log.ErrorContext(ctx, "post Slack reply to response_url", "error", err)
		return
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, maxBody))
	if res.StatusCode/100 != 2 {
		log.ErrorContext(ctx, "Slack refused the reply to response_url", "status", res.Status)
	}
}

// parse reads the interaction from the form field Slack puts it in.
func parse(body []byte) (*slack.InteractionCallback, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("interaction body is not a form: %w", err)
	}
	payload := form.Get("payload")
	if payload == "" {
		return nil, errors.New("interaction body has no payload field")
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(payload), &cb); err != nil {
		return nil, fmt.Errorf("interaction payload is not valid JSON: %w", err)
	}
	return &cb, nil
}
