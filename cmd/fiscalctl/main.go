// Command fiscalctl is the technician's and operator's tool: it reads a
// stopped daemon's data directory (journal verification and exports, the
// Austrian crypto-material container), prepares configuration values, and
// sets up and checks PKCS#11 signature devices.
//
//	fiscalctl at container --data DIR --cashbox ID
//	fiscalctl journal verify --data DIR
//	fiscalctl journal export --data DIR --cashbox ID --type N [--from-row R] [--to-row R] [--out FILE]
//	fiscalctl cashbox hash-token [TOKEN]
//	fiscalctl device pkcs11 list --module PATH
//	fiscalctl device pkcs11 init --module PATH --token LABEL --key LABEL --pin-file FILE [--so-pin-file FILE] [--csr FILE]
//	fiscalctl device pkcs11 selftest --module PATH --token LABEL --key LABEL --pin-file FILE
//	fiscalctl sim zvt [--tcp ADDR] [--pty PATH] [--state FILE] [--time-scale F] [--terminal-id ID] [--table]
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	_ "time/tzdata" // Europe/Vienna must load on hosts without zoneinfo
)

// command is one subcommand.
type command struct {
	path  string
	usage string
	run   func(args []string, stdout io.Writer) error
}

var errUsage = errors.New("usage")

func commands() []command {
	return []command{
		{"at container", "--data DIR --cashbox ID", atContainer},
		{"journal verify", "--data DIR", journalVerify},
		{"journal export", "--data DIR --cashbox ID --type N [--queue ID] [--from-row R] [--to-row R] [--from TICKS] [--to TICKS] [--out FILE]", journalExport},
		{"cashbox hash-token", "[TOKEN]   (reads the token from stdin when not given)", hashToken},
		{"device pkcs11 list", "--module PATH", pkcs11List},
		{"device pkcs11 init", "--module PATH --token LABEL --key LABEL [--key-id HEX] --pin-file FILE [--so-pin-file FILE] [--csr FILE] [--cn NAME]", pkcs11Init},
		{"device pkcs11 selftest", "--module PATH --token LABEL --key LABEL [--key-id HEX] --pin-file FILE", pkcs11Selftest},
		{"sim zvt", "[--tcp ADDR] [--pty PATH] [--state FILE] [--time-scale F] [--terminal-id ID] [--table]   (at least one of --tcp, --pty)", simZVT},
	}
}

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

// dispatch finds and runs the subcommand; it returns the exit code.
func dispatch(args []string, stdout, stderr io.Writer) int {
	for _, c := range commands() {
		var words []string
		for _, w := range splitWords(c.path) {
			words = append(words, w)
		}
		if len(args) >= len(words) && equal(args[:len(words)], words) {
			err := c.run(args[len(words):], stdout)
			if errors.Is(err, errUsage) {
				fmt.Fprintf(stderr, "usage: fiscalctl %s %s\n", c.path, c.usage)
				return 2
			}
			if err != nil {
				fmt.Fprintln(stderr, "fiscalctl:", err)
				return 1
			}
			return 0
		}
	}
	fmt.Fprintln(stderr, "usage:")
	for _, c := range commands() {
		fmt.Fprintf(stderr, "  fiscalctl %s %s\n", c.path, c.usage)
	}
	return 2
}

func splitWords(s string) []string {
	var out []string
	start := -1
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	return out
}

func equal(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
