package config

import (
	"strings"
	"testing"
)

// withAssets is base with a bucket for prod (line 7) and the asset
// directories listed from line 9 on.
func withAssets(dirs ...string) string {
	file := strings.Replace(base, "  prod: {}\n", "  prod: {assets: {bucket: shop-assets, prefix: releases/}}\n", 1) + "assets:\n"
	for _, d := range dirs {
		file += "  - " + d + "\n"
	}
	return file
}

// TestParseAssetRules has one case per rule of the assets: each wants the
// exact message, file, line and field included.
func TestParseAssetRules(t *testing.T) {
	tests := []struct {
		name string
		file string
		want string
	}{
		{
			name: "a_path_outside_the_repository",
			file: withAssets("web/static", "../shared/static"),
			want: `signalman.yaml:10: assets[1]: "../shared/static" is outside the repository; name a directory inside it, from its root, such as web/static`,
		},
		{
			name: "a_path_that_leaves_and_comes_back_is_outside_too",
			file: withAssets("web/../../shop/web"),
			want: `signalman.yaml:9: assets[0]: "web/../../shop/web" is outside the repository; name a directory inside it, from its root, such as web/static`,
		},
		{
			name: "an_absolute_path",
			file: withAssets("/srv/www/static"),
			want: `signalman.yaml:9: assets[0]: "/srv/www/static" is an absolute path; name a directory of the repository from its root, such as web/static`,
		},
		{
			name: "an_empty_path",
			file: withAssets(`""`),
			want: `signalman.yaml:9: assets[0]: empty; name a directory of the repository, such as web/static`,
		},
		{
			name: "the_whole_repository",
			file: withAssets("."),
			want: `signalman.yaml:9: assets[0]: "." is the whole repository; name the directory that holds the assets, such as web/static`,
		},
		{
			name: "git_s_own_directory",
			file: withAssets(".git/objects"),
			want: `signalman.yaml:9: assets[0]: ".git/objects" is git's own directory, not part of the tagged commit; name a directory of the repository, such as web/static`,
		},
		{
			name: "a_directory_listed_twice",
			file: withAssets("web/static", "./web/static/"),
			want: `signalman.yaml:10: assets[1]: "./web/static/" is already assets[0]; list each directory once`,
		},
		{
			name: "a_directory_inside_another",
			file: withAssets("web", "web/static"),
			want: `signalman.yaml:10: assets[1]: "web/static" is inside assets[0] (web), whose files are uploaded already; list one of them`,
		},
		{
			name: "a_directory_around_another",
			file: withAssets("web/static", "web"),
			want: `signalman.yaml:10: assets[1]: "web" holds assets[0] (web/static), so its files would be listed twice; list one of them`,
		},
		{
			name: "a_bucket_is_required",
			file: strings.Replace(withAssets("web/static"), "{bucket: shop-assets, prefix: releases/}", "{prefix: releases/}", 1),
			want: `signalman.yaml:7: environments.prod.assets.bucket: missing; name the bucket the assets go to, such as bucket: shop-assets`,
		},
		{
			name: "a_bucket_name_is_an_s3_name",
			file: strings.Replace(withAssets("web/static"), "bucket: shop-assets", "bucket: Shop_Assets", 1),
			want: `signalman.yaml:7: environments.prod.assets.bucket: "Shop_Assets" is not a bucket name (want 3 to 63 lowercase letters, digits, dots and dashes, starting and ending with a letter or digit)`,
		},
		{
			name: "a_prefix_is_relative_and_clean",
			file: strings.Replace(withAssets("web/static"), "prefix: releases/", "prefix: /releases/../x", 1),
			want: `signalman.yaml:7: environments.prod.assets.prefix: "/releases/../x" is not a key prefix (want names joined by /, with no empty, . or .. part and no leading /, such as releases/)`,
		},
		{
			name: "an_endpoint_is_an_http_url",
			file: strings.Replace(withAssets("web/static"), "prefix: releases/", "endpoint: minio:9000", 1),
			want: `signalman.yaml:7: environments.prod.assets.endpoint: "minio:9000" is not an http(s) URL (want the store's, such as https://minio.example.com:9000, or leave endpoint out for AWS S3)`,
		},
		{
			name: "a_bucket_without_assets",
			file: strings.Replace(base, "  prod: {}\n", "  prod: {assets: {bucket: shop-assets}}\n", 1),
			want: `signalman.yaml:7: environments.prod.assets: names a bucket, but the pipeline lists no assets; list the directories to upload at the top level, such as assets: [web/static], or remove environments.prod.assets`,
		},
		{
			name: "assets_without_a_bucket",
			file: base + "assets: [web/static]\n",
			want: `signalman.yaml:8: assets: lists directories, but no environment says where they go; give one a bucket, such as environments.prod.assets: {bucket: shop-assets}`,
		},
		{
			name: "a_follower_gets_no_release",
			file: strings.Replace(withAssets("web/static"), "  stage: {}\n", "  dev: {follow: main, assets: {bucket: shop-dev}}\n  stage: {}\n", 1),
			want: `signalman.yaml:6: environments.dev.assets: is set, but dev follows main and never deploys a release, which is when assets are uploaded; give the bucket to an environment releases go through`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("signalman.yaml", []byte(tt.file))
			if err == nil {
				t.Fatalf("Parse accepted:\n%s", tt.file)
			}
			if err.Error() != tt.want {
				t.Errorf("Parse() error:\n%s\nwant:\n%s", err, tt.want)
			}
		})
	}
}

func TestParseAssets(t *testing.T) {
	file := strings.Replace(withAssets("web/static", "docs/img"), "{bucket: shop-assets, prefix: releases/}",
		"{bucket: shop-assets, prefix: releases/, endpoint: \"http://127.0.0.1:9000\", region: eu-west-1}", 1)
	p, err := Parse("signalman.yaml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(p.Assets, ","); got != "web/static,docs/img" {
		t.Errorf("assets %s", got)
	}
	want := AssetBucket{Bucket: "shop-assets", Prefix: "releases/", Endpoint: "http://127.0.0.1:9000", Region: "eu-west-1"}
	if b := p.Environments[Prod].Assets; b == nil || *b != want {
		t.Errorf("prod's assets %+v, want %+v", b, want)
	}
	if b := p.Environments[Stage].Assets; b != nil {
		t.Errorf("stage names no bucket, but has %+v", b)
	}
}
