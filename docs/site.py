#!/usr/bin/env python3
"""site.py — prepare boxkit's Doxygen site: the pages, the module groups and the Doxyfile.

    site.py SRC OUT    (run by the `docs` target: cmake --build BUILD --target docs)

The reading is plain Markdown that reads well on its own (GitHub, an editor); this script
makes a copy of it that Doxygen understands, in OUT/pages:

- Pages: docs/README.md (the front page), docs/*.md (the chapters), the top-level README.md,
  lessons/README.md and lessons/*/README.md: whatever exists, found by glob. Each gets a label
  from its path (docs/01-chroot.md -> `docs_01_chroot`, lessons/01-chroot/README.md ->
  `lesson_01_chroot`), so every page is OUT/html/LABEL.html.
- Links: one to another page becomes a link to that page (with its #fragment); one to a source
  file or directory becomes its path in code type (the API reference is reached through the
  module groups); a web link stays. A link to something that does not exist is an error (the
  reader would meet a dead link on GitHub too), except one to a stage's chapter or lesson that
  is not written yet: that is shown as text, "(to come)", with a note.
- Images: `![caption](diagrams/NAME.dot)` becomes Doxygen's `\\dotfile` (Graphviz draws it);
  a PNG or SVG is copied next to the pages.
- `<!-- include PATH#SECTION -->` on a line of its own is replaced by the part of PATH between
  `<!-- begin SECTION -->` and `<!-- end SECTION -->` (the benchmark's generated tables).
- `<!-- contents -->` in the front page becomes the list of chapters and lessons found.

It also writes OUT/groups.dox, which defines the module groups (core, rootfs, ns, cgroup,
security, runtime, probe) that no source file defines yet, so the API reference always has one
group per module, and OUT/Doxyfile from docs/Doxyfile.in. Exit 0, or 1 with one line per
problem (FILE:LINE: what is wrong).
"""
import glob
import os
import re
import shutil
import sys

# The module groups, in lesson order: (name, title, what it holds).
GROUPS = [
    ("core", "core: what every stage needs", "Errors, RAII guards, narration, parsers, processes."),
    ("rootfs", "01-chroot: filesystem isolation", "chroot(2) and pivot_root(2)."),
    ("ns", "02-namespaces: what a process can see", "uts, pid, mount, ipc, net, user, cgroup, time namespaces."),
    ("cgroup", "03-cgroups: what a process can use", "memory, pids and cpu limits, cgroup v2 and v1."),
    ("security", "04-seccomp: what a process can ask", "seccomp, capabilities, no_new_privs, Landlock."),
    ("runtime", "05-full-runtime: an OCI runtime", "config.json, state, the create/start lifecycle."),
    ("probe", "box-probe: the view from inside", "The static program the tests run inside containers."),
]
LINK = re.compile(r"(!?)\[((?:[^\[\]]|\[[^\]]*\])*)\]\(([^)\s]+)\)")
INCLUDE = re.compile(r"^<!--\s*include\s+(\S+?)(?:#(\S+))?\s*-->\s*$")
# The chapters and lessons of the plan (README.md's table): links to one not yet written are
# shown as text; a link to anything else that does not exist is an error.
PLANNED = re.compile(r"(docs/0[1-5]-[\w-]+\.md|lessons/0[1-5]-[\w-]+(/README\.md)?)")
HEADING = re.compile(r"^#\s+(.*?)\s*(\{#[\w-]+\})?\s*$")
SUBHEADING = re.compile(r"^(#{2,6})\s+(.*?)\s*(\{#[\w-]+\})?\s*$")


def slug(title):
    """The #fragment GitHub gives a heading: lower case, punctuation dropped, spaces to '-'."""
    t = re.sub(r"[`*_\[\]()]", "", title).strip().lower()
    return re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", t))


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def label_for(rel):
    """Page label (and HTML file name) for a Markdown file, from its repository path."""
    if rel == "docs/README.md":
        return "index"
    if rel == "README.md":
        return "readme"
    if rel == "lessons/README.md":
        return "lessons"
    m = re.fullmatch(r"lessons/([^/]+)/README\.md", rel)
    if m:
        return "lesson_" + re.sub(r"\W", "_", m.group(1))
    return re.sub(r"\W", "_", rel[:-3])


def find_pages(src):
    rels = ["docs/README.md"] + sorted(os.path.relpath(p, src) for p in glob.glob(f"{src}/docs/*.md")
                                       if not p.endswith("/README.md"))
    rels += ["README.md", "lessons/README.md"]
    rels += sorted(os.path.relpath(p, src) for p in glob.glob(f"{src}/lessons/*/README.md"))
    return [r for r in rels if os.path.isfile(os.path.join(src, r))]


class Site:
    def __init__(self, src, out):
        self.src, self.out = src, out
        self.pages = find_pages(src)
        self.labels = {r: label_for(r) for r in self.pages}
        # every page's headings: GitHub's #fragment -> a Doxygen label unique in the site
        self.anchors = {r: self.headings(r) for r in self.pages}
        self.errors, self.warnings = [], []
        self.images = os.path.join(out, "images")

    def error(self, rel, lineno, what):
        self.errors.append(f"{rel}:{lineno}: {what}")

    def headings(self, rel):
        """GitHub's #fragment of each heading below the title (a repeated one gets -1, -2, ...)
        -> a label unique in the site, in the order of the headings."""
        anchors, order, fence = {}, [], None
        for line in read(os.path.join(self.src, rel)).split("\n"):
            stripped = line.lstrip()
            if fence:
                fence = None if stripped.startswith(fence) else fence
                continue
            if stripped.startswith("```") or stripped.startswith("~~~"):
                fence = stripped[:3]
                continue
            m = SUBHEADING.match(line)
            if m and not m.group(3):
                base = s = slug(m.group(2))
                k = 0
                while s in anchors:
                    k += 1
                    s = f"{base}-{k}"
                anchors[s] = f"{self.labels[rel]}_{re.sub(r'[^A-Za-z0-9_]', '_', s)}"
                order.append(anchors[s])
        return anchors, order

    def fragment(self, rel, frag):
        """A #fragment on page rel, as Doxygen names it (an explicit <a id> stays as it is)."""
        return self.anchors[rel][0].get(frag, frag) if rel in self.anchors else frag

    def title(self, rel):
        for line in read(os.path.join(self.src, rel)).split("\n"):
            m = HEADING.match(line)
            if m:
                return m.group(1)
        return rel

    # -- links --------------------------------------------------------------------------------
    def rewrite_link(self, rel, lineno, m):
        bang, text, target = m.group(1), m.group(2), m.group(3)
        if target.startswith("#") and rel in self.labels:
            return f"{bang}[{text}](#{self.fragment(rel, target[1:])})"
        if re.match(r"^[a-z]+:", target) or target.startswith("@ref") or target.startswith("#"):
            return m.group(0)
        path, _, frag = target.partition("#")
        full = os.path.normpath(os.path.join(self.src, os.path.dirname(rel), path))
        repo_rel = os.path.relpath(full, self.src)
        if repo_rel.startswith(".."):
            self.error(rel, lineno, f"link '{target}' points outside the repository")
            return m.group(0)
        if bang:
            return self.image(rel, lineno, text, full, repo_rel)
        if not os.path.exists(full):
            if PLANNED.fullmatch(repo_rel):
                # a chapter or lesson of the plan that is not written yet: text, not a dead link
                self.warnings.append(f"{rel}:{lineno}: link to {repo_rel}: not written yet")
                return f"{text} (to come)"
            self.error(rel, lineno, f"link '{target}': {repo_rel} does not exist")
            return m.group(0)
        if repo_rel in self.labels:
            page = self.labels[repo_rel]
            return f"[{text}]({page}.html{'#' + self.fragment(repo_rel, frag) if frag else ''})"
        shown = repo_rel + ("/" if os.path.isdir(full) else "")
        if shown.rstrip("/") in text.strip("`").rstrip("/"):
            return f"`{shown}`" if not text.startswith("`") else text
        return f"{text} (`{shown}`)"

    def image(self, rel, lineno, alt, full, repo_rel):
        if not os.path.isfile(full):
            self.error(rel, lineno, f"image {repo_rel} does not exist")
            return alt
        if full.endswith(".dot"):
            return f'\\dotfile "{full}" "{alt}"'
        name = re.sub(r"[^\w.]", "_", repo_rel)
        os.makedirs(self.images, exist_ok=True)
        shutil.copyfile(full, os.path.join(self.images, name))
        return f"![{alt}]({name})"

    # -- includes and contents ----------------------------------------------------------------
    def include(self, rel, lineno, path, section):
        full = os.path.normpath(os.path.join(self.src, os.path.dirname(rel), path))
        if not os.path.isfile(full):
            self.error(rel, lineno, f"include {path}: no such file (run bench/run.sh to make it)")
            return []
        lines = read(full).split("\n")
        if not section:
            body = lines
        else:
            try:
                a = lines.index(f"<!-- begin {section} -->")
                b = lines.index(f"<!-- end {section} -->", a)
            except ValueError:
                self.error(rel, lineno, f"include {path}#{section}: no such section in {path}")
                return []
            body = lines[a + 1:b]
        out = []
        for i, line in enumerate(body):
            # links in the included file are relative to it: make them relative to this page
            out.append(LINK.sub(lambda m: self.rebase(m, os.path.dirname(full), rel), line))
        return out

    def rebase(self, m, from_dir, rel):
        target = m.group(3)
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            return m.group(0)
        new = os.path.relpath(os.path.join(from_dir, target), os.path.join(self.src, os.path.dirname(rel)))
        return f"{m.group(1)}[{m.group(2)}]({new})"

    def contents(self):
        out = []
        chapters = [r for r in self.pages if r.startswith("docs/") and r != "docs/README.md"]
        lessons = [r for r in self.pages if r.startswith("lessons/")]
        if chapters:
            out += ["**The reading** (one chapter per stage, beside its hypervisor analogue):", ""]
            out += [f"- \\subpage {self.labels[r]}" for r in chapters] + [""]
        if lessons:
            out += ["**The workshop** (one lesson per stage: run it, read the code, do the exercises):", ""]
            out += [f"- \\subpage {self.labels[r]}" for r in lessons] + [""]
        if "README.md" in self.labels:
            out += ["**The project**: \\subpage readme (set-up, exit codes, tests).", ""]
        out += ["**The API reference**: the [modules](modules.html), one per stage, from the code's "
                "Doxygen comments.", ""]
        return out

    # -- one page -----------------------------------------------------------------------------
    def page(self, rel):
        lines = read(os.path.join(self.src, rel)).split("\n")
        out, fence, titled, heading = [], None, False, 0
        for n, line in enumerate(lines, 1):
            stripped = line.lstrip()
            if fence:
                out.append(line)
                if stripped.startswith(fence):
                    fence = None
                continue
            if stripped.startswith("```") or stripped.startswith("~~~"):
                fence = stripped[:3]
                out.append(line)
                continue
            m = INCLUDE.match(line)
            if m:
                for inc in self.include(rel, n, m.group(1), m.group(2)):
                    out.append(LINK.sub(lambda lm: self.rewrite_link(rel, n, lm), inc))
                continue
            if line.strip() == "<!-- contents -->" and rel == "docs/README.md":
                out += self.contents()
                continue
            h = HEADING.match(line)
            if h and not titled:
                titled = True
                if rel != "docs/README.md":  # the main page is index.html without a label
                    line = f"# {h.group(1)} {{#{self.labels[rel]}}}"
            sh = SUBHEADING.match(line)
            if sh and not sh.group(3):
                line = f"{sh.group(1)} {sh.group(2)} {{#{self.anchors[rel][1][heading]}}}"
                heading += 1
            out.append(LINK.sub(lambda m: self.rewrite_link(rel, n, m), line))
        if not titled:
            self.error(rel, 1, "no '# Title' line: every page starts with one")
        dest = os.path.join(self.out, "pages", self.labels[rel] + ".md")
        with open(dest, "w", encoding="utf-8") as f:
            f.write("\n".join(out))

    # -- groups and Doxyfile ------------------------------------------------------------------
    def source_dirs(self):
        dirs = ["core"] + sorted(d for d in os.listdir(self.src) if re.fullmatch(r"\d\d-[\w-]+", d)) + ["probe"]
        return [os.path.join(self.src, d) for d in dirs if os.path.isdir(os.path.join(self.src, d))]

    def groups(self):
        defined = set()
        for d in self.source_dirs():
            for f in glob.glob(f"{d}/*.[ch]pp"):
                defined |= set(re.findall(r"[@\\]defgroup\s+(\w+)", read(f)))
        out = ["/// @file groups.dox",
               "/// The module groups no source file defines yet (made by docs/site.py)."]
        for name, title, what in GROUPS:
            if name not in defined:
                out += [f"/// @defgroup {name} {title}", f"/// {what} (This stage is being written.)"]
        with open(os.path.join(self.out, "groups.dox"), "w") as f:
            f.write("\n".join(out) + "\n")

    def doxyfile(self, template):
        inputs = [os.path.join(self.out, "pages", self.labels[r] + ".md") for r in self.pages]
        inputs += [os.path.join(self.out, "groups.dox")] + self.source_dirs()
        text = read(template)
        values = {
            "INPUT": " \\\n    ".join(f'"{p}"' for p in inputs),
            "MAINPAGE": os.path.join(self.out, "pages", "index.md"),
            "OUT": self.out,
            "SRC": self.src,
            "IMAGES": self.images,
            "DIAGRAMS": os.path.join(self.src, "docs", "diagrams"),
        }
        for k, v in values.items():
            text = text.replace(f"@{k}@", v)
        with open(os.path.join(self.out, "Doxyfile"), "w") as f:
            f.write(text)

    def build(self):
        if "docs/README.md" not in self.pages:
            self.errors.append("docs/README.md: missing: it is the front page")
            return
        shutil.rmtree(os.path.join(self.out, "pages"), ignore_errors=True)
        shutil.rmtree(self.images, ignore_errors=True)
        os.makedirs(os.path.join(self.out, "pages"))
        os.makedirs(self.images)
        for rel in self.pages:
            self.page(rel)
        self.groups()
        self.doxyfile(os.path.join(self.src, "docs", "Doxyfile.in"))


def main(argv):
    if len(argv) != 3:
        print("usage: site.py SRC OUT", file=sys.stderr)
        return 64
    site = Site(os.path.abspath(argv[1]), os.path.abspath(argv[2]))
    site.build()
    for w in site.warnings:
        print(f"site.py: note: {w}", file=sys.stderr)
    for e in site.errors:
        print(f"site.py: {e}", file=sys.stderr)
    if site.errors:
        return 1
    print(f"site.py: {len(site.pages)} pages -> {site.out}/pages")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
