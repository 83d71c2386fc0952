// Package layout holds the test that keeps fiscald's package structure true:
// dependencies point inward (STYLE.md's floors), gin stays in httpapi,
// test-only packages stay out of production code, and every package says
// what it is for.
package layout
