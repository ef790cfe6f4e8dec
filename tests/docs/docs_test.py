#!/usr/bin/env python3
"""Every fenced example in README.md and docs/*.md works as written (issue 19): the examples are read by the one
extractor (doc_examples.py, shared with the README tour test) and each is run or validated:

  info string   what this test does with the block
  sh            runs it with bash -e in a fresh working directory holding links to the repository's topologies/,
                scenarios/, tests/ and the build, with labctl, flowcollector, flowprobe and flowgen on PATH; it
                must exit as its `<!-- expect: exit=N prints="REGEX" -->` mark says (exit= defaults to 0) and
                print what REGEX matches: every shell example states one fact
  yaml          a topology (top-level `nodes`) or a scenario (`topology`/`traffic`/`steps`) goes through
                `labctl validate`; a flowcollector config (anything else) through `flowcollector --check-config`;
                either must say ": ok ("
  json          must parse
  text          output, diagrams and synopses: shown, not run
A block marked `<!-- fragment -->` (a part of a file, not runnable alone) or `<!-- placeholder -->` (values the
reader replaces) is skipped and counted; so is one marked `<!-- tested-by: NAME -->` (run by another test, e.g.
the README tour). A block without an info string fails: say what it is.
Blocks that need a lab (sh blocks that deploy, run, exec ...) run only with --lab (ctest label `lab`, root).

usage: docs_test.py REPO_ROOT BUILD_DIR [--lab] [--only FILE]
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import doc_examples  # noqa: E402

SKIP_MARKS = ("fragment", "placeholder")
NEEDS_LAB = re.compile(r"\blabctl\s+(\S+\s+)*(deploy|run|exec|converge|routes|flows|inspect|destroy|matrix)\b|\bip netns\b|\bunshare\b")
PROGRAMS = ("labctl/cli", "probes/collector", "probes/probe", "probes/gen")


def parse_expect(mark):
    """`expect: exit=2 prints="regex"` -> (2, "regex")."""
    rc = re.search(r"\bexit=(\d+)", mark)
    prints = re.search(r'\bprints="((?:[^"\\]|\\.)*)"', mark)
    return (int(rc.group(1)) if rc else 0), (prints.group(1).replace('\\"', '"') if prints else None)


def yaml_kind(text):
    keys = set(re.findall(r"^([A-Za-z_][A-Za-z0-9_]*):", text, re.M))
    if keys & {"topology", "traffic", "steps"}:
        return "scenario"
    if "nodes" in keys:
        return "topology"
    return "collector config"


class Runner:
    def __init__(self, repo, build, lab):
        self.repo, self.build, self.lab = repo, build, lab
        self.env = dict(os.environ)
        self.env["PATH"] = ":".join(os.path.join(build, p) for p in PROGRAMS) + ":" + self.env.get("PATH", "")
        self.passed, self.skipped, self.failed = [], [], []

    def workdir(self):
        cwd = tempfile.mkdtemp(prefix="flowlab-docs-")
        for name in ("topologies", "scenarios", "tests"):
            os.symlink(os.path.join(self.repo, name), os.path.join(cwd, name))
        os.symlink(self.build, os.path.join(cwd, "build"))
        return cwd

    def run(self, argv_or_script, cwd, shell=False):
        argv = ["bash", "-e", "-c", argv_or_script] if shell else argv_or_script
        p = subprocess.run(argv, cwd=cwd, env=self.env, capture_output=True, text=True, timeout=600)
        return p.returncode, p.stdout + p.stderr

    def check(self, b):
        where = f"{os.path.relpath(b.file, self.repo)}:{b.line}"
        mark = b.mark
        if mark in SKIP_MARKS or mark.startswith("tested-by"):
            self.skipped.append(f"{where} ({mark})")
            return
        if not b.lang:
            self.failed.append(f"{where}: a fenced block without an info string (sh, yaml, json, text ...): "
                               "say what it is")
            return
        if b.lang in ("text", "console", "sql", "cpp", "diff"):
            return
        if b.lang == "json":
            try:
                import json
                json.loads(b.text)
                self.passed.append(f"{where} json parses")
            except ValueError as e:
                self.failed.append(f"{where}: json does not parse: {e}")
            return
        if b.lang in ("sh", "bash"):
            needs_lab = NEEDS_LAB.search(b.text) is not None
            if needs_lab != self.lab:
                return
            want_rc, prints = parse_expect(mark) if mark.startswith("expect") else (0, None)
            cwd = self.workdir()
            try:
                rc, out = self.run(b.text, cwd, shell=True)
            finally:
                shutil.rmtree(cwd, ignore_errors=True)
            if prints is None:
                self.failed.append(f"{where}: a shell example states no fact to check: mark it "
                                   '<!-- expect: exit=N prints="REGEX" --> (exit= defaults to 0)'
                                   f"\n--- output (exit {rc}) ---\n{out[-3000:]}")
                return
            ok = rc == want_rc and re.search(prints, out, re.M) is not None
            said = f"exit {rc} (want {want_rc}), prints /{prints}/"
            (self.passed if ok else self.failed).append(
                f"{where} sh: {said}" + ("" if ok else f"\n--- output ---\n{out[-3000:]}"))
            return
        if b.lang == "yaml":
            if self.lab:
                return
            kind = yaml_kind(b.text)
            cwd = self.workdir()
            try:
                # Scenarios name their topology relative to themselves (../topologies/...): they live in a folder
                # beside the links, as the shipped ones do.
                sub = os.path.join(cwd, "examples")
                os.mkdir(sub)
                path = os.path.join(sub, f"example-{b.line}.yaml")
                with open(path, "w", encoding="utf-8") as f:
                    f.write(b.text + "\n")
                if kind in ("topology", "scenario"):
                    rc, out = self.run(["labctl", "validate", path], cwd)
                else:
                    rc, out = self.run(["flowcollector", "--check-config", "-c", path], cwd)
            finally:
                shutil.rmtree(cwd, ignore_errors=True)
            ok = rc == 0 and re.search(r": ok \(", out) is not None
            (self.passed if ok else self.failed).append(
                f"{where} yaml ({kind}): exit {rc}, prints ': ok ('" + ("" if ok else f"\n--- output ---\n{out[-3000:]}"))
            return
        self.failed.append(f"{where}: unknown info string '{b.lang}' (sh, yaml, json, text ...)")


def verbs_documented(repo, build):
    """Every verb `labctl --help` lists has its row in docs/labctl.md's verb table, and every row is a verb."""
    p = subprocess.run([os.path.join(build, "labctl", "cli", "labctl"), "--help"], capture_output=True, text=True)
    listed = re.findall(r"^  ([a-z]+)\s{2,}", p.stdout.split("Subcommands:", 1)[-1], re.M)
    with open(os.path.join(repo, "docs", "labctl.md"), encoding="utf-8") as f:
        page = f.read()
    table = page.split("## Verbs", 1)[-1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    rows = re.findall(r"^\| `([a-z]+)\b", table, re.M)
    problems = [f"docs/labctl.md: verb `{v}` (in labctl --help) has no row in the verb table" for v in listed
                if v not in rows]
    problems += [f"docs/labctl.md: the verb table has a row for `{v}`, which labctl --help does not list" for v in rows
                 if v not in listed]
    if not listed:
        problems.append("labctl --help lists no subcommands")
    return problems, len(listed)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    lab = "--lab" in sys.argv
    only = None
    if "--only" in sys.argv:
        only = sys.argv[sys.argv.index("--only") + 1]
        args.remove(only)
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    repo, build = (os.path.abspath(p) for p in args)
    if lab and os.geteuid() != 0:
        print("SKIPPED: the lab examples need root (namespaces)")
        return 77
    pages = [os.path.join(repo, "README.md")] + sorted(glob.glob(os.path.join(repo, "docs", "*.md")))
    if only:
        pages = [os.path.abspath(only)]
    runner = Runner(repo, build, lab)
    for page in pages:
        try:
            blocks = doc_examples.blocks(page)
        except ValueError as e:
            runner.failed.append(str(e))
            continue
        for b in blocks:
            runner.check(b)
    if not lab:
        problems, count = verbs_documented(repo, build)
        runner.failed += problems
        if not problems:
            runner.passed.append(f"docs/labctl.md: the verb table lists the {count} verbs of labctl --help")
    for line in runner.passed:
        print("ok    " + line)
    for line in runner.skipped:
        print("skip  " + line)
    for line in runner.failed:
        print("FAIL  " + line)
    print(f"{len(runner.passed)} examples passed, {len(runner.skipped)} marked as not runnable, "
          f"{len(runner.failed)} failed ({'lab' if lab else 'docs'} examples of {len(pages)} pages)")
    return 1 if runner.failed else 0


if __name__ == "__main__":
    sys.exit(main())
