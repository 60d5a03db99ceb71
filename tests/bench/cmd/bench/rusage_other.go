//go:build !unix

package main

import "os"

// maxRSS is unknown without rusage.
func maxRSS(*os.ProcessState) int64 { return 0 }

// selfMaxRSS is unknown without rusage.
func selfMaxRSS() int64 { return 0 }
