"""What a lab can leave behind, as the lab tests written in Python look for it: namespaces and processes."""
import os


def namespaces(prefix="fl-"):
    """Named network namespaces starting with prefix, sorted."""
    if not os.path.isdir("/run/netns"):
        return []
    return sorted(n for n in os.listdir("/run/netns") if n.startswith(prefix))


def processes_mentioning(text):
    """'pid: command line' of every process whose command line contains text (a lab's configs live in its run
    directory, so its daemons name it)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmd:
            found.append(f"{pid}: {cmd.strip()}")
    return found
