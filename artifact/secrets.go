package artifact

import (
	"regexp"

	"github.com/edgegate/edgegate/manifest"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// sopsValue is a value SOPS has encrypted: ENC[AES256_GCM,data:...,iv:...,
// tag:...,type:...], the only form SOPS writes.
var sopsValue = regexp.MustCompile(`^ENC\[AES256_GCM,data:[A-Za-z0-9+/=]*,iv:[A-Za-z0-9+/=]+,tag:[A-Za-z0-9+/=]+,type:[a-z]+\]$`)

// CheckSecrets reports every plain Secret among objs: an artifact is read by
// whoever can pull from the registry, so a Secret goes in only encrypted by
// SOPS (which kustomize-controller decrypts) or when the caller says so. A
// Secret counts as encrypted only as SOPS leaves one: a sops field with its
// mac, and every value of data and stringData encrypted. A sops field alone
// (empty, copied from another file, or left from a partial encryption with
// encrypted_regex) hides nothing.
func CheckSecrets(objs []*manifest.Object) manifest.Diagnostics {
	var diags manifest.Diagnostics
	for _, o := range objs {
		if o.Group() != "" || o.Kind != "Secret" {
			continue
		}
		refuse := func(field, msg string) {
			diags = append(diags, manifest.Errorf(o, field, "%s", msg))
		}
		sops := o.Field("sops")
		if sops == nil {
			refuse("", "a plain Secret would be readable by anyone who can pull the artifact: encrypt it with SOPS, or pass --allow-secrets")
			continue
		}
		if !sopsValue.MatchString(manifest.ScalarValue(manifest.Lookup(sops, "mac"))) {
			refuse("sops.mac", "the Secret is not encrypted by SOPS, which always writes a mac: encrypt it with sops --encrypt, or pass --allow-secrets")
			continue
		}
		for _, field := range []string{"data", "stringData"} {
			m := o.Field(field)
			if m == nil || manifest.IsNull(m) {
				continue
			}
			if m.Kind != yaml.MappingNode {
				refuse(field, "expected a map of encrypted values")
				continue
			}
			for i := 0; i+1 < len(m.Content); i += 2 {
				if !sopsValue.MatchString(manifest.ScalarValue(manifest.Unalias(m.Content[i+1]))) {
					refuse(field+"."+m.Content[i].Value, "the value is not encrypted (SOPS writes ENC[AES256_GCM,...]): anyone who can pull the artifact could read it; encrypt every value with sops --encrypt, or pass --allow-secrets")
				}
			}
		}
	}
	return diags
}
