package app

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
)

// runningSource reads what runs in an environment; control.Releases is one.
type runningSource interface {
	Running(ctx context.Context, product, env string) (contract.EnvState, error)
}

// deployedInfo is signalman_deployed_info: 1 for each version and digest
// of a service running in an environment, from the environments' records.
type deployedInfo struct {
	gauge *prometheus.GaugeVec
}

func newDeployedInfo(reg prometheus.Registerer) (*deployedInfo, error) {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "signalman_deployed_info",
		Help: "1 for the version and digest of each service running in each environment, as its environment's record says.",
	}, []string{"product", "env", "service", "version", "digest"})
	if err := reg.Register(g); err != nil {
		return nil, err
	}
	return &deployedInfo{gauge: g}, nil
}

// refresh sets the gauge anew for products; an environment whose record
// cannot be read keeps what it had.
func (d *deployedInfo) refresh(ctx context.Context, src runningSource, products, envs []string, log *slog.Logger) {
	if len(envs) == 0 {
		envs = []string{config.Stage, config.Prod}
	}
	for _, p := range products {
		for _, env := range envs {
			st, err := src.Running(ctx, p, env)
			if err != nil {
				log.Warn("deployed info not refreshed", "product", p, "env", env, "error", err)
				continue
			}
			d.gauge.DeletePartialMatch(prometheus.Labels{"product": p, "env": env})
			for name, r := range st.Running {
				d.gauge.With(prometheus.Labels{"product": p, "env": env, "service": name, "version": r.Version, "digest": r.Artifact.Digest}).Set(1)
			}
		}
	}
}
