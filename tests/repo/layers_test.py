#!/usr/bin/env python3
"""The layer graph of docs/architecture.md, enforced: a source file in a top-level folder may include only headers
of the folders that layer lists (its own included). An include that goes up the graph fails, named file:line.

    common ─► probes ─► model ─┐
                    └► platform ┴► nodes ─► labctl

usage: layers_test.py REPO_ROOT
"""
import os
import re
import sys

# folder -> the folders its files may include (besides its own)
ALLOWED = {
    "common": set(),
    "probes": {"common"},
    "model": {"common", "probes"},
    "platform": {"common", "probes"},
    "nodes": {"common", "probes", "model", "platform"},
    "labctl": {"common", "probes", "model", "platform", "nodes"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"/]+)/')


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    bad, files = [], 0
    for layer, allowed in ALLOWED.items():
        top = os.path.join(root, layer)
        for dirpath, _, names in os.walk(top):
            for name in names:
                if not name.endswith((".hpp", ".cpp", ".h", ".cc")):
                    continue
                path = os.path.join(dirpath, name)
                files += 1
                with open(path, encoding="utf-8", errors="replace") as f:
                    for n, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        target = m.group(1)
                        if target != layer and target in ALLOWED and target not in allowed:
                            bad.append(f"{os.path.relpath(path, root)}:{n}: {layer}/ includes {target}/ "
                                       f"({layer} may use only {', '.join(sorted(allowed)) or 'nothing else'})")
    for line in bad:
        print("FAIL  " + line)
    if bad:
        print(f"{len(bad)} include(s) go up the layer graph")
        return 1
    print(f"PASS: {files} files, every include goes down the layer graph")
    return 0


if __name__ == "__main__":
    sys.exit(main())
