// gen-offsets reads the struct layout of runtime.g, runtime.gobuf and
// runtime.m from the DWARF of Go binaries and writes gostray's per-version
// offset table (src/offsets_table.inc), or checks that table against any
// binary that has DWARF.
//
//	gen-offsets -o src/offsets_table.inc BIN...   one binary per Go minor version
//	gen-offsets -check src/offsets_table.inc BIN   exit 1 on any difference
//
// Only the DWARF of the given binaries is trusted; a minor version without
// a binary is filled from its neighbours only when both neighbours agree
// (Go 1.18 between 1.17 and 1.19, whose runtime.g did not change).
package main

import (
	"debug/dwarf"
	"debug/elf"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// field is one entry of struct go_offsets (include/offsets.h).
type field struct {
	cName  string // member of struct go_offsets
	goType string // DWARF struct
	path   string // member path, dots for nested members
	opt    bool   // absent in some versions (GO_NO_FIELD)
}

var fields = []field{
	{"g_stack_lo", "runtime.g", "stack.lo", false},
	{"g_stack_hi", "runtime.g", "stack.hi", false},
	{"g_m", "runtime.g", "m", false},
	{"g_sched", "runtime.g", "sched", false},
	{"g_atomicstatus", "runtime.g", "atomicstatus", false},
	{"g_goid", "runtime.g", "goid", false},
	{"g_waitsince", "runtime.g", "waitsince", false},
	{"g_waitreason", "runtime.g", "waitreason", false},
	{"g_parent_goid", "runtime.g", "parentGoid", true},
	{"g_gopc", "runtime.g", "gopc", false},
	{"g_startpc", "runtime.g", "startpc", false},
	{"gobuf_sp", "runtime.gobuf", "sp", false},
	{"gobuf_pc", "runtime.gobuf", "pc", false},
	{"gobuf_bp", "runtime.gobuf", "bp", false},
	{"m_curg", "runtime.m", "curg", false},
	{"m_procid", "runtime.m", "procid", false},
}

const noField = -1

type layout struct {
	minor   int
	version string
	from    string
	off     map[string]int64
	gSize   int64
}

var verRe = regexp.MustCompile(`go1\.(\d+)(\.\d+)?`)

func structs(d *dwarf.Data) (map[string]*dwarf.StructType, error) {
	want := map[string]bool{"runtime.g": true, "runtime.gobuf": true, "runtime.m": true,
		"runtime.stack": true}
	out := map[string]*dwarf.StructType{}
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			return nil, err
		}
		if e == nil {
			break
		}
		if e.Tag != dwarf.TagStructType {
			continue
		}
		name, _ := e.Val(dwarf.AttrName).(string)
		if !want[name] || out[name] != nil {
			continue
		}
		t, err := d.Type(e.Offset)
		if err != nil {
			return nil, err
		}
		if st, ok := t.(*dwarf.StructType); ok && !st.Incomplete {
			out[name] = st
		}
	}
	return out, nil
}

func member(st *dwarf.StructType, path string) (int64, bool) {
	var off int64
	parts := strings.Split(path, ".")
	for i, p := range parts {
		found := false
		for _, f := range st.Field {
			if f.Name != p {
				continue
			}
			off += f.ByteOffset
			found = true
			if i < len(parts)-1 {
				t := f.Type
				for {
					td, ok := t.(*dwarf.TypedefType)
					if !ok {
						break
					}
					t = td.Type
				}
				inner, ok := t.(*dwarf.StructType)
				if !ok {
					return 0, false
				}
				st = inner
			}
			break
		}
		if !found {
			return 0, false
		}
	}
	return off, true
}

func goVersion(f *elf.File, path string) string {
	// The runtime's version string is in the binary; buildinfo parsing is
	// not needed for binaries we built or know.
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if m := regexp.MustCompile(`go1\.\d+(\.\d+)?`).Find(data); m != nil {
		return string(m)
	}
	return ""
}

func read(path string) (*layout, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d, err := f.DWARF()
	if err != nil {
		return nil, fmt.Errorf("%s: no DWARF: %v", path, err)
	}
	sts, err := structs(d)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	l := &layout{off: map[string]int64{}, from: describe(path)}
	// The version from buildinfo would be better, but the DWARF compile
	// unit producer string holds it too ("Go cmd/compile go1.19.8").
	l.version = producerVersion(d)
	if l.version == "" {
		l.version = goVersion(f, path)
	}
	m := verRe.FindStringSubmatch(l.version)
	if m == nil {
		return nil, fmt.Errorf("%s: cannot tell the Go version", path)
	}
	l.minor, _ = strconv.Atoi(m[1])
	for _, fl := range fields {
		st := sts[fl.goType]
		if st == nil {
			return nil, fmt.Errorf("%s: no %s in DWARF", path, fl.goType)
		}
		off, ok := member(st, fl.path)
		if !ok {
			if !fl.opt {
				return nil, fmt.Errorf("%s: no %s.%s in DWARF", path, fl.goType, fl.path)
			}
			off = noField
		}
		l.off[fl.cName] = off
	}
	l.gSize = sts["runtime.g"].ByteSize
	return l, nil
}

// describe names a binary without the temporary or cache folder it is in.
func describe(path string) string {
	base := filepath.Base(path)
	if strings.HasPrefix(base, "tiny-") {
		return "a tiny program built by that toolchain"
	}
	if i := strings.Index(path, "/node_modules/"); i >= 0 {
		return "unstripped " + filepath.Base(path[:i]) + " from npm"
	}
	return base
}

func producerVersion(d *dwarf.Data) string {
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil || e == nil {
			return ""
		}
		if e.Tag == dwarf.TagCompileUnit {
			if p, ok := e.Val(dwarf.AttrProducer).(string); ok {
				if m := verRe.FindString(p); m != "" {
					return m
				}
			}
		}
		r.SkipChildren()
	}
}

func same(a, b *layout) bool {
	for _, fl := range fields {
		if a.off[fl.cName] != b.off[fl.cName] {
			return false
		}
	}
	return a.gSize == b.gSize
}

func cValue(v int64) string {
	if v == noField {
		return "GO_NO_FIELD"
	}
	return strconv.FormatInt(v, 10)
}

func write(path string, ls []*layout) error {
	var b strings.Builder
	b.WriteString("/* Generated by tools/gen-offsets from the DWARF of Go binaries; do not edit.\n")
	b.WriteString(" * Regenerate: tools/gen-offsets.sh */\n")
	for _, l := range ls {
		fmt.Fprintf(&b, "\t/* %s: %s */\n\t{ .minor = %d, .g_size = %d", l.version, l.from, l.minor, l.gSize)
		for _, fl := range fields {
			fmt.Fprintf(&b, ", .%s = %s", fl.cName, cValue(l.off[fl.cName]))
		}
		b.WriteString(" },\n")
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

var entryRe = regexp.MustCompile(`\{ \.minor = (\d+), (.*) \},`)

func check(table, bin string) error {
	l, err := read(bin)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(table)
	if err != nil {
		return err
	}
	for _, m := range entryRe.FindAllStringSubmatch(string(data), -1) {
		if minor, _ := strconv.Atoi(m[1]); minor != l.minor {
			continue
		}
		bad := 0
		for _, kv := range strings.Split(m[2], ", ") {
			p := strings.SplitN(strings.TrimPrefix(kv, "."), " = ", 2)
			want := cValue(l.off[p[0]])
			if p[0] == "g_size" {
				want = strconv.FormatInt(l.gSize, 10)
			}
			if p[1] != want {
				fmt.Printf("%s: %s is %s in DWARF, %s in the table\n", bin, p[0], want, p[1])
				bad++
			}
		}
		if bad > 0 {
			return fmt.Errorf("%s (%s): %d offsets differ from the table", bin, l.version, bad)
		}
		fmt.Printf("%s (%s): matches the table for Go 1.%d\n", bin, l.version, l.minor)
		return nil
	}
	return fmt.Errorf("%s: Go 1.%d is not in the table", bin, l.minor)
}

func main() {
	out := flag.String("o", "", "write the C table here")
	chk := flag.String("check", "", "check this table against the binaries")
	flag.Parse()
	if *chk != "" {
		for _, bin := range flag.Args() {
			if err := check(*chk, bin); err != nil {
				fmt.Fprintln(os.Stderr, "gen-offsets:", err)
				os.Exit(1)
			}
		}
		return
	}
	byMinor := map[int]*layout{}
	for _, bin := range flag.Args() {
		l, err := read(bin)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gen-offsets:", err)
			os.Exit(1)
		}
		if prev := byMinor[l.minor]; prev != nil && !same(prev, l) {
			fmt.Fprintf(os.Stderr, "gen-offsets: %s and %s (both Go 1.%d) disagree\n",
				prev.from, l.from, l.minor)
			os.Exit(1)
		}
		byMinor[l.minor] = l
	}
	// Fill a missing minor from two agreeing neighbours.
	for minor := 17; minor <= 27; minor++ {
		if byMinor[minor] != nil {
			continue
		}
		lo, hi := byMinor[minor-1], byMinor[minor+1]
		if lo == nil || hi == nil || !same(lo, hi) {
			fmt.Fprintf(os.Stderr, "gen-offsets: no binary for Go 1.%d and no agreeing neighbours\n", minor)
			os.Exit(1)
		}
		c := *lo
		c.minor = minor
		c.version = fmt.Sprintf("go1.%d", minor)
		c.from = fmt.Sprintf("same as Go 1.%d and 1.%d (no toolchain here)", minor-1, minor+1)
		byMinor[minor] = &c
	}
	var ls []*layout
	for _, l := range byMinor {
		ls = append(ls, l)
	}
	sort.Slice(ls, func(i, j int) bool { return ls[i].minor < ls[j].minor })
	if err := write(*out, ls); err != nil {
		fmt.Fprintln(os.Stderr, "gen-offsets:", err)
		os.Exit(1)
	}
}
