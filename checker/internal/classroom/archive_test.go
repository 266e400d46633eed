package classroom

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type entry struct {
	name, body string
	link       string // a symlink target, for tar
}

func makeZip(t *testing.T, entries ...entry) string {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for _, e := range entries {
		w, err := z.Create(e.name)
		require.NoError(t, err)
		w.Write([]byte(e.body))
	}
	require.NoError(t, z.Close())
	p := filepath.Join(t.TempDir(), "s.zip")
	require.NoError(t, os.WriteFile(p, b.Bytes(), 0o644))
	return p
}

func makeTarGz(t *testing.T, entries ...entry) string {
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.body)), Typeflag: tar.TypeReg}
		if e.link != "" {
			h = &tar.Header{Name: e.name, Linkname: e.link, Typeflag: tar.TypeSymlink, Mode: 0o777}
		}
		require.NoError(t, tw.WriteHeader(h))
		tw.Write([]byte(e.body))
	}
	require.NoError(t, tw.Close())
	require.NoError(t, gz.Close())
	p := filepath.Join(t.TempDir(), "s.tar.gz")
	require.NoError(t, os.WriteFile(p, b.Bytes(), 0o644))
	return p
}

func TestUnpackGood(t *testing.T) {
	for _, src := range []string{
		makeZip(t, entry{name: "alice/lessons/01-socket-lifecycle/main.go", body: "package main\n"}),
		makeTarGz(t, entry{name: "alice/lessons/01-socket-lifecycle/main.go", body: "package main\n"}),
	} {
		dir := t.TempDir()
		require.NoError(t, Unpack(src, dir, DefaultLimits), src)
		data, err := os.ReadFile(filepath.Join(dir, "alice/lessons/01-socket-lifecycle/main.go"))
		require.NoError(t, err)
		assert.Equal(t, "package main\n", string(data))
	}
}

func TestUnpackRefusesEscapes(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "outside")
	for name, src := range map[string]string{
		"zip dotdot":   makeZip(t, entry{name: "../outside", body: "x"}),
		"zip absolute": makeZip(t, entry{name: "/tmp/outside", body: "x"}),
		"tar dotdot":   makeTarGz(t, entry{name: "a/../../outside", body: "x"}),
		"tar symlink":  makeTarGz(t, entry{name: "link", link: "/etc"}),
		"tar absolute": makeTarGz(t, entry{name: "/outside", body: "x"}),
		"not an archive": func() string {
			p := filepath.Join(t.TempDir(), "x.zip")
			os.WriteFile(p, []byte("nope"), 0o644)
			return p
		}(),
	} {
		dir := t.TempDir()
		err := Unpack(src, dir, DefaultLimits)
		var refused *RefusedError
		assert.ErrorAs(t, err, &refused, name)
		assert.NoFileExists(t, outside, name)
	}
}

func TestUnpackRefusesBombs(t *testing.T) {
	big := makeZip(t, entry{name: "big", body: strings.Repeat("0", 2<<20)})
	err := Unpack(big, t.TempDir(), Limits{MaxBytes: 1 << 20, MaxFiles: 10})
	assert.ErrorContains(t, err, "more than 1 MiB once unpacked")

	var many []entry
	for i := range 20 {
		many = append(many, entry{name: strings.Repeat("d", i+1), body: "x"})
	}
	err = Unpack(makeTarGz(t, many...), t.TempDir(), Limits{MaxBytes: 1 << 20, MaxFiles: 10})
	assert.ErrorContains(t, err, "more than 10 entries")
}

func TestDiscover(t *testing.T) {
	subs, err := Discover([]string{"../../testdata/sample-class"})
	require.NoError(t, err)
	var names []string
	for _, s := range subs {
		names = append(names, s.Name)
	}
	assert.Equal(t, []string{"alice-good", "bob-partial", "carol-broken", "dave-hostile", "erin-memory", "frank-archive", "mallory-escape"}, names)

	one, err := Discover([]string{"../../testdata/sample-class/alice-good"})
	require.NoError(t, err)
	assert.Len(t, one, 1)

	_, err = Discover([]string{"no-such-thing"})
	assert.Error(t, err)
}
