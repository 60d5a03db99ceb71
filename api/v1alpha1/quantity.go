package v1alpha1

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
)

// ParseQuantity reads a resource quantity (spec.resources) as the API
// server does, with apimachinery, so what edgegate accepts and renders is
// what the server stores. It also refuses spellings whose number has no
// digit ("Mi", "-", ".", "e3"), which apimachinery reads as 0: in an intent
// they are mistakes, not a request for nothing.
func ParseQuantity(s string) (resource.Quantity, error) {
	q, err := resource.ParseQuantity(s)
	if err != nil || !startsWithNumber(s) {
		return resource.Quantity{}, fmt.Errorf("%q is not a quantity (e.g. 500m, 256Mi)", s)
	}
	return q, nil
}

// startsWithNumber reports whether s starts with a number: a digit, or a
// point and a digit, after an optional sign.
func startsWithNumber(s string) bool {
	s = strings.TrimLeft(s, "+-")
	s = strings.TrimPrefix(s, ".")
	return s != "" && s[0] >= '0' && s[0] <= '9'
}
