package main

// The lifecycle validations (runtime.md "Operations" and "Lifecycle"): create, start, state,
// kill, delete, the pid file and the hooks, after the upstream programs of the same names.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-tools/generate"
	"github.com/opencontainers/runtime-tools/specerror"
	"github.com/xeipuuv/gojsonschema"
)

// recorder: a bundle whose program appends "ran" to /ran in its (writable) rootfs copy.
func recorder(script string) (string, func() string) {
	b := current.bundle()
	g := defaultGenerator()
	g.SetProcessArgs([]string{"sh", "-c", script})
	save(g, b)
	return b, func() string {
		data, _ := os.ReadFile(filepath.Join(b, "rootfs/ran"))
		return string(data)
	}
}

const waitLong = 10 * time.Second

func vCreate(t *tap) {
	b, ran := recorder("echo ran >> /ran")
	c := current.container(b)
	_, err := c.run("create", "--bundle", b)
	t.spec(err != nil, specerror.CreateWithBundlePathAndID, "create without an id is an error", errText(err))
	err = c.create()
	t.spec(err == nil, specerror.CreateWithBundlePathAndID, "create with a bundle and an id", errText(err))
	s, err := c.state()
	t.spec(err == nil && s.Status == rspec.StateCreated, specerror.CreateNewContainer, "after create the container exists and is created",
		fmt.Sprintf("status %q, %s", s.Status, errText(err)))
	time.Sleep(100 * time.Millisecond)
	t.spec(ran() == "", specerror.ProcArgsApplyUntilStart, "create does not run process.args (until start)", "the program ran: "+ran())
	dup := &container{e: current, id: c.id, bundle: b}
	err = dup.create()
	t.spec(err != nil, specerror.CreateWithUniqueID, "create with an id in use is an error", errText(err))
	s2, err2 := c.state()
	t.spec(err2 == nil && s2.Status == rspec.StateCreated && s2.Pid == s.Pid, specerror.ErrorsLeaveStateUnchange,
		"the refused create left the first container as it was", fmt.Sprintf("%+v %s", s2, errText(err2)))
	c.remove()

	// A config the runtime cannot apply: a bind mount of a source that does not exist.
	g := defaultGenerator()
	g.AddMount(rspec.Mount{Destination: "/mnt", Type: "bind", Source: filepath.Join(b, "no-such-source"), Options: []string{"bind"}})
	save(g, b)
	bad := current.container(b)
	err = bad.create()
	t.spec(err != nil, specerror.PropApplyFailGenError, "create fails when a config property cannot be applied", errText(err))
	_, err = bad.state()
	t.spec(err != nil, specerror.PropApplyFailNotCreate, "and no container is left of that create", "state works: the container exists")
}

func vStart(t *tap) {
	b, ran := recorder("echo ran >> /ran")
	c := current.container(b)
	_, err := c.run("start")
	t.spec(err != nil, specerror.StartWithoutIDGenError, "start without an id is an error", errText(err))
	err = c.start()
	t.spec(err != nil, specerror.StartNotCreatedGenError, "start of a container that does not exist is an error", errText(err))
	if !t.ok(c.create() == nil, "create") {
		return
	}
	err = c.start()
	t.spec(err == nil, specerror.StartProcImplement, "start of a created container", errText(err))
	st := c.waitStatus(waitLong, rspec.StateStopped)
	t.spec(ran() == "ran\n", specerror.StartProcImplement, "start runs the program of process.args", fmt.Sprintf("/ran: %q, status %s", ran(), st))
	err = c.start()
	t.spec(err != nil, specerror.StartNotCreatedGenError, "start of a stopped container is an error", errText(err))
	time.Sleep(100 * time.Millisecond)
	t.spec(ran() == "ran\n", specerror.StartNotCreatedHaveNoEffect, "and has no effect (the program did not run again)", fmt.Sprintf("/ran: %q", ran()))
}

// stateSchema: runtime-spec's JSON schema of the state, as Debian ships it.
func stateSchema() string {
	if d := os.Getenv("RTOOLS_SCHEMA"); d != "" {
		return filepath.Join(d, "state-schema.json")
	}
	return "/usr/share/gocode/src/github.com/opencontainers/runtime-spec/schema/state-schema.json"
}

func vState(t *tap) {
	b := current.bundle()
	g := defaultGenerator()
	g.SetProcessArgs([]string{"sleep", "30"})
	g.AddAnnotation("org.boxkit.rtools", "state")
	save(g, b)
	c := current.container(b)
	_, err := c.run("state")
	t.spec(err != nil, specerror.QueryWithoutIDGenError, "state without an id is an error", errText(err))
	_, err = c.state()
	t.spec(err != nil, specerror.QueryNonExistGenError, "state of a container that does not exist is an error", errText(err))
	if !t.ok(c.create() == nil, "create") {
		return
	}
	out, err := c.run("state", c.id)
	s, err2 := c.state()
	if !t.ok(err == nil && err2 == nil, "state of a created container", errText(err), errText(err2)) {
		return
	}
	res, err := gojsonschema.Validate(gojsonschema.NewReferenceLoader("file://"+stateSchema()), gojsonschema.NewStringLoader(out))
	valid := err == nil && res.Valid()
	detail := errText(err)
	if res != nil {
		for _, e := range res.Errors() {
			detail += "\n" + e.String()
		}
	}
	t.spec(valid, specerror.DefaultStateJSONPattern, "the state validates against runtime-spec's state-schema.json", detail)
	t.spec(s.Version != "", specerror.QueryStateImplement, "state.ociVersion is set", out)
	t.spec(s.ID == c.id, specerror.QueryStateImplement, "state.id is the container's id", out)
	t.spec(s.Status == rspec.StateCreated, specerror.QueryStateImplement, "state.status is created after create", out)
	_, perr := os.Stat(fmt.Sprintf("/proc/%d", s.Pid))
	t.spec(s.Pid > 0 && perr == nil, specerror.QueryStateImplement, "state.pid is the container's process (alive on the host)", out)
	t.spec(s.Bundle == b, specerror.QueryStateImplement, "state.bundle is the absolute path of the bundle", out)
	t.spec(s.Annotations["org.boxkit.rtools"] == "state", specerror.QueryStateImplement, "state.annotations are the config's", out)
	if !t.ok(c.start() == nil, "start") {
		return
	}
	st := c.waitStatus(waitLong, rspec.StateRunning)
	t.spec(st == rspec.StateRunning, specerror.StateNewStatus, "state.status is running after start", string(st))
	c.kill("KILL")
	st = c.waitStatus(waitLong, rspec.StateStopped)
	t.spec(st == rspec.StateStopped, specerror.StateNewStatus, "state.status is stopped after the process died", string(st))
	s, _ = c.state()
	t.ok(s.Bundle == b && s.ID == c.id, "a stopped container's state keeps its id and bundle", fmt.Sprintf("%+v", s))
}

func vKill(t *tap) {
	b := current.bundle()
	g := defaultGenerator()
	g.SetProcessArgs([]string{"sleep", "30"})
	save(g, b)
	c := current.container(b)
	_, err := c.run("kill")
	t.spec(err != nil, specerror.KillWithoutIDGenError, "kill without an id is an error", errText(err))
	if !t.ok(c.create() == nil, "create") {
		return
	}
	err = c.kill("KILL")
	t.spec(err == nil, specerror.KillSignalImplement, "kill KILL of a created container", errText(err))
	st := c.waitStatus(waitLong, rspec.StateStopped)
	t.spec(st == rspec.StateStopped, specerror.KillSignalImplement, "the created container's process got the signal (stopped)", string(st))
	r := current.container(b)
	if !t.ok(r.create() == nil && r.start() == nil, "create and start") {
		return
	}
	r.waitStatus(waitLong, rspec.StateRunning)
	err = r.kill("KILL") // (TERM by name and number: killsig; a PID 1 without a handler ignores it)
	t.spec(err == nil, specerror.KillSignalImplement, "kill KILL of a running container", errText(err))
	st = r.waitStatus(waitLong, rspec.StateStopped)
	t.spec(st == rspec.StateStopped, specerror.KillSignalImplement, "the running container's process got the signal (stopped)", string(st))
}

func vKillNoEffect(t *tap) {
	b := current.bundle()
	save(defaultGenerator(), b)
	c := current.container(b)
	if !t.ok(c.create() == nil && c.start() == nil, "create and start (process: true)") {
		return
	}
	if !t.ok(c.waitStatus(waitLong, rspec.StateStopped) == rspec.StateStopped, "the container stops") {
		return
	}
	err := c.kill("KILL")
	t.spec(err != nil, specerror.KillNonCreateRunGenError, "kill of a stopped container is an error", errText(err))
	s, err := c.state()
	t.spec(err == nil && s.Status == rspec.StateStopped, specerror.KillNonCreateRunHaveNoEffect, "and has no effect (still stopped)",
		fmt.Sprintf("%+v %s", s, errText(err)))
}

func vKillSig(t *tap) {
	script := `trap 'echo USR1 >> /ran' USR1; trap 'echo TERM >> /ran; exit 0' TERM; echo ready > /ready; while :; do sleep 0.05; done`
	b, ran := recorder(script)
	ready := filepath.Join(b, "rootfs/ready")
	for _, sig := range []string{"USR1", "SIGUSR1", "10"} {
		os.Remove(filepath.Join(b, "rootfs/ran"))
		os.Remove(ready)
		c := current.container(b)
		if !t.ok(c.create() == nil && c.start() == nil, "create and start a program that traps USR1 and TERM") {
			return
		}
		for end := time.Now().Add(waitLong); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
			if _, err := os.Stat(ready); err == nil {
				break
			}
		}
		err := c.kill(sig)
		t.spec(err == nil, specerror.KillSignalImplement, fmt.Sprintf("kill %s (the signal by name or number)", sig), errText(err))
		for end := time.Now().Add(waitLong); time.Now().Before(end) && ran() == ""; time.Sleep(20 * time.Millisecond) {
		}
		t.spec(ran() == "USR1\n", specerror.KillSignalImplement, fmt.Sprintf("the process received %s as SIGUSR1", sig), fmt.Sprintf("/ran: %q", ran()))
		c.kill("TERM")
		st := c.waitStatus(waitLong, rspec.StateStopped)
		t.spec(st == rspec.StateStopped && ran() == "USR1\nTERM\n", specerror.KillSignalImplement, "kill TERM: its trap ran and it stopped",
			fmt.Sprintf("status %s, /ran: %q", st, ran()))
		c.remove()
	}
}

func vDelete(t *tap) {
	b := current.bundle()
	g := defaultGenerator()
	g.SetProcessArgs([]string{"sleep", "30"})
	save(g, b)
	c := current.container(b)
	_, err := c.run("delete")
	t.spec(err != nil, specerror.DeleteWithoutIDGenError, "delete without an id is an error", errText(err))
	if !t.ok(c.create() == nil, "create") {
		return
	}
	err = c.delete()
	t.spec(err != nil, specerror.DeleteNonStopGenError, "delete of a created container is an error", errText(err))
	_, err = c.state()
	t.spec(err == nil, specerror.DeleteNonStopHaveNoEffect, "and has no effect (it still exists)", errText(err))
	if !t.ok(c.start() == nil, "start") {
		return
	}
	err = c.delete()
	t.spec(err != nil, specerror.DeleteNonStopGenError, "delete of a running container is an error", errText(err))
	s, err := c.state()
	t.spec(err == nil && s.Status == rspec.StateRunning, specerror.DeleteNonStopHaveNoEffect, "and has no effect (still running)",
		fmt.Sprintf("%+v %s", s, errText(err)))
	c.kill("KILL")
	c.waitStatus(waitLong, rspec.StateStopped)
	err = c.delete()
	t.spec(err == nil, specerror.DeleteResImplement, "delete of a stopped container", errText(err))
	_, err = c.state()
	t.spec(err != nil, specerror.DeleteResImplement, "after delete the container does not exist", "state still works")
}

// leftovers: what of container ID is still on the host: state under --root, cgroups, its pid.
func leftovers(id string, pid int) []string {
	var left []string
	filepath.Walk(current.root, func(p string, _ os.FileInfo, _ error) error {
		if strings.Contains(filepath.Base(p), id) {
			left = append(left, p)
		}
		return nil
	})
	for _, pattern := range []string{"/sys/fs/cgroup/*/box/" + id, "/sys/fs/cgroup/*/*/box/" + id, "/sys/fs/cgroup/box/" + id} {
		m, _ := filepath.Glob(pattern)
		left = append(left, m...)
	}
	// (a zombie is dead: its parent is the host's init, which reaps in its own time)
	if data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil && pid > 0 && !strings.Contains(string(data), ") Z ") {
		left = append(left, "process "+strconv.Itoa(pid)+": "+string(data))
	}
	return left
}

func vDeleteResources(t *tap) {
	b := current.bundle()
	g := defaultGenerator()
	g.SetProcessArgs([]string{"sleep", "30"})
	g.SetLinuxResourcesPidsLimit(64) // so that a cgroup is made
	save(g, b)
	c := current.container(b)
	if !t.ok(c.create() == nil && c.start() == nil, "create and start a container with a pids limit") {
		return
	}
	s, _ := c.state()
	c.kill("KILL")
	c.waitStatus(waitLong, rspec.StateStopped)
	err := c.delete()
	t.spec(err == nil, specerror.DeleteResImplement, "delete of the stopped container", errText(err))
	left := leftovers(c.id, s.Pid)
	t.spec(len(left) == 0, specerror.DeleteResImplement, "delete removed everything create made (state, cgroups, process)", left...)
}

func vPidfile(t *tap) {
	b := current.bundle()
	g := defaultGenerator()
	g.SetProcessArgs([]string{"sleep", "30"})
	save(g, b)
	c := current.container(b)
	pidfile := filepath.Join(b, "container.pid")
	if !t.ok(c.create("--pid-file", pidfile) == nil, "create --pid-file") {
		return
	}
	data, err := os.ReadFile(pidfile)
	s, _ := c.state()
	t.ok(err == nil && strings.TrimSpace(string(data)) == strconv.Itoa(s.Pid), "the pid file holds state.pid",
		fmt.Sprintf("pid file %q (%s), state.pid %d", data, errText(err), s.Pid))
}

func vConfigUpdates(t *tap) {
	b, ran := recorder("hostname >> /ran")
	c := current.container(b)
	g := defaultGenerator()
	g.SetHostname("before")
	g.SetProcessArgs([]string{"sh", "-c", "hostname >> /ran"})
	save(g, b)
	if !t.ok(c.create() == nil, "create") {
		return
	}
	g.SetHostname("after")
	g.SetProcessArgs([]string{"sh", "-c", "echo changed >> /ran"})
	save(g, b)
	if !t.ok(c.start() == nil, "start after config.json changed") {
		return
	}
	c.waitStatus(waitLong, rspec.StateStopped)
	t.spec(ran() == "before\n", specerror.ConfigUpdatesWithoutAffect, "changes to config.json after create do not affect the container",
		fmt.Sprintf("/ran: %q", ran()))

	// Hooks added to config.json after create do not run either.
	h := current.container(b)
	g.SetProcessArgs([]string{"sleep", "30"})
	g.Config.Hooks = nil
	save(g, b)
	if !t.ok(h.create() == nil, "create (no hooks)") {
		return
	}
	marker := filepath.Join(b, "hook-ran")
	g.Config.Hooks = &rspec.Hooks{Poststart: []rspec.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", "echo poststart >> " + marker}}},
		Poststop: []rspec.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", "echo poststop >> " + marker}}}}
	save(g, b)
	h.start()
	h.kill("KILL")
	h.waitStatus(waitLong, rspec.StateStopped)
	h.delete()
	data, _ := os.ReadFile(marker)
	t.spec(len(data) == 0, specerror.ConfigUpdatesWithoutAffect, "hooks added to config.json after create do not run",
		"they ran: "+strings.Join(strings.Fields(string(data)), " "))
}

// vMiscProps: unknown properties and annotation keys are no error; an invalid value is.
func vMiscProps(t *tap) {
	b := current.bundle()
	run := func(edit func(map[string]interface{})) error {
		g := defaultGenerator()
		save(g, b)
		data, _ := os.ReadFile(filepath.Join(b, "config.json"))
		var doc map[string]interface{}
		if err := json.Unmarshal(data, &doc); err != nil {
			fatal(err)
		}
		edit(doc)
		data, _ = json.Marshal(doc)
		os.WriteFile(filepath.Join(b, "config.json"), data, 0644)
		c := current.container(b)
		_, err := c.run("run", "--bundle", b, c.id)
		return err
	}
	err := run(func(d map[string]interface{}) { d["annotations"] = map[string]string{"org.boxkit.rtools.unknown": ""} })
	t.spec(err == nil, specerror.AnnotationsKeyIgnoreUnknown, "an unknown annotation key is no error", errText(err))
	err = run(func(d map[string]interface{}) { d["unknown"] = "unknown" })
	t.spec(err == nil, specerror.ExtensibilityIgnoreUnknownProp, "an unknown property is no error", errText(err))
	err = run(func(d map[string]interface{}) { d["ociVersion"] = "invalid" })
	t.spec(err != nil, specerror.ValidValues, "an invalid ociVersion is an error", errText(err))
}

// The hook validations (config.md "POSIX-platform Hooks", runtime.md "Lifecycle"): every kind
// runs once, in the spec's order and namespaces, with the state on stdin; a failing hook stops
// the lifecycle or is a warning, as its kind says.

// hookScript: HOOK KIND DIR saves its stdin as DIR/KIND.json and its mount namespace as
// DIR/KIND.ns, and appends KIND to DIR/order. Busybox sh runs it inside the container too.
const hookScript = `#!/bin/sh
cat > "$2/$1.json"
readlink /proc/self/ns/mnt > "$2/$1.ns"
echo "$1" >> "$2/order"
`

// hookBundle: a bundle with the hook script on the host (BUNDLE/hook) and in its rootfs
// (/bin/rtools-hook), and DIR, the log directory, bound into the container at /rtools-hooks.
func hookBundle() (bundle, log string, g *generate.Generator) {
	b := current.bundle()
	log = filepath.Join(b, "hooks")
	os.Mkdir(log, 0777)
	for _, p := range []string{filepath.Join(b, "hook"), filepath.Join(b, "rootfs/bin/rtools-hook")} {
		if err := os.WriteFile(p, []byte(hookScript), 0755); err != nil {
			fatal(err)
		}
	}
	g = defaultGenerator()
	g.AddMount(rspec.Mount{Destination: "/rtools-hooks", Type: "bind", Source: log, Options: []string{"rbind"}})
	return b, log, g
}

func hook(path, kind, dir string) rspec.Hook {
	return rspec.Hook{Path: path, Args: []string{"rtools-hook", kind, dir}, Env: []string{"RTOOLS=hook"}}
}

func vHooksStdin(t *tap) {
	b, log, g := hookBundle()
	g.SetProcessArgs([]string{"sleep", "30"})
	host := filepath.Join(b, "hook")
	g.Config.Hooks = &rspec.Hooks{
		Prestart:        []rspec.Hook{hook(host, "prestart", log)},
		CreateRuntime:   []rspec.Hook{hook(host, "createRuntime", log)},
		CreateContainer: []rspec.Hook{hook(host, "createContainer", log)},
		StartContainer:  []rspec.Hook{hook("/bin/rtools-hook", "startContainer", "/rtools-hooks")},
		Poststart:       []rspec.Hook{hook(host, "poststart", log)},
		Poststop:        []rspec.Hook{hook(host, "poststop", log)},
	}
	g.AddAnnotation("org.boxkit.rtools", "hooks")
	seccomp := g.Config.Linux.Seccomp
	g.Config.Linux.Seccomp = nil // (the hooks under the generator's seccomp profile: at the end)
	save(g, b)
	c := current.container(b)
	order := func() string {
		data, _ := os.ReadFile(filepath.Join(log, "order"))
		return strings.Join(strings.Fields(string(data)), " ")
	}
	if !t.ok(c.create() == nil, "create") {
		return
	}
	s, _ := c.state()
	t.spec(order() == "prestart createRuntime createContainer", specerror.PrestartHooksInvoke,
		"create ran prestart, createRuntime and createContainer, in that order", "ran: "+order())
	if err := c.start(); !t.ok(err == nil, "start", errText(err)) {
		return
	}
	for end := time.Now().Add(waitLong); time.Now().Before(end) && !strings.HasSuffix(order(), "poststart"); {
		time.Sleep(20 * time.Millisecond)
	}
	t.spec(strings.HasSuffix(order(), "startContainer poststart"), specerror.PoststartHooksInvoke,
		"start ran startContainer, then poststart", "ran: "+order())
	c.kill("KILL")
	c.waitStatus(waitLong, rspec.StateStopped)
	err := c.delete()
	t.ok(err == nil, "delete", errText(err))
	t.spec(order() == "prestart createRuntime createContainer startContainer poststart poststop", specerror.PoststopHooksInvoke,
		"delete ran poststop; every hook ran once", "ran: "+order())
	hostNS := nsLink(os.Getpid(), "mnt")
	containerNS := "" // read while it ran: createContainer and startContainer saw it
	if data, err := os.ReadFile(filepath.Join(log, "startContainer.ns")); err == nil {
		containerNS = strings.TrimSpace(string(data))
	}
	status := map[string]rspec.ContainerState{"prestart": "creating", "createRuntime": "creating", "createContainer": "creating",
		"startContainer": "created", "poststart": rspec.StateRunning, "poststop": rspec.StateStopped}
	for _, kind := range []string{"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"} {
		data, err := os.ReadFile(filepath.Join(log, kind+".json"))
		var st rspec.State
		if err == nil {
			err = json.Unmarshal(data, &st)
		}
		ok := err == nil && st.ID == c.id && st.Bundle == b && st.Pid == s.Pid && st.Status == status[kind] &&
			st.Annotations["org.boxkit.rtools"] == "hooks" && st.Version != ""
		t.ok(ok, fmt.Sprintf("%s got the state on stdin (id, bundle, pid, status %s, annotations)", kind, status[kind]),
			fmt.Sprintf("%s: %s", errText(err), data))
		nsData, _ := os.ReadFile(filepath.Join(log, kind+".ns"))
		ns := strings.TrimSpace(string(nsData))
		inContainer := kind == "createContainer" || kind == "startContainer"
		t.ok(ns != "" && (ns == containerNS) == inContainer && (ns == hostNS) == !inContainer,
			fmt.Sprintf("%s ran in the %s mount namespace", kind, map[bool]string{true: "container's", false: "runtime's"}[inContainer]),
			fmt.Sprintf("hook %s, runtime %s, container %s", ns, hostNS, containerNS))
	}

	// The same with runtime-tools' default seccomp profile (an allow-list).
	g.Config.Linux.Seccomp = seccomp
	g.Config.Hooks = &rspec.Hooks{StartContainer: []rspec.Hook{hook("/bin/rtools-hook", "startContainer", "/rtools-hooks")}}
	save(g, b)
	sc := current.container(b)
	err = sc.create()
	if err == nil {
		err = sc.start()
	}
	t.ok(err == nil, "create and start with a startContainer hook and the config's seccomp profile", errText(err))
}

// failingHook: a config whose KIND hook fails (false), the others absent.
func failingHook(kind string) (string, *generate.Generator) {
	b, _, g := hookBundle()
	g.SetProcessArgs([]string{"sleep", "30"})
	fail := []rspec.Hook{{Path: "/bin/false"}}
	hooks := &rspec.Hooks{}
	switch kind {
	case "prestart":
		hooks.Prestart = fail
	case "poststart":
		hooks.Poststart = fail
	case "poststop":
		hooks.Poststop = fail
	}
	g.Config.Hooks = hooks
	save(g, b)
	return b, g
}

func vPrestartFail(t *tap) {
	b, _ := failingHook("prestart")
	c := current.container(b)
	err := c.create()
	t.spec(err != nil, specerror.PrestartHookFailGenError, "a failing prestart hook fails create", errText(err))
	_, err = c.state()
	t.spec(err != nil, specerror.PrestartHookFailGenError, "and no container is left", "state works: it exists")
}

func vPoststartFail(t *tap) {
	b, _ := failingHook("poststart")
	c := current.container(b)
	if !t.ok(c.create() == nil, "create") {
		return
	}
	err := c.start()
	t.spec(err == nil, specerror.PoststartHookFailGenWarn, "a failing poststart hook is a warning: start succeeds", errText(err))
	st := c.waitStatus(waitLong, rspec.StateRunning)
	t.spec(st == rspec.StateRunning, specerror.PoststartHookFailGenWarn, "and the container runs on", string(st))
}

func vPoststopFail(t *tap) {
	b, _ := failingHook("poststop")
	c := current.container(b)
	if !t.ok(c.create() == nil && c.start() == nil, "create and start") {
		return
	}
	c.kill("KILL")
	c.waitStatus(waitLong, rspec.StateStopped)
	err := c.delete()
	t.spec(err == nil, specerror.PoststopHookFailGenWarn, "a failing poststop hook is a warning: delete succeeds", errText(err))
	_, err = c.state()
	t.spec(err != nil, specerror.PoststopHookFailGenWarn, "and the container is gone", "state works: it exists")
}
