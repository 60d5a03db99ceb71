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
// so its checks would skip the port (the bindings allocator reads it as 80,
// StoredInteger). The gate reports these as
// input errors (policy/model's index), so what it judges is what is served.
const NotIntegerTag = "not-integer"

// NotIntegerError is what a NodeDecoder returns for such a spelling.
type NotIntegerError struct{ Value string }

func (e *NotIntegerError) Error() string {
	f, _ := strconv.ParseFloat(e.Value, 64)
	return fmt.Sprintf("%s is not written as an integer: the API server reads it as %d, but edgegate's checks read integers only, so they would not see it; write %d", e.Value, int64(f), int64(f))
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

// StoredInteger is the integer the API server stores for n, the way the
// gate's decoder reads it: an integer scalar, or a whole float (80.0, 8e1),
// which kubectl sends as that integer (the gate reports the spelling,
// NotIntegerError). ok is false for anything else (a string, 80.5), which
// the API server rejects.
func StoredInteger(n *yaml.Node) (i int64, ok bool) {
	n = Unalias(n)
	switch {
	case n == nil || n.Kind != yaml.ScalarNode:
		return 0, false
	case WholeFloat(n):
		f, _ := strconv.ParseFloat(n.Value, 64)
		return int64(f), true
	case n.Tag == "!!int":
		i, err := strconv.ParseInt(n.Value, 0, 64)
		return i, err == nil
	}
	return 0, false
}
