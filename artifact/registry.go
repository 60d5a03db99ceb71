package artifact

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// OCIScheme prefixes artifact URLs, as Flux's OCIRepository writes them.
const OCIScheme = "oci://"

// Registry says how to reach a registry.
type Registry struct {
	// Insecure allows plain HTTP (loopback and private addresses use it anyway).
	Insecure bool
	// Keychain finds credentials; nil means the Docker config
	// (~/.docker/config.json, $DOCKER_CONFIG) and its credential helpers.
	Keychain authn.Keychain
	// Transport, when set, replaces the default HTTP transport.
	Transport http.RoundTripper
	// UserAgent is sent with every request.
	UserAgent string
}

func (r Registry) nameOptions() []name.Option {
	if r.Insecure {
		return []name.Option{name.Insecure}
	}
	return nil
}

func (r Registry) remoteOptions(ctx context.Context) []remote.Option {
	kc := r.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	opts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(kc)}
	if r.Transport != nil {
		opts = append(opts, remote.WithTransport(r.Transport))
	}
	if r.UserAgent != "" {
		opts = append(opts, remote.WithUserAgent(r.UserAgent))
	}
	return opts
}

// ParseTarget parses the place an artifact is pushed to:
// oci://HOST/REPO:TAG. The tag is required: Flux's OCIRepository follows a
// tag, and a push by digest alone would leave nothing to follow.
func (r Registry) ParseTarget(url string) (name.Tag, error) {
	shown := RedactURL(url) // messages never echo credentials
	rest, ok := strings.CutPrefix(url, OCIScheme)
	if !ok {
		return name.Tag{}, fmt.Errorf("%q: an artifact URL starts with %s (e.g. oci://ghcr.io/org/ingress:main)", shown, OCIScheme)
	}
	if RedactURL(rest) != rest {
		return name.Tag{}, fmt.Errorf("%q: credentials do not belong in the artifact URL, where logs and process lists show them: log in with docker login (edgegate reads the Docker config)", shown)
	}
	if strings.Contains(rest, "@") {
		return name.Tag{}, fmt.Errorf("%q: push to a tag, not a digest", shown)
	}
	// A tag is the part after the last ":" that follows the last "/" (a
	// registry port comes before the first "/").
	i := strings.LastIndexByte(rest, '/')
	if i < 0 || !strings.Contains(rest[i:], ":") {
		return name.Tag{}, fmt.Errorf("%q: name the tag to push to (oci://HOST/REPO:TAG)", shown)
	}
	repo := rest[strings.IndexByte(rest, '/')+1 : i+strings.LastIndex(rest[i:], ":")]
	for _, part := range strings.Split(repo, "/") {
		if !repoComponent.MatchString(part) {
			return name.Tag{}, fmt.Errorf("%q: the repository path component %q is invalid: each is lowercase letters and digits, separated by one \".\", \"_\", \"__\" or dashes (no \"..\", no empty one)", shown, part)
		}
	}
	tag, err := name.NewTag(rest, append(r.nameOptions(), name.StrictValidation)...)
	if err != nil {
		return name.Tag{}, fmt.Errorf("%q: %v", shown, err)
	}
	return tag, nil
}

// repoComponent is a path component of a repository name, as the OCI
// distribution specification defines it.
var repoComponent = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)

// Push uploads img and tags it, returning its digest reference
// (HOST/REPO@sha256:...). Blobs the registry already has are not sent again.
func (r Registry) Push(ctx context.Context, tag name.Tag, img v1.Image) (name.Digest, error) {
	digest, err := img.Digest()
	if err != nil {
		return name.Digest{}, err
	}
	if err := remote.Write(tag, img, r.remoteOptions(ctx)...); err != nil {
		return name.Digest{}, fmt.Errorf("pushing to %s: %w", tag, err)
	}
	return tag.Context().Digest(digest.String()), nil
}

// Resolve returns the digest an image reference points to now: for a
// multi-platform image, the digest of its index, so a pinned reference keeps
// serving every platform.
func (r Registry) Resolve(ctx context.Context, image string) (v1.Hash, error) {
	ref, err := name.ParseReference(image, r.nameOptions()...)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("%q is not an image reference: %v", image, err)
	}
	desc, err := remote.Head(ref, r.remoteOptions(ctx)...)
	if err != nil {
		// Some registries answer HEAD badly; a GET of the manifest is the fallback.
		d, getErr := remote.Get(ref, r.remoteOptions(ctx)...)
		if getErr != nil {
			return v1.Hash{}, fmt.Errorf("resolving %s: %w", image, getErr)
		}
		return d.Digest, nil
	}
	return desc.Digest, nil
}
