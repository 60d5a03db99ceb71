package artifact

import "github.com/edgegate/edgegate/manifest"

// CheckSecrets reports every plain Secret among objs: an artifact is read by
// whoever can pull from the registry, so a Secret goes in only encrypted by
// SOPS (a top-level sops field, which kustomize-controller decrypts) or when
// the caller says so.
func CheckSecrets(objs []*manifest.Object) manifest.Diagnostics {
	var diags manifest.Diagnostics
	for _, o := range objs {
		if o.Group() != "" || o.Kind != "Secret" || o.Field("sops") != nil {
			continue
		}
		diags = append(diags, manifest.Diagnostic{
			Severity: manifest.Error, Ref: o.Ref, Pos: o.Pos,
			Message: "a plain Secret would be readable by anyone who can pull the artifact: encrypt it with SOPS, or pass --allow-secrets",
		})
	}
	return diags
}
