package router

import (
	"testing"
	"time"
)

func TestRingKeepsTheLastRecords(t *testing.T) {
	g := newRing(3)
	for i := range 5 {
		g.add(Request{Status: 200 + i})
	}
	all := g.since(time.Time{})
	if len(all) != 3 || all[0].Status != 202 || all[2].Status != 204 {
		t.Fatalf("after 5 records in a ring of 3: %+v, want statuses 202 to 204", all)
	}
	if got := g.since(all[0].At); len(got) != 2 || got[0].Status != 203 {
		t.Errorf("since the oldest: %+v, want 203 and 204", got)
	}
	if got := g.since(all[2].At); len(got) != 0 {
		t.Errorf("since the newest: %+v, want none", got)
	}
}
