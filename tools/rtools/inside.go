package main

// box-rtools inside: run as the container's process, it compares what it sees with the
// config.json at / (the stand-in for runtime-tools' runtimetest). One TAP line per check.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-tools/specerror"
	"github.com/opencontainers/runtime-tools/validate"
	"github.com/syndtr/gocapability/capability"
	"golang.org/x/sys/unix"
)

func inside() int {
	t := &tap{}
	data, err := os.ReadFile("/config.json")
	if err != nil {
		t.ok(false, "read /config.json", err.Error())
		return 1
	}
	var spec rspec.Spec
	if err := json.Unmarshal(data, &spec); err != nil {
		t.ok(false, "parse /config.json", err.Error())
		return 1
	}
	for _, check := range []func(*tap, *rspec.Spec){checkProcess, checkCaps, checkRlimits, checkRoot, checkMounts,
		checkDefaultDevices, checkLinux} {
		check(t, &spec)
	}
	t.plan()
	return 0
}

func checkProcess(t *tap, s *rspec.Spec) {
	p := s.Process
	if s.Hostname != "" {
		h, err := os.Hostname()
		t.ok(err == nil && h == s.Hostname, "hostname is "+s.Hostname, "got "+h)
	}
	wd, err := os.Getwd()
	t.spec(err == nil && wd == p.Cwd, specerror.ProcCwdAbs, "cwd is process.cwd "+p.Cwd, "got "+wd)
	have := map[string]bool{}
	for _, e := range os.Environ() {
		have[e] = true
	}
	for _, e := range p.Env {
		t.ok(have[e], "process.env: "+e, strings.Join(os.Environ(), "\n"))
	}
	t.ok(uint32(os.Getuid()) == p.User.UID && uint32(os.Geteuid()) == p.User.UID, fmt.Sprintf("uid is %d", p.User.UID),
		fmt.Sprintf("uid %d euid %d", os.Getuid(), os.Geteuid()))
	t.ok(uint32(os.Getgid()) == p.User.GID && uint32(os.Getegid()) == p.User.GID, fmt.Sprintf("gid is %d", p.User.GID),
		fmt.Sprintf("gid %d egid %d", os.Getgid(), os.Getegid()))
	groups, _ := os.Getgroups()
	for _, want := range p.User.AdditionalGids {
		found := false
		for _, g := range groups {
			found = found || uint32(g) == want
		}
		t.ok(found, fmt.Sprintf("additional gid %d", want), fmt.Sprintf("groups %v", groups))
	}
	nnp, err := unix.PrctlRetInt(unix.PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)
	t.ok(err == nil && (nnp == 1) == p.NoNewPrivileges, fmt.Sprintf("no_new_privs is %v", p.NoNewPrivileges), fmt.Sprintf("got %d", nnp))
	if p.OOMScoreAdj != nil {
		data, _ := os.ReadFile("/proc/self/oom_score_adj")
		got := strings.TrimSpace(string(data))
		t.spec(got == strconv.Itoa(*p.OOMScoreAdj), specerror.LinuxProcOomScoreAdjSet, fmt.Sprintf("oom_score_adj is %d", *p.OOMScoreAdj), "got "+got)
	}
}

func checkCaps(t *tap, s *rspec.Spec) {
	caps := s.Process.Capabilities
	if caps == nil {
		return
	}
	now, err := capability.NewPid2(0)
	if err == nil {
		err = now.Load()
	}
	if !t.ok(err == nil, "read the capabilities", errText(err)) {
		return
	}
	sets := []struct {
		which capability.CapType
		name  string
		want  []string
	}{{capability.BOUNDING, "bounding", caps.Bounding}, {capability.EFFECTIVE, "effective", caps.Effective},
		{capability.INHERITABLE, "inheritable", caps.Inheritable}, {capability.PERMITTED, "permitted", caps.Permitted},
		{capability.AMBIENT, "ambient", caps.Ambient}}
	last := validate.LastCap()
	for _, set := range sets {
		want := map[string]bool{}
		for _, c := range set.want {
			want[strings.ToUpper(c)] = true
		}
		var wrong []string
		for _, c := range capability.List() {
			if c > last {
				continue
			}
			name := "CAP_" + strings.ToUpper(c.String())
			if now.Get(set.which, c) != want[name] {
				wrong = append(wrong, fmt.Sprintf("%s: config %v, process %v", name, want[name], now.Get(set.which, c)))
			}
		}
		t.spec(len(wrong) == 0, specerror.LinuxProcCapError, "capabilities: the "+set.name+" set is the config's", wrong...)
	}
}

var rlimitNames = map[string]int{"RLIMIT_AS": unix.RLIMIT_AS, "RLIMIT_CORE": unix.RLIMIT_CORE, "RLIMIT_CPU": unix.RLIMIT_CPU,
	"RLIMIT_DATA": unix.RLIMIT_DATA, "RLIMIT_FSIZE": unix.RLIMIT_FSIZE, "RLIMIT_LOCKS": unix.RLIMIT_LOCKS,
	"RLIMIT_MEMLOCK": unix.RLIMIT_MEMLOCK, "RLIMIT_MSGQUEUE": unix.RLIMIT_MSGQUEUE, "RLIMIT_NICE": unix.RLIMIT_NICE,
	"RLIMIT_NOFILE": unix.RLIMIT_NOFILE, "RLIMIT_NPROC": unix.RLIMIT_NPROC, "RLIMIT_RSS": unix.RLIMIT_RSS,
	"RLIMIT_RTPRIO": unix.RLIMIT_RTPRIO, "RLIMIT_RTTIME": unix.RLIMIT_RTTIME, "RLIMIT_SIGPENDING": unix.RLIMIT_SIGPENDING,
	"RLIMIT_STACK": unix.RLIMIT_STACK}

func checkRlimits(t *tap, s *rspec.Spec) {
	for _, r := range s.Process.Rlimits {
		res, known := rlimitNames[r.Type]
		if !t.spec(known, specerror.PosixProcRlimitsTypeGet, "rlimit type "+r.Type) {
			continue
		}
		var got unix.Rlimit
		err := unix.Getrlimit(res, &got)
		if res == unix.RLIMIT_NOFILE && os.Getenv("BOX_RTOOLS_NOFILE") != "" {
			got.Cur, _ = strconv.ParseUint(os.Getenv("BOX_RTOOLS_NOFILE"), 10, 64) // as set before Go raised it
		}
		t.spec(err == nil && got.Cur == r.Soft, specerror.PosixProcRlimitsSoftMatchCur, fmt.Sprintf("%s soft is %d", r.Type, r.Soft), fmt.Sprintf("got %d", got.Cur))
		t.spec(err == nil && got.Max == r.Hard, specerror.PosixProcRlimitsHardMatchMax, fmt.Sprintf("%s hard is %d", r.Type, r.Hard), fmt.Sprintf("got %d", got.Max))
	}
}

func checkRoot(t *tap, s *rspec.Spec) {
	var st unix.Statfs_t
	err := unix.Statfs("/", &st)
	ro := st.Flags&unix.ST_RDONLY != 0
	t.spec(err == nil && ro == s.Root.Readonly, specerror.RootReadonlyImplement, fmt.Sprintf("root.readonly %v: / is read-only %v", s.Root.Readonly, ro))
}

// mountInfo: one line of /proc/self/mountinfo.
type mountInfo struct {
	point, fstype, options, optional string
}

func mountTable() []mountInfo {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []mountInfo
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		sep := 6
		for sep < len(fields) && fields[sep] != "-" {
			sep++
		}
		if sep+1 >= len(fields) {
			continue
		}
		out = append(out, mountInfo{point: unescape(fields[4]), options: fields[5],
			optional: strings.Join(fields[6:sep], " "), fstype: fields[sep+1]})
	}
	return out
}

func unescape(s string) string {
	r := strings.NewReplacer(`\040`, " ", `\011`, "\t", `\012`, "\n", `\134`, `\`)
	return r.Replace(s)
}

// lastMount: the index of the topmost mount at path (-1 if none).
func lastMount(table []mountInfo, path string) int {
	idx := -1
	for i, m := range table {
		if m.point == path {
			idx = i
		}
	}
	return idx
}

func checkMounts(t *tap, s *rspec.Spec) {
	table := mountTable()
	prev := -1
	for _, m := range s.Mounts {
		dest := filepath.Clean(m.Destination)
		if real, err := filepath.EvalSymlinks(dest); err == nil {
			dest = real
		}
		i := lastMount(table, dest)
		if !t.ok(i >= 0, "mount at "+m.Destination) {
			continue
		}
		if m.Type != "" && m.Type != "bind" && m.Type != "none" {
			t.ok(table[i].fstype == m.Type, fmt.Sprintf("mount at %s has type %s", m.Destination, m.Type), "got "+table[i].fstype)
		}
		for _, o := range m.Options {
			if o == "ro" || o == "rw" {
				var st unix.Statfs_t
				err := unix.Statfs(m.Destination, &st)
				t.ok(err == nil && (st.Flags&unix.ST_RDONLY != 0) == (o == "ro"), fmt.Sprintf("mount at %s is %s", m.Destination, o), errText(err))
			}
		}
		if m.Type == "bind" || m.Type == "none" {
			continue // (as runtimetest: a bind mount's place in mountinfo is not checked)
		}
		t.spec(i > prev, specerror.MountsInOrder, "mount at "+m.Destination+" is mounted after the mounts before it in config.json",
			fmt.Sprintf("position %d, the previous at %d", i, prev))
		prev = i
	}
}

func checkDefaultDevices(t *tap, s *rspec.Spec) {
	devs := []struct {
		path         string
		major, minor uint32
	}{{"/dev/null", 1, 3}, {"/dev/zero", 1, 5}, {"/dev/full", 1, 7}, {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0}}
	for _, d := range devs {
		var st unix.Stat_t
		err := unix.Stat(d.path, &st)
		ok := err == nil && st.Mode&unix.S_IFMT == unix.S_IFCHR && unix.Major(st.Rdev) == d.major && unix.Minor(st.Rdev) == d.minor
		t.spec(ok, specerror.DefaultDevices, fmt.Sprintf("%s is the char device %d:%d", d.path, d.major, d.minor),
			fmt.Sprintf("%s, mode %o rdev %d:%d", errText(err), st.Mode, unix.Major(st.Rdev), unix.Minor(st.Rdev)))
	}
	links := map[string]string{"/dev/fd": "/proc/self/fd", "/dev/stdin": "/proc/self/fd/0", "/dev/stdout": "/proc/self/fd/1",
		"/dev/stderr": "/proc/self/fd/2"}
	for _, l := range []string{"/dev/fd", "/dev/stdin", "/dev/stdout", "/dev/stderr"} {
		target, err := os.Readlink(l)
		t.spec(err == nil && target == links[l], specerror.DefaultRuntimeLinuxSymlinks, l+" -> "+links[l], "got "+target+" "+errText(err))
	}
	table := mountTable()
	for _, fs := range []struct{ path, fstype string }{{"/proc", "proc"}, {"/sys", "sysfs"}, {"/dev/pts", "devpts"}, {"/dev/shm", "tmpfs"}} {
		i := lastMount(table, fs.path)
		t.spec(i >= 0 && table[i].fstype == fs.fstype, specerror.DefaultFilesystems, fmt.Sprintf("%s is a %s", fs.path, fs.fstype))
	}
}

func checkLinux(t *tap, s *rspec.Spec) {
	l := s.Linux
	if l == nil {
		return
	}
	for _, p := range l.MaskedPaths {
		checkMasked(t, p)
	}
	for _, p := range l.ReadonlyPaths {
		if _, err := os.Lstat(p); err != nil {
			continue
		}
		var st unix.Statfs_t
		err := unix.Statfs(p, &st)
		t.ok(err == nil && st.Flags&unix.ST_RDONLY != 0, "readonlyPaths: "+p+" is read-only", errText(err))
	}
	for k, v := range l.Sysctl {
		data, err := os.ReadFile("/proc/sys/" + strings.ReplaceAll(k, ".", "/"))
		got := strings.TrimSpace(string(data))
		t.ok(err == nil && got == v, fmt.Sprintf("sysctl %s = %s", k, v), "got "+got+" "+errText(err))
	}
	for _, d := range l.Devices {
		checkDevice(t, d)
	}
	if l.Seccomp != nil {
		t.ok(statusField("Seccomp") == "2", "linux.seccomp: the process runs under a seccomp filter", "Seccomp: "+statusField("Seccomp"))
	}
	if name := s.Annotations["org.boxkit.rtools.mkdir"]; name != "" {
		err := unix.Mkdir("/tmp/box-rtools-mkdir", 0755)
		got := "OK"
		if err != nil {
			got = unix.ErrnoName(err.(unix.Errno))
		}
		t.ok(got == name, "linux.seccomp: mkdir returns "+name, "got "+got)
	}
	checkIDMap(t, "/proc/self/uid_map", l.UIDMappings)
	checkIDMap(t, "/proc/self/gid_map", l.GIDMappings)
	if l.RootfsPropagation != "" {
		table := mountTable()
		i := lastMount(table, "/")
		opt := ""
		if i >= 0 {
			opt = table[i].optional
		}
		want := map[string]func(string) bool{
			"shared": func(o string) bool { return strings.Contains(o, "shared:") },
			// (a slave of a private mount is private: master: shows only when the host's mount is shared)
			"slave":      func(o string) bool { return !strings.Contains(o, "shared:") },
			"private":    func(o string) bool { return o == "" },
			"unbindable": func(o string) bool { return strings.Contains(o, "unbindable") },
		}[l.RootfsPropagation]
		t.ok(want != nil && want(opt), "rootfsPropagation "+l.RootfsPropagation, "/ has optional fields: "+opt)
	}
}

// checkMasked: a masked path reads as nothing (a file: /dev/null; a directory: an empty tmpfs).
func checkMasked(t *tap, p string) {
	fi, err := os.Stat(p)
	if err != nil {
		return // the spec masks only what exists
	}
	if fi.IsDir() {
		entries, err := os.ReadDir(p)
		t.ok(err == nil && len(entries) == 0, "maskedPaths: the directory "+p+" shows nothing", fmt.Sprintf("%d entries %s", len(entries), errText(err)))
		return
	}
	data, err := os.ReadFile(p)
	t.ok(len(data) == 0, "maskedPaths: the file "+p+" reads as empty", fmt.Sprintf("%d bytes %s", len(data), errText(err)))
}

func checkDevice(t *tap, d rspec.LinuxDevice) {
	var st unix.Stat_t
	err := unix.Stat(d.Path, &st)
	kinds := map[string]uint32{"c": unix.S_IFCHR, "u": unix.S_IFCHR, "b": unix.S_IFBLK, "p": unix.S_IFIFO}
	ok := err == nil && st.Mode&unix.S_IFMT == kinds[d.Type]
	if d.Type != "p" {
		ok = ok && int64(unix.Major(st.Rdev)) == d.Major && int64(unix.Minor(st.Rdev)) == d.Minor
	}
	if d.FileMode != nil {
		ok = ok && os.FileMode(st.Mode&0777) == *d.FileMode&0777
	}
	if d.UID != nil {
		ok = ok && st.Uid == *d.UID
	}
	if d.GID != nil {
		ok = ok && st.Gid == *d.GID
	}
	t.spec(ok, specerror.DevicesAvailable, fmt.Sprintf("devices: %s is %s %d:%d", d.Path, d.Type, d.Major, d.Minor),
		fmt.Sprintf("%s: mode %o rdev %d:%d uid %d gid %d", errText(err), st.Mode, unix.Major(st.Rdev), unix.Minor(st.Rdev), st.Uid, st.Gid))
}

func checkIDMap(t *tap, file string, want []rspec.LinuxIDMapping) {
	if len(want) == 0 {
		return
	}
	data, _ := os.ReadFile(file)
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		got = append(got, strings.Join(strings.Fields(line), " "))
	}
	var exp []string
	for _, m := range want {
		exp = append(exp, fmt.Sprintf("%d %d %d", m.ContainerID, m.HostID, m.Size))
	}
	t.ok(strings.Join(got, ",") == strings.Join(exp, ","), file+" is the config's mappings", "got "+strings.Join(got, ","))
}

// statusField: a field of /proc/self/status.
func statusField(name string) string {
	data, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, name+":") {
			return strings.TrimSpace(strings.TrimPrefix(line, name+":"))
		}
	}
	return ""
}
