// box-rtools: runtime-spec validations for an OCI runtime, written on the library packages of
// opencontainers/runtime-tools that Debian ships (generate, validate, specerror).
//
// Debian packages only those libraries, not runtime-tools' own validation programs
// (validation/*) nor their in-container checker (runtimetest), so this program stands in for
// both. Its validations carry the names of the upstream programs they follow and cite the
// same specerror codes, so a failure points at the sentence of the spec it breaks.
//
//	box-rtools list                 the validations, one per line
//	box-rtools VALIDATION...        run them against $RUNTIME (TAP on stdout, one stream)
//	box-rtools inside               in a container: check what config.json (at /) asks for
//
// Environment: RUNTIME (the runtime binary), RTOOLS_ROOTFS (a rootfs with busybox),
// RTOOLS_ROOT (the runtime's --root), RTOOLS_WORK (bundles go here), RTOOLS_PREFIX (container
// ids start with it).
package main

import (
	"fmt"
	"os"
	"sort"
	"strings"
)

// tap writes one TAP stream: "ok N - what", "not ok N - what", diagnostics as "# ...".
type tap struct {
	n, failed int
}

func (t *tap) ok(pass bool, what string, diag ...string) bool {
	t.n++
	if pass {
		fmt.Printf("ok %d - %s\n", t.n, what)
	} else {
		t.failed++
		fmt.Printf("not ok %d - %s\n", t.n, what)
		for _, d := range diag {
			for _, line := range strings.Split(strings.TrimRight(d, "\n"), "\n") {
				fmt.Printf("#   %s\n", line)
			}
		}
	}
	return pass
}

func (t *tap) skip(what, why string) {
	t.n++
	fmt.Printf("ok %d - %s # SKIP %s\n", t.n, what, why)
}

func (t *tap) diag(format string, a ...interface{}) {
	fmt.Printf("# "+format+"\n", a...)
}

func (t *tap) plan() { fmt.Printf("1..%d\n", t.n) }

// validations: the name of the upstream program each follows -> the validation.
var validations = map[string]func(t *tap){
	// lifecycle.go: the operations and the lifecycle
	"create": vCreate, "start": vStart, "state": vState, "kill": vKill, "kill_no_effect": vKillNoEffect,
	"killsig": vKillSig, "delete": vDelete, "delete_resources": vDeleteResources, "pidfile": vPidfile,
	"config_updates_without_affect": vConfigUpdates, "misc_props": vMiscProps,
	// lifecycle.go: the hooks
	"hooks_stdin": vHooksStdin, "prestart_fail": vPrestartFail, "poststart_fail": vPoststartFail,
	"poststop_fail": vPoststopFail,
	// cgroups.go: linux.resources and cgroupsPath
	"linux_cgroups_pids": vCgroupsPids, "linux_cgroups_relative_pids": vCgroupsRelativePids,
	"linux_cgroups_memory": vCgroupsMemory, "linux_cgroups_cpus": vCgroupsCpus,
	"delete_only_create_resources": vDeleteOnlyCreated,
	// config.go: config.json's properties, checked inside (inside.go) or from the host
	"default": vDefault, "hostname": vHostname, "process": vProcess, "process_user": vProcessUser,
	"process_rlimits": vRlimits, "process_capabilities": vCaps, "process_oom_score_adj": vOOMScoreAdj,
	"root_readonly_true": vRootReadonly, "mounts": vMounts, "linux_masked_paths": vMasked,
	"linux_readonly_paths": vReadonly, "linux_sysctl": vSysctl, "linux_seccomp": vSeccomp, "linux_devices": vDevices,
	"linux_uid_mappings": vUserns, "linux_rootfs_propagation": vPropagation, "linux_ns_nopath": vNsNoPath,
	"linux_ns_itype": vNsInherit, "linux_ns_path": vNsPath, "linux_ns_path_type": vNsPathType, "spec": vSpec,
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: box-rtools list | VALIDATION... | inside")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "inside":
		os.Exit(inside())
	case "list":
		var names []string
		for n := range validations {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Println(strings.Join(names, "\n"))
		return
	}
	env := newEnv()
	t := &tap{}
	fmt.Println("TAP version 13")
	for _, name := range os.Args[1:] {
		v, found := validations[name]
		if !found {
			fmt.Fprintf(os.Stderr, "box-rtools: no validation %q (see box-rtools list)\n", name)
			os.Exit(2)
		}
		t.diag("validation %s", name)
		current = env.named(name)
		v(t)
		current.cleanup()
	}
	t.plan()
	if t.failed > 0 {
		os.Exit(1)
	}
}
