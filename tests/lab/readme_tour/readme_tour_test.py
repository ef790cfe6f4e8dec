#!/usr/bin/env python3
"""The README's five-minute tour, run as a newcomer runs it: the commands are read from README.md itself (between
<!-- tour:begin --> and <!-- tour:end -->), so the page cannot drift from what is tested, and run in order in a fresh
temporary working directory that holds only links to the repository's topologies/, scenarios/ and the build.

Each command must match exactly one expectation below (and every expectation must be used): its exit code and one
fact in its output. After the last command no namespace, process or run file of the tour's lab may be left.

usage: readme_tour_test.py REPO_ROOT BUILD_DIR
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs"))
import doc_examples  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import leftovers  # noqa: E402

LAB = "janog36"
RUNDIR = "/run/flowlab"


def _json_plan(out, _cwd):
    plan = json.loads(out)
    names = {n.get("name") for n in plan.get("nodes", [])}
    return {"r1", "r3", "h1", "c1"} <= names, f"plan nodes {sorted(names)}"


def _svg_written(out, cwd):
    path = os.path.join(cwd, "flowlab-runs", "janog36.svg")
    if not os.path.exists(path):
        return False, f"{path} was not written"
    with open(path, encoding="utf-8") as f:
        head = f.read(200)
    return head.lstrip().startswith("<svg") or "<svg" in head, f"{path} starts with {head[:40]!r}"


def _run_dir_here(out, cwd):
    m = re.search(r"^run directory: (\S+)$", out, re.M)
    if not m:
        return False, "no 'run directory:' line"
    run_dir = m.group(1)
    inside = run_dir.startswith(os.path.join(os.path.realpath(cwd), "flowlab-runs") + "/") or run_dir.startswith(
        os.path.join(cwd, "flowlab-runs") + "/")
    has_report = os.path.exists(os.path.join(run_dir, "report.html"))
    return inside and has_report and re.search(r"\bPASS\b", out) is not None, \
        f"run directory {run_dir} (under ./flowlab-runs: {inside}, report.html: {has_report})"


# (what the command looks like, expected exit code, the fact: a regex over stdout+stderr, or a function)
EXPECTATIONS = [
    ("build", r"^scripts/build\.sh\b", None, None),  # the suite has built already: not rerun here
    ("alias", r"^alias labctl=", None, None),        # applied to every later command
    ("validate", r"^labctl validate topologies/janog36\.yaml$", 0, r"janog36"),
    ("validate --plan", r"^labctl validate --plan topologies/janog36\.yaml$", 0, _json_plan),
    ("deploy --converge", r"^labctl deploy -t topologies/janog36\.yaml --converge$", 0, r"(?m)^janog36$"),
    ("inspect", r"^labctl inspect janog36$", 0, r"fl-janog36-r1"),
    ("routes", r"^labctl routes janog36$", 0, r"203\.0\.113\.0/24.*65530 65533"),
    ("exec ping", r"^labctl exec janog36 h1 -- ping -c1 \S+$", 0, r"1 (packets )?received"),
    ("exec birdc", r"^labctl exec janog36 r1 -- birdc -s /run/flowlab/janog36/r1/bird\.ctl show protocols$", 0,
     r"Established"),
    ("flows", r"^labctl flows janog36$", 0, r"For a total of: [0-9]+ entries"),
    ("destroy", r"^labctl destroy janog36$", 0, r"lab janog36 destroyed"),
    ("oracle", r"^labctl oracle topologies/janog36\.yaml$", 0, r"65530 65533"),
    ("run", r"^labctl run scenarios/janog36-model2\.yaml$", 0, _run_dir_here),
    ("graph", r"^labctl graph topologies/janog36\.yaml -o flowlab-runs/janog36\.svg$", 0, _svg_written),
]


def lab_leftovers():
    """What of the tour's lab still exists: namespaces, its run directory, processes started from it."""
    left = [f"namespace {n}" for n in leftovers.namespaces(f"fl-{LAB}-")]
    if os.path.exists(os.path.join(RUNDIR, LAB)):
        left.append(f"run directory {os.path.join(RUNDIR, LAB)}")
    return left + [f"process {p}" for p in leftovers.processes_mentioning(f"{RUNDIR}/{LAB}/")]


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    repo, build = (os.path.abspath(p) for p in sys.argv[1:])
    if os.geteuid() != 0:
        print("SKIPPED: the README tour needs root (namespaces)")
        return 77
    labctl = os.path.join(build, "labctl", "cli", "labctl")
    if lab_leftovers():
        print(f"FAIL: a lab named {LAB} exists already (labctl destroy {LAB} first): {lab_leftovers()}")
        return 1

    commands = [c for b in doc_examples.region(os.path.join(repo, "README.md"), "tour")
                for c in doc_examples.commands(b)]
    unused = {name for name, *_ in EXPECTATIONS}
    plan = []
    for c in commands:
        line = doc_examples.verb_line(c)
        hits = [e for e in EXPECTATIONS if re.search(e[1], line)]
        if len(hits) != 1:
            print(f"FAIL: {c.file}:{c.line}: `{line}` matches {len(hits)} expectations of this test (need 1)")
            return 1
        unused.discard(hits[0][0])
        plan.append((c, line, hits[0]))
    if unused:
        print(f"FAIL: the README tour has no command for: {', '.join(sorted(unused))}")
        return 1

    cwd = tempfile.mkdtemp(prefix="flowlab-tour-")
    for name, target in (("topologies", os.path.join(repo, "topologies")),
                         ("scenarios", os.path.join(repo, "scenarios")), ("build", build)):
        os.symlink(target, os.path.join(cwd, name))
    alias = ""
    failed = None
    try:
        for c, line, (name, _, want_rc, fact) in plan:
            if want_rc is None:
                if name == "alias":
                    alias = c.text + "\n"
                print(f"-- {name}: `{line}` (not run: {'applied to what follows' if alias else 'already built'})")
                continue
            t0 = time.monotonic()
            p = subprocess.run(["bash", "-O", "expand_aliases", "-c", alias + c.text], cwd=cwd,
                               capture_output=True, text=True, timeout=600)
            out = p.stdout + p.stderr
            if callable(fact):
                ok, said = fact(p.stdout, cwd)
            else:
                ok, said = re.search(fact, out) is not None, f"/{fact}/"
            print(f"-- {name}: `{line}` exit {p.returncode} in {time.monotonic() - t0:.1f} s; fact {said}: "
                  f"{'yes' if ok else 'NO'}")
            if p.returncode != want_rc or not ok:
                failed = (f"{c.file}:{c.line}: `{line}` exited {p.returncode} (documented: {want_rc}); "
                          f"fact {said} {'holds' if ok else 'missing'}\n--- output ---\n{out[-4000:]}")
                break
    finally:
        if failed:
            subprocess.run([labctl, "destroy", LAB], capture_output=True, timeout=300)
        shutil.rmtree(cwd, ignore_errors=True)
    if failed:
        print("FAIL: " + failed)
        return 1
    left = lab_leftovers()
    if left:
        print("FAIL: left behind after the tour: " + "; ".join(left))
        subprocess.run([labctl, "destroy", LAB], capture_output=True, timeout=300)
        return 1
    print(f"PASS: {len(plan)} tour commands as README.md writes them; nothing of lab {LAB} left")
    return 0


if __name__ == "__main__":
    sys.exit(main())
