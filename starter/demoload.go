package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/deploy/router"
	"github.com/signalman/signalman/workflows"
)

// load sends steady traffic through the production routers and counts the
// answers by the version that gave them.
type load struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	counts map[string]*tally
}

// tally is what one version answered.
type tally struct{ ok, failed int }

// loadRate is the requests per second sent to each service.
const loadRate = 25

func startLoad(ctx context.Context, routers string, services []config.Service) *load {
	ctx, cancel := context.WithCancel(ctx)
	l := &load{cancel: cancel, counts: map[string]*tally{}}
	client := &http.Client{Timeout: 5 * time.Second}
	for _, svc := range services {
		_, info, err := router.Open(filepath.Join(routers, svc.Name))
		if err != nil {
			continue
		}
		path := "/"
		if len(svc.Smoke) > 0 {
			path = svc.Smoke[0].Path
		}
		url := "http://" + info.Listen + path
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			tick := time.NewTicker(time.Second / loadRate)
			defer tick.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				resp, err := client.Get(url)
				version, failed := "unreachable", true
				if err == nil {
					version = resp.Header.Get(router.HeaderVersion)
					failed = resp.StatusCode >= 500
					resp.Body.Close()
				}
				l.mu.Lock()
				t := l.counts[svc.Name+" "+version]
				if t == nil {
					t = &tally{}
					l.counts[svc.Name+" "+version] = t
				}
				if failed {
					t.failed++
				} else {
					t.ok++
				}
				l.mu.Unlock()
			}
		}()
	}
	return l
}

// stop ends the traffic and returns the counts, "service version" to tally.
func (l *load) stop() map[string]tally {
	l.cancel()
	l.wg.Wait()
	out := map[string]tally{}
	for k, v := range l.counts {
		out[k] = *v
	}
	return out
}

// summary prints what the demo did: each release's outcome, its time per
// stage (on a terminal, where the live table is gone; a log has each
// stage's line already), images, canary verdicts and the traffic each
// version answered.
func summary(out io.Writer, stages bool, first, second workflows.Status, traffic map[string]tally) {
	fmt.Fprintln(out, "\n== summary ==")
	for _, st := range []workflows.Status{first, second} {
		fmt.Fprintf(out, "%s %s: %s in %s", st.Product, st.Version, st.State, st.Ended.Sub(st.Started).Round(time.Second))
		if st.Error != "" {
			fmt.Fprintf(out, " (%s)", st.Error)
		}
		fmt.Fprintln(out)
		for _, s := range st.Stages {
			if stages && !s.Started.IsZero() && !s.Ended.IsZero() {
				fmt.Fprintf(out, "  %-13s %-8s %8s  %s\n", s.Name, s.State, s.Ended.Sub(s.Started).Round(100*time.Millisecond), s.Detail)
			}
		}
		for _, a := range st.Artifacts {
			fmt.Fprintf(out, "  image %-15s %s\n", a.Service, a.Ref())
		}
		approvals(out, st)
		for _, dep := range st.Deploys {
			// The verdicts that decided: a step watched longer for want of
			// traffic ends in one, and a bake judged twice alike is said once.
			said := map[string]bool{}
			for _, v := range dep.Verdicts {
				if line := verdictLine(dep, v); !v.NoData && !said[line] {
					said[line] = true
					fmt.Fprintf(out, "  %s\n", line)
				}
			}
			if dep.Outcome == workflows.RolledBack {
				fmt.Fprintf(out, "  %s on %s rolled back: %s\n", dep.Service, dep.Env, dep.Reason)
			}
		}
	}
	fmt.Fprintln(out, "traffic through the production routers during the second release:")
	keys := make([]string, 0, len(traffic))
	for k := range traffic {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t := traffic[k]
		fmt.Fprintf(out, "  %-30s %6d ok %6d failed\n", k, t.ok, t.failed)
	}
	for _, dep := range second.Deploys {
		if dep.Outcome == workflows.RolledBack && dep.Env == config.Prod {
			fmt.Fprintf(out, "%s of %s was rolled back, caught by %s; production %s kept serving %s (%d failed requests from it above)\n",
				dep.Service, second.Version, caughtBy(dep.Reason), dep.Service, first.Version, traffic[dep.Service+" "+first.Version].failed)
		}
	}
	if second.State == workflows.Succeeded {
		fmt.Fprintf(out, "%s is in production\n", second.Version)
	}
}

// caughtBy names the check that rolled a deploy back, from its reason.
func caughtBy(reason string) string {
	switch {
	case strings.HasPrefix(reason, "test route:"):
		return "the test route (smoke tests on the canary alone, before any user traffic)"
	case strings.HasPrefix(reason, "bake:"):
		return "the bake (the new version against the previous one's baseline, after full traffic)"
	case strings.HasPrefix(reason, "canary"):
		return "the canary (its share of user traffic, judged against the stable version)"
	case strings.HasPrefix(reason, "rolled back with the release"):
		return "the release's rollback (another service failed)"
	case strings.HasPrefix(reason, "smoke test failed"):
		return "the smoke tests at full traffic"
	}
	return "its deploy (" + reason + ")"
}
