package render

import "github.com/edgegate/edgegate/api/v1alpha1"

// canonicalQuantity returns the form the API server stores q in ("2048Mi"
// becomes "2Gi", "2000m" becomes "2"): rendering that form keeps the server
// from rewriting our output, so a second server-side apply of the same file
// finds nothing to change and no field owned by another manager.
func canonicalQuantity(q string) (string, error) {
	parsed, err := v1alpha1.ParseQuantity(q)
	if err != nil {
		return "", err
	}
	return parsed.String(), nil
}
