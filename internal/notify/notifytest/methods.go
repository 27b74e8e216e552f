package notifytest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/slack-go/slack"
)

// defaultLimit is the page size when a read asks for none.
const defaultLimit = 100

// The fake bot that posts every message.
const (
	botUser = "U0BOT"
	botID   = "B0BOT"
)

// post serves chat.postMessage; channel may be an ID or a name.
func (s *Server) post(w http.ResponseWriter, form url.Values) (any, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.channel(form.Get("channel"), true)
	if !ok {
		return nil, "channel_not_found"
	}
	m := &Message{Channel: ch.id, ThreadTS: form.Get("thread_ts"), Text: form.Get("text"), Form: cloneForm(form)}
	if code := fill(m, form); code != "" {
		return nil, code
	}
	if m.Text == "" && m.Blocks == "" {
		return nil, "no_text"
	}
	if m.ThreadTS != "" {
		if p := s.find(ch.id, m.ThreadTS); p == nil || p.ThreadTS != "" {
			return nil, "thread_not_found"
		}
	}
	m.TS = s.nextTS()
	s.msgs = append(s.msgs, m)
	if s.lose > 0 {
		s.lose--
		hangUp(w)
		return nil, ""
	}
	return map[string]any{"ok": true, "channel": ch.id, "ts": m.TS, "message": s.wire(m, true)}, ""
}

// update serves chat.update: it replaces the text and blocks (and the
// metadata, if given) of the message at ts.
func (s *Server) update(_ http.ResponseWriter, form url.Values) (any, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.channel(form.Get("channel"), false)
	if !ok {
		return nil, "channel_not_found"
	}
	m := s.find(ch.id, form.Get("ts"))
	if m == nil {
		return nil, "message_not_found"
	}
	next := *m
	next.Text, next.Blocks = form.Get("text"), ""
	if code := fill(&next, form); code != "" {
		return nil, code
	}
	if next.Text == "" && next.Blocks == "" {
		return nil, "no_text"
	}
	*m = next
	return map[string]any{"ok": true, "channel": ch.id, "ts": m.TS, "text": m.Text}, ""
}

// history serves conversations.history: the channel's own messages (not
// thread replies), newest first.
func (s *Server) history(_ http.ResponseWriter, form url.Values) (any, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.channel(form.Get("channel"), false)
	if !ok {
		return nil, "channel_not_found"
	}
	var msgs []*Message
	for _, m := range slices.Backward(s.msgs) {
		if m.Channel == ch.id && m.ThreadTS == "" {
			msgs = append(msgs, m)
		}
	}
	return s.messages(msgs, form)
}

// replies serves conversations.replies: the thread's first message and
// its replies, oldest first.
func (s *Server) replies(_ http.ResponseWriter, form url.Values) (any, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.channel(form.Get("channel"), false)
	if !ok {
		return nil, "channel_not_found"
	}
	ts := form.Get("ts")
	parent := s.find(ch.id, ts)
	if parent == nil || parent.ThreadTS != "" {
		return nil, "thread_not_found"
	}
	msgs := []*Message{parent}
	for _, m := range s.msgs {
		if m.Channel == ch.id && m.ThreadTS == ts {
			msgs = append(msgs, m)
		}
	}
	return s.messages(msgs, form)
}

// list serves conversations.list. Every channel of the fake is public and
// unarchived, so types and exclude_archived change nothing.
func (s *Server) list(_ http.ResponseWriter, form url.Values) (any, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	from, to, next, code := s.page(len(s.channels), form)
	if code != "" {
		return nil, code
	}
	chans := []map[string]any{}
	for _, c := range s.channels[from:to] {
		chans = append(chans, map[string]any{"id": c.id, "name": c.name, "is_channel": true, "is_private": false, "is_archived": false, "is_member": true})
	}
	return map[string]any{"ok": true, "channels": chans, "response_metadata": map[string]any{"next_cursor": next}}, ""
}

// messages filters msgs by the form's oldest, latest and inclusive and
// answers with the page its cursor and limit select.
func (s *Server) messages(msgs []*Message, form url.Values) (any, string) {
	oldest, latest := int64(0), int64(-1)
	if v := form.Get("oldest"); v != "" {
		t, ok := parseTS(v)
		if !ok {
			return nil, "invalid_ts_oldest"
		}
		oldest = t
	}
	if v := form.Get("latest"); v != "" {
		t, ok := parseTS(v)
		if !ok {
			return nil, "invalid_ts_latest"
		}
		latest = t
	}
	inclusive := form.Get("inclusive") == "1" || form.Get("inclusive") == "true"
	var in []*Message
	for _, m := range msgs {
		t, _ := parseTS(m.TS)
		if t < oldest || (t == oldest && !inclusive) {
			continue
		}
		if latest >= 0 && (t > latest || (t == latest && !inclusive)) {
			continue
		}
		in = append(in, m)
	}
	from, to, next, code := s.page(len(in), form)
	if code != "" {
		return nil, code
	}
	meta := form.Get("include_all_metadata") == "1" || form.Get("include_all_metadata") == "true"
	out := []map[string]any{}
	for _, m := range in[from:to] {
		out = append(out, s.wire(m, meta))
	}
	return map[string]any{"ok": true, "messages": out, "has_more": next != "", "response_metadata": map[string]any{"next_cursor": next}}, ""
}

// page returns the bounds of the page of n items that the form's cursor
// and limit select, and the cursor of the next page ("" on the last).
func (s *Server) page(n int, form url.Values) (from, to int, next, code string) {
	size := defaultLimit
	if v := form.Get("limit"); v != "" {
		l, err := strconv.Atoi(v)
		if err != nil || l < 1 {
			return 0, 0, "", "invalid_limit"
		}
		size = l
	}
	if s.pageSize > 0 && s.pageSize < size {
		size = s.pageSize
	}
	if c := form.Get("cursor"); c != "" {
		raw, err := base64.StdEncoding.DecodeString(c)
		offset, ok := strings.CutPrefix(string(raw), "next:")
		if err != nil || !ok {
			return 0, 0, "", "invalid_cursor"
		}
		if from, err = strconv.Atoi(offset); err != nil || from < 0 || from > n {
			return 0, 0, "", "invalid_cursor"
		}
	}
	to = min(from+size, n)
	if to < n {
		next = base64.StdEncoding.EncodeToString([]byte("next:" + strconv.Itoa(to)))
	}
	return from, to, next, ""
}

// wire is m as the Web API returns it; a thread's first message carries
// its own ts as thread_ts and the count of its replies, as on Slack.
func (s *Server) wire(m *Message, withMetadata bool) map[string]any {
	w := map[string]any{"type": "message", "user": botUser, "bot_id": botID, "text": m.Text, "ts": m.TS}
	if m.Blocks != "" {
		w["blocks"] = json.RawMessage(m.Blocks)
	}
	if withMetadata && m.Metadata != nil {
		w["metadata"] = m.Metadata
	}
	if m.ThreadTS != "" {
		w["thread_ts"] = m.ThreadTS
		return w
	}
	replies := 0
	for _, r := range s.msgs {
		if r.Channel == m.Channel && r.ThreadTS == m.TS {
			replies++
		}
	}
	if replies > 0 {
		w["thread_ts"], w["reply_count"] = m.TS, replies
	}
	return w
}

// fill sets m's blocks and metadata from the form, returning Slack's
// error code if either is malformed.
func fill(m *Message, form url.Values) string {
	if b := form.Get("blocks"); b != "" {
		var blocks []json.RawMessage
		if json.Unmarshal([]byte(b), &blocks) != nil {
			return "invalid_blocks_format"
		}
		m.Blocks = b
	}
	if md := form.Get("metadata"); md != "" {
		var meta slack.SlackMetadata
		if json.Unmarshal([]byte(md), &meta) != nil || meta.EventType == "" {
			return "invalid_metadata_format"
		}
		m.Metadata = &meta
	}
	return ""
}

// channel finds a channel by ID or, if byName, also by name with or
// without its leading "#". Callers hold s.mu.
func (s *Server) channel(ref string, byName bool) (channel, bool) {
	for _, c := range s.channels {
		if c.id == ref || (byName && c.name == strings.TrimPrefix(ref, "#")) {
			return c, true
		}
	}
	return channel{}, false
}

// find returns the message at ts in the channel, or nil. Callers hold s.mu.
func (s *Server) find(channelID, ts string) *Message {
	for _, m := range s.msgs {
		if m.Channel == channelID && m.TS == ts {
			return m
		}
	}
	return nil
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // net/http drops the connection
	}
	conn.Close()
}

// parseTS turns a Slack ts ("1700000000.000001") into microseconds.
func parseTS(ts string) (int64, bool) {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || len(frac) > 6 {
		return 0, false
	}
	var us int64
	if frac != "" {
		if us, err = strconv.ParseInt(frac+strings.Repeat("0", 6-len(frac)), 10, 64); err != nil {
			return 0, false
		}
	}
	return s*1e6 + us, true
}
