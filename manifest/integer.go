package manifest

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// NotIntegerTag tags (Diagnostic.Tags["input"]) the decoding diagnostic of
// an integer field written as a whole number with a fraction or an exponent
// (80.0, 8e1). kubectl turns it into the JSON integer 80, so the API server
// stores 80 and Istio serves port 80; edgegate's decoder reads integers only,
// so its allocator and checks would skip the port. The gate reports these as
// input errors (policy/model's index), so what it judges is what is served.
const NotIntegerTag = "not-integer"

// NotIntegerError is what a NodeDecoder returns for such a spelling.
type NotIntegerError struct{ Value string }

func (e *NotIntegerError) Error() string {
	f, _ := strconv.ParseFloat(e.Value, 64)
	return fmt.Sprintf("%s is not written as an integer: the API server reads it as %d, but edgegate reads integers only, so its checks and the bindings allocator would not see it; write %d", e.Value, int64(f), int64(f))
}

// WholeFloat reports whether n is a float scalar holding a whole number
// (80.0, 8e1): what the API server reads as an integer and edgegate's
// decoder does not.
func WholeFloat(n *yaml.Node) bool {
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag != "!!float" {
		return false
	}
	f, err := strconv.ParseFloat(n.Value, 64)
	return err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53
}

func notInteger(err error) bool {
	var e *NotIntegerError
	return errors.As(err, &e)
}
