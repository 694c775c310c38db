package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-tools/generate"
	"github.com/opencontainers/runtime-tools/specerror"
)

// env is where one validation works: the runtime, its --root, bundles and container ids.
type env struct {
	runtime, rootfs, root, work, prefix string
	name                                string
	made                                []string // container ids this validation created
	cleanups                            []func()
	count                               int
}

var current *env

func mustEnv(k string) string {
	v := os.Getenv(k)
	if v == "" {
		fmt.Fprintf(os.Stderr, "box-rtools: set %s\n", k)
		os.Exit(2)
	}
	return v
}

func newEnv() *env {
	return &env{runtime: mustEnv("RUNTIME"), rootfs: mustEnv("RTOOLS_ROOTFS"), root: mustEnv("RTOOLS_ROOT"),
		work: mustEnv("RTOOLS_WORK"), prefix: mustEnv("RTOOLS_PREFIX")}
}

func (e *env) named(name string) *env {
	n := *e
	n.name, n.made, n.cleanups, n.count = name, nil, nil, 0
	return &n
}

// newID: a fresh container id, remembered for cleanup.
func (e *env) newID() string {
	e.count++
	id := fmt.Sprintf("%s-%s-%d", e.prefix, strings.ReplaceAll(e.name, "_", "-"), e.count)
	e.made = append(e.made, id)
	return id
}

// cleanup: delete --force what this validation made, then its bundles and helpers.
func (e *env) cleanup() {
	for _, id := range e.made {
		c := &container{e: e, id: id}
		if _, err := c.state(); err == nil {
			c.run("delete", "--force", id)
		}
	}
	for i := len(e.cleanups) - 1; i >= 0; i-- {
		e.cleanups[i]()
	}
}

// bundle: a fresh bundle directory with a copy of the rootfs (so a validation may create files
// in it) and this program at /bin/box-rtools.
func (e *env) bundle() string {
	dir, err := os.MkdirTemp(e.work, e.name+".")
	if err != nil {
		fatal(err)
	}
	e.cleanups = append(e.cleanups, func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0755) // a user namespace's root (an ordinary uid outside) must reach the rootfs
	if out, err := exec.Command("cp", "-a", e.rootfs, filepath.Join(dir, "rootfs")).CombinedOutput(); err != nil {
		fatal(fmt.Errorf("copying the rootfs: %v: %s", err, out))
	}
	self, err := os.Executable()
	if err != nil {
		fatal(err)
	}
	if out, err := exec.Command("cp", self, filepath.Join(dir, "rootfs/bin/box-rtools")).CombinedOutput(); err != nil {
		fatal(fmt.Errorf("copying box-rtools: %v: %s", err, out))
	}
	return dir
}

func fatal(err error) {
	fmt.Printf("Bail out! %v\n", err)
	if current != nil {
		current.cleanup()
	}
	os.Exit(1)
}

// defaultGenerator: runtime-tools' default Linux config with a program that exits at once.
func defaultGenerator() *generate.Generator {
	g, err := generate.New("linux")
	if err != nil {
		fatal(err)
	}
	g.SetProcessArgs([]string{"true"})
	return &g
}

// save writes the generator's config to BUNDLE/config.json and a copy to the rootfs's /config.json
// (for box-rtools inside).
func save(g *generate.Generator, bundle string) {
	opts := generate.ExportOptions{Seccomp: false}
	for _, p := range []string{filepath.Join(bundle, "config.json"), filepath.Join(bundle, "rootfs/config.json")} {
		if err := g.SaveToFile(p, opts); err != nil {
			fatal(err)
		}
	}
}

// container drives the runtime's command line for one id.
type container struct {
	e      *env
	id     string
	bundle string
}

func (e *env) container(bundle string) *container {
	return &container{e: e, id: e.newID(), bundle: bundle}
}

// run: RUNTIME --root ROOT ARGS..., stdout and stderr to a file (never a pipe: a created
// container's process inherits them and keeps them open). Returns the output and an error.
func (c *container) run(args ...string) (string, error) {
	f, err := os.CreateTemp(c.e.work, "out.")
	if err != nil {
		fatal(err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	cmd := exec.Command(c.e.runtime, append([]string{"--root", c.e.root}, args...)...)
	cmd.Stdout, cmd.Stderr = f, f
	err = cmd.Run()
	out, _ := os.ReadFile(f.Name())
	if err != nil {
		err = fmt.Errorf("%s %s: %v: %s", filepath.Base(c.e.runtime), strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return string(out), err
}

func (c *container) create(extra ...string) error {
	_, err := c.run(append(append([]string{"create", "--bundle", c.bundle}, extra...), c.id)...)
	return err
}

func (c *container) start() error  { _, err := c.run("start", c.id); return err }
func (c *container) delete() error { _, err := c.run("delete", c.id); return err }
func (c *container) kill(sig string) error {
	_, err := c.run("kill", c.id, sig)
	return err
}

func (c *container) state() (rspec.State, error) {
	var s rspec.State
	out, err := c.run("state", c.id)
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		return s, fmt.Errorf("state %s: not JSON: %v: %s", c.id, err, out)
	}
	return s, nil
}

// waitStatus polls state until one of the statuses (or until timeout); returns the last.
func (c *container) waitStatus(timeout time.Duration, want ...rspec.ContainerState) rspec.ContainerState {
	var last rspec.ContainerState
	for end := time.Now().Add(timeout); ; {
		s, err := c.state()
		if err == nil {
			last = s.Status
			for _, w := range want {
				if s.Status == w {
					return last
				}
			}
		}
		if time.Now().After(end) {
			return last
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// remove: kill and delete, for a validation's own tidying between cases.
func (c *container) remove() {
	c.run("delete", "--force", c.id)
}

// spec: ok or not ok for one requirement of the spec, with its specerror reference on failure.
func (t *tap) spec(pass bool, code specerror.Code, what string, detail ...string) bool {
	if !pass {
		if rfc, err := specerror.NewRFCError(code, fmt.Errorf("%s", what), "1.0.2"); err == nil {
			detail = append(detail, fmt.Sprintf("%s: %s", rfc.Level, rfc.Reference))
		}
	}
	return t.ok(pass, what, detail...)
}

func errText(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}
