package layout

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/fiscald/fiscald"

// pkg is the part of `go list -json` the rules need.
type pkg struct {
	ImportPath                string
	Doc                       string
	Imports                   []string
	TestImports, XTestImports []string
	Name                      string
}

func list(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", module+"/...")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(out)
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

// rule forbids packages matching a prefix from importing others.
type rule struct {
	pkg string // import path relative to the module, "" for the root
	// forbid lists relative module paths (prefix match) or external paths.
	forbid []string
	// stdlibOnly forbids every non-standard import.
	stdlibOnly bool
}

var rules = []rule{
	{pkg: "device", stdlibOnly: true},
	{pkg: "internal/atomicfile", stdlibOnly: true},
	{pkg: "httpapi/wire", stdlibOnly: true},
	{pkg: "internal/depcheck", stdlibOnly: true},
	{pkg: "journal", forbid: []string{"fiscal", "device", "httpapi", "github.com/gin-gonic"}},
	{pkg: "fiscal", forbid: []string{"httpapi$", "fiscal/at", "fiscal/de", "device/", "journal/internal", "net/http", "github.com/gin-gonic", "github.com/cockroachdb"}},
	{pkg: "fiscal/at", forbid: []string{"httpapi$", "fiscal/de", "device/", "journal", "net/http", "github.com/gin-gonic", "github.com/cockroachdb"}},
	{pkg: "fiscal/at/rksv", stdlibOnly: true},
	{pkg: "fiscal/issue", forbid: []string{"httpapi$", "fiscal/at", "device/", "net/http", "github.com/gin-gonic", "github.com/cockroachdb"}},
	{pkg: "fiscal/payment", forbid: []string{"httpapi$", "fiscal/at", "device/", "net/http", "github.com/gin-gonic", "github.com/cockroachdb"}},
	{pkg: "httpapi", forbid: []string{"journal", "device", "fiscal/at", "fiscal/de", "github.com/cockroachdb"}},
	{pkg: "device/signsim", forbid: []string{"fiscal", "journal", "httpapi"}},
	{pkg: "device/cryptoki", forbid: []string{"fiscal", "journal", "httpapi", "internal/"}},
	{pkg: "device/serialport", forbid: []string{"fiscal", "journal", "httpapi", "internal/"}},
	{pkg: "device/paysandbox", forbid: []string{"fiscal", "journal", "httpapi", "internal/", "device/zvt", "device/serialport", "device/cryptoki"}},
	{pkg: "device/zvtdial", forbid: []string{"fiscal", "journal", "httpapi", "internal/"}},
	{pkg: "device/zvt/zvtsim", forbid: []string{"fiscal", "journal", "httpapi", "internal/config", "internal/depcheck", "device/serialport", "device/cryptoki"}},
	{pkg: "device/zvt", forbid: []string{"fiscal", "journal", "httpapi", "internal/", "device/", "go.bug.st", "github.com/miekg", "github.com/google"}},
	{pkg: "device/escpos", forbid: []string{"fiscal", "journal", "httpapi", "internal/config"}},
	{pkg: "device/escpos/escpossim", forbid: []string{"fiscal", "journal", "httpapi", "internal/config"}},
	{pkg: "device/escpos/escposdial", forbid: []string{"fiscal", "journal", "httpapi", "internal/config"}},
	{pkg: "device/escpos/escposusb", forbid: []string{"fiscal", "journal", "httpapi", "internal/"}},
	{pkg: "internal/config", forbid: []string{"device/", "fiscal", "journal", "httpapi", "github.com/gin-gonic", "github.com/cockroachdb"}},
	{pkg: "internal/receipt", forbid: []string{"httpapi$", "journal", "device/", "github.com/gin-gonic", "github.com/cockroachdb"}},
	{pkg: "internal/printjob", forbid: []string{"fiscal", "journal", "httpapi", "github.com/gin-gonic", "github.com/cockroachdb"}},
	{pkg: "internal/simnet", forbid: []string{"fiscal", "journal", "httpapi", "device/"}},
	{pkg: "cmd/fiscalctl", forbid: []string{"httpapi$", "github.com/gin-gonic"}},
}

// matches reports whether import path imp is covered by pattern p: a
// module-relative prefix ("device/" = below device), an exact module path
// ("httpapi$"), or an external prefix.
func matches(imp, p string) bool {
	if strings.Contains(p, ".") && !strings.HasPrefix(p, module) {
		return strings.HasPrefix(imp, p)
	}
	if p == "net/http" {
		return imp == "net/http"
	}
	if exact, ok := strings.CutSuffix(p, "$"); ok {
		return imp == module+"/"+exact
	}
	full := module + "/" + p
	if strings.HasSuffix(p, "/") {
		return strings.HasPrefix(imp, full)
	}
	return imp == full || strings.HasPrefix(imp, full+"/")
}

func isStd(imp string) bool { return !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") }

func TestImportRules(t *testing.T) {
	for _, p := range list(t) {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		for _, r := range rules {
			if rel != r.pkg {
				continue
			}
			for _, imp := range p.Imports {
				if r.stdlibOnly && !isStd(imp) {
					t.Errorf("%s imports %s; it may use the standard library only", rel, imp)
				}
				for _, f := range r.forbid {
					if matches(imp, f) {
						t.Errorf("%s imports %s (forbidden: %s)", rel, imp, f)
					}
				}
			}
		}
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, "github.com/gin-gonic/") && rel != "httpapi" {
				t.Errorf("%s imports gin; only httpapi may", rel)
			}
			if (imp == module+"/internal/depcheck" || imp == module+"/internal/fixtures" || imp == module+"/device/cryptoki/softhsm" || imp == module+"/internal/ptytest" || imp == module+"/internal/goldentest" || imp == "testing") && !testOnly(rel) {
				t.Errorf("%s imports the test-only package %s", rel, imp)
			}
			if strings.HasPrefix(imp, "github.com/miekg/pkcs11") && rel != "device/cryptoki" {
				t.Errorf("%s imports %s; only device/cryptoki may (cgo stays in the leaf)", rel, imp)
			}
			if strings.HasPrefix(imp, "github.com/google/gousb") && rel != "device/escpos/escposusb" {
				t.Errorf("%s imports %s; only device/escpos/escposusb may (cgo stays in the leaf)", rel, imp)
			}
			if strings.HasPrefix(imp, "go.bug.st/serial") && rel != "device/serialport" {
				t.Errorf("%s imports %s; only device/serialport may", rel, imp)
			}
		}
	}
}

// testOnly lists packages that exist for tests.
func testOnly(rel string) bool {
	return rel == "internal/fixtures" || rel == "internal/depcheck" || rel == "device/cryptoki/softhsm" || rel == "internal/ptytest" || rel == "internal/goldentest"
}

func TestEveryPackageHasADocComment(t *testing.T) {
	for _, p := range list(t) {
		if strings.TrimSpace(p.Doc) == "" {
			t.Errorf("package %s has no package comment", p.ImportPath)
		}
	}
}

// TestRulesMatchSomething guards the rule table itself: a renamed package
// must not silently escape its rule.
func TestRulesMatchSomething(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range list(t) {
		seen[strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")] = true
	}
	for _, r := range rules {
		if !seen[r.pkg] {
			t.Errorf("rule for %s matches no package", r.pkg)
		}
	}
	if !matches(module+"/device/signsim", "device/") || matches(module+"/device", "device/") || !matches(module+"/httpapi", "httpapi$") || matches(module+"/httpapi/wire", "httpapi$") {
		t.Error("matches() does not behave as documented")
	}
}
