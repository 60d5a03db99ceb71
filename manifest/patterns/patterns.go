// Package patterns compiles the regular expressions edgegate meets in its
// input (route regexes, schema patterns) once per process, in a cache that
// stays small whatever the input holds.
package patterns

import (
	"regexp"
	"sync"
	"sync/atomic"
)

// Max bounds the compiled patterns kept: an input repeats a few patterns
// across many objects, but the cache is shared by every run of the process
// (a KRM function server, a test binary) and the patterns come with the
// input, so it must not grow with what it is fed.
const Max = 512

type compiled struct {
	re  *regexp.Regexp
	err error
}

// cache holds pattern → compiled for every goroutine: a hit takes no lock.
// When it holds Max it is emptied and refills with the patterns in use,
// which costs a recompile of each, rather than tracking recency on every hit.
var (
	cache sync.Map
	count atomic.Int64
)

// Compile is regexp.Compile, remembered.
func Compile(pattern string) (*regexp.Regexp, error) {
	if c, ok := cache.Load(pattern); ok {
		c := c.(compiled)
		return c.re, c.err
	}
	re, err := regexp.Compile(pattern)
	if count.Add(1) > Max {
		cache.Clear()
		count.Store(1)
	}
	cache.Store(pattern, compiled{re, err})
	return re, err
}

// size counts the entries, for the test.
func size() int {
	n := 0
	cache.Range(func(any, any) bool { n++; return true })
	return n
}
