package testutil

import (
	"os/exec"
	"syscall"
)

// dieWithParent ends the registry when the test process dies without
// stopping it (a panic, a killed run).
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
