package manifest

import (
	"strings"
	"testing"
)

func TestWholeFloatIntegers(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  string // fragment of the diagnostic; "" for none
		tag   bool
	}{
		{"80", "", false},
		{"0x50", "", false},
		{"80.0", "80.0 is not written as an integer: the API server reads it as 80", true},
		{"8e1", "8e1 is not written as an integer: the API server reads it as 80", true},
		{"80.5", "expected an integer, got number 80.5", false},
		{`"80"`, `expected an integer, got string "80"`, false},
	} {
		objs, diags := Parse([]byte("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {port: "+tc.value+"}\n"), "s.yaml")
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		var v struct {
			Spec struct {
				Port int `yaml:"port"`
			} `yaml:"spec"`
		}
		got := DecodeLenient(objs[0], objs[0].Node, "", &v)
		if tc.want == "" {
			if len(got) > 0 || v.Spec.Port != 80 {
				t.Errorf("%s: %v, port %d", tc.value, got, v.Spec.Port)
			}
			continue
		}
		if len(got) != 1 || !strings.Contains(got[0].Message, tc.want) || got[0].Field != "spec.port" {
			t.Errorf("%s: got %v, want %q at spec.port", tc.value, got, tc.want)
			continue
		}
		if tagged := got[0].Tags["input"] == NotIntegerTag; tagged != tc.tag {
			t.Errorf("%s: tagged %v, want %v", tc.value, tagged, tc.tag)
		}
	}
}

// StoredInteger reads what the decoder reads as an integer or reports as a
// whole float, and nothing the API server would reject.
func TestStoredInteger(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  int64
		ok    bool
	}{
		{"80", 80, true},
		{"0x50", 80, true},
		{"80.0", 80, true},
		{"8e1", 80, true},
		{"80.5", 0, false},
		{`"80"`, 0, false},
		{"http", 0, false},
		{"[80]", 0, false},
	} {
		objs, diags := Parse([]byte("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {port: "+tc.value+", alias: &p "+tc.value+", again: *p}\n"), "s.yaml")
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		for _, field := range []string{"port", "again"} {
			got, ok := StoredInteger(Lookup(objs[0].Node, "spec", field))
			if got != tc.want || ok != tc.ok {
				t.Errorf("%s (%s): %d, %v; want %d, %v", tc.value, field, got, ok, tc.want, tc.ok)
			}
		}
	}
	if _, ok := StoredInteger(nil); ok {
		t.Error("a missing field is an integer")
	}
}
