#!/usr/bin/python3
"""Zero false passes across the whole vector suite (vectors/**), by category.

Environment (set by ctest): DKIMARC = the CLI, SRCDIR = the repository root,
BUILDDIR = the build directory (the big adversarial cases are built there).

    DKIMARC=build/dkimarc SRCDIR=. BUILDDIR=build /usr/bin/python3 \
        tests/scripts/test_no_false_pass.py [-v]

A false pass is dkimarc saying "authentic" where the vector's independent
truth says otherwise. Every vector kind is read, in the default and the
--strict profile:

  kind=dkim-verify (expect.txt)  a signature `pass` where dkim.N (strict), or
      in the default profile the rule's dkim.N.lenient, or dkim.*, allows no
      pass; or a confirmed verdict where the expected verdict is another;
  kind=arc-verify (expect.txt)   an ARC chain `pass` where arc= allows no pass
      (default profile only: ARC has no strict variant);
  vectors/sample/expected.txt    a confirmed verdict where another is expected;
  vectors/leak-sample/truth.tsv  a confirmed verdict (dkimarc scan) where the
      ground truth has another.

Cases with other kinds (arc-sign) make no verification claim and are counted
as skipped. The table gives, per category (the vector set, and its group
where it has several), the cases, the runs, the passes the truth allows and
dkimarc gave, the false passes and the cases that could not be checked
(both must be 0); "may pass" counts, per run, the signatures (or chains,
or messages) whose truth allows a pass. Any other mismatch
is left to the set's own test (test_vectors.py, test_arc_vectors.py,
test_adversarial.py, test_sample.sh, check_leak.py). Ends with
"N passed, M failed" (one unit = one category).
"""

import collections
import glob
import json
import os
import re
import subprocess
import sys

CONFIRMED = ("confirmed", "confirmed-third-party")
LENIENT = {"rfc8301-rsa-sha1", "sig-expired"}  # rules the default profile relaxes
SAMPLE_AT = "2024-06-01T00:00:00Z"  # as tests/scripts/test_sample.sh
LEAK_AT = "2017-05-06T00:00:00Z"


def parse_expect(path):
    exp = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if line and not line.startswith("#"):
                k, sep, v = line.partition("=")
                if sep:
                    exp[k] = v
    return exp


def run_json(cmd, cwd=None):
    p = subprocess.run(cmd, capture_output=True, cwd=cwd, timeout=600)
    lines = [json.loads(l) for l in p.stdout.decode("utf-8").splitlines() if l.strip()]
    # verify exits 2 on a file that is not mail (an empty message): a problem, never a pass.
    not_mail = p.returncode == 2 and lines and all("problem" in l for l in lines)
    if p.returncode not in (0, 1) and not not_mail:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd[:3]), p.returncode,
                                               p.stderr.decode("utf-8", "replace")[:300]))
    return lines


def allowed_for(exp, i, strict):
    """The results expect.txt allows for signature i (1-based), or None if it says nothing."""
    key = "dkim.%d" % i
    if key not in exp:
        return exp["dkim.*"].split("|") if "dkim.*" in exp else None
    rule = re.match(r"[A-Za-z0-9-]*", exp.get(key + ".why", "")).group(0)
    if not strict and rule in LENIENT and key + ".lenient" in exp:
        key += ".lenient"
    return exp[key].split("|")


class Tally:
    def __init__(self):
        self.cases = self.runs = self.allowed = self.passes = self.false = 0
        self.skipped = self.errors = 0
        self.details = []


def category(rel):
    parts = rel.split(os.sep)
    if parts[0] in ("external",) and len(parts) > 2:
        return "/".join(parts[:2])
    if parts[0] == "arc-sign":
        return "arc-sign"
    return parts[0]


def dkim_case(cli, d, exp, t, label):
    for strict in (False, True):
        cmd = [cli, "verify", "--json", "--keys-vector", os.path.join(d, "dns.txt")]
        cmd += ["--strict"] if strict else []
        report = run_json(cmd + [os.path.join(d, "message.eml")])[0]
        t.runs += 1
        mode = "strict" if strict else "default"
        any_pass_allowed = False
        for i, s in enumerate(report.get("signatures") or [], 1):
            allowed = allowed_for(exp, i, strict)
            ok_pass = allowed is not None and "pass" in allowed
            any_pass_allowed |= ok_pass
            t.allowed += ok_pass
            if s.get("result") == "pass":
                t.passes += 1
                if not ok_pass:
                    t.false += 1
                    t.details.append("%s (%s): signature %d passes; truth allows %s"
                                     % (label, mode, i, allowed))
        v = report.get("verdict")
        want_v = exp.get("verdict")
        wrong_verdict = v in CONFIRMED and (
            (want_v is not None and v not in want_v.split("|")) or
            (want_v is None and not any_pass_allowed))
        if wrong_verdict:
            t.false += 1
            t.details.append("%s (%s): verdict %s; truth %s" % (
                label, mode, v, want_v or "no signature may pass"))


def arc_case(cli, d, exp, t, label):
    report = run_json([cli, "verify", "--json", "--keys-vector", os.path.join(d, "dns.txt"),
                       os.path.join(d, "message.eml")])[0]
    t.runs += 1
    want = exp.get("arc", "").split("|")
    got = (report.get("arc") or {}).get("result")
    t.allowed += "pass" in want
    if got == "pass":
        t.passes += 1
        if "pass" not in want:
            t.false += 1
            t.details.append("%s: ARC chain passes; truth arc=%s" % (label, exp.get("arc")))


def main():
    verbose = "-v" in sys.argv[1:]
    srcdir = os.environ.get("SRCDIR") or os.path.join(os.path.dirname(__file__), "..", "..")
    vectors = os.path.join(srcdir, "vectors")
    builddir = os.environ.get("BUILDDIR") or "/tmp"
    cli = os.environ.get("DKIMARC")
    if not cli:
        print("DKIMARC is not set")
        return 2

    tallies = collections.OrderedDict()
    big = os.path.join(builddir, "no-false-pass-big")  # not test_adversarial's: ctest -j
    gen = subprocess.run(["/usr/bin/python3", os.path.join(vectors, "adversarial", "make_cases.py"),
                          "--big", big], capture_output=True, text=True)
    roots = [(vectors, None)]
    if gen.returncode == 0:
        roots.append((big, "adversarial (generated)"))
    else:
        tallies["adversarial (generated)"] = t = Tally()
        t.details.append("cannot check: make_cases.py --big failed: " + gen.stderr[-300:])
        t.errors += 1

    for root, cat in roots:
        for path in sorted(glob.glob(os.path.join(root, "**", "expect.txt"), recursive=True)):
            d = os.path.dirname(path)
            rel = os.path.relpath(d, root)
            c = cat or category(rel)
            t = tallies.setdefault(c, Tally())
            exp = parse_expect(path)
            label = "%s/%s" % (os.path.basename(root), rel) if cat else rel
            t.cases += 1
            try:
                if exp.get("kind") == "dkim-verify":
                    dkim_case(cli, d, exp, t, label)
                elif exp.get("kind") == "arc-verify":
                    arc_case(cli, d, exp, t, label)
                else:
                    t.skipped += 1
            except (RuntimeError, ValueError, IndexError, subprocess.TimeoutExpired) as e:
                t.errors += 1
                t.details.append("%s: cannot check: %s" % (label, e))

    # The bundled sample: verdicts by file.
    sample = os.path.join(vectors, "sample")
    try:
        check_sample(cli, sample, tallies)
    except (RuntimeError, ValueError, subprocess.TimeoutExpired) as e:
        t = tallies.setdefault("sample", Tally())
        t.errors += 1
        t.details.append("cannot check: %s" % e)
    leak = os.path.join(vectors, "leak-sample")
    try:
        check_leak(cli, leak, tallies)
    except (RuntimeError, ValueError, subprocess.TimeoutExpired) as e:
        t = tallies.setdefault("leak-sample", Tally())
        t.errors += 1
        t.details.append("cannot check: %s" % e)
    return report(tallies, verbose)


def check_sample(cli, sample, tallies):
    if os.path.exists(os.path.join(sample, "expected.txt")):
        t = tallies.setdefault("sample", Tally())
        want = {}
        with open(os.path.join(sample, "expected.txt"), encoding="utf-8") as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2 and not line.startswith("#"):
                    want[parts[0]] = parts[1]
        t.cases += len(want)
        for strict in (False, True):
            cmd = [cli, "verify", "--json", "--keys", os.path.join(sample, "keys.zone"),
                   "--at", SAMPLE_AT] + (["--strict"] if strict else [])
            reports = run_json(cmd + [os.path.join(sample, f) for f in sorted(want)])
            for f, r in zip(sorted(want), reports):
                t.runs += 1
                t.allowed += want[f] in CONFIRMED
                if r.get("verdict") in CONFIRMED:
                    t.passes += 1
                    if r["verdict"] != want[f]:
                        t.false += 1
                        t.details.append("sample/%s: verdict %s; expected %s"
                                         % (f, r["verdict"], want[f]))


def check_leak(cli, leak, tallies):
    """The leak sample: dkimarc scan against truth.tsv."""
    if os.path.exists(os.path.join(leak, "truth.tsv")):
        t = tallies.setdefault("leak-sample", Tally())
        truth = {}
        with open(os.path.join(leak, "truth.tsv"), encoding="utf-8") as f:
            for line in f:
                if not line.startswith("#"):
                    p = line.rstrip("\n").split("\t")
                    truth[(p[0], None if p[1] == "-" else int(p[1]))] = p[3]
        t.cases += len(truth)
        for strict in (False, True):
            cmd = [cli, "scan", "--keys", "keys.zone", "--json", "--at", LEAK_AT,
                   "--no-progress"] + (["--strict"] if strict else []) + ["leak"]
            for r in run_json(cmd, cwd=leak):
                key = (r.get("file"), r.get("index"))
                if key not in truth:
                    continue  # not mail: no claim
                t.runs += 1
                t.allowed += truth[key] in CONFIRMED
                if r.get("verdict") in CONFIRMED:
                    t.passes += 1
                    if r["verdict"] != truth[key]:
                        t.false += 1
                        t.details.append("leak-sample/%s#%s: verdict %s; truth %s"
                                         % (key[0], key[1], r["verdict"], truth[key]))


def report(tallies, verbose):
    passed = failed = 0
    print("%-24s %6s %6s %8s %7s %6s %6s %7s" % ("category", "cases", "runs", "may pass",
                                                 "passes", "false", "errors", "skipped"))
    for c, t in tallies.items():
        print("%-24s %6d %6d %8d %7d %6d %6d %7s" % (c, t.cases, t.runs, t.allowed, t.passes,
                                                     t.false, t.errors, t.skipped or ""))
        for line in t.details:
            print(("    ERROR " if "cannot check" in line else "    FALSE PASS ") + line)
        if t.false or t.errors:
            failed += 1
        else:
            passed += 1
    total = sum(t.false for t in tallies.values())
    print("false passes in all: %d (%d verification runs)" % (
        total, sum(t.runs for t in tallies.values())))
    if verbose:
        print("categories: " + ", ".join(tallies))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
