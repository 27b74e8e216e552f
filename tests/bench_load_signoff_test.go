package tests

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/workflows"
)

// signOff signs every release off and waits until each has ended: the
// first few one at a time, each once the previous one has ended (what one
// person's signoff meets while the others wait), then the rest in bursts. It returns the times from each signoff
// to the next activity's start, of the first few (single) and of the rest
// (burst), and how many releases did not succeed.
//
// A release is signed off only once the previous version of its product
// has claimed prod: prod is granted in the order of the claims, and a
// release granted prod after a newer version refuses to deploy over it.
// With more products than a burst holds, that seldom delays one.
func (l *load) signOff(ctx context.Context, b *testing.B, rels []loadRelease) (single, burst []time.Duration, failed int64) {
	req := workflows.SignoffRequest{Env: config.Stage, Person: "quinn", Verdict: workflows.Green, Via: "cli"}
	var mu sync.Mutex
	var bad, reported atomic.Int64
	fail := func(format string, args ...any) {
		bad.Add(1)
		if reported.Add(1) <= 10 {
			b.Errorf(format, args...)
		}
	}
	wait := func(r loadRelease) {
		var st workflows.Status
		err := l.c.GetWorkflow(ctx, r.id, "").Get(ctx, &st)
		if err == nil && st.State != workflows.Succeeded {
			err = fmt.Errorf("ended %s: %s", st.State, st.Error)
		}
		if err != nil {
			fail("%s: %v", r.id, err)
		}
	}
	// Releases end in about the order they are signed off in: a few
	// waiters, each on one release at a time, see them all.
	sent := make(chan loadRelease, len(rels))
	var waiters sync.WaitGroup
	for range 16 {
		waiters.Go(func() {
			for r := range sent {
				wait(r)
			}
		})
	}
	// signOne signs release j off and returns at once, leaving the wait
	// for its end to the waiters if waiters is set; measured closes once
	// its sample is in into, or there will be none. It says whether the
	// signoff was taken.
	signOne := func(j int, into *[]time.Duration, waiters bool) (measured <-chan struct{}, ok bool) {
		r := rels[j]
		done := make(chan struct{})
		if j >= len(l.pipelines) {
			select {
			case <-rels[j-len(l.pipelines)].claimed:
			case <-time.After(10 * time.Minute):
				fail("%s: the previous version did not claim prod in 10 minutes", r.id)
			}
		}
		next := make(chan time.Time, 1)
		l.next.Store(r.id, next)
		at := time.Now()
		if _, err := l.rs.Send(ctx, r.product, r.version, contract.Signoff, req); err != nil {
			l.next.Delete(r.id)
			l.claimedProd(r.id)
			fail("signoff of %s: %v", r.id, err)
			close(done)
			return done, false
		}
		if waiters {
			sent <- r
		}
		go func() {
			defer close(done)
			select {
			case started := <-next:
				mu.Lock()
				*into = append(*into, started.Sub(at))
				mu.Unlock()
			case <-time.After(10 * time.Minute):
				fail("%s: no activity in 10 minutes after its signoff", r.id)
			}
		}()
		return done, true
	}
	first := min(l.cfg.single, len(rels))
	for j := range first {
		if measured, ok := signOne(j, &single, false); ok {
			<-measured
			wait(rels[j])
		}
	}
	if len(single) > 0 {
		p50, p95, top := spread(single)
		fmt.Fprintf(os.Stderr, "load: %d signed off one at a time: gate message to next activity p50 %.1f ms, p95 %.1f ms, max %.1f ms\n",
			len(single), p50, p95, top)
	}
	began := time.Now()
	var measuring sync.WaitGroup
	for i := first; i < len(rels); i += l.cfg.burst {
		var sends sync.WaitGroup
		for j := i; j < min(i+l.cfg.burst, len(rels)); j++ {
			sends.Go(func() {
				measured, _ := signOne(j, &burst, true)
				measuring.Go(func() { <-measured })
			})
		}
		sends.Wait()
		if (i-first)/l.cfg.burst%10 == 9 {
			fmt.Fprintf(os.Stderr, "load: %s signed off %d of %d, load average %s\n", time.Since(began).Round(time.Second), min(i+l.cfg.burst, len(rels)), len(rels), loadAvg())
		}
		time.Sleep(l.cfg.pause)
	}
	close(sent)
	waiters.Wait()
	measuring.Wait()
	return single, burst, bad.Load()
}

// spread is the median, the 95th percentile and the largest of lat, in
// milliseconds; lat must not be empty.
func spread(lat []time.Duration) (p50, p95, top float64) {
	s := slices.Sorted(slices.Values(lat))
	return ms(percentile(s, 50)), ms(percentile(s, 95)), ms(s[len(s)-1])
}
