package main

// The cgroup validations (config-linux.md "Control groups"): linux.resources land in the
// container's cgroup, at cgroupsPath (absolute: under the cgroup mounts; relative: under the
// runtime's own cgroup), and delete removes only what create made. Read from the host through
// /proc/PID/cgroup, for v1 controllers and for the unified hierarchy alike.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-tools/specerror"
)

// cgroupDir: the directory of cgroup PATH for CONTROLLER: in its v1 hierarchy if it has one,
// else in the unified one.
func cgroupDir(controller, path string) string {
	if _, err := os.Stat(filepath.Join("/sys/fs/cgroup", controller)); err == nil {
		return filepath.Join("/sys/fs/cgroup", controller, path)
	}
	return filepath.Join("/sys/fs/cgroup", path)
}

// cgroupOf: the cgroup of PID for CONTROLLER (v1), else its unified cgroup; and the directory.
func cgroupOf(pid int, controller string) (path, dir string) {
	data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	unified := ""
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			if c == controller {
				return parts[2], cgroupDir(controller, parts[2])
			}
		}
		if parts[0] == "0" {
			unified = parts[2]
		}
	}
	return unified, cgroupDir(controller, unified)
}

func readTrim(path string) string {
	data, _ := os.ReadFile(path)
	return strings.TrimSpace(string(data))
}

// cgroupCase: create a container with RESOURCES at CGPATH; check each controller/file (v1
// name, v2 name) holds its value, and that the container is at CGPATH.
func cgroupCase(t *tap, cgpath string, r *rspec.LinuxResources, files [][4]string) {
	g := defaultGenerator()
	g.SetLinuxCgroupsPath(cgpath)
	g.Config.Linux.Resources = r
	c, pid := createdPid(t, g)
	if pid == 0 {
		return
	}
	// absolute: from the cgroup mount; relative: from the runtime's own cgroup (box-rtools's)
	want := func(controller string) string {
		if strings.HasPrefix(cgpath, "/") {
			return cgpath
		}
		own, _ := cgroupOf(os.Getpid(), controller)
		return filepath.Join(own, cgpath)
	}
	for _, f := range files { // controller, v1 file, v2 file, value
		path, dir := cgroupOf(pid, f[0])
		t.spec(path == want(f[0]), specerror.CgroupsPathAttach, fmt.Sprintf("%s: the container is in the cgroup %s", f[0], want(f[0])),
			"it is in "+path)
		file := f[1]
		if _, err := os.Stat(filepath.Join(dir, file)); err != nil {
			file = f[2]
		}
		got := readTrim(filepath.Join(dir, file))
		t.ok(got == f[3], fmt.Sprintf("%s: %s is %s", f[0], file, f[3]), "got "+got)
	}
	c.remove()
	dir := cgroupDir(files[0][0], want(files[0][0]))
	_, err := os.Stat(dir)
	t.ok(os.IsNotExist(err), "delete removed the cgroup it made", dir+" "+errText(err))
}

func int64p(v int64) *int64    { return &v }
func uint64p(v uint64) *uint64 { return &v }

func vCgroupsPids(t *tap) {
	cgroupCase(t, "/box/"+current.prefix+"-pids", &rspec.LinuxResources{Pids: &rspec.LinuxPids{Limit: 100}},
		[][4]string{{"pids", "pids.max", "pids.max", "100"}})
}

func vCgroupsRelativePids(t *tap) {
	cgroupCase(t, "box/"+current.prefix+"-relative-pids", &rspec.LinuxResources{Pids: &rspec.LinuxPids{Limit: 100}},
		[][4]string{{"pids", "pids.max", "pids.max", "100"}})
}

func vCgroupsMemory(t *tap) {
	cgroupCase(t, "/box/"+current.prefix+"-memory", &rspec.LinuxResources{Memory: &rspec.LinuxMemory{Limit: int64p(64 << 20)}},
		[][4]string{{"memory", "memory.limit_in_bytes", "memory.max", fmt.Sprint(64 << 20)}})
}

func vCgroupsCpus(t *tap) {
	cpu := &rspec.LinuxCPU{Shares: uint64p(512), Quota: int64p(50000), Period: uint64p(100000), Cpus: "0", Mems: "0"}
	cgroupCase(t, "/box/"+current.prefix+"-cpus", &rspec.LinuxResources{CPU: cpu},
		[][4]string{{"cpu", "cpu.cfs_quota_us", "cpu.max", "50000"}, {"cpu", "cpu.cfs_period_us", "cpu.max", "100000"},
			{"cpu", "cpu.shares", "cpu.weight", "512"}, {"cpuset", "cpuset.cpus", "cpuset.cpus", "0"},
			{"cpuset", "cpuset.mems", "cpuset.mems", "0"}})
}

// vDeleteOnlyCreated: a cgroupsPath that exists already is the container's, but not its to
// remove: delete leaves it.
func vDeleteOnlyCreated(t *tap) {
	dir := filepath.Join("/sys/fs/cgroup/pids/box", current.prefix+"-existing")
	if _, err := os.Stat("/sys/fs/cgroup/pids"); err != nil {
		dir = filepath.Join("/sys/fs/cgroup/box", current.prefix+"-existing")
	}
	if !t.ok(os.MkdirAll(dir, 0755) == nil, "a cgroup made before create: "+dir) {
		return
	}
	// box/ is every container's parent: the last one out removes it (rmdir fails while in use)
	current.cleanups = append(current.cleanups, func() { os.Remove(dir); os.Remove(filepath.Dir(dir)) })
	g := defaultGenerator()
	g.SetLinuxCgroupsPath("/box/" + current.prefix + "-existing")
	g.SetLinuxResourcesPidsLimit(100)
	c, pid := createdPid(t, g)
	if pid == 0 {
		return
	}
	c.remove()
	_, err := os.Stat(dir)
	t.spec(err == nil, specerror.DeleteOnlyCreatedRes, "delete left the cgroup that create did not make", errText(err))
}
