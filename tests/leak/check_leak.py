#!/usr/bin/python3
"""Generates the synthetic leak with bench/leakgen and checks that dkimarc scan
reproduces its ground truth message by message.

Run by ctest with DKIMARC, LEAKGEN and BUILDDIR in the environment:

    /usr/bin/python3 tests/leak/check_leak.py [--scale K] [--keep DIR]

Checks, each counted once:
  - leakgen writes the proportions asked for, and the same bytes twice;
  - every ground-truth entry (file, mbox index) has exactly one scan record,
    at the same mbox offset, with the expected verdict, and the evidence for
    its category: the reason of a signature, a flag, the signing domain of a
    confirmed message, or the problem of a non-mail file; no record is extra;
  - the JSON output is byte-identical for --jobs 1 and --jobs 3;
  - --summary-json counts agree with the ground truth, and the exit status is 1
    (messages not confirmed, nothing unreadable);
  - the sample committed in vectors/leak-sample still matches its truth.tsv.
Ends with "N passed, M failed"; exits 1 on any failure.
"""

import collections
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

FULL, CONFIRMABLE = 71848, 21075
AT = "2017-05-06T00:00:00Z"

passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


def tree_digest(root):
    h = hashlib.sha256()
    for d, dirs, files in os.walk(root):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(d, f)
            h.update(os.path.relpath(p, root).encode() + b"\0")
            with open(p, "rb") as fh:
                h.update(fh.read())
    return h.hexdigest()


def read_truth(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            file, index, offset, verdict, reason, cat, signer = line.rstrip("\n").split("\t")
            rows.append(dict(file=file, index=None if index == "-" else int(index),
                             offset=None if offset == "-" else int(offset), verdict=verdict,
                             reason=reason, category=cat, signer=signer))
    return rows


def deciding_domain(rec):
    sigs = rec.get("signatures") or []
    for want_aligned in (True, False):
        for s in sigs:
            if s["result"] == "pass" and "body_beyond_length" not in s["flags"] and \
                    (s["aligned"] or not want_aligned):
                return s["domain"]
    return None


def evidence(t, rec):
    """Why rec shows (or fails to show) the truth's category; '' when it does."""
    r = t["reason"]
    sigs = rec.get("signatures") or []
    if r == "not_mail":
        return "" if rec.get("problem") == "not_mail" else "expected problem not_mail"
    if rec.get("verdict") != t["verdict"]:
        return "verdict %s, expected %s (%s)" % (rec.get("verdict"), t["verdict"],
                                                 rec.get("verdict_reason") or rec.get("problem_text"))
    if r == "ok":
        d = deciding_domain(rec)
        return "" if d == t["signer"] else "signed by %s, expected %s" % (d, t["signer"])
    if r == "no_signature":
        return "" if not sigs else "has signatures"
    if r in ("body_beyond_length", "multiple_from"):
        return "" if r in rec["flags"] else "flag %s missing (%s)" % (r, rec["flags"])
    if any(s["reason"] == r for s in sigs):
        return ""
    return "no signature with reason %s: %s" % (r, [s["reason"] for s in sigs])


def compare(truth, stdout, label):
    """Checks scan records against the ground truth, message by message."""
    recs = {}
    lines = stdout.decode("utf-8").splitlines()
    order = []
    dups = 0
    for line in lines:
        rec = json.loads(line)
        key = (rec["file"], rec["index"])
        dups += key in recs
        recs[key] = rec
        order.append(key)
    check(dups == 0, "%s: %d (file, index) pairs have two records" % (label, dups))
    # Walk order: depth first, names in byte order, mbox messages by position.
    walk = sorted(order, key=lambda k: ([c.encode() for c in k[0].split("/")],
                                        -1 if k[1] is None else k[1]))
    check(order == walk, "%s: records are not in walk order" % label)
    bad = collections.Counter()
    shown = 0
    for t in truth:
        rec = recs.pop((t["file"], t["index"]), None)
        if rec is None:
            why = "no record"
        elif t["offset"] is not None and rec.get("offset") != t["offset"]:
            why = "offset %s, expected %s" % (rec.get("offset"), t["offset"])
        else:
            why = evidence(t, rec)
        if why:
            bad[t["category"]] += 1
            if shown < 20:
                print("MISMATCH %s: %s #%s [%s]: %s"
                      % (label, t["file"], t["index"], t["category"], why))
                shown += 1
    for cat in sorted(set(t["category"] for t in truth)):
        check(bad[cat] == 0, "%s: %d mismatches in category %s" % (label, bad[cat], cat))
    check(not recs, "%s: %d records not in the ground truth, e.g. %s"
          % (label, len(recs), list(recs)[:3]))


def scan(cli, out, jobs, summary=None):
    cmd = [cli, "scan", "--keys", "keys.zone", "--json", "--at", AT, "--jobs", str(jobs),
           "--no-progress"]
    if summary:
        cmd += ["--summary-json", summary]
    cmd.append("leak")
    p = subprocess.run(cmd, cwd=out, capture_output=True)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def main():
    scale = 10
    keep = None
    args = sys.argv[1:]
    if "--scale" in args:
        scale = int(args[args.index("--scale") + 1])
    if "--keep" in args:
        keep = args[args.index("--keep") + 1]
    cli, gen = os.environ.get("DKIMARC"), os.environ.get("LEAKGEN")
    if not cli or not gen:
        print("DKIMARC and LEAKGEN must be set")
        return 2
    base = keep or tempfile.mkdtemp(prefix="dkimarc-leak-", dir=os.environ.get("BUILDDIR"))
    out, again = os.path.join(base, "a"), os.path.join(base, "b")
    for d in (out, again):
        shutil.rmtree(d, ignore_errors=True)
    try:
        for d in (out, again):
            p = subprocess.run([gen, "--scale", str(scale), d], capture_output=True)
            check(p.returncode == 0, "leakgen %s: %s" % (d, p.stderr.decode()[-300:]))
            if p.returncode != 0:
                return 1
        check(tree_digest(out) == tree_digest(again), "two leakgen runs differ")
        shutil.rmtree(again)

        truth = read_truth(os.path.join(out, "truth.tsv"))
        n = (FULL + scale // 2) // scale
        mails = [t for t in truth if t["category"] != "not-mail"]
        check(len(mails) == n, "leakgen wrote %d mails, expected %d" % (len(mails), n))
        want_conf = (n * CONFIRMABLE + FULL // 2) // FULL
        got_conf = sum(1 for t in mails if t["verdict"] == "confirmed")
        check(got_conf == want_conf, "%d confirmable, expected %d" % (got_conf, want_conf))
        kinds = collections.Counter()
        for t in mails:
            kinds["mbox" if t["index"] is not None else
                  "maildir" if "/Maildir/" in t["file"] else "eml"] += 1
        check(all(kinds[k] for k in ("mbox", "maildir", "eml")),
              "storage kinds missing: %s" % dict(kinds))
        cats = collections.Counter(t["category"] for t in mails)
        check(len(cats) == 10, "categories present: %s" % sorted(cats))

        summary = os.path.join(base, "summary.json")
        rc, stdout, err = scan(cli, out, 1, summary)
        check(rc == 1, "scan exit status %d, expected 1: %s" % (rc, err[-500:]))
        rc3, stdout3, _ = scan(cli, out, 3)
        check(stdout == stdout3, "--jobs 1 and --jobs 3 give different output")

        compare(truth, stdout, "leak 1:%d" % scale)

        with open(summary, encoding="utf-8") as f:
            s = json.load(f)
        want = collections.Counter(t["verdict"] for t in mails)
        for v in ("confirmed", "confirmed-third-party", "weak", "altered", "unverifiable",
                  "unsigned"):
            check(s["verdicts"][v]["count"] == want[v],
                  "summary %s = %d, truth %d" % (v, s["verdicts"][v]["count"], want[v]))
        check(s["messages"] == n and s["not_verified"]["not_mail"] == len(truth) - n,
              "summary totals %s" % s)
        check(s["exit_status"] == 1, "summary exit_status %s" % s["exit_status"])
        print("leak: %d mails, %d confirmable, storage %s" % (n, got_conf, dict(kinds)))

        # The sample committed in vectors/ must still match its own ground truth.
        sample = os.path.join(os.environ.get("SRCDIR", ""), "vectors", "leak-sample")
        rc, stdout, err = scan(cli, sample, 2)
        check(rc == 1, "vectors/leak-sample: exit status %d: %s" % (rc, err[-300:]))
        compare(read_truth(os.path.join(sample, "truth.tsv")), stdout, "vectors/leak-sample")
    finally:
        if not keep:
            shutil.rmtree(base, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
