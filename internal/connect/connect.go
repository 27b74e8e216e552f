// Package connect holds the Temporal connection settings shared by the
// worker and the CLI: address, namespace, mutual TLS and API key, from flags
// or the usual TEMPORAL_* environment variables.
package connect

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/pflag"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
)

// Options are the settings of one Temporal connection.
type Options struct {
	Address    string
	Namespace  string
	TLSCert    string
	TLSKey     string
	TLSCA      string
	ServerName string
	// APIKey is read from TEMPORAL_API_KEY only, so it never shows in a process list.
	APIKey string
	// Metrics receives the SDK's metrics (the worker sets it).
	Metrics client.MetricsHandler
}

// Register adds the connection flags, defaulting to the environment.
func (o *Options) Register(fs *pflag.FlagSet) {
	fs.StringVar(&o.Address, "address", env("TEMPORAL_ADDRESS", "127.0.0.1:7233"), "Temporal frontend host:port (env TEMPORAL_ADDRESS)")
	fs.StringVar(&o.Namespace, "namespace", env("TEMPORAL_NAMESPACE", "default"), "Temporal namespace (env TEMPORAL_NAMESPACE)")
	fs.StringVar(&o.TLSCert, "tls-cert", os.Getenv("TEMPORAL_TLS_CERT"), "client certificate file for mutual TLS (env TEMPORAL_TLS_CERT)")
	fs.StringVar(&o.TLSKey, "tls-key", os.Getenv("TEMPORAL_TLS_KEY"), "client key file for mutual TLS (env TEMPORAL_TLS_KEY)")
	fs.StringVar(&o.TLSCA, "tls-ca", os.Getenv("TEMPORAL_TLS_CA"), "CA certificate file to verify the server (env TEMPORAL_TLS_CA)")
	fs.StringVar(&o.ServerName, "tls-server-name", os.Getenv("TEMPORAL_TLS_SERVER_NAME"), "server name to verify in the server's certificate (env TEMPORAL_TLS_SERVER_NAME)")
	o.APIKey = os.Getenv("TEMPORAL_API_KEY")
}

// Dial connects to Temporal with these settings.
func (o Options) Dial(ctx context.Context, logger *slog.Logger) (client.Client, error) {
	co := client.Options{
		HostPort:  o.Address,
		Namespace: o.Namespace,
		Logger:    tlog.NewStructuredLogger(logger),
	}
	if o.Metrics != nil {
		co.MetricsHandler = o.Metrics
	}
	tlsConf, err := o.tls()
	if err != nil {
		return nil, err
	}
	co.ConnectionOptions.TLS = tlsConf
	if o.APIKey != "" {
		co.Credentials = client.NewAPIKeyStaticCredentials(o.APIKey)
		if co.ConnectionOptions.TLS == nil {
			co.ConnectionOptions.TLS = &tls.Config{ServerName: o.ServerName}
		}
	}
	c, err := client.DialContext(ctx, co)
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s (namespace %s): %w; is the server running? for the local default start `go run ./worker --dev`", o.Address, o.Namespace, err)
	}
	return c, nil
}

// tls builds the TLS configuration, or nil when no TLS setting is given.
func (o Options) tls() (*tls.Config, error) {
	if o.TLSCert == "" && o.TLSKey == "" && o.TLSCA == "" && o.ServerName == "" {
		return nil, nil
	}
	conf := &tls.Config{ServerName: o.ServerName, MinVersion: tls.VersionTLS12}
	if (o.TLSCert == "") != (o.TLSKey == "") {
		return nil, fmt.Errorf("mutual TLS needs both --tls-cert and --tls-key")
	}
	if o.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(o.TLSCert, o.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("load TLS client certificate %s: %w", o.TLSCert, err)
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	if o.TLSCA != "" {
		pem, err := os.ReadFile(o.TLSCA)
		if err != nil {
			return nil, fmt.Errorf("read TLS CA %s: %w", o.TLSCA, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("TLS CA %s holds no PEM certificate", o.TLSCA)
		}
		conf.RootCAs = pool
	}
	return conf, nil
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
