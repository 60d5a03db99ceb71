// Command probe reports what a container it runs in allows: TestRunsLocked
// mounts it into the image (which has no shell) and reads its lines.
package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"strings"
	"syscall"
)

func main() {
	fmt.Printf("uid=%d gid=%d\n", os.Getuid(), os.Getgid())
	if u, err := user.LookupId(fmt.Sprint(os.Getuid())); err == nil {
		fmt.Printf("user: %s\n", u.Username)
	} else {
		fmt.Printf("user: %v\n", err)
	}
	switch err := os.WriteFile("/probe-wrote-here", []byte("x"), 0o644); {
	case errors.Is(err, syscall.EROFS):
		fmt.Println("root file system: read-only")
	case err == nil:
		fmt.Println("root file system: writable")
	default:
		fmt.Printf("root file system: %v\n", err)
	}
	ifaces, err := net.Interfaces()
	var names []string
	for _, i := range ifaces {
		names = append(names, i.Name)
	}
	fmt.Printf("network interfaces: %s%v\n", strings.Join(names, " "), errOrEmpty(err))
	pem, err := os.ReadFile(os.Getenv("SSL_CERT_FILE"))
	if err == nil && x509.NewCertPool().AppendCertsFromPEM(pem) {
		fmt.Println("ca bundle: ok")
	} else {
		fmt.Printf("ca bundle: %v\n", err)
	}
}

func errOrEmpty(err error) string {
	if err != nil {
		return " " + err.Error()
	}
	return ""
}
