"""The examples of docs/python.md run as written and print what it says
(doctest), except those that need data or packages the tests do not have."""

import doctest
import os
import re

from conftest import SRCDIR

DOC = os.path.join(SRCDIR, "docs", "python.md")
# Blocks that need pandas, a corpus of one's own, a real key or a list of paths.
NOT_RUNNABLE = ("pandas", "leak/", "MIIBIjANBg...", "pool.map(v.verify_file, paths)")


def blocks():
    text = open(DOC, encoding="utf-8").read()
    out = []
    for m in re.finditer(r"```python\n(.*?)```", text, re.S):
        lineno = text.count("\n", 0, m.start()) + 2
        out.append((lineno, m.group(1)))
    return out


def test_the_doc_has_examples():
    runnable = [b for _, b in blocks() if not any(x in b for x in NOT_RUNNABLE)]
    assert len(runnable) >= 3


def test_doc_examples_run_as_written(monkeypatch):
    monkeypatch.chdir(SRCDIR)
    globs = {}
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    ran = 0
    for lineno, block in blocks():
        if any(x in block for x in NOT_RUNNABLE):
            continue
        # Later blocks go on from earlier ones, as in a notebook.
        test = parser.get_doctest(block, globs, "python.md:%d" % lineno, DOC, lineno)
        runner.run(test, clear_globs=False)
        globs.update(test.globs)  # DocTest works on a copy
        ran += 1
    result = runner.summarize(verbose=False)
    assert ran >= 3 and result.failed == 0
