package fastyaml

import (
	"math/rand/v2"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// v3Resolve is yaml.v3's own resolution of a plain scalar (Node.ShortTag
// calls resolve("", value) for an untagged plain scalar).
func v3Resolve(s string) string {
	return (&yaml.Node{Kind: yaml.ScalarNode, Value: s}).ShortTag()
}

func TestResolve(t *testing.T) {
	for _, v := range trickyValues {
		if got, want := resolve(v), v3Resolve(v); got != want {
			t.Errorf("resolve(%q) = %s, yaml.v3 %s", v, got, want)
		}
	}
	// Random strings over the alphabet of numbers, timestamps and the words.
	const alphabet = "0123456789+-_.:,eExXoObBtTzZ abcdfinINaAlsuy~<"
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300000; i++ {
		b := make([]byte, 1+rng.IntN(12))
		for j := range b {
			b[j] = alphabet[rng.IntN(len(alphabet))]
		}
		if rng.IntN(4) == 0 {
			copy(b, "2001-")
		}
		v := string(b)
		if got, want := resolve(v), v3Resolve(v); got != want {
			t.Errorf("resolve(%q) = %s, yaml.v3 %s", v, got, want)
		}
	}
	// Timestamp shapes, with every separator time.Parse might take.
	pick := func(s ...string) string { return s[rng.IntN(len(s))] }
	num := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + rng.IntN(10))
		}
		return string(b)
	}
	for i := 0; i < 200000; i++ {
		v := num([]int{4, 4, 4, 3, 5}[rng.IntN(5)]) + pick("-", "-", "/", "") + num(1+rng.IntN(2)) + pick("-", "-", ".") + num(1+rng.IntN(2))
		if rng.IntN(4) != 0 {
			v += pick("T", "t", " ", "  ", "_", "") + num(1+rng.IntN(2)) + pick(":", ":", ".") + num(1+rng.IntN(2)) + ":" + num(1+rng.IntN(2))
			if rng.IntN(2) == 0 {
				v += pick(".", ",", ":", "") + num(rng.IntN(11))
			}
			if rng.IntN(2) == 0 {
				v += pick("Z", "z", "+", "-", " +", "") + pick(num(2)+":"+num(2), num(4), num(2), "", "Z")
			}
		}
		if rng.IntN(5) == 0 {
			b := []byte(v)
			b[rng.IntN(len(b))] = alphabet[rng.IntN(len(alphabet))]
			v = string(b)
		}
		if got, want := resolve(v), v3Resolve(v); got != want {
			t.Errorf("resolve(%q) = %s, yaml.v3 %s", v, got, want)
		}
	}
}

func FuzzResolve(f *testing.F) {
	for _, v := range trickyValues {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if got, want := resolve(v), v3Resolve(v); got != want {
			t.Fatalf("resolve(%q) = %s, yaml.v3 %s", v, got, want)
		}
	})
}

func TestConstants(t *testing.T) {
	for _, c := range []struct{ got, want any }{
		{documentNode, yaml.DocumentNode}, {sequenceNode, yaml.SequenceNode}, {mappingNode, yaml.MappingNode},
		{scalarNode, yaml.ScalarNode}, {aliasNode, yaml.AliasNode},
		{styleTagged, yaml.TaggedStyle}, {styleDoubleQuoted, yaml.DoubleQuotedStyle}, {styleSingleQuoted, yaml.SingleQuotedStyle},
		{styleLiteral, yaml.LiteralStyle}, {styleFolded, yaml.FoldedStyle}, {styleFlow, yaml.FlowStyle},
	} {
		if c.got != c.want {
			t.Errorf("constant %v, yaml.v3 %v", c.got, c.want)
		}
	}
}
