package credential

import "testing"

func TestCovers(t *testing.T) {
	for _, c := range []struct {
		san, host string
		want      bool
	}{
		{"shop.example.com", "shop.example.com", true},
		{"Shop.Example.com.", "shop.example.com", true},
		{"*.example.com", "shop.example.com", true},
		{"*.example.com", "example.com", false},        // a wildcard needs a label
		{"*.example.com", "a.shop.example.com", false}, // and stands for exactly one
		{"*.example.com", "*.example.com", false},      // a wildcard host is no name a browser asks for
		{"shop.example.com", "blog.example.com", false},
		{"*", "shop.example.com", false},
		{"*.*.com", "a.b.com", false},
	} {
		if got := Covers(c.san, c.host); got != c.want {
			t.Errorf("Covers(%q, %q) = %v, want %v", c.san, c.host, got, c.want)
		}
	}
}
