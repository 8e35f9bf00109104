#!/usr/bin/python3
"""Every link and file reference in the documentation leads somewhere.

Markdown links ([text](path#anchor)) in every .md file of the repository must
name a file or folder that exists, and an #anchor a heading of the target (as
GitHub makes anchors from headings). In README.md and docs/*.md, a path in
backticks that begins with one of the repository's top-level folders, or ends
in .md, must exist too: a file, a folder, a glob that matches, or a program
built from PATH.c. Ends with "N passed, M failed".
"""

import glob
import os
import re
import sys

SRCDIR = os.environ.get("SRCDIR") or os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


def without_code_blocks(text):
    return re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to '-'."""
    h = re.sub(r"`", "", heading.strip().lower())
    h = re.sub(r"[^\w\- ]", "", h)
    return h.replace(" ", "-")


def anchors(path):
    text = without_code_blocks(open(path, encoding="utf-8").read())
    return {slug(m.group(1)) for m in re.finditer(r"^#+\s+(.*?)\s*$", text, re.M)}


def markdown_files():
    out = []
    for f in glob.glob(os.path.join(SRCDIR, "**", "*.md"), recursive=True):
        rel = os.path.relpath(f, SRCDIR)
        if rel.split(os.sep)[0].startswith(("build", ".")):
            continue
        out.append(f)
    return sorted(out)


def exists(cands):
    for c in cands:
        if glob.glob(c) or os.path.exists(c + ".c"):
            return True
    return False


def main():
    files = markdown_files()
    check(len(files) >= 20, "found only %d Markdown files under %s" % (len(files), SRCDIR))
    top = {d for d in os.listdir(SRCDIR)
           if os.path.isdir(os.path.join(SRCDIR, d)) and not d.startswith((".", "build"))}
    links = refs = 0
    for f in files:
        rel = os.path.relpath(f, SRCDIR)
        text = without_code_blocks(open(f, encoding="utf-8").read())
        for m in re.finditer(r"\]\(([^)\s]+)\)", text):
            target = m.group(1)
            if re.match(r"[a-z][a-z0-9+.-]*:", target):
                continue  # https:, mailto:
            links += 1
            path, _, frag = target.partition("#")
            dest = f if not path else os.path.normpath(os.path.join(os.path.dirname(f), path))
            if not os.path.exists(dest):
                check(False, "%s links %s, which does not exist" % (rel, target))
            elif frag and dest.endswith(".md"):
                check(frag in anchors(dest),
                      "%s links %s: no heading makes the anchor #%s" % (rel, target, frag))
            else:
                check(True, target)
        if not (rel == "README.md" or rel.startswith("docs" + os.sep)):
            continue
        for m in re.finditer(r"`([^`\s]+)`", text):
            ref = m.group(1).rstrip(".,:;")
            if not re.fullmatch(r"[\w.*+-]+(/[\w.*+-]*)+|[\w.-]+\.md", ref):
                continue
            if ref.split("/")[0] not in top and not ref.endswith(".md"):
                continue  # an example path (leak/...), not one of the repository's
            refs += 1
            check(exists([os.path.join(SRCDIR, ref), os.path.join(os.path.dirname(f), ref)]),
                  "%s names `%s`, which does not exist" % (rel, ref))
    check(links >= 30 and refs >= 30, "only %d links and %d paths checked" % (links, refs))
    print("%d links and %d paths in %d files" % (links, refs, len(files)))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
