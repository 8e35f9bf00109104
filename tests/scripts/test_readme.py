#!/usr/bin/python3
"""The examples of README.md and docs/scan.md run as written and print what they show.

Every ```console block of these files is a session: lines beginning "$ " are
commands (a trailing backslash continues them), the lines up to the next
command are what it prints (standard output and error, as a terminal shows
them). The commands of a block run in one bash, from the top of the repository,
with build/dkimarc (./build/dkimarc, ../../build/dkimarc, ...) standing for the
CLI under test (DKIMARC). What may vary is
normalised on both sides: the version after "run: dkimarc". Ends with
"N passed, M failed".
"""

import os
import re
import subprocess
import sys

SRCDIR = os.environ.get("SRCDIR") or os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CLI = os.environ.get("DKIMARC") or os.path.join(SRCDIR, "build", "dkimarc")
END = "\x1eREADME-END\x1e"
DOCS = ("README.md", os.path.join("docs", "scan.md"))

passed = failed = 0


def check(ok, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)
        if detail:
            print(detail)


def sessions(text):
    """[(line number, [(command, expected output)])] for each console block."""
    out = []
    for m in re.finditer(r"^```console\n(.*?)^```", text, re.S | re.M):
        lineno = text.count("\n", 0, m.start()) + 2
        steps, cmd, want, cont = [], None, [], False
        for line in m.group(1).splitlines():
            if cont:
                cmd += "\n" + line
                cont = line.endswith("\\")
            elif line.startswith("$ "):
                if cmd is not None:
                    steps.append((cmd, "\n".join(want)))
                cmd, want = line[2:], []
                cont = line.endswith("\\")
            else:
                want.append(line)
        if cmd is not None:
            steps.append((cmd, "\n".join(want)))
        out.append((lineno, steps))
    return out


def normal(s):
    return re.sub(r"(run: dkimarc) \S+", r"\1 VERSION", s).rstrip("\n")


def cli(cmd):
    return re.sub(r"(?<![\w/])(?:\.\./)*(?:\./)?build/dkimarc\b", "'%s'" % CLI.replace("\\", "/"),
                  cmd)


def main():
    for doc in DOCS:
        text = open(os.path.join(SRCDIR, doc), encoding="utf-8").read()
        blocks = sessions(text)
        check(blocks and all(steps for _, steps in blocks), "%s has no console example" % doc)
        for lineno, steps in blocks:
            script = "".join("%s 2>&1; __rc=$?; printf '%%s' '%s'; (exit $__rc)\n"
                             % (cli(cmd), END) for cmd, _ in steps)
            p = subprocess.run(["bash", "-c", script], cwd=SRCDIR, capture_output=True,
                               text=True, timeout=120)
            got = p.stdout.split(END)
            check(len(got) == len(steps) + 1,
                  "%s:%d: the session ran to its end" % (doc, lineno), p.stderr)
            for (cmd, want), out in zip(steps, got):
                check(normal(out) == normal(want), "%s:%d: $ %s" % (doc, lineno, cmd),
                      "--- shown\n%s\n--- printed\n%s" % (want, out))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
