package devserver

import (
	"os"
	"slices"
	"testing"

	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/log"
	"gopkg.in/yaml.v3"
)

// TestDynamicConfigAsTheServerReadsIt reads the settings through the
// server's own dynamic config collection: a misspelt key or a value of the
// wrong type would leave the server on its default, silently.
func TestDynamicConfigAsTheServerReadsIt(t *testing.T) {
	dc := dynamicconfig.NewCollection(dynamicConfig(), log.NewNoopLogger())
	none := dynamicconfig.NewNoopCollection()

	if got := dynamicconfig.TransferProcessorMaxPollRPS.Get(dc)(); got != transferReadsPerSecond {
		t.Errorf("transfer reads a second: the server reads %d, want %d", got, transferReadsPerSecond)
	}
	if def := dynamicconfig.TransferProcessorMaxPollRPS.Get(none)(); def >= transferReadsPerSecond {
		t.Errorf("transfer reads a second: the server's default %d is not below ours, %d: drop the setting", def, transferReadsPerSecond)
	}
	if dynamicconfig.EnableServerVersionCheck.Get(dc)() {
		t.Error("the server would check for new versions")
	}
	if got := dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Get(dc)(""); got != 100 {
		t.Errorf("visibility requests a second: the server reads %d, want 100", got)
	}
	if got := dynamicconfig.NamespaceCacheRefreshInterval.Get(dc)(); got != namespaceRefresh {
		t.Errorf("namespace refresh: the server reads %s, want %s", got, namespaceRefresh)
	}
}

// clusterDynamicConfig is the dynamic config file docker-compose.yml gives
// its Temporal server.
const clusterDynamicConfig = "../../temporal/dynamicconfig.yaml"

// TestClusterDynamicConfigMatches reads the compose cluster's dynamic config
// file with the server's own loader: a key it does not know, a value it
// cannot take, or a value that differs from the embedded server's fails
// here instead of leaving that cluster on Temporal's defaults unseen.
func TestClusterDynamicConfigMatches(t *testing.T) {
	contents, err := os.ReadFile(clusterDynamicConfig)
	if err != nil {
		t.Fatal(err)
	}
	loaded := dynamicconfig.LoadYamlFile(contents)
	for _, e := range loaded.Errors {
		t.Errorf("%s: %v", clusterDynamicConfig, e)
	}
	for _, w := range loaded.Warnings {
		t.Errorf("%s: %v", clusterDynamicConfig, w)
	}
	if len(loaded.Map) == 0 {
		t.Fatalf("%s: no settings", clusterDynamicConfig)
	}
	file := dynamicconfig.StaticClient{}
	for key, values := range loaded.Map {
		file[key] = values
	}
	cluster := dynamicconfig.NewCollection(file, log.NewNoopLogger())
	embedded := dynamicconfig.NewCollection(dynamicConfig(), log.NewNoopLogger())

	if got, want := dynamicconfig.TransferProcessorMaxPollRPS.Get(cluster)(), dynamicconfig.TransferProcessorMaxPollRPS.Get(embedded)(); got != want {
		t.Errorf("%s: transfer reads a second %d, the embedded server %d", clusterDynamicConfig, got, want)
	}
	if dynamicconfig.EnableServerVersionCheck.Get(cluster)() {
		t.Errorf("%s: the server would check for new versions", clusterDynamicConfig)
	}
}

// TestComposeServerReadsTheDynamicConfig checks that docker-compose.yml
// mounts the file into its Temporal server and points the server at it.
func TestComposeServerReadsTheDynamicConfig(t *testing.T) {
	contents, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Environment map[string]string
			Volumes     []string
		}
	}
	if err := yaml.Unmarshal(contents, &compose); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	server, ok := compose.Services["temporal"]
	if !ok {
		t.Fatal("docker-compose.yml: no service temporal")
	}
	path := server.Environment["DYNAMIC_CONFIG_FILE_PATH"]
	if path == "" {
		t.Fatal("docker-compose.yml: temporal: DYNAMIC_CONFIG_FILE_PATH is not set")
	}
	want := "./temporal/dynamicconfig.yaml:" + path + ":ro"
	if !slices.Contains(server.Volumes, want) {
		t.Errorf("docker-compose.yml: temporal: volumes %q do not mount ./temporal/dynamicconfig.yaml at %s", server.Volumes, path)
	}
}
