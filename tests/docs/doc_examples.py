"""The one reader of the examples in README.md and docs/*.md, shared by the README tour test and the docs test.

A fenced block (``` ... ```) is an example. The HTML comment lines right before its opening fence may carry a mark:
  <!-- fragment -->      a partial snippet, not runnable alone (the page says so too)
  <!-- placeholder -->   holds values the reader must replace
  <!-- tested-by: X -->  run by another test X (the README's two commands by .ci/run, its tour by readme_tour)
  <!-- expect: exit=N prints="REGEX" -->   a shell example's exit code and a fact of its output
A region of a page is delimited by <!-- NAME:begin --> and <!-- NAME:end --> lines (the README's tour is "tour").
"""
import dataclasses
import re

_MARK = re.compile(r"^\s*<!--\s*([a-z][a-z0-9-]*(?::\s.*?)?)\s*-->\s*$")
_REGION = re.compile(r"^\s*<!--\s*([a-z][a-z0-9-]*):(begin|end)\s*-->\s*$")
_FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([A-Za-z0-9_+-]*)")


@dataclasses.dataclass
class Block:
    file: str
    line: int      # 1-based line of the first line of content
    lang: str      # the fence's info string ("sh", "yaml", "" ...)
    text: str
    mark: str      # "fragment", "placeholder" or ""
    regions: tuple  # names of the regions the block lies in


@dataclasses.dataclass
class Command:
    file: str
    line: int
    text: str      # one shell command line, continuation lines joined, trailing comment kept for the shell


def blocks(path):
    """Every fenced block of a Markdown file, in order."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    out, regions, marks, i = [], [], [], 0
    while i < len(lines):
        line = lines[i]
        region = _REGION.match(line)
        if region:
            if region.group(2) == "begin":
                regions.append(region.group(1))
            elif region.group(1) in regions:
                regions.remove(region.group(1))
            else:
                raise ValueError(f"{path}:{i + 1}: <!-- {region.group(1)}:end --> without a begin")
            i += 1
            continue
        fence = _FENCE.match(line)
        if not fence:
            mark = _MARK.match(line)
            if mark:
                marks.append(mark.group(1))
            elif line.strip():
                marks = []
            i += 1
            continue
        indent, ticks, lang = fence.groups()
        body, j = [], i + 1
        while j < len(lines) and not lines[j].strip().startswith(ticks[:3]):
            body.append(lines[j][len(indent):] if lines[j].startswith(indent) else lines[j])
            j += 1
        if j == len(lines):
            raise ValueError(f"{path}:{i + 1}: a fenced block that never closes")
        out.append(Block(path, i + 2, lang, "\n".join(body), marks[-1] if marks else "", tuple(regions)))
        marks, i = [], j + 1
    if regions:
        raise ValueError(f"{path}: region(s) {', '.join(regions)} never end")
    return out


def region(path, name):
    """The blocks inside <!-- name:begin --> ... <!-- name:end -->; an error when there are none."""
    found = [b for b in blocks(path) if name in b.regions]
    if not found:
        raise ValueError(f"{path}: no fenced block inside <!-- {name}:begin --> ... <!-- {name}:end -->")
    return found


def commands(block):
    """A shell block's command lines: blank and comment-only lines dropped, backslash continuations joined."""
    out, pending, start = [], "", 0
    for offset, raw in enumerate(block.text.split("\n")):
        line = raw.rstrip()
        if not pending:
            start = block.line + offset
            if not line.strip() or line.lstrip().startswith("#"):
                continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        out.append(Command(block.file, start, pending + line))
        pending = ""
    if pending:
        out.append(Command(block.file, start, pending))
    return out


def verb_line(command):
    """The command without its trailing comment (for messages and matching); quotes are respected."""
    text, quote = command.text, None
    for k, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (k == 0 or text[k - 1].isspace()):
            return text[:k].rstrip()
    return text.strip()
