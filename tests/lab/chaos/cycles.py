#!/usr/bin/env python3
"""Deploy/destroy cycles of a 10-router lab leak nothing (issue 20).

Each cycle deploys a lab of 10 routers (8 BIRD, 2 FRR, a chain), a collector peering with r1 and a probe on r1,
then destroys it, and checks that nothing of it is left: no fl-<lab>-* namespace, no process whose command line,
working directory or open files point into its run directory, no mount naming it, no run directory, no interface
added to the host's namespace. Across all cycles: the host's interface and /run/netns counts are back to where they
started, every cycle starts the same processes, and labctl's peak memory (its deploy and destroy processes, measured
with GNU time) does not grow. fds: a process left behind is the only way fds outlive a cycle (the lab's daemons and
labctl are new processes each cycle), and none may be; the fds the daemons hold while deployed and the machine's
open-file count are printed as figures.

usage: cycles.py LABCTL CYCLES [--lab NAME] [--rundir DIR]
  CI runs a few cycles (ctest chaos_cycles); docs/reliability.md gives the 100-cycle command and its last result.
Prints one line per cycle and a summary; exit 0 when every cycle left nothing, 1 otherwise, 77 when not root.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from leftovers import namespaces  # noqa: E402

ROUTERS = 10
FRR = {5, 10}


def topology(lab):
    lines = [f"name: {lab}", "defaults: {kind: bird}", "nodes:"]
    for i in range(1, ROUTERS + 1):
        kind = ", kind: frr" if i in FRR else ""
        lines.append(f"  r{i}: {{asn: {65000 + i}{kind}, announce: [198.18.{100 + i}.0/24, 2001:db8:{0x100 + i:x}::/48]}}")
    lines.append("  c1: {kind: collector, bgp: [r1], listen: {netflow: 2100}}")
    lines.append("links:")
    for i in range(1, ROUTERS):
        lines.append(f"  - endpoints: [r{i}:eth2, r{i + 1}:eth1]")
    lines.append("probes:")
    lines.append("  - {node: r1, interfaces: [eth2], export: c1, format: ipfix}")
    return "\n".join(lines) + "\n"


TIME = "/usr/bin/time"  # GNU time (Debian package `time`): labctl's own peak RSS


def run_measured(argv):
    """(exit code, output, peak RSS in KiB or 0) of one labctl process. The peak RSS comes from GNU time, which
    forks labctl itself: wait4 from here would report this Python process's size (an exec keeps the high-water
    mark of the process image it replaces)."""
    with tempfile.NamedTemporaryFile() as rss_file:
        prefix = [TIME, "-q", "-f", "%M", "-o", rss_file.name] if os.access(TIME, os.X_OK) else []
        proc = subprocess.run(prefix + argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        text = rss_file.read().decode().strip().split("\n")[-1] if prefix else ""
        return proc.returncode, proc.stdout.decode(errors="replace"), int(text) if text.isdigit() else 0


def host_links():
    return sorted(subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True,
                                 check=True).stdout.split("\n"))


def link_names(lines):
    return {line.split(":")[1].strip().split("@")[0] for line in lines if line.count(":") >= 2}


def points_into(pid, lab_dir):
    """Why process pid belongs to the lab (command line, cwd or an open file in its run directory), or None."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        if lab_dir in cmd:
            return f"command line {cmd.strip()}"
        if os.readlink(f"/proc/{pid}/cwd").startswith(lab_dir):
            return f"working directory ({cmd.strip()})"
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}").startswith(lab_dir):
                    return f"open file ({cmd.strip()})"
            except OSError:
                continue
    except OSError:
        return None
    return None


def lab_processes(lab_dir):
    found = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        why = points_into(pid, lab_dir)
        if why:
            found[int(pid)] = why
    return found


def open_files():
    """File handles allocated on the machine (/proc/sys/fs/file-nr): every process's, so only a rough figure."""
    with open("/proc/sys/fs/file-nr") as f:
        return int(f.read().split()[0])


def fd_count(pids):
    total = 0
    for pid in pids:
        try:
            total += len(os.listdir(f"/proc/{pid}/fd"))
        except OSError:
            pass
    return total


def leftovers(lab, lab_dir):
    out = [f"namespace {n}" for n in namespaces(f"fl-{lab}-")]
    out += [f"process {pid}: {why}" for pid, why in lab_processes(lab_dir).items()]
    with open("/proc/self/mountinfo") as f:
        out += [f"mount {line.strip()}" for line in f if f"fl-{lab}-" in line or lab_dir in line]
    if os.path.exists(lab_dir.rstrip("/")):
        out.append(f"run dir {lab_dir}")
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("labctl")
    ap.add_argument("cycles", type=int)
    ap.add_argument("--lab", default=f"i20cyc{os.getpid() % 10000}")
    ap.add_argument("--rundir", default="/run/flowlab-test")
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("SKIPPED: needs root (namespaces)")
        return 77
    lab, lab_dir = a.lab, os.path.join(a.rundir, a.lab) + "/"
    topo = os.path.join(tempfile.gettempdir(), f"{lab}.yaml")
    with open(topo, "w") as f:
        f.write(topology(lab))
    base = [a.labctl, "--rundir", a.rundir]
    subprocess.run(base + ["destroy", lab], capture_output=True)  # a crashed earlier run
    files0 = open_files()
    links0, netns0 = host_links(), len(os.listdir("/run/netns")) if os.path.isdir("/run/netns") else 0
    failures, daemon_fds, rss, started = 0, [], [], time.monotonic()
    for cycle in range(1, a.cycles + 1):
        t0 = time.monotonic()
        code, out, rss_deploy = run_measured(base + ["deploy", "-t", topo, "--name", lab])
        if code != 0:
            print(f"cycle {cycle}: deploy failed ({code}):\n{out}")
            failures += 1
        procs = lab_processes(lab_dir)
        daemon_fds.append((len(procs), fd_count(procs)))
        code, out, rss_destroy = run_measured(base + ["destroy", lab])
        if code != 0:
            print(f"cycle {cycle}: destroy failed ({code}):\n{out}")
            failures += 1
        left = leftovers(lab, lab_dir)
        new_links = link_names(host_links()) - link_names(links0)
        left += [f"host interface {n}" for n in sorted(new_links)]
        rss.append((rss_deploy, rss_destroy))
        print(f"cycle {cycle}: {time.monotonic() - t0:.1f} s, {len(procs)} lab processes holding "
              f"{daemon_fds[-1][1]} fds, labctl peak RSS deploy {rss_deploy} KiB / destroy {rss_destroy} KiB, "
              f"{len(left)} left over", flush=True)
        for item in left:
            print(f"  left over: {item}")
        failures += 1 if left else 0
    netns1 = len(os.listdir("/run/netns")) if os.path.isdir("/run/netns") else 0
    os.remove(topo)
    counts = [n for n, _ in daemon_fds]
    fds = [f for _, f in daemon_fds]
    files1 = open_files()
    rss_growth = (max(r[0] for r in rss[-3:]) - max(r[0] for r in rss[:3])) if rss else 0
    print(f"summary: {a.cycles} cycles in {time.monotonic() - started:.0f} s, {failures} failed; lab processes per "
          f"cycle {min(counts, default=0)}..{max(counts, default=0)} holding {min(fds, default=0)}.."
          f"{max(fds, default=0)} fds while deployed; labctl peak RSS deploy {rss[0][0] if rss else 0} -> "
          f"{rss[-1][0] if rss else 0} KiB, destroy {rss[0][1] if rss else 0} -> {rss[-1][1] if rss else 0} KiB; "
          f"/run/netns entries {netns0} -> {netns1}; host interfaces {len(links0)} -> {len(host_links())}; "
          f"open files on the machine {files0} -> {files1} (other users included)")
    if counts and min(counts) != max(counts):
        print("FAIL: the lab did not start the same processes every cycle")
        failures += 1
    if netns1 > netns0:
        print("FAIL: more named namespaces than before the first cycle")
        failures += 1
    if rss_growth > 4096:
        print(f"FAIL: labctl deploy's peak memory grew by {rss_growth} KiB")
        failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
