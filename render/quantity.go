package render

import (
	"fmt"
	"math/big"
	"regexp"
	"strings"
)

// Kubernetes writes resource quantities back in a canonical form ("2048Mi"
// becomes "2Gi", "2000m" becomes "2"). Rendering them in that form already
// keeps the server from rewriting our output, so a second server-side apply
// of the same file finds nothing to change and no field owned by another
// manager (apimachinery's Quantity.CanonicalizeBytes, reimplemented here to
// avoid depending on apimachinery).

var quantityParts = regexp.MustCompile(`^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+|[numkMGTPE]?)$`)

var decimalSuffixes = map[string]int{"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}

var decimalSuffixOf = map[int]string{-9: "n", -6: "u", -3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E"}

var binarySuffixes = []string{"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"}

// canonicalQuantity returns the form the API server stores q in.
func canonicalQuantity(q string) (string, error) {
	m := quantityParts.FindStringSubmatch(q)
	if m == nil {
		return "", fmt.Errorf("%q is not a quantity (e.g. 500m, 256Mi)", q)
	}
	value, ok := new(big.Rat).SetString(m[1])
	if !ok {
		return "", fmt.Errorf("%q is not a quantity", q)
	}
	suffix := m[2]
	format := "decimal"
	switch {
	case strings.HasSuffix(suffix, "i"):
		format = "binary"
		for i, s := range binarySuffixes {
			if s == suffix {
				value.Mul(value, new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1), uint(10*i))))
			}
		}
	case strings.HasPrefix(suffix, "e") || strings.HasPrefix(suffix, "E"):
		format = "exponent"
		var exp int
		fmt.Sscanf(suffix[1:], "%d", &exp)
		value.Mul(value, pow10Rat(exp))
	default:
		value.Mul(value, pow10Rat(decimalSuffixes[suffix]))
	}
	if value.Sign() == 0 {
		return "0", nil
	}
	// Kubernetes keeps nano precision and rounds anything finer away from zero.
	nanos := new(big.Rat).Mul(value, pow10Rat(9))
	n := new(big.Int).Quo(nanos.Num(), nanos.Denom())
	if !nanos.IsInt() {
		n.Add(n, big.NewInt(int64(nanos.Sign())))
	}
	if format == "binary" {
		whole := new(big.Int)
		rem := new(big.Int)
		whole.QuoRem(n, big.NewInt(1e9), rem)
		limit := big.NewInt(1024)
		if rem.Sign() != 0 || new(big.Int).Abs(whole).Cmp(limit) < 0 {
			format = "decimal" // fractions and small values are written in decimal
		} else {
			exp := 0
			for exp < len(binarySuffixes)-1 && new(big.Int).Rem(whole, limit).Sign() == 0 {
				whole.Quo(whole, limit)
				exp++
			}
			return whole.String() + binarySuffixes[exp], nil
		}
	}
	// Strip factors of ten, then step the exponent down to a multiple of three.
	exp := -9
	ten := big.NewInt(10)
	for new(big.Int).Rem(n, ten).Sign() == 0 {
		n.Quo(n, ten)
		exp++
	}
	if r := ((exp % 3) + 3) % 3; r != 0 {
		n.Mul(n, new(big.Int).Exp(ten, big.NewInt(int64(r)), nil))
		exp -= r
	}
	if format == "exponent" {
		if exp == 0 {
			return n.String(), nil
		}
		return fmt.Sprintf("%se%d", n, exp), nil
	}
	if s, ok := decimalSuffixOf[exp]; ok {
		return n.String() + s, nil
	}
	return fmt.Sprintf("%se%d", n, exp), nil
}

func pow10Rat(exp int) *big.Rat {
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(exp))), nil)
	if exp < 0 {
		return new(big.Rat).SetFrac(big.NewInt(1), p)
	}
	return new(big.Rat).SetInt(p)
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}
