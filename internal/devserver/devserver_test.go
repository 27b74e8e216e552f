package devserver

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

var (
	productKey = temporal.NewSearchAttributeKeyKeyword("SignalmanProduct")
	trainKey   = temporal.NewSearchAttributeKeyInt64("SignalmanTrain")
	stageKey   = temporal.NewSearchAttributeKeyKeyword("SignalmanStage")
	envKey     = temporal.NewSearchAttributeKeyKeyword("SignalmanEnvironment")
)

var testAttrs = map[string]enumspb.IndexedValueType{
	productKey.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	trainKey.GetName():   enumspb.INDEXED_VALUE_TYPE_INT,
	stageKey.GetName():   enumspb.INDEXED_VALUE_TYPE_KEYWORD,
}

// testLogger logs warnings to stderr: the test's own log cannot take lines
// from server goroutines that outlive it.
func testLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func startTest(t *testing.T, o Options) *Server {
	t.Helper()
	if o.FrontendAddr == "" {
		o.FrontendAddr = "127.0.0.1:0"
	}
	if o.UIAddr == "" {
		o.UIAddr = "127.0.0.1:0"
	}
	if o.Logger == nil {
		o.Logger = testLogger()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	began := time.Now()
	s, err := Start(ctx, o)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Logf("server at %s, UI at %s, started in %v", s.FrontendAddr(), s.UIURL(), time.Since(began).Round(time.Millisecond))
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return s
}

func dial(t *testing.T, s *Server) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{
		HostPort:  s.FrontendAddr(),
		Namespace: DefaultNamespace,
		Logger:    sdklog.NewStructuredLogger(testLogger()),
	})
	if err != nil {
		t.Fatalf("dial %s: %v", s.FrontendAddr(), err)
	}
	t.Cleanup(c.Close)
	return c
}

func runWorker(t *testing.T, c client.Client, queue string) worker.Worker {
	t.Helper()
	w := worker.New(c, queue, worker.Options{})
	w.RegisterWorkflow(greet)
	w.RegisterWorkflow(tagRelease)
	w.RegisterWorkflow(awaitGo)
	if err := w.Start(); err != nil {
		t.Fatalf("start worker: %v", err)
	}
	t.Cleanup(w.Stop)
	return w
}

func greet(_ workflow.Context, name string) (string, error) {
	return "hello " + name, nil
}

func tagRelease(ctx workflow.Context, product string, train int64) error {
	return workflow.UpsertTypedSearchAttributes(ctx, productKey.ValueSet(product), trainKey.ValueSet(train))
}

func awaitGo(ctx workflow.Context) (string, error) {
	var who string
	workflow.GetSignalChannel(ctx, "go").Receive(ctx, &who)
	if err := workflow.UpsertTypedSearchAttributes(ctx, stageKey.ValueSet("done")); err != nil {
		return "", err
	}
	return "released by " + who, nil
}

func run(ctx context.Context, t *testing.T, c client.Client, id string, fn any, args ...any) client.WorkflowRun {
	t.Helper()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: "test"}, fn, args...)
	if err != nil {
		t.Fatalf("start workflow %s: %v", id, err)
	}
	return run
}

// waitForList polls a visibility query until it returns want workflow IDs:
// visibility is updated shortly after the workflow changes.
func waitForList(ctx context.Context, t *testing.T, c client.Client, query string, want ...string) {
	t.Helper()
	var got []string
	for ctx.Err() == nil {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query})
		if err != nil {
			t.Fatalf("list %q: %v", query, err)
		}
		got = got[:0]
		for _, e := range resp.GetExecutions() {
			got = append(got, e.GetExecution().GetWorkflowId())
		}
		if strings.Join(got, ",") == strings.Join(want, ",") {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("list %q = %v, want %v", query, got, want)
}

// waitForFirstTask waits until the worker has run the workflow's first task:
// started, task scheduled, task started, task completed.
func waitForFirstTask(ctx context.Context, t *testing.T, c client.Client, id string) {
	t.Helper()
	for ctx.Err() == nil {
		desc, err := c.DescribeWorkflowExecution(ctx, id, "")
		if err != nil {
			t.Fatalf("describe %s: %v", id, err)
		}
		if desc.GetWorkflowExecutionInfo().GetHistoryLength() >= 4 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("workflow %s did not run its first task", id)
}

func TestStart(t *testing.T) {
	t.Parallel()
	s := startTest(t, Options{DataDir: t.TempDir(), SearchAttributes: testAttrs})
	c := dial(t, s)
	runWorker(t, c, "test")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	t.Run("workflow_runs_to_completion", func(t *testing.T) {
		var got string
		if err := run(ctx, t, c, "greet", greet, "shop").Get(ctx, &got); err != nil {
			t.Fatalf("greet: %v", err)
		}
		if got != "hello shop" {
			t.Errorf("greet = %q, want %q", got, "hello shop")
		}
	})

	t.Run("upserted_search_attributes_are_queryable", func(t *testing.T) {
		for _, w := range []struct {
			id      string
			product string
			train   int64
		}{{"tag-shop-101", "shop", 101}, {"tag-shop-102", "shop", 102}, {"tag-blog-101", "blog", 101}} {
			if err := run(ctx, t, c, w.id, tagRelease, w.product, w.train).Get(ctx, nil); err != nil {
				t.Fatalf("%s: %v", w.id, err)
			}
		}
		waitForList(ctx, t, c, `SignalmanProduct = "shop" AND SignalmanTrain = 101`, "tag-shop-101")
		waitForList(ctx, t, c, `SignalmanTrain >= 102`, "tag-shop-102")
		waitForList(ctx, t, c, `SignalmanProduct = "blog"`, "tag-blog-101")
	})

	t.Run("ui_serves_page_and_api", func(t *testing.T) {
		for _, path := range []string{"/", "/api/v1/namespaces"} {
			resp, err := http.Get(s.UIURL() + path)
			if err != nil {
				t.Fatalf("GET %s: %v", path, err)
			}
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s: %s", path, resp.Status)
			}
			if path != "/" && !strings.Contains(string(body), DefaultNamespace) {
				t.Errorf("GET %s does not list namespace %s: %.200s", path, DefaultNamespace, body)
			}
		}
	})
}

func TestRestartKeepsWorkflows(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	first := startTest(t, Options{DataDir: dir, SearchAttributes: testAttrs, DisableUI: true})
	c := dial(t, first)
	w := runWorker(t, c, "test")
	if err := run(ctx, t, c, "before", greet, "restart").Get(ctx, nil); err != nil {
		t.Fatalf("before: %v", err)
	}
	run(ctx, t, c, "blocked", awaitGo)
	waitForFirstTask(ctx, t, c, "blocked")
	w.Stop()
	c.Close()
	if err := first.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}

	// Same port, so a worker would reconnect; one more search attribute, so
	// the second start adds it through the operator service.
	attrs := map[string]enumspb.IndexedValueType{envKey.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD}
	maps.Copy(attrs, testAttrs)
	second := startTest(t, Options{DataDir: dir, FrontendAddr: first.FrontendAddr(), SearchAttributes: attrs, DisableUI: true})
	if second.FrontendAddr() != first.FrontendAddr() {
		t.Errorf("FrontendAddr = %s after restart, want %s", second.FrontendAddr(), first.FrontendAddr())
	}
	c = dial(t, second)
	runWorker(t, c, "test")

	desc, err := c.DescribeWorkflowExecution(ctx, "before", "")
	if err != nil {
		t.Fatalf("describe workflow completed before the restart: %v", err)
	}
	if got := desc.GetWorkflowExecutionInfo().GetStatus(); got != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		t.Errorf("workflow completed before the restart is %s", got)
	}

	if err := c.SignalWorkflow(ctx, "blocked", "", "go", "sre"); err != nil {
		t.Fatalf("signal workflow started before the restart: %v", err)
	}
	var got string
	if err := c.GetWorkflow(ctx, "blocked", "").Get(ctx, &got); err != nil {
		t.Fatalf("workflow started before the restart: %v", err)
	}
	if got != "released by sre" {
		t.Errorf("workflow result = %q, want %q", got, "released by sre")
	}
	waitForList(ctx, t, c, `SignalmanStage = "done"`, "blocked")

	deploy, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                    "deploy",
		TaskQueue:             "test",
		TypedSearchAttributes: temporal.NewSearchAttributes(envKey.ValueSet("prod")),
	}, greet, "prod")
	if err != nil {
		t.Fatalf("start workflow with the search attribute added at restart: %v", err)
	}
	if err := deploy.Get(ctx, nil); err != nil {
		t.Fatalf("deploy: %v", err)
	}
	waitForList(ctx, t, c, `SignalmanEnvironment = "prod"`, "deploy")
}

func TestDataDirIsExclusive(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	startTest(t, Options{DataDir: dir, DisableUI: true})
	s, err := Start(context.Background(), Options{DataDir: dir, FrontendAddr: "127.0.0.1:0", DisableUI: true, Logger: testLogger()})
	if err == nil {
		_ = s.Stop()
		t.Fatal("second server on the same data directory started")
	}
	if !strings.Contains(err.Error(), "in use") {
		t.Errorf("error = %v, want one saying the directory is in use", err)
	}
}

func TestStartRejectsBadOptions(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		o    Options
		want string
	}{
		{"no_data_dir", Options{}, "no data directory"},
		{"frontend_without_port", Options{DataDir: t.TempDir(), FrontendAddr: "127.0.0.1"}, "missing port"},
		{"frontend_host_name", Options{DataDir: t.TempDir(), FrontendAddr: "example.com:7233"}, "IP address or localhost"},
		{"ui_port_out_of_range", Options{DataDir: t.TempDir(), UIAddr: "127.0.0.1:70000"}, "0 to 65535"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Start(context.Background(), tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Start error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestStartFailsCleanlyOnBusyPort(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		o    Options
	}{
		{"frontend", Options{DataDir: dir, FrontendAddr: busy.Addr().String(), DisableUI: true}},
		{"ui", Options{DataDir: dir, FrontendAddr: "127.0.0.1:0", UIAddr: busy.Addr().String()}},
	} {
		tt.o.Logger = testLogger()
		s, err := Start(context.Background(), tt.o)
		if err == nil {
			_ = s.Stop()
			t.Fatalf("%s: started on a busy port", tt.name)
		}
		if !strings.Contains(err.Error(), "address already in use") {
			t.Errorf("%s: error = %v, want one saying the address is in use", tt.name, err)
		}
	}
	// The failed starts released the data directory.
	startTest(t, Options{DataDir: dir, DisableUI: true})
}

func TestSplitAddr(t *testing.T) {
	for _, tt := range []struct {
		addr, host string
		port       int
	}{
		{"", "127.0.0.1", 7233},
		{":0", "127.0.0.1", 0},
		{"localhost:9000", "127.0.0.1", 9000},
		{"0.0.0.0:7233", "0.0.0.0", 7233},
		{"[::1]:7233", "::1", 7233},
	} {
		host, port, err := splitAddr(tt.addr, DefaultFrontendAddr)
		if err != nil || host != tt.host || port != tt.port {
			t.Errorf("splitAddr(%q) = %q, %d, %v; want %q, %d", tt.addr, host, port, err, tt.host, tt.port)
		}
	}
}
