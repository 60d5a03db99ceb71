package v1alpha1

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
)

// quantitySpellings are written every way an intent might: signs, bare and
// trailing dots, every suffix, exponents in both cases, leading zeros,
// values past int64.
func quantitySpellings() []string {
	numbers := []string{"0", "1", "2", "+2", "-2", "5.", ".5", "0.5", "1.0", "1.5", "10", "100", "1000", "1024",
		"1023", "2048", "1500", "0.1", "0.0000000001", "1.0001", "007", "-0", "+0", "-.5", "123456789",
		"9223372036854775807", "99999999999999999999", "1.23456789012"}
	suffixes := []string{"", "m", "n", "u", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei",
		"e3", "E3", "e-3", "E-3", "e0", "e+3", "E+3", "e1", "e9", "e18", "e19", "e-9", "e-10", "e100"}
	var all []string
	for _, n := range numbers {
		for _, s := range suffixes {
			all = append(all, n+s)
		}
	}
	return all
}

func TestParseQuantityIsTheServers(t *testing.T) {
	for _, s := range quantitySpellings() {
		want, wantErr := resource.ParseQuantity(s)
		got, err := ParseQuantity(s)
		if (err != nil) != (wantErr != nil) {
			t.Errorf("ParseQuantity(%q): error %v, apimachinery's %v", s, err, wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if got.String() != want.String() {
			t.Errorf("ParseQuantity(%q) = %q, apimachinery writes %q", s, got.String(), want.String())
		}
		// The server parses what it is sent: the form stored must read back
		// as itself. (Not always as the same value: apimachinery writes
		// 1000E, past its largest suffix, as "1".)
		again, err := ParseQuantity(got.String())
		if err != nil || again.String() != got.String() {
			t.Errorf("%q is stored as %q, which reads back as %q (%v)", s, got.String(), again.String(), err)
		}
	}
}

func TestParseQuantityForms(t *testing.T) {
	for in, want := range map[string]string{
		"2000m": "2", "1500m": "1500m", "100m": "100m", "0.5": "500m", "1": "1", "0": "0", "0m": "0",
		"2048Mi": "2Gi", "1024Mi": "1Gi", "1536Mi": "1536Mi", "1.5Gi": "1536Mi", "128Mi": "128Mi", "0.5Ki": "512",
		"1000Ki": "1000Ki", "1000": "1k", "1500": "1500", "1000k": "1M", "2.5G": "2500M", "1M": "1M",
		"1e3": "1e3", "12e6": "12e6", "1.5e3": "1500", "0.0000000001": "1n", "1.0001": "1000100u", "+5": "+5",
		"0.1Ki": "102400m", "5.": "5.", "1E3": "1E3", "1E": "1E",
	} {
		q, err := ParseQuantity(in)
		if got := q.String(); err != nil || got != want {
			t.Errorf("ParseQuantity(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "1.2.3", "5Mb", "Mi", "1 Gi", "-", "+", ".", "e3", "0x10", "1_000"} {
		if _, err := ParseQuantity(bad); err == nil {
			t.Errorf("ParseQuantity(%q) accepted", bad)
		}
	}
}
