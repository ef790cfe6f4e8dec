#!/usr/bin/env python3
"""`labctl destroy --all` through the binary: every lab found goes — those in the run directory and one deployed
under another --rundir and missing from the lab index, found by its fl-<lab>-* namespaces alone — with its
namespaces, processes and run files;
a second call finds no labs. It would remove any other lab on the machine too, so it refuses to run (skips) when
fl-* namespaces exist before it starts; ctest runs it alone (RUN_SERIAL).

usage: destroy_all_test.py REPO_ROOT BUILD_DIR
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from leftovers import namespaces, processes_mentioning  # noqa: E402

LABS = ("fldall1", "fldall2", "fldall3")


def main():
    repo, build = (os.path.abspath(p) for p in sys.argv[1:3])
    if os.geteuid() != 0:
        print("SKIPPED: needs root (namespaces)")
        return 77
    if namespaces():
        print(f"SKIPPED: other labs exist on this machine ({', '.join(namespaces()[:5])} ...); "
              "destroy --all would remove them")
        return 77
    labctl = os.path.join(build, "labctl", "cli", "labctl")
    topo = os.path.join(repo, "topologies", "chain3.yaml")
    tmp = tempfile.mkdtemp(prefix="flowlab-destroy-all-")
    rundir, other = os.path.join(tmp, "run"), os.path.join(tmp, "other")

    def labctl_run(*args, rd=rundir):
        p = subprocess.run([labctl, "--rundir", rd, *args], capture_output=True, text=True, timeout=300)
        return p.returncode, p.stdout + p.stderr

    failures = []
    try:
        for lab, rd in ((LABS[0], rundir), (LABS[1], rundir), (LABS[2], other)):
            rc, out = labctl_run("deploy", "-t", topo, "--name", lab, rd=rd)
            if rc != 0:
                failures.append(f"deploy {lab}: exit {rc}\n{out}")
                return 1
        # The third lab's index entry goes (as after a crash of an older labctl): only its namespaces name it now.
        index = os.path.join("/run/flowlab/.labs", LABS[2])
        if os.path.exists(index):
            os.remove(index)
        before = namespaces()
        want = {f"fl-{lab}-r1" for lab in LABS}
        if not want <= set(before):
            failures.append(f"after deploy, namespaces {before} lack some of {sorted(want)}")
        rc, out = labctl_run("destroy", "--all")
        print(f"-- destroy --all: exit {rc}\n{out}")
        if rc != 0:
            failures.append(f"destroy --all exited {rc}")
        for lab in LABS:
            if f"lab {lab} destroyed" not in out:
                failures.append(f"destroy --all did not report lab {lab} destroyed")
        if namespaces():
            failures.append(f"namespaces left: {namespaces()}")
        for lab in LABS[:2]:
            if os.path.exists(os.path.join(rundir, lab)):
                failures.append(f"run files left: {os.path.join(rundir, lab)}")
        left = processes_mentioning(tmp)
        if left:
            failures.append(f"processes left: {left}")
        rc, out = labctl_run("destroy", "--all")
        print(f"-- destroy --all again: exit {rc}\n{out}")
        if rc != 0 or "no labs" not in out:
            failures.append(f"a second destroy --all: exit {rc}, output {out!r} (want exit 0, 'no labs')")
    finally:
        for lab, rd in ((LABS[0], rundir), (LABS[1], rundir), (LABS[2], other)):
            if namespaces(f"fl-{lab}-"):
                labctl_run("destroy", lab, rd=rd)
        shutil.rmtree(tmp, ignore_errors=True)
        for f in failures:
            print("FAIL: " + f)
    if failures:
        return 1
    print(f"PASS: destroy --all removed {len(LABS)} labs (one found by its namespaces alone); nothing left")
    return 0


if __name__ == "__main__":
    sys.exit(main())
