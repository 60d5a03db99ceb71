package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/edgegate/edgegate/artifact"
	"github.com/edgegate/edgegate/manifest"
	"github.com/edgegate/edgegate/pipeline"
	"github.com/edgegate/edgegate/render"
)

const pushSynopsis = `Usage: edgegate push oci://HOST/REPO:TAG [PATH...] [flags]

Renders PATH (default ".") as 'edgegate render' does, runs the policy gate,
and only when both pass pushes the objects render prints as an OCI artifact
in Flux's format ('flux push artifact'), for an OCIRepository to pull. The
artifact holds two directories, one per Flux Kustomization: gateways/ (the
gateway workloads) and apps/ (Gateways, VirtualServices and every object
passed through); 'edgegate flux-wiring' prints the Flux objects that apply
them in that order. Prints the pushed digest reference on stdout.

The same input gives the same digest: the artifact's created time is
--created, else $SOURCE_DATE_EPOCH, else the commit time of HEAD of the Git
work tree holding the first PATH, else the Unix epoch. --source and
--revision default to the work tree's origin URL (credentials removed) and
<branch>@sha1:<commit>. Plain Secrets are refused (encrypt them with SOPS).
On any error nothing is pushed and the exit code is 1. Credentials come from
the Docker config (docker login, credential helpers).`

// pushFlags are push's own flags, besides the input flags.
type pushFlags struct {
	source, revision, created string
	allowSecrets              bool
	insecure, dryRun          bool
	timeout                   time.Duration
}

func runPush(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var in inputFlags
	var pf pushFlags
	fs := newFlags("push", pushSynopsis)
	in.register(fs, true)
	in.registerAPI(fs)
	fs.StringVar(&pf.source, "source", "", "org.opencontainers.image.source: where the input lives (default: the Git origin URL)")
	fs.StringVar(&pf.revision, "revision", "", "org.opencontainers.image.revision, e.g. main@sha1:<commit> (default: from Git)")
	fs.StringVar(&pf.created, "created", "", "org.opencontainers.image.created, RFC 3339 (default: $SOURCE_DATE_EPOCH, the HEAD commit time, or the Unix epoch)")
	fs.BoolVar(&pf.allowSecrets, "allow-secrets", false, "push plain (not SOPS-encrypted) Secrets")
	fs.BoolVar(&pf.insecure, "insecure", false, "allow a registry over plain HTTP")
	fs.BoolVar(&pf.dryRun, "dry-run", false, "render, check and build the artifact, print its digest, push nothing")
	fs.DurationVar(&pf.timeout, "timeout", 2*time.Minute, "give up on the registry after this long")
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	if fs.NArg() == 0 {
		return usageError(stderr, fs, "name the artifact: edgegate push oci://HOST/REPO:TAG [PATH...]")
	}
	reg := artifact.Registry{Insecure: pf.insecure, UserAgent: "edgegate/" + buildVersion()}
	target, err := reg.ParseTarget(fs.Arg(0))
	if err != nil {
		return usageError(stderr, fs, "%v", err)
	}
	paths := fs.Args()[1:]
	src := pipeline.MetadataSources{Paths: paths, Created: pf.created, SourceDateEpoch: os.Getenv("SOURCE_DATE_EPOCH")}
	if fs.Changed("source") {
		src.Source = &pf.source
	}
	if fs.Changed("revision") {
		src.Revision = &pf.revision
	}
	meta, warnings, err := pipeline.ArtifactMetadata(src)
	if err != nil {
		return usageError(stderr, fs, "%v", err)
	}
	for _, w := range warnings {
		fmt.Fprintf(stderr, "edgegate push: warning: %s\n", w)
	}

	objs, ok := in.renderApply(paths, stdin, stderr)
	if !ok {
		return 1
	}
	packed, err := pipeline.Pack(objs, pipeline.PackOptions{AllowSecrets: pf.allowSecrets, AllowEmpty: in.allowEmpty, Metadata: meta})
	if secrets := (*pipeline.SecretsError)(nil); errors.As(err, &secrets) {
		secrets.Shown().Print(stderr) // what push refuses; the line after says so
	}
	if err != nil {
		fmt.Fprintf(stderr, "edgegate push: error: %v\n", err)
		return 1
	}
	layout, img := packed.Layout, packed.Image
	summary := fmt.Sprintf("%s/ %d objects, %s/ %d objects", artifact.GatewaysDir, len(layout.Gateways), artifact.AppsDir, len(layout.Apps))
	if pf.dryRun {
		d, err := img.Digest()
		if err != nil {
			fmt.Fprintf(stderr, "edgegate push: error: %v\n", err)
			return 1
		}
		fmt.Fprintln(stdout, target.Context().Digest(d.String()).String())
		fmt.Fprintf(stderr, "edgegate push: dry run, nothing pushed to %s%s (%s)\n", artifact.OCIScheme, target, summary)
		return 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), pf.timeout)
	defer cancel()
	digest, err := reg.Push(ctx, target, img)
	if err != nil {
		fmt.Fprintf(stderr, "edgegate push: error: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, digest.String())
	fmt.Fprintf(stderr, "edgegate push: pushed %s%s (%s)\n", artifact.OCIScheme, target, summary)
	return 0
}

const fluxWiringSynopsis = `Usage: edgegate flux-wiring oci://HOST/REPO:TAG [PATH...] [flags]

Prints the Flux objects that deliver what 'edgegate push' pushes to
oci://HOST/REPO:TAG: an OCIRepository (source.toolkit.fluxcd.io/v1) following
the tag, a Kustomization (kustomize.toolkit.fluxcd.io/v1) <name>-gateways
applying the artifact's gateways/ directory with a health check on every
gateway Deployment, and a Kustomization <name>-apps applying apps/ once the
first is Ready (dependsOn). PATH is rendered and checked as by push, to find
the gateway Deployments: print the wiring again when gateways are added or
removed. Commit the output where Flux syncs its own configuration (e.g.
clusters/<cluster>/); it carries no managed-by label, so it is yours to edit.`

func runFluxWiring(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var in inputFlags
	fs := newFlags("flux-wiring", fluxWiringSynopsis)
	in.register(fs, true)
	in.registerAPI(fs)
	w := render.FluxWiring{LayerMediaType: string(artifact.ContentMediaType), GatewaysPath: "./" + artifact.GatewaysDir, AppsPath: "./" + artifact.AppsDir}
	fs.StringVar(&w.Name, "name", "edgegate", "name of the OCIRepository; the Kustomizations are NAME-gateways and NAME-apps")
	fs.StringVar(&w.Namespace, "flux-namespace", "flux-system", "namespace of the Flux objects")
	fs.StringVar(&w.Interval, "interval", "5m", "how often Flux checks the tag and re-applies")
	fs.StringVar(&w.Timeout, "timeout", "5m", "how long the gateways' health checks and each apply may take")
	fs.StringVar(&w.SecretRef, "secret-ref", "", "docker-registry Secret in the Flux namespace for pulling the artifact")
	fs.StringVar(&w.Provider, "provider", "", "Flux's registry auth provider: generic (default), aws, azure or gcp")
	fs.BoolVar(&w.Insecure, "insecure", false, "let Flux pull over plain HTTP")
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	if fs.NArg() == 0 {
		return usageError(stderr, fs, "name the artifact: edgegate flux-wiring oci://HOST/REPO:TAG [PATH...]")
	}
	target, err := artifact.Registry{Insecure: w.Insecure}.ParseTarget(fs.Arg(0))
	if err != nil {
		return usageError(stderr, fs, "%v", err)
	}
	w.URL, w.Tag = artifact.OCIScheme+target.Context().Name(), target.TagStr()
	if err := w.Validate(); err != nil {
		return usageError(stderr, fs, "%v", err)
	}
	objs, ok := in.renderApply(fs.Args()[1:], stdin, stderr)
	if !ok {
		return 1
	}
	wiring, err := pipeline.FluxWiring(objs, w)
	if err == nil {
		err = manifest.WriteStream(stdout, wiring)
	}
	if err != nil {
		fmt.Fprintf(stderr, "edgegate flux-wiring: error: %v\n", err)
		return 1
	}
	return 0
}
