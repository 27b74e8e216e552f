package devserver

import (
	"testing"

	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/log"
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
