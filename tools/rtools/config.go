package main

// The configuration validations: a config made with runtime-tools' generator runs
// `box-rtools inside`, which checks from inside that the container is what the config asks for.
// Also the namespace validations, checked from the host, and the bundle validation of `spec`.

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"

	"github.com/hashicorp/go-multierror"
	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-tools/generate"
	"github.com/opencontainers/runtime-tools/specerror"
	"github.com/opencontainers/runtime-tools/validate"
)

func vDefault(t *tap) { runInside(t, defaultGenerator(), nil) }

func vHostname(t *tap) {
	g := defaultGenerator()
	g.SetHostname("box-rtools-host")
	runInside(t, g, nil)
}

func vOOMScoreAdj(t *tap) {
	g := defaultGenerator()
	g.SetProcessOOMScoreAdj(123)
	runInside(t, g, nil)
}

func vRootReadonly(t *tap) {
	g := defaultGenerator()
	g.SetRootReadonly(true)
	runInside(t, g, nil)
}

func vSysctl(t *tap) {
	g := defaultGenerator()
	g.AddLinuxSysctl("net.ipv4.ip_forward", "1")
	g.AddLinuxSysctl("kernel.shmmni", "1234")
	runInside(t, g, nil)
}

var tapLine = regexp.MustCompile(`^(not ok|ok) \d+ - (.*)$`)

// runInside: save G's config in a new bundle (after PREPARE changes its rootfs), `run` it with
// `box-rtools inside` as the program, and copy the inside's TAP lines into T.
func runInside(t *tap, g *generate.Generator, prepare func(rootfs string)) {
	b := current.bundle()
	if prepare != nil {
		prepare(filepath.Join(b, "rootfs"))
	}
	// Go raises its own soft RLIMIT_NOFILE to the hard one at start-up: the shell passes on the
	// limit the runtime set.
	g.SetProcessArgs([]string{"sh", "-c", "BOX_RTOOLS_NOFILE=$(ulimit -Sn) exec /bin/box-rtools inside"})
	save(g, b)
	c := current.container(b)
	out, err := c.run("run", "--bundle", b, c.id)
	checks := 0
	sc := bufio.NewScanner(strings.NewReader(out))
	var other []string
	for sc.Scan() {
		line := sc.Text()
		if m := tapLine.FindStringSubmatch(line); m != nil {
			t.n++
			checks++
			if m[1] == "not ok" {
				t.failed++
			}
			fmt.Printf("%s %d - %s\n", m[1], t.n, m[2])
		} else if strings.HasPrefix(line, "#") {
			fmt.Println(line)
		} else if !strings.HasPrefix(line, "1..") {
			other = append(other, line)
		}
	}
	t.ok(err == nil && checks > 0, "the container ran the checks to the end", append([]string{errText(err)}, other...)...)
}

func vProcess(t *tap) {
	g := defaultGenerator()
	g.SetProcessCwd("/tmp")
	g.AddProcessEnv("BOX_RTOOLS", "yes")
	g.SetProcessNoNewPrivileges(true)
	runInside(t, g, nil)
}

func vProcessUser(t *tap) {
	g := defaultGenerator()
	g.SetProcessUID(1000)
	g.SetProcessGID(1000)
	g.AddProcessAdditionalGid(5)
	g.AddProcessAdditionalGid(7)
	runInside(t, g, nil)
}

func vRlimits(t *tap) {
	g := defaultGenerator()
	g.AddProcessRlimits("RLIMIT_NOFILE", 2048, 1024)
	g.AddProcessRlimits("RLIMIT_CORE", 0, 0)
	g.AddProcessRlimits("RLIMIT_NPROC", 5000, 4000)
	runInside(t, g, nil)
}

func vCaps(t *tap) {
	g := defaultGenerator()
	g.ClearProcessCapabilities()
	for _, c := range []string{"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"} {
		g.AddProcessCapabilityBounding(c)
		g.AddProcessCapabilityPermitted(c)
		g.AddProcessCapabilityEffective(c)
		g.AddProcessCapabilityInheritable(c)
	}
	g.AddProcessCapabilityAmbient("CAP_KILL")
	runInside(t, g, nil)

	// process_capabilities_fail: a capability the runtime does not know is an error.
	b := current.bundle()
	g = defaultGenerator()
	g.Config.Process.Capabilities.Bounding = append(g.Config.Process.Capabilities.Bounding, "CAP_BOX_RTOOLS")
	save(g, b)
	err := current.container(b).create()
	t.spec(err != nil, specerror.LinuxProcCapError, "create fails on a capability that does not exist", errText(err))
}

// vSeccomp: the generator's allow-list with mkdir and mkdirat denied (EPERM), then allowed again
// under a profile that only errs on something else.
func vSeccomp(t *tap) {
	g := defaultGenerator()
	g.Config.Linux.Seccomp.Syscalls = append(g.Config.Linux.Seccomp.Syscalls,
		rspec.LinuxSyscall{Names: []string{"mkdir", "mkdirat"}, Action: rspec.ActErrno})
	for i, sc := range g.Config.Linux.Seccomp.Syscalls { // (the allow-list names them: take them out)
		var keep []string
		for _, n := range sc.Names {
			if sc.Action != rspec.ActAllow || (n != "mkdir" && n != "mkdirat") {
				keep = append(keep, n)
			}
		}
		g.Config.Linux.Seccomp.Syscalls[i].Names = keep
	}
	g.AddAnnotation("org.boxkit.rtools.mkdir", "EPERM")
	runInside(t, g, nil)
	g = defaultGenerator()
	g.Config.Linux.Seccomp = &rspec.LinuxSeccomp{DefaultAction: rspec.ActAllow,
		Syscalls: []rspec.LinuxSyscall{{Names: []string{"kexec_load"}, Action: rspec.ActErrno}}}
	g.AddAnnotation("org.boxkit.rtools.mkdir", "OK")
	runInside(t, g, nil)
}

func vMounts(t *tap) {
	g := defaultGenerator()
	g.AddMount(rspec.Mount{Destination: "/mnt/rtools-tmpfs", Type: "tmpfs", Source: "tmpfs", Options: []string{"size=1m"}})
	g.AddMount(rspec.Mount{Destination: "/mnt/rtools-bind", Type: "bind", Source: current.work, Options: []string{"rbind", "ro"}})
	g.AddMount(rspec.Mount{Destination: "/mnt/rtools-tmpfs/nested", Type: "tmpfs", Source: "tmpfs"})
	runInside(t, g, nil)
}

func vMasked(t *tap) { vPaths(t, "masked", (*generate.Generator).AddLinuxMaskedPaths) }

func vReadonly(t *tap) { vPaths(t, "readonly", (*generate.Generator).AddLinuxReadonlyPaths) }

// vPaths: maskedPaths or readonlyPaths with a directory (not empty), a file and a path that
// does not exist (the runtime skips it).
func vPaths(t *tap, kind string, add func(*generate.Generator, string)) {
	g := defaultGenerator()
	for _, p := range []string{"-dir", "-file", "-absent"} {
		add(g, "/"+kind+p)
	}
	runInside(t, g, func(rootfs string) {
		os.MkdirAll(filepath.Join(rootfs, kind+"-dir/sub"), 0755)
		os.WriteFile(filepath.Join(rootfs, kind+"-dir/secret"), []byte("secret"), 0644)
		os.WriteFile(filepath.Join(rootfs, kind+"-file"), []byte("secret"), 0644)
	})
}

func vDevices(t *tap) {
	g := defaultGenerator()
	mode := os.FileMode(0640)
	uid, gid := uint32(1), uint32(2)
	g.AddDevice(rspec.LinuxDevice{Path: "/dev/rtools-null", Type: "c", Major: 1, Minor: 3, FileMode: &mode, UID: &uid, GID: &gid})
	g.AddDevice(rspec.LinuxDevice{Path: "/dev/rtools-loop", Type: "b", Major: 7, Minor: 100})
	g.AddDevice(rspec.LinuxDevice{Path: "/dev/rtools-fifo", Type: "p"})
	runInside(t, g, nil)

	// A file at a device's path that is not that device: create fails.
	b := current.bundle()
	os.WriteFile(filepath.Join(b, "rootfs/rtools-file"), []byte("not a device"), 0644)
	g = defaultGenerator()
	g.AddDevice(rspec.LinuxDevice{Path: "/rtools-file", Type: "c", Major: 1, Minor: 3})
	save(g, b)
	c := current.container(b)
	err := c.create()
	t.spec(err != nil, specerror.DevicesFileNotMatch, "create fails when a file at a device's path is not that device", errText(err))
}

func vUserns(t *tap) {
	g := defaultGenerator()
	g.AddOrReplaceLinuxNamespace("user", "")
	g.AddLinuxUIDMapping(100000, 0, 65536)
	g.AddLinuxGIDMapping(100000, 0, 65536)
	runInside(t, g, func(rootfs string) {
		// the mapped root must be able to read the rootfs and config.json
		exec.Command("chown", "-R", "100000:100000", rootfs).Run()
	})
}

func vPropagation(t *tap) {
	for _, p := range []string{"shared", "slave", "private", "unbindable"} {
		t.diag("rootfsPropagation %s", p)
		g := defaultGenerator()
		g.SetLinuxRootPropagation(p)
		runInside(t, g, nil)
	}
}

// nsLink: the namespace of TYPE (a /proc/PID/ns name) that process PID is in.
func nsLink(pid int, name string) string {
	l, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, name))
	return l
}

var nsFiles = map[rspec.LinuxNamespaceType]string{rspec.PIDNamespace: "pid", rspec.NetworkNamespace: "net", rspec.MountNamespace: "mnt",
	rspec.IPCNamespace: "ipc", rspec.UTSNamespace: "uts", rspec.UserNamespace: "user", rspec.CgroupNamespace: "cgroup"}

// createdPid: create a container of G's config (a sleeping program) and return it and its pid.
func createdPid(t *tap, g *generate.Generator) (*container, int) {
	b := current.bundle()
	g.SetProcessArgs([]string{"sleep", "30"})
	save(g, b)
	c := current.container(b)
	if !t.ok(c.create() == nil, "create") {
		return c, 0
	}
	s, err := c.state()
	if !t.ok(err == nil && s.Pid > 0, "state.pid", errText(err)) {
		return c, 0
	}
	return c, s.Pid
}

func vNsNoPath(t *tap) {
	g := defaultGenerator()
	for _, ns := range []string{"network", "ipc", "uts", "cgroup"} {
		g.AddOrReplaceLinuxNamespace(ns, "")
	}
	c, pid := createdPid(t, g)
	if pid == 0 {
		return
	}
	for _, ns := range g.Config.Linux.Namespaces {
		f := nsFiles[ns.Type]
		got, host := nsLink(pid, f), nsLink(os.Getpid(), f)
		t.spec(got != "" && got != host, specerror.NSNewNSWithoutPath, fmt.Sprintf("%s namespace without a path is new", ns.Type),
			fmt.Sprintf("container %s, runtime %s", got, host))
	}
	c.remove()
}

func vNsInherit(t *tap) {
	g := defaultGenerator()
	for _, ns := range []string{"network", "ipc", "uts", "cgroup"} {
		g.RemoveLinuxNamespace(ns)
	}
	g.RemoveHostname() // a hostname needs a uts namespace of its own
	c, pid := createdPid(t, g)
	if pid == 0 {
		return
	}
	for _, f := range []string{"net", "ipc", "uts", "cgroup"} {
		got, host := nsLink(pid, f), nsLink(os.Getpid(), f)
		t.spec(got != "" && got == host, specerror.NSInheritWithoutType, fmt.Sprintf("%s namespace not in the config is the runtime's", f),
			fmt.Sprintf("container %s, runtime %s", got, host))
	}
	c.remove()
}

// holder: start a process of ours (unshare ARGS...) that holds new namespaces; killed at cleanup.
func holder(t *tap, what string, args ...string) *exec.Cmd {
	h := exec.Command("unshare", args...)
	if !t.ok(h.Start() == nil, "a process holding "+what) {
		return nil
	}
	current.cleanups = append(current.cleanups, func() { h.Process.Kill(); h.Wait() })
	return h
}

// joinByPath: a container given the namespaces process HOLDER is in (config type and /proc ns
// name, each) is in them; one given a namespace of another type for WRONG[0] fails create.
func joinByPath(t *tap, hp int, types [][2]string, wrong [2]string) {
	g := defaultGenerator()
	for _, ty := range types {
		g.AddOrReplaceLinuxNamespace(ty[0], fmt.Sprintf("/proc/%d/ns/%s", hp, ty[1]))
	}
	c, pid := createdPid(t, g)
	if pid == 0 {
		return
	}
	for _, ty := range types {
		got, want := nsLink(pid, ty[1]), nsLink(hp, ty[1])
		t.spec(got != "" && got == want, specerror.NSProcInPath, fmt.Sprintf("the container joined the %s namespace at the path", ty[0]),
			fmt.Sprintf("container %s, path's %s", got, want))
	}
	c.remove()
	g = defaultGenerator()
	g.AddOrReplaceLinuxNamespace(wrong[0], fmt.Sprintf("/proc/%d/ns/%s", hp, wrong[1]))
	b := current.bundle()
	save(g, b)
	err := current.container(b).create()
	t.spec(err != nil, specerror.NSPathMatchTypeError, fmt.Sprintf("create fails when a %s namespace path is a %s namespace", wrong[0], wrong[1]),
		errText(err))
}

// vNsPath: the container joins net, ipc and uts namespaces that a process of ours holds.
func vNsPath(t *tap) {
	h := holder(t, "new net, ipc and uts namespaces", "--net", "--ipc", "--uts", "sleep", "60")
	if h == nil {
		return
	}
	hp := h.Process.Pid
	for end := time.Now().Add(waitLong); nsLink(hp, "net") == nsLink(os.Getpid(), "net") && time.Now().Before(end); {
		time.Sleep(10 * time.Millisecond)
	}
	joinByPath(t, hp, [][2]string{{"network", "net"}, {"ipc", "ipc"}, {"uts", "uts"}}, [2]string{"network", "uts"})
}

// vNsPathType: the container joins a pid namespace that a process of ours holds.
func vNsPathType(t *tap) {
	h := holder(t, "a new pid namespace", "--pid", "--fork", "--mount-proc", "sleep", "60")
	if h == nil {
		return
	}
	var inner int // the sleep, pid 1 of the new namespace, is the unshare's child
	for end := time.Now().Add(waitLong); inner == 0 && time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", h.Process.Pid, h.Process.Pid))
		fmt.Sscan(string(data), &inner)
	}
	if t.ok(inner > 0, "the holder's pid 1 is found") {
		joinByPath(t, inner, [][2]string{{"pid", "pid"}}, [2]string{"pid", "net"})
	}
}

// vSpec: `RUNTIME spec` writes a config that runtime-tools' bundle validator accepts.
func vSpec(t *tap) {
	dir, err := os.MkdirTemp(current.work, "spec.")
	if err != nil {
		fatal(err)
	}
	current.cleanups = append(current.cleanups, func() { os.RemoveAll(dir) })
	os.Mkdir(filepath.Join(dir, "rootfs"), 0755)
	c := &container{e: current, id: "", bundle: dir}
	_, err = c.run("spec", "--bundle", dir)
	if !t.ok(err == nil, "spec writes config.json", errText(err)) {
		return
	}
	v, err := validate.NewValidatorFromPath(dir, true, runtime.GOOS)
	if !t.ok(err == nil, "config.json parses", errText(err)) {
		return
	}
	// CheckAll less CheckJSONSchema (it fetches the schema from the network).
	checks := []struct {
		name string
		fn   func() error
	}{{"platform", v.CheckPlatform}, {"root", v.CheckRoot}, {"mandatory fields", v.CheckMandatoryFields},
		{"ociVersion", v.CheckSemVer}, {"mounts", v.CheckMounts}, {"process", v.CheckProcess},
		{"linux", v.CheckLinux}, {"annotations", v.CheckAnnotations}, {"hooks", v.CheckHooks}}
	for _, ch := range checks {
		err := ch.fn()
		if m, isMulti := err.(*multierror.Error); isMulti {
			err = m.ErrorOrNil()
		}
		what := "spec's config.json passes runtime-tools' " + ch.name + " checks"
		if ch.name == "ociVersion" && err != nil && strings.Contains(err.Error(), "only handles version") {
			t.skip(what, "this validator accepts only its own spec version ("+rspec.Version+")")
			continue
		}
		t.ok(err == nil, what, errText(err))
	}
}
