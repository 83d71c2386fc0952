package depcheck

import (
	"go/build"
	"strings"
	"testing"
)

// TestIndependence keeps the point of this package true: it imports only the
// standard library (tests additionally the fixtures locator), and in
// particular nothing of the production RKSV code under fiscal/.
func TestIndependence(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	const module = "github.com/fiscald/fiscald/"
	allowedInTests := map[string]bool{module + "internal/fixtures": true}
	check := func(imports []string, allowed map[string]bool) {
		for _, imp := range imports {
			if strings.HasPrefix(imp, module+"fiscal") {
				t.Errorf("imports production RKSV code %s", imp)
			}
			if first, _, _ := strings.Cut(imp, "/"); strings.Contains(first, ".") && !allowed[imp] {
				t.Errorf("imports %s; only the standard library is allowed", imp)
			}
		}
	}
	check(pkg.Imports, nil)
	check(pkg.TestImports, allowedInTests)
	if len(pkg.XTestImports) != 0 {
		check(pkg.XTestImports, allowedInTests)
	}
}
