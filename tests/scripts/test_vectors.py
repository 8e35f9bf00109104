#!/usr/bin/python3
"""Checks dkimarc against the DKIM verification vectors in vectors/.

Run by ctest with DKIMARC (the CLI) and SRCDIR (the repository root) in the
environment. Standalone:

    DKIMARC=build/dkimarc SRCDIR=. /usr/bin/python3 tests/scripts/test_vectors.py [-v] [CASE...]

Every case directory under vectors/external/ and vectors/dkimpy-data/ that has
an expect.txt with kind=dkim-verify is verified twice, with the case's dns.txt
as the only key archive:

  --strict  each signature's result must be one of the dkim.N alternatives;
  default   the same, except where dkim.N.why names a rule that dkimarc's
            default relaxes (LENIENT_IN_DEFAULT below): then dkim.N.lenient
            applies, and a pass must carry the matching flag.

Also: dkim.count must equal the number of signatures reported, and dkim=none
must give the verdict "unsigned". Mismatches are grouped into categories. A
*false pass* (pass where no alternative is pass) is the worst, so it is also
counted per vector set and per rule. The script ends with "N passed, M failed"
(one unit = one case in one mode) and exits 1 if anything failed.
"""

import collections
import glob
import json
import os
import re
import subprocess
import sys

SETS = ["external", "dkimpy-data"]

# Rules (the first word of dkim.N.why) that dkimarc's default does not
# enforce; with them the default is judged against dkim.N.lenient. Value: the
# flag a passing signature must then carry.
LENIENT_IN_DEFAULT = {
    "rfc8301-rsa-sha1": "rsa_sha1",   # README: rsa-sha1 passes by default, flagged
    "sig-expired": "expired",         # dkimarc.h: past x= fails only with --strict
}

CATEGORIES = [
    ("false-pass", "pass where the expectation allows no pass"),
    ("missed-pass", "expected pass, got something else"),
    ("wrong-result", "a non-pass result other than those expected"),
    ("missing-flag", "default-profile pass without the flag it must carry"),
    ("count", "number of signatures differs from dkim.count"),
    ("identity", "signature's d=/s= differ from expect.txt (order?)"),
    ("verdict", "dkim=none but verdict is not unsigned"),
    ("error", "the CLI failed (exit 2, crash, bad JSON)"),
]


def parse_expect(path):
    exp = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if not line or line.startswith("#"):
                continue
            k, sep, v = line.partition("=")
            if sep:
                exp[k] = v
    return exp


def rule_of(why):
    m = re.match(r"[A-Za-z0-9-]+", why or "")
    return m.group(0) if m else ""


def find_cases(srcdir, only):
    cases = []
    for s in SETS:
        for exp_path in sorted(glob.glob(os.path.join(srcdir, "vectors", s, "**", "expect.txt"),
                                         recursive=True)):
            d = os.path.dirname(exp_path)
            name = os.path.relpath(d, os.path.join(srcdir, "vectors"))
            if only and not any(o in name for o in only):
                continue
            exp = parse_expect(exp_path)
            if exp.get("kind") != "dkim-verify":
                continue
            cases.append((s, name, d, exp))
    return cases


def run_cli(cli, case_dir, strict):
    cmd = [cli, "verify", "--keys-vector", os.path.join(case_dir, "dns.txt"), "--json"]
    if strict:
        cmd.append("--strict")
    cmd.append(os.path.join(case_dir, "message.eml"))
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        return None, "timed out after 60 s"
    err = p.stderr.decode("utf-8", "replace").strip()
    if p.returncode not in (0, 1):
        return None, "exit status %d: %s" % (p.returncode, err[:300])
    lines = [l for l in p.stdout.decode("utf-8", "replace").splitlines() if l.strip()]
    if len(lines) != 1:
        return None, "expected 1 JSON line, got %d (stderr: %s)" % (len(lines), err[:200])
    try:
        report = json.loads(lines[0])
    except ValueError as e:
        return None, "bad JSON (%s): %s" % (e, lines[0][:200])
    # Exit status must agree with the verdict.
    confirmed = report.get("verdict") in ("confirmed", "confirmed-third-party")
    if p.returncode != (0 if confirmed else 1):
        return None, "exit status %d but verdict %s" % (p.returncode, report.get("verdict"))
    return report, None


def check_case(exp, report, strict):
    """Returns a list of (category, detail)."""
    bad = []
    sigs = report.get("signatures") or []
    if exp.get("dkim") == "none":
        if report.get("verdict") != "unsigned":
            bad.append(("verdict", "dkim=none: expected verdict unsigned, got %s (%s)"
                        % (report.get("verdict"), report.get("verdict_reason"))))
    want_n = int(exp.get("dkim.count", "0"))
    if len(sigs) != want_n:
        bad.append(("count", "dkim.count=%d, dkimarc reports %d signatures" % (want_n, len(sigs))))
    for i in range(1, want_n + 1):
        if i > len(sigs):
            break
        s = sigs[i - 1]
        for tag, field in (("d", "domain"), ("s", "selector")):
            w = exp.get("dkim.%d.%s" % (i, tag))
            if w is not None and (s.get(field) or "").lower() != w.lower():
                bad.append(("identity", "sig %d: expected %s=%s, report has %s=%r"
                            % (i, tag, w, field, s.get(field))))
        why = exp.get("dkim.%d.why" % i, "")
        key = "dkim.%d" % i
        flag = None
        if not strict and rule_of(why) in LENIENT_IN_DEFAULT:
            key = "dkim.%d.lenient" % i
            flag = LENIENT_IN_DEFAULT[rule_of(why)]
        if key not in exp:
            bad.append(("error", "expect.txt lacks %s" % key))
            continue
        allowed = exp[key].split("|")
        got = s.get("result")
        detail = ("sig %d (d=%s s=%s a=%s): expected %s=%s [why: %s], got %s/%s (%s) flags=%s"
                  % (i, s.get("domain"), s.get("selector"), s.get("algorithm"), key, exp[key],
                     exp.get(key + ".why", why), got, s.get("reason"), s.get("reason_text"),
                     ",".join(s.get("flags") or []) or "-"))
        if got not in allowed:
            if got == "pass":
                cat = "false-pass"
            elif set(allowed) == {"pass"}:
                cat = "missed-pass"
            else:
                cat = "wrong-result"
            bad.append((cat, detail))
        elif got == "pass" and flag and flag not in (s.get("flags") or []):
            bad.append(("missing-flag", detail + " (flag %s expected)" % flag))
    return bad


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    verbose = "-v" in sys.argv[1:]
    srcdir = os.environ.get("SRCDIR") or os.path.abspath(
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    cli = os.environ.get("DKIMARC")
    if not cli:
        print("DKIMARC is not set (path of the dkimarc CLI)")
        return 2
    cases = find_cases(srcdir, args)
    if not cases:
        print("no vectors found under %s/vectors" % srcdir)
        return 1

    passed = failed = 0
    by_cat = collections.Counter()
    false_by_set = collections.Counter()
    false_by_rule = collections.Counter()
    sigs_by_set = collections.Counter()
    for vset, name, d, exp in cases:
        for strict in (False, True):
            mode = "strict" if strict else "default"
            report, err = run_cli(cli, d, strict)
            problems = [("error", err)] if err else check_case(exp, report, strict)
            if not err:
                sigs_by_set[vset] += len(report.get("signatures") or [])
            if problems:
                failed += 1
                for cat, detail in problems:
                    by_cat[cat] += 1
                    print("MISMATCH [%s] %s (%s): %s" % (cat, name, mode, detail))
                    if cat == "false-pass":
                        false_by_set[vset] += 1
                        n = int(re.match(r"sig (\d+)", detail).group(1))
                        false_by_rule[rule_of(exp.get("dkim.%d.why" % n)) or "?"] += 1
            else:
                passed += 1
                if verbose:
                    print("ok %s (%s)" % (name, mode))

    print()
    print("mismatches by category:")
    for cat, meaning in CATEGORIES:
        print("  %-13s %3d  %s" % (cat, by_cat[cat], meaning))
    print("false passes by vector set (must all be 0):")
    for s in SETS:
        n_cases = sum(1 for c in cases if c[0] == s)
        print("  %-12s %3d  (%d cases, %d signature results seen)"
              % (s, false_by_set[s], n_cases, sigs_by_set[s]))
    if false_by_rule:
        print("false passes by expectation rule:")
        for rule, n in sorted(false_by_rule.items()):
            print("  %-28s %3d" % (rule, n))
    print("no false pass: %s" % ("OK" if not by_cat["false-pass"] else
                                 "FAILED (%d)" % by_cat["false-pass"]))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or by_cat["false-pass"] else 0


if __name__ == "__main__":
    sys.exit(main())
