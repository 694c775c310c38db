#!/usr/bin/env python3
"""Unit tests of docs/site.py on a small fake repository (no Doxygen, no root): the test
`docs-site-unit`. Each test builds the fake tree, runs the Site, and reads what it wrote."""
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
import importlib.util  # noqa: E402

spec = importlib.util.spec_from_file_location("box_site", os.path.join(HERE, "site.py"))
box_site = importlib.util.module_from_spec(spec)
spec.loader.exec_module(box_site)

FILES = {
    "docs/README.md": "# Front\n\nRead [the intro](00-intro.md).\n\n<!-- contents -->\n",
    "docs/00-intro.md": "# 00 — Intro\n\n"
                        "See [lesson 1, exercise 1](../lessons/01-chroot/README.md#ex-011),\n"
                        "[the code](../01-chroot/), [`core/error.hpp`](../core/error.hpp),\n"
                        "[later](02-namespaces.md), [the web](https://example.org/x) and [here](#top).\n\n"
                        "![stages](diagrams/stages.dot)\n\n"
                        "<!-- include ../bench/results/bench.md#startup -->\n\n"
                        "```console\n$ echo '[not](a-link.md)'\n```\n",
    "docs/diagrams/stages.dot": "digraph { a -> b }\n",
    "lessons/01-chroot/README.md": "# Lesson 01\n\n<a id=\"ex-011\"></a>\nBack to [the intro](../../docs/00-intro.md).\n"
                                   "See [exit codes](../../docs/00-intro.md#exit-codes-and-more) and [below](#run-it).\n\n"
                                   "## Run it\n\n### Exit codes\n\n## Run it\n",
    "bench/results/bench.md": "# results\n<!-- begin startup -->\n| a | b |\n|---|---|\n| 1 | 2 |\n"
                              "![plot](startup.png)\n<!-- end startup -->\n",
    "bench/results/startup.png": "png",
    "core/error.hpp": "/// @defgroup core core: what every stage needs\n",
    "01-chroot/rootfs.hpp": "/// \\defgroup rootfs 01-chroot\n",
}


class SiteTest(unittest.TestCase):
    def setUp(self):
        self.src = tempfile.mkdtemp(prefix="box-site-src-")
        self.out = tempfile.mkdtemp(prefix="box-site-out-")
        for rel, text in FILES.items():
            os.makedirs(os.path.join(self.src, os.path.dirname(rel)), exist_ok=True)
            with open(os.path.join(self.src, rel), "w") as f:
                f.write(text)
        shutil.copy(os.path.join(HERE, "Doxyfile.in"), os.path.join(self.src, "docs", "Doxyfile.in"))

    def tearDown(self):
        shutil.rmtree(self.src)
        shutil.rmtree(self.out)

    def build(self):
        site = box_site.Site(self.src, self.out)
        site.build()
        return site

    def page(self, label):
        return box_site.read(os.path.join(self.out, "pages", label + ".md"))

    def test_pages_get_labels_from_their_paths(self):
        site = self.build()
        self.assertEqual(site.errors, [])
        self.assertEqual(sorted(os.listdir(os.path.join(self.out, "pages"))),
                         ["docs_00_intro.md", "index.md", "lesson_01_chroot.md"])
        self.assertIn("# 00 — Intro {#docs_00_intro}", self.page("docs_00_intro"))

    def test_links_to_pages_keep_their_fragment(self):
        self.build()
        intro = self.page("docs_00_intro")
        self.assertIn("[lesson 1, exercise 1](lesson_01_chroot.html#ex-011)", intro)
        self.assertIn("[the intro](docs_00_intro.html)", self.page("lesson_01_chroot"))

    def test_links_to_code_become_paths_web_links_stay(self):
        self.build()
        intro = self.page("docs_00_intro")
        self.assertIn("the code (`01-chroot/`)", intro)
        self.assertIn("`core/error.hpp`", intro)
        self.assertNotIn("](../core/error.hpp)", intro)
        self.assertIn("[the web](https://example.org/x)", intro)
        self.assertIn("[here](#top)", intro)

    def test_headings_get_labels_and_github_fragments_follow_them(self):
        with open(os.path.join(self.src, "docs", "00-intro.md"), "a") as f:
            f.write("\n## Exit codes, and more\n")
        site = self.build()
        self.assertEqual(site.errors, [])
        lesson = self.page("lesson_01_chroot")
        self.assertIn("## Run it {#lesson_01_chroot_run_it}", lesson)
        self.assertIn("### Exit codes {#lesson_01_chroot_exit_codes}", lesson)
        self.assertIn("## Run it {#lesson_01_chroot_run_it_1}", lesson)   # GitHub: #run-it-1
        self.assertIn("[below](#lesson_01_chroot_run_it)", lesson)
        self.assertIn("[exit codes](docs_00_intro.html#docs_00_intro_exit_codes_and_more)", lesson)
        self.assertIn("[lesson 1, exercise 1](lesson_01_chroot.html#ex-011)", self.page("docs_00_intro"))

    def test_code_blocks_are_left_alone(self):
        self.build()
        self.assertIn("$ echo '[not](a-link.md)'", self.page("docs_00_intro"))

    def test_planned_chapter_is_text_a_dead_link_is_an_error(self):
        site = self.build()
        self.assertIn("later (to come)", self.page("docs_00_intro"))
        self.assertTrue(any("02-namespaces.md" in w for w in site.warnings))
        with open(os.path.join(self.src, "docs", "00-intro.md"), "a") as f:
            f.write("\nA [typo](../lesons/01-chroot/README.md).\n")
        site = self.build()
        self.assertEqual(len(site.errors), 1)
        self.assertIn("docs/00-intro.md:", site.errors[0])
        self.assertIn("lesons/01-chroot/README.md does not exist", site.errors[0])

    def test_include_inserts_the_section_and_rebases_its_links(self):
        self.build()
        intro = self.page("docs_00_intro")
        self.assertIn("| 1 | 2 |", intro)
        self.assertNotIn("<!-- include", intro)
        self.assertIn("![plot](bench_results_startup.png)", intro)
        self.assertTrue(os.path.isfile(os.path.join(self.out, "images", "bench_results_startup.png")))

    def test_missing_include_section_is_an_error(self):
        with open(os.path.join(self.src, "docs", "00-intro.md"), "a") as f:
            f.write("\n<!-- include ../bench/results/bench.md#nope -->\n")
        site = self.build()
        self.assertTrue(any("no such section" in e for e in site.errors), site.errors)

    def test_dot_images_become_dotfile(self):
        self.build()
        dot = os.path.join(self.src, "docs", "diagrams", "stages.dot")
        self.assertIn(f'\\dotfile "{dot}" "stages"', self.page("docs_00_intro"))

    def test_contents_lists_chapters_and_lessons(self):
        self.build()
        index = self.page("index")
        self.assertIn("\\subpage docs_00_intro", index)
        self.assertIn("\\subpage lesson_01_chroot", index)
        self.assertNotIn("<!-- contents -->", index)

    def test_groups_not_defined_in_code_are_defined_once(self):
        self.build()
        groups = box_site.read(os.path.join(self.out, "groups.dox"))
        for g in ("ns", "cgroup", "security", "runtime", "probe"):
            self.assertIn(f"@defgroup {g} ", groups)
        self.assertNotIn("@defgroup core ", groups)
        self.assertNotIn("@defgroup rootfs ", groups)

    def test_doxyfile_lists_pages_and_sources(self):
        self.build()
        doxyfile = box_site.read(os.path.join(self.out, "Doxyfile"))
        self.assertNotIn("@INPUT@", doxyfile)
        self.assertIn(os.path.join(self.out, "pages", "docs_00_intro.md"), doxyfile)
        self.assertIn(f'"{os.path.join(self.src, "01-chroot")}"', doxyfile)
        self.assertIn("WARN_AS_ERROR          = FAIL_ON_WARNINGS", doxyfile)


if __name__ == "__main__":
    unittest.main(verbosity=1)
