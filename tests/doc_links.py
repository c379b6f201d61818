"""The docs' links to lines of code: check them, or point them again.

A link reads [`name`](../script.py#L120) (or [`Class.method`](...)): line 120
of script.py, or one of the two after it, must hold `name` (the last part of
a dotted name) as a word. So a link may point at the def of a function or
at the very line that does a step of the article (the loss, the forward
pass, the state carried). tests/test_docs.py checks every link of README.md
and docs/**/*.md;

    python tests/doc_links.py --fix

points every link that no longer holds its name at the line that does now
(after an edit moved code): the name's def, class or assignment, else the
line holding it nearest to where the link pointed; it says which names it
could not find.
"""
from __future__ import print_function

import glob
import io
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LINK = re.compile(r"\[`([A-Za-z_][\w.]*)`\]\(((?:\.\./)*)([\w/]+\.py)#L(\d+)\)")
REACH = 3              # the line a link points at, and the two after it


def documents():
    return [os.path.join(ROOT, "README.md")] + sorted(
        glob.glob(os.path.join(ROOT, "docs", "**", "*.md"), recursive=True))


def source_of(doc, prefix, path):
    return os.path.normpath(os.path.join(os.path.dirname(doc), prefix + path))


def holds(line, name):
    """Does `line` hold the last part of `name` as a whole word?"""
    return re.search(r"(?<![\w.])%s\b" % re.escape(name.split(".")[-1]), line) is not None


def defines(line, name):
    last = re.escape(name.split(".")[-1])
    return re.match(r"\s*(def|class)\s+%s\b" % last, line) or \
        re.match(r"\s*%s\s*(,[\w\s,]*)?=(?!=)" % last, line)


def points_at(lines, line, name):
    """Does a link to `line` (1-based) reach a line that holds `name`?"""
    return any(holds(text, name) for text in lines[max(line - 1, 0):line - 1 + REACH]) \
        if 0 < line <= len(lines) else False


def definition_line(lines, dotted):
    """1-based line that defines `dotted` (a name, or Class.method), or None."""
    start = 0
    parts = dotted.split(".")
    for i, part in enumerate(parts):
        found = next((n for n in range(start, len(lines)) if defines(lines[n], part)), None)
        if found is None:
            return None
        start = found + (1 if i + 1 < len(parts) else 0)
    return start + 1


def new_line(lines, name, old):
    """Where a link to `name`, last at line `old`, should point now."""
    if points_at(lines, old, name):
        return old
    found = definition_line(lines, name)
    if found is not None:
        return found
    near = [n + 1 for n, text in enumerate(lines) if holds(text, name)]
    return min(near, key=lambda n: abs(n - old)) if near else None


def links(doc):
    """(name, source file, line) of every link in `doc`."""
    with io.open(doc, encoding="utf-8") as handle:
        text = handle.read()
    return [(m.group(1), source_of(doc, m.group(2), m.group(3)), int(m.group(4)))
            for m in LINK.finditer(text)]


def read_lines(path):
    with io.open(path, encoding="utf-8") as handle:
        return handle.read().splitlines()


def problems():
    """One line per link whose lines do not hold its name."""
    found = []
    for doc in documents():
        for name, source, line in links(doc):
            if not os.path.exists(source):
                found.append("%s: %s: no such file" % (os.path.relpath(doc, ROOT), source))
                continue
            if not points_at(read_lines(source), line, name):
                found.append("%s: %s#L%d does not hold %s" % (
                    os.path.relpath(doc, ROOT), os.path.relpath(source, ROOT), line, name))
    return found


def fix():
    missing = []
    for doc in documents():
        with io.open(doc, encoding="utf-8") as handle:
            text = handle.read()

        def point(match):
            source = source_of(doc, match.group(2), match.group(3))
            line = new_line(read_lines(source), match.group(1), int(match.group(4))) \
                if os.path.exists(source) else None
            if line is None:
                missing.append("%s: %s" % (os.path.relpath(doc, ROOT), match.group(1)))
                return match.group(0)
            return "[`%s`](%s%s#L%d)" % (match.group(1), match.group(2), match.group(3),
                                         line)
        with io.open(doc, "w", encoding="utf-8") as handle:
            handle.write(LINK.sub(point, text))
    return missing


if __name__ == "__main__":
    if "--fix" in sys.argv:
        for line in fix():
            print("not found:", line)
    for line in problems():
        print(line)
