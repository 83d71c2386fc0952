package httpapi_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// walkFiles calls fn with the content of every regular file under dir.
func walkFiles(dir string, fn func(path string, data []byte)) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fn(p, data)
		return nil
	})
}

// timeNow is the test's clock reading (a seam for readability only).
func timeNow() time.Time { return time.Now() }
