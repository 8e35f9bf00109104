#!/usr/bin/python3
"""`dkimarc verify` reads its inputs as `dkimarc scan` does (issue 15, item 1).

  * An mbox gives one report per message, named FILE#N with scan's numbering
    (the library's 0-based index); verdicts, indexes and offsets are those of
    vectors/leak-sample/truth.tsv (written by the corpus generator) and the
    count that of Python's own mailbox reader. Text, JSON and --ar agree, and
    so does `scan --json` on the same file.
  * The same from standard input ('-', and no FILE) and from a pipe.
  * Bytes that are not mail (empty, binary, no header, key archives) are
    reported as scan reports them (`empty`, `not_mail`), not verified, exit 2;
    the other inputs are still verified.

Environment: DKIMARC (the CLI), SRCDIR (the repository root).
"""

import json
import mailbox
import os
import shutil
import subprocess
import sys
import tempfile

CLI = os.environ.get("DKIMARC")
SRCDIR = os.environ.get("SRCDIR") or os.path.join(os.path.dirname(__file__), "..", "..")
LEAK = os.path.join(SRCDIR, "vectors", "leak-sample")
SAMPLE = os.path.join(SRCDIR, "vectors", "sample")
AT = "2017-05-06T00:00:00Z"  # as tests/leak/check_leak.py

passed = failed = 0


def check(ok, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok   - " + what)
    else:
        failed += 1
        print("FAIL - " + what + (("\n       " + str(detail)) if detail else ""))


def run(args, stdin=None, data=None, cwd=None):
    p = subprocess.run([CLI] + args, stdin=stdin, input=data, capture_output=True,
                       cwd=cwd, timeout=120)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def jsonl(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def leak_truth():
    out = {}
    with open(os.path.join(LEAK, "truth.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            file, index, offset, verdict, reason = line.rstrip("\n").split("\t")[:5]
            if index != "-":
                out.setdefault(file, []).append((int(index), int(offset), verdict, reason))
    return {k: sorted(v) for k, v in out.items()}


def mbox_cases():
    truth = leak_truth()
    check(len(truth) >= 10 and max(len(v) for v in truth.values()) >= 4,
          "the leak sample has mbox files of several messages")
    keys = ["--keys", "keys.zone", "--at", AT]
    for rel, want in sorted(truth.items()):
        rc, out, err = run(["verify", "--json"] + keys + [rel], cwd=LEAK)
        got = [(j.get("index"), j.get("offset"), j.get("verdict"), j.get("verdict_code"))
               for j in jsonl(out)]
        check(got == want and rc in (0, 1), "%s: one JSON report per message, as truth.tsv"
              % rel, "exit %d, got %s, want %s %s" % (rc, got, want, err))
        check(all(j["file"] == rel for j in jsonl(out)), "%s: JSON file is the path given" % rel)
        check(len(got) == len(mailbox.mbox(os.path.join(LEAK, rel), create=False)),
              "%s: as many reports as Python's mailbox finds" % rel)
        rc2, out2, _ = run(["verify"] + keys + [rel], cwd=LEAK)
        heads = [l.split(": ", 1)[0] + ": " + l.split(": ", 1)[1].split(" ")[0]
                 for l in out2.splitlines() if l.startswith(rel)]
        want_heads = ["%s#%d: %s" % (rel, i, v.upper()) for i, _, v, _ in want]
        check(heads == want_heads and rc2 == rc, "%s: text reports named FILE#N" % rel,
              "%s != %s" % (heads, want_heads))
        rc3, out3, _ = run(["scan", "--json", "--no-progress"] + keys + [rel], cwd=LEAK)
        scanned = [(j.get("index"), j.get("offset"), j.get("verdict")) for j in jsonl(out3)]
        check(scanned == [g[:3] for g in got], "%s: numbered as scan --json numbers it" % rel,
              "%s != %s" % (scanned, got))

    # Standard input and pipes, with the same rules.
    rel = "leak/claire.dubois/Archives/2016.mbox"
    want = truth[rel]
    for how in ("-", "no FILE", "pipe", "/dev/stdin"):
        args = ["verify", "--json"] + keys + ([] if how == "no FILE" else
                                              ["/dev/stdin" if how == "/dev/stdin" else "-"])
        if how in ("pipe", "/dev/stdin"):
            data = open(os.path.join(LEAK, rel), "rb").read()
            rc, out, err = run(args, data=data, cwd=LEAK)
        else:
            with open(os.path.join(LEAK, rel), "rb") as f:
                rc, out, err = run(args, stdin=f, cwd=LEAK)
        got = [(j.get("index"), j.get("offset"), j.get("verdict"), j.get("verdict_code"))
               for j in jsonl(out)]
        name = "/dev/stdin" if how == "/dev/stdin" else "-"
        check(got == want and all(j["file"] == name for j in jsonl(out)),
              "an mbox on standard input (%s) gives one report per message" % how,
              "exit %d, %s %s" % (rc, got, err))

    # --ar: one field per message, each under its name.
    rc, out, err = run(["verify", "--ar", "mx.example"] + keys + [rel], cwd=LEAK)
    names = [l[4:-4] for l in out.splitlines() if l.startswith("==> ")]
    check(names == ["%s#%d" % (rel, i) for i, _, _, _ in want] and
          out.count("Authentication-Results: mx.example;") == len(want),
          "--ar: one field per mbox message, named FILE#N", out)


def not_mail_cases():
    d = tempfile.mkdtemp(prefix="dkimarc-verify-inputs-")
    files = {"empty": b"", "random.bin": bytes(range(256)) * 8,
             "notes.txt": b"meeting notes\nno header here\n",
             "no-header.eml": b"\r\nHey gang,\r\nThis is a test message.\r\n"}
    for name, data in files.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    paths = [os.path.join(d, n) for n in files]
    paths += [os.path.join(SAMPLE, n) for n in ("keys.zone", "keys.txt", "keys.jsonl")]
    for path in paths:
        rc, out, _ = run(["scan", "--json", "--no-progress", path])
        want = {k: v for k, v in jsonl(out)[0].items()}
        check(want.get("problem") in ("empty", "not_mail"), "scan: %s is not mail" % path, want)
        rc, out, err = run(["verify", "--json=-", path])
        lines = jsonl(out)
        got = {k: v for k, v in lines[0].items() if k != "run"} if len(lines) == 1 else None
        check(rc == 2 and got == want and "run" in lines[0],
              "verify --json %s: what scan --json says, exit 2" % os.path.basename(path),
              "exit %d: %s != %s %s" % (rc, got, want, err))
        rc, out, err = run(["verify", path])
        check(rc == 2 and out.startswith("%s: NOT VERIFIED (%s) " % (path, want["problem"]))
              and "UNSIGNED" not in out,
              "verify %s: NOT VERIFIED (%s), exit 2" % (os.path.basename(path), want["problem"]),
              "exit %d: %s" % (rc, out))
        with open(path, "rb") as f:
            rc, out, err = run(["verify", "--json"], stdin=f)
        lines = jsonl(out)
        check(rc == 2 and len(lines) == 1 and lines[0].get("file") == "-" and
              lines[0].get("problem") == want["problem"],
              "standard input of %s: %s, exit 2" % (os.path.basename(path), want["problem"]),
              "exit %d: %s" % (rc, out))

    # A bad input among good ones: the good one is still verified, the status says 2.
    good = os.path.join(SAMPLE, "confirmed-rsa.eml")
    rc, out, err = run(["verify", "--json", "--keys", os.path.join(SAMPLE, "keys.zone"),
                        "--at", "2024-06-01", paths[1], good])
    lines = jsonl(out)
    check(rc == 2 and [l.get("problem") or l.get("verdict") for l in lines] ==
          ["not_mail", "confirmed"], "not mail among mail: reported in order, exit 2",
          "exit %d: %s" % (rc, out))

    rc, out, err = run(["verify", d])
    check(rc == 2 and "folder" in err and out == "", "a folder is refused, exit 2", err)
    shutil.rmtree(d)


def main():
    if not CLI:
        print("DKIMARC is not set")
        return 2
    mbox_cases()
    not_mail_cases()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
