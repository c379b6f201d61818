"""The docs' links to the line where a function is defined: check or fix them.

A link reads [`name`](../script.py#L120) (or [`Class.method`](...)); line 120
of script.py must define `name` (def, class, or NAME = at the start of the
line). tests/test_docs.py checks every link of README.md and docs/*.md;

    python tests/doc_links.py --fix

points every link at the line that defines its name now (after an edit moved
code), and says which names it could not find.
"""
from __future__ import print_function

import glob
import io
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LINK = re.compile(r"\[`([A-Za-z_][\w.]*)`\]\(((?:\.\./)?)([\w/]+\.py)#L(\d+)\)")


def documents():
    return [os.path.join(ROOT, "README.md")] + sorted(
        glob.glob(os.path.join(ROOT, "docs", "*.md")))


def source_of(doc, prefix, path):
    return os.path.normpath(os.path.join(os.path.dirname(doc), prefix + path)) \
        if prefix else os.path.join(os.path.dirname(doc), path)


def defines(line, name):
    return re.match(r"\s*(def|class)\s+%s\b" % re.escape(name), line) or \
        re.match(r"%s\s*=" % re.escape(name), line)


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


def links(doc):
    """(name, source file, line) of every link in `doc`."""
    with io.open(doc, encoding="utf-8") as handle:
        text = handle.read()
    return [(m.group(1), source_of(doc, m.group(2), m.group(3)), int(m.group(4)))
            for m in LINK.finditer(text)]


def problems():
    """One line per link whose line does not define its name."""
    found = []
    for doc in documents():
        for name, source, line in links(doc):
            if not os.path.exists(source):
                found.append("%s: %s: no such file" % (os.path.relpath(doc, ROOT), source))
                continue
            with io.open(source, encoding="utf-8") as handle:
                lines = handle.read().splitlines()
            last = name.split(".")[-1]
            if not (0 < line <= len(lines) and defines(lines[line - 1], last)):
                found.append("%s: %s#L%d does not define %s" % (
                    os.path.relpath(doc, ROOT), os.path.relpath(source, ROOT), line, name))
    return found


def fix():
    missing = []
    for doc in documents():
        with io.open(doc, encoding="utf-8") as handle:
            text = handle.read()

        def point(match):
            source = source_of(doc, match.group(2), match.group(3))
            with io.open(source, encoding="utf-8") as handle:
                line = definition_line(handle.read().splitlines(), match.group(1))
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
