package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/edgegate/edgegate/explain"
	"github.com/edgegate/edgegate/pipeline"
	"github.com/spf13/pflag"
)

const explainSynopsis = `Usage: edgegate explain [PATH...] URL [flags]

Renders and checks the intents under PATH (default ".") as 'edgegate render'
does (what render refuses, explain refuses) and says, from the rendered and
hand-written Gateways and VirtualServices alone (no cluster), where a request
for URL goes: the gateway workload, the listener its
Service port leads to, the Gateway server, the VirtualService rule and the
destinations, or why none answers, with the file:line of each. URL is
http(s)://HOST[:PORT]/PATH, PORT being the gateway Service's port (default 80
or 443). The outcome is route, redirect, no-listener, no-filter-chain or
no-route; the exit code is 0 for any of them, 1 on bad input.`

func runExplain(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var in inputFlags
	fs := newFlags("explain", explainSynopsis)
	in.register(fs, true)
	gateway := fs.String("gateway", "", "gateway workload namespace/name: an IngressGateway or a gateway Deployment (default: the render's default gateway)")
	sni := fs.String("sni", "", "https: the connection's SNI when it differs from the URL's host (a reused connection)")
	var headers headerFlag
	fs.Var(&headers, "header", "request header NAME=VALUE (repeatable)")
	format := fs.StringP("output", "o", "text", "output format: text or json")
	flagValues(fs, "output", "text", "json")
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	if *format != "text" && *format != "json" {
		return usageError(stderr, fs, "--output must be text or json, not %q", *format)
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return usageError(stderr, fs, "give the URL to explain, e.g. https://shop.example.com/api")
	}
	url, paths := rest[len(rest)-1], rest[:len(rest)-1]
	if !strings.Contains(url, "://") {
		return usageError(stderr, fs, "the last argument must be the URL (http(s)://HOST[:PORT]/PATH), not %q", url)
	}
	req := explain.Request{URL: url, Gateway: *gateway, SNI: *sni, Headers: headers.values}
	out, err := in.runner(paths, stdin).Explain(req)
	in.report(stderr, out.Shown(), out.Files)
	switch {
	case errors.Is(err, pipeline.ErrFailed):
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "edgegate explain: error: %v\n", err)
		return 1
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out.Answer); err != nil {
			fmt.Fprintf(stderr, "edgegate: %v\n", err)
			return 1
		}
		return 0
	}
	fmt.Fprintln(stdout, out.Answer.Text())
	return 0
}

// headerFlag is --header NAME=VALUE, repeatable.
type headerFlag struct{ values map[string]string }

var _ pflag.Value = (*headerFlag)(nil)

func (h *headerFlag) String() string { return "" }
func (h *headerFlag) Type() string   { return "NAME=VALUE" }
func (h *headerFlag) Set(v string) error {
	name, value, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(name) == "" {
		return fmt.Errorf("want NAME=VALUE, not %q", v)
	}
	if h.values == nil {
		h.values = map[string]string{}
	}
	h.values[strings.ToLower(strings.TrimSpace(name))] = value
	return nil
}
