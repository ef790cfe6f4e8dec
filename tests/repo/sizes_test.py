#!/usr/bin/env python3
"""Sizes, enforced: no source file over 600 lines and no function over 80 lines in the product's folders (tests and
generated tables aside). Functions are measured with universal-ctags (start and end line of each definition, lambdas
inside them counted with them). The exceptions are the table between the size-exceptions marks of
docs/architecture.md, each with its reason; an exception that no longer applies fails too, so the list stays true.

usage: sizes_test.py REPO_ROOT
"""
import os
import re
import subprocess
import sys

FOLDERS = ["common", "probes", "model", "platform", "nodes", "labctl"]
MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 80
SOURCE = (".hpp", ".cpp", ".h", ".cc")
ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|\s*(file|function)\s*\|\s*(\d+)\s*\|\s*(.+?)\s*\|\s*$")


def exceptions(root):
    """{(path or path:function, kind): limit} from docs/architecture.md's size-exceptions table."""
    text = open(os.path.join(root, "docs/architecture.md"), encoding="utf-8").read()
    m = re.search(r"<!-- size-exceptions:begin -->(.*?)<!-- size-exceptions:end -->", text, re.S)
    out = {}
    for line in (m.group(1) if m else "").splitlines():
        row = ROW.match(line)
        if row:
            out[(row.group(1), row.group(2))] = int(row.group(3))
    return out


def functions(root):
    """[(lines, 'path:line', name)] for every function definition in FOLDERS."""
    cmd = ["ctags", "-R", "--languages=C++", "--kinds-C++=f", "--fields=+ne", "-f", "-"] + FOLDERS
    out = subprocess.run(cmd, cwd=root, check=True, capture_output=True, text=True).stdout
    result = []
    for tag in out.splitlines():
        cols = tag.split("\t")
        fields = dict(c.split(":", 1) for c in cols[3:] if ":" in c)
        if "line" in fields and "end" in fields and not fields.get("function"):
            start, end = int(fields["line"]), int(fields["end"])
            result.append((end - start + 1, cols[1], start, cols[0]))
    return result


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    allowed = exceptions(root)
    used = set()
    bad = []
    for folder in FOLDERS:
        for dirpath, _, names in os.walk(os.path.join(root, folder)):
            for name in sorted(names):
                if not name.endswith(SOURCE):
                    continue
                path = os.path.relpath(os.path.join(dirpath, name), root)
                with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
                    n = sum(1 for _ in f)
                key = (path, "file")
                if n > allowed.get(key, MAX_FILE_LINES):
                    bad.append(f"{path}: {n} lines (at most {allowed.get(key, MAX_FILE_LINES)})")
                if key in allowed and n > MAX_FILE_LINES:
                    used.add(key)
    for n, path, line, name in functions(root):
        key = (f"{path}:{name}", "function")
        limit = allowed.get(key, MAX_FUNCTION_LINES)
        if n > limit:
            bad.append(f"{path}:{line}: function {name} has {n} lines (at most {limit})")
        if key in allowed and n > MAX_FUNCTION_LINES:
            used.add(key)
    for key in sorted(set(allowed) - used):
        bad.append(f"docs/architecture.md: size exception `{key[0]}` ({key[1]}) no longer needed: remove it")
    for line in bad:
        print("FAIL:", line)
    if bad:
        print(f"{len(bad)} size problem(s); split by meaning, or list an exception with its reason in "
              "docs/architecture.md (size-exceptions table)")
        return 1
    print(f"PASS: every file <= {MAX_FILE_LINES} lines and every function <= {MAX_FUNCTION_LINES} lines "
          f"({len(allowed)} listed exceptions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
