// Package classroom grades a whole class: it finds the submissions,
// unpacks archives safely, grades each submission in a worker process of
// its own, and writes the reports that instructors upload.
package classroom

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Limits bound what an archive may unpack to.
type Limits struct {
	MaxBytes int64 // total bytes once unpacked
	MaxFiles int   // entries, folders included
}

// DefaultLimits are generous for a course repository and small for an
// archive bomb.
var DefaultLimits = Limits{MaxBytes: 64 << 20, MaxFiles: 5000}

// RefusedError says why an archive was not unpacked.
// RefusedError says why a submission, an archive or a folder, was not
// graded.
type RefusedError struct {
	Reason string
	Folder bool // a folder, not an archive
}

func (e *RefusedError) Error() string {
	if e.Folder {
		return "submission refused: " + e.Reason
	}
	return "archive refused: " + e.Reason
}

func refuse(format string, args ...any) error {
	return &RefusedError{Reason: fmt.Sprintf(format, args...)}
}

// isArchive reports whether name looks like an archive the grader unpacks.
func isArchive(name string) bool {
	n := strings.ToLower(name)
	return strings.HasSuffix(n, ".zip") || strings.HasSuffix(n, ".tar.gz") || strings.HasSuffix(n, ".tgz")
}

// archiveBase is a submission's name from its archive's file name.
func archiveBase(name string) string {
	base := filepath.Base(name)
	for _, ext := range []string{".tar.gz", ".tgz", ".zip"} {
		if strings.HasSuffix(strings.ToLower(base), ext) {
			return base[:len(base)-len(ext)]
		}
	}
	return base
}

// Unpack extracts the archive src into dir, which must exist and be empty.
// It refuses, before writing anything outside dir and without partial
// trust: entries that would land outside dir (absolute paths, ".."),
// symbolic and hard links, device files, and archives over the limits.
func Unpack(src, dir string, lim Limits) error {
	n := strings.ToLower(src)
	switch {
	case strings.HasSuffix(n, ".zip"):
		return unpackZip(src, dir, lim)
	case strings.HasSuffix(n, ".tar.gz"), strings.HasSuffix(n, ".tgz"):
		return unpackTarGz(src, dir, lim)
	}
	return refuse("%s is neither a .zip nor a .tar.gz", filepath.Base(src))
}

// target checks an entry's name and returns where it goes inside dir.
func target(dir, name string) (string, error) {
	clean := path.Clean(strings.ReplaceAll(name, `\`, "/"))
	if path.IsAbs(clean) || strings.HasPrefix(name, "/") || filepath.VolumeName(name) != "" {
		return "", refuse("entry %q has an absolute path", name)
	}
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", refuse("entry %q points outside the archive's folder", name)
	}
	return filepath.Join(dir, filepath.FromSlash(clean)), nil
}

type budget struct {
	lim   Limits
	bytes int64
	files int
}

func (b *budget) file(name string) error {
	b.files++
	if b.files > b.lim.MaxFiles {
		return refuse("more than %d entries", b.lim.MaxFiles)
	}
	return nil
}

// copyLimited copies r to a new file at dst, counting against the budget
// what it really reads, whatever the header claims.
func (b *budget) copyLimited(dst string, r io.Reader, mode fs.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, mode.Perm()|0o600)
	if err != nil {
		return fmt.Errorf("unpack %s: %w", filepath.Base(dst), err)
	}
	defer f.Close()
	room := b.lim.MaxBytes - b.bytes
	n, err := io.Copy(f, io.LimitReader(r, room+1))
	b.bytes += n
	if err != nil {
		return fmt.Errorf("unpack %s: %w", filepath.Base(dst), err)
	}
	if b.bytes > b.lim.MaxBytes {
		return refuse("more than %d MiB once unpacked", b.lim.MaxBytes>>20)
	}
	return nil
}

// macJunk tells the entries that macOS adds to the archives it makes
// (Finder's "Compress"): __MACOSX/ with its ._ files, and .DS_Store. They are
// never unpacked, so a learner's zip of the course is one submission.
func macJunk(name string) bool {
	for _, part := range strings.Split(strings.ReplaceAll(name, "\\", "/"), "/") {
		if part == "__MACOSX" || part == ".DS_Store" || strings.HasPrefix(part, "._") {
			return true
		}
	}
	return false
}

func unpackZip(src, dir string, lim Limits) error {
	zr, err := zip.OpenReader(src)
	if err != nil {
		return refuse("%s is not a readable zip: %v", filepath.Base(src), err)
	}
	defer zr.Close()
	b := &budget{lim: lim}
	// Check every entry before writing any.
	for _, f := range zr.File {
		if macJunk(f.Name) {
			continue
		}
		if err := b.file(f.Name); err != nil {
			return err
		}
		if _, err := target(dir, f.Name); err != nil {
			return err
		}
		if m := f.Mode(); m&fs.ModeSymlink != 0 || m&(fs.ModeDevice|fs.ModeNamedPipe|fs.ModeSocket) != 0 {
			return refuse("entry %q is a link or a special file", f.Name)
		}
	}
	for _, f := range zr.File {
		if macJunk(f.Name) {
			continue
		}
		dst, _ := target(dir, f.Name)
		if f.FileInfo().IsDir() {
			if err := os.MkdirAll(dst, 0o755); err != nil {
				return err
			}
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return refuse("entry %q cannot be read: %v", f.Name, err)
		}
		err = b.copyLimited(dst, rc, f.Mode())
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func unpackTarGz(src, dir string, lim Limits) error {
	f, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("open archive: %w", err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return refuse("%s is not a readable .tar.gz: %v", filepath.Base(src), err)
	}
	defer gz.Close()
	tr := tar.NewReader(gz)
	b := &budget{lim: lim}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return refuse("%s is damaged: %v", filepath.Base(src), err)
		}
		if macJunk(h.Name) {
			continue
		}
		if err := b.file(h.Name); err != nil {
			return err
		}
		dst, err := target(dir, h.Name)
		if err != nil {
			return err
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(dst, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := b.copyLimited(dst, tr, fs.FileMode(h.Mode)); err != nil {
				return err
			}
		case tar.TypeXGlobalHeader, tar.TypeXHeader:
		default:
			return refuse("entry %q is a link or a special file", h.Name)
		}
	}
}
