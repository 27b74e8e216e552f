// Package notifytest is a STATEFUL FAKE of the Slack Web API for tests,
// because Slack itself cannot run here. It serves exactly the methods
// Signalman calls: chat.postMessage, chat.update, conversations.history,
// conversations.replies and conversations.list. Every other method gets
// the canned answers of slack-go's slacktest server, which it is built on.
//
// The fake keeps each channel's messages with their text, blocks, thread
// and metadata; answers history and thread reads newest or oldest first
// as Slack does, with metadata only when include_all_metadata is set,
// filtered by oldest and latest and paged by cursor; and can lose the
// reply to a post it has stored, as when the connection drops after Slack
// accepted a message.
package notifytest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slacktest"
)

// The channel every fake starts with.
const (
	ChannelID   = "C0REL"
	ChannelName = "releases"
)

// Message is one message the fake holds, as it stands now.
type Message struct {
	// Channel is the ID of the channel the message is in.
	Channel string
	TS      string
	// ThreadTS is the ts of the thread's first message; "" for a
	// message in the channel itself.
	ThreadTS string
	Text     string
	// Blocks is the Block Kit JSON of the message; "" if it has none.
	Blocks string
	// Metadata is the message's metadata; nil if it has none.
	Metadata *slack.SlackMetadata
	// Form is the chat.postMessage form that posted the message; a later
	// chat.update changes Text, Blocks and Metadata but not Form.
	Form url.Values
}

// Key returns the "key" of the message's metadata payload, or "".
func (m Message) Key() string {
	if m.Metadata == nil {
		return ""
	}
	key, _ := m.Metadata.EventPayload["key"].(string)
	return key
}

// Server is the fake Slack. Its zero value is not usable; call New.
type Server struct {
	sts      *slacktest.Server
	pageSize int

	mu       sync.Mutex
	channels []channel
	msgs     []*Message // in post order
	lastTS   int64      // microseconds since the epoch
	lose     int
	calls    map[string]int
	denied   map[string]string // method: Slack error code
}

type channel struct{ id, name string }

// Option configures a Server.
type Option func(*Server)

// PageSize caps the messages or channels one read returns, whatever
// limit the client asks for, so tests can make clients page.
func PageSize(n int) Option {
	return func(s *Server) { s.pageSize = n }
}

// WithChannel adds a public channel to the one every fake has.
func WithChannel(id, name string) Option {
	return func(s *Server) { s.channels = append(s.channels, channel{id, name}) }
}

// Deny makes method answer Slack's error code, such as "missing_scope"
// for a bot token without the scope the method needs.
func Deny(method, code string) Option {
	return func(s *Server) { s.denied[method] = code }
}

// New starts a fake Slack that t stops when it ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{channels: []channel{{ChannelID, ChannelName}}, calls: map[string]int{}, denied: map[string]string{}}
	for _, o := range opts {
		o(s)
	}
	s.sts = slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", s.method("chat.postMessage", s.post))
		c.Handle("/chat.update", s.method("chat.update", s.update))
		c.Handle("/conversations.history", s.method("conversations.history", s.history))
		c.Handle("/conversations.replies", s.method("conversations.replies", s.replies))
		c.Handle("/conversations.list", s.method("conversations.list", s.list))
	})
	s.sts.Start()
	t.Cleanup(s.sts.Stop)
	return s
}

// URL returns the API URL to give slack.OptionAPIURL or the worker's
// --slack-api flag.
func (s *Server) URL() string { return s.sts.GetAPIURL() }

// LoseReplies makes the next n chat.postMessage calls store their message
// and then close the connection without answering, so the client sees an
// error for a post that Slack accepted.
func (s *Server) LoseReplies(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lose = n
}

// Calls returns how many requests the fake has served for method, such as
// "conversations.history".
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// Messages returns copies of every message in every channel, in the order
// they were posted.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.msgs))
	for i, m := range s.msgs {
		out[i] = *m
		out[i].Form = cloneForm(m.Form)
		if m.Metadata != nil {
			md := *m.Metadata
			md.EventPayload = maps.Clone(md.EventPayload)
			out[i].Metadata = &md
		}
	}
	return out
}

// Count returns how many messages contain substr in their text or blocks.
func (s *Server) Count(substr string) int {
	n := 0
	for _, m := range s.Messages() {
		if strings.Contains(m.Text, substr) || strings.Contains(m.Blocks, substr) {
			n++
		}
	}
	return n
}

// Posted returns how many messages were posted with substr in their text
// or blocks, whatever chat.update did to them since.
func (s *Server) Posted(substr string) int {
	n := 0
	for _, m := range s.Messages() {
		if strings.Contains(m.Form.Get("text"), substr) || strings.Contains(m.Form.Get("blocks"), substr) {
			n++
		}
	}
	return n
}

// Buttons returns the values of the buttons in the messages' blocks, in
// the order the messages were posted.
func (s *Server) Buttons() []string {
	var values []string
	for _, m := range s.Messages() {
		var blocks []struct {
			Elements []struct {
				Type  string `json:"type"`
				Value string `json:"value"`
			} `json:"elements"`
		}
		if m.Blocks == "" || json.Unmarshal([]byte(m.Blocks), &blocks) != nil {
			continue
		}
		for _, b := range blocks {
			for _, e := range b.Elements {
				if e.Type == "button" {
					values = append(values, e.Value)
				}
			}
		}
	}
	return values
}

// method wraps a handler of one Web API method: it parses the form,
// counts the call and writes the handler's answer, or Slack's error
// answer if the handler returns an error code.
func (s *Server) method(name string, h func(w http.ResponseWriter, form url.Values) (any, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, fmt.Sprintf("%s: parse form: %v", name, err), http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.calls[name]++
		denied := s.denied[name]
		s.mu.Unlock()
		var body any
		code := denied
		if code == "" {
			body, code = h(w, r.PostForm)
		}
		if body == nil && code == "" {
			return // the handler dealt with w
		}
		w.Header().Set("Content-Type", "application/json")
		if code != "" {
			body = map[string]any{"ok": false, "error": code}
		}
		_ = json.NewEncoder(w).Encode(body)
	}
}

// nextTS returns a ts for a new message: the time in Slack's format,
// kept strictly increasing. Callers hold s.mu.
func (s *Server) nextTS() string {
	us := time.Now().UnixMicro()
	if us <= s.lastTS {
		us = s.lastTS + 1
	}
	s.lastTS = us
	return fmt.Sprintf("%d.%06d", us/1e6, us%1e6)
}

func cloneForm(f url.Values) url.Values {
	out := make(url.Values, len(f))
	for k, v := range f {
		out[k] = append([]string(nil), v...)
	}
	return out
}
