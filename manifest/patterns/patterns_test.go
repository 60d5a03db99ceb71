package patterns

import (
	"strconv"
	"strings"
	"sync"
	"testing"
)

func TestCompileIsBoundedAndRight(t *testing.T) {
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 3 * Max {
				n := i + w*Max
				p := "^a{" + strconv.Itoa(n%200) + "}x" + strconv.Itoa(n) + "$"
				re, err := Compile(p)
				if err != nil || !re.MatchString(strings.Repeat("a", n%200)+"x"+strconv.Itoa(n)) {
					t.Errorf("pattern %q: %v", p, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	// Concurrent refills may overshoot by the writers in flight, never more.
	if n := size(); n > Max+4 {
		t.Errorf("the cache holds %d patterns, more than %d", n, Max)
	}
}

func TestCompileRemembersErrors(t *testing.T) {
	for range 2 {
		if re, err := Compile("(?=x)"); err == nil || re != nil {
			t.Fatalf("Compile of a lookahead = %v, %v; want an error", re, err)
		}
	}
}
