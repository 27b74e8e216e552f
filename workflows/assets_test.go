package workflows

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
)

const testTree = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

// withAssets gives the harness stand-ins for the assets activities and
// returns a pipeline edit that lists web/static and gives prod a bucket.
func (h *harness) withAssets() func(*config.Pipeline) {
	files := []contract.AssetFile{
		{Path: "web/static/favicon.svg", Size: 120, SHA256: "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"},
		{Path: "web/static/shop.css", Size: 30, SHA256: "fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9"},
	}
	h.register(contract.PackAssetsName, func(ctx context.Context, req contract.PackAssetsRequest) (contract.Assets, error) {
		return contract.Assets{Ref: "registry.local/shop/static.assets@sha256:" + testTree, Tree: testTree, Files: files}, h.record(ctx, contract.PackAssetsName, req)
	})
	h.register(contract.UploadAssetsName, func(ctx context.Context, req contract.UploadAssetsRequest) (contract.AssetUpload, error) {
		up := contract.AssetUpload{Env: req.Env, Bucket: req.Bucket.Bucket, Prefix: req.Bucket.Prefix + req.Assets.Tree + "/", Written: len(req.Assets.Files)}
		return up, h.record(ctx, contract.UploadAssetsName, req)
	})
	return func(p *config.Pipeline) {
		p.Assets = []string{"web/static"}
		prod := p.Environments[config.Prod]
		prod.Assets = &config.AssetBucket{Bucket: "shop-assets", Prefix: "releases/"}
		p.Environments[config.Prod] = prod
	}
}

// index is the position of the first (or with last, the last) call of
// name among every call, -1 for none.
func (h *harness) index(name string, last bool, match func(any) bool) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	at := -1
	for i, c := range h.calls {
		if c.name == name && (match == nil || match(c.req)) {
			at = i
			if !last {
				break
			}
		}
	}
	return at
}

func TestRelease_packs_assets_after_the_build_and_uploads_them_after_the_services(t *testing.T) {
	h := newHarness(t, thursday2pm)
	edit := h.withAssets()
	h.approveAll(30*time.Minute, time.Hour)
	h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, edit))
	st, err := h.result()
	if err != nil || st.State != Succeeded {
		t.Fatalf("release: %s, %v", st.State, err)
	}

	packs, uploads := h.called(contract.PackAssetsName), h.called(contract.UploadAssetsName)
	if len(packs) != 1 || len(uploads) != 1 {
		t.Fatalf("%d pack(s) and %d upload(s); want one of each (stage names no bucket)", len(packs), len(uploads))
	}
	if req := packs[0].req.(contract.PackAssetsRequest); strings.Join(req.Dirs, ",") != "web/static" || req.Commit == "" || req.Version != "v1.101.0" {
		t.Errorf("pack request %+v", req)
	}
	req := uploads[0].req.(contract.UploadAssetsRequest)
	if req.Env != config.Prod || req.Bucket.Bucket != "shop-assets" || req.Assets.Tree != testTree || len(req.Assets.Files) != 2 {
		t.Errorf("upload request %+v", req)
	}
	prod := func(r any) bool { return r.(contract.DeployRequest).Env == config.Prod }
	if pack, build, sign := h.index(contract.PackAssetsName, false, nil), h.index(contract.BuildName, true, nil), h.index(contract.SignName, false, nil); pack < build || pack > sign {
		t.Errorf("pack is call %d; want it after the last build (%d) and before signing (%d)", pack, build, sign)
	}
	if up, deploy, promote := h.index(contract.UploadAssetsName, false, nil), h.index(contract.DeployName, true, prod), h.index(contract.PromoteName, false, nil); up < deploy || up > promote {
		t.Errorf("upload is call %d; want it after the last prod deploy (%d) and before promote (%d)", up, deploy, promote)
	}

	if st.Assets == nil || st.Assets.Tree != testTree || len(st.Assets.Files) != 2 || len(st.Assets.Uploads) != 1 || st.Assets.Uploads[0].Prefix != "releases/"+testTree+"/" {
		t.Fatalf("status assets %+v", st.Assets)
	}
	for _, want := range []string{
		"\n## Static assets\n\n2 file(s), tree " + testTree,
		"- prod: s3://shop-assets/releases/" + testTree + "/ (2 written, 0 there already)\n",
		"- `web/static/favicon.svg` (120 bytes, SHA-256 2c26b46b68ff)\n",
		"- `web/static/shop.css` (30 bytes, SHA-256 fcde2b2edba5)\n",
	} {
		if !strings.Contains(st.Notes, want) {
			t.Errorf("notes:\n%s\nwant them to hold %q", st.Notes, want)
		}
	}
	if d := st.StageNamed(StageBuild).Detail; !strings.HasSuffix(d, "; 2 static asset file(s) packed (tree 9f86d081884c)") {
		t.Errorf("build detail %q", d)
	}
	if d := st.StageNamed(DeployStage(config.Prod)).Detail; !strings.Contains(d, "static assets in s3://shop-assets/releases/"+testTree+"/ (2 written, 0 there already)") {
		t.Errorf("prod deploy detail %q", d)
	}
}

func TestRelease_fails_the_environment_when_its_assets_are_refused(t *testing.T) {
	h := newHarness(t, thursday2pm)
	edit := h.withAssets()
	h.fail[contract.UploadAssetsName] = "s3://shop-assets/releases/x/web/static/shop.css already hold(s) other content"
	h.approveAll(30*time.Minute, time.Hour)
	h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, edit))
	st, _ := h.result()
	if st.State != Failed || !strings.Contains(st.Error, DeployStage(config.Prod)+": s3://shop-assets/releases/x/web/static/shop.css already hold(s) other content") {
		t.Fatalf("release %s: %q; want prod's deploy failed on the refused upload", st.State, st.Error)
	}
	if len(h.called(contract.PromoteName)) != 0 {
		t.Error("a release whose assets were refused was promoted")
	}
}
