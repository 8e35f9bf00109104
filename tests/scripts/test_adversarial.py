#!/usr/bin/python3
"""Runs the dkimarc CLI over the adversarial vectors and checks each outcome.

Environment (set by ctest): DKIMARC = the CLI, SRCDIR = the repository root,
BUILDDIR = the build directory (for the generated big cases).

    DKIMARC=build/dkimarc SRCDIR=. BUILDDIR=build /usr/bin/python3 \
        tests/scripts/test_adversarial.py [-v] [CASE...]

Cases: every directory of vectors/adversarial/, plus the big ones that
vectors/adversarial/make_cases.py --big writes into BUILDDIR (10,000 header
fields, a 1 MB field, 1,000 signatures). Each runs in the default and the
--strict profile (ADVERSARIAL_PROFILES="default" for the first alone).
Checked (expect.txt, see vectors/adversarial/README.md):

  - every signature's result is one allowed by dkim.N (strict) or
    dkim.N.lenient (default), or by dkim.* for signatures not listed;
  - dkim.count, the d=/s= of each signature, the verdict and its code
    (code), text the verdict reason must hold (reason_has=a|b), or that the
    file is not verified at all (problem=not_mail, exit 2), the flags a
    signature (dkim.N.flags) or the message (flags) must carry, the limit a
    verdict reason must name, the ARC result when the report has one;
  - the output is one line of valid JSON, and the exit status agrees;
  - the run is bounded: it ends (a hang is killed after 120 s and fails) and
    its peak RSS stays under 64 MiB (not checked under a sanitizer or a
    wrapper such as valgrind, whose own memory dominates).

Ends with "N passed, M failed" (one unit = one case in one profile).
"""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

RSS_LIMIT_KB = 64 * 1024
HANG_SECONDS = 120
FLAG_ONLY_RULES = {"rfc8301-rsa-sha1": "rsa_sha1", "sig-expired": "expired"}


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


def run(cmd):
    """Runs cmd; returns (exit status or None if hung, stdout, stderr, peak RSS KiB, seconds)."""
    start = time.monotonic()
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        p = subprocess.Popen(cmd, stdout=fo, stderr=fe, stdin=subprocess.DEVNULL)
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > HANG_SECONDS:
                os.kill(p.pid, signal.SIGKILL)
                os.wait4(p.pid, 0)
                p.returncode = 0  # reaped here; keep Popen from waiting again
                return None, b"", b"", 0, HANG_SECONDS
            time.sleep(0.002)
        p.returncode = os.waitstatus_to_exitcode(status)
        fo.seek(0)
        fe.seek(0)
        return p.returncode, fo.read(), fe.read(), ru.ru_maxrss, time.monotonic() - start


def rss_checked(cli, builddir):
    with open(cli, "rb") as f:
        if f.read(2) == b"#!":
            return False  # a wrapper script (valgrind): its memory is not ours
    cache = os.path.join(builddir or "", "CMakeCache.txt")
    if os.path.exists(cache):
        with open(cache, encoding="utf-8", errors="replace") as f:
            if re.search(r"^DKIMARC_SANITIZE:BOOL=ON", f.read(), re.M):
                return False
    return True


def check(exp, report, strict):
    bad = []
    sigs = report.get("signatures") or []
    want = int(exp.get("dkim.count", "0"))
    if len(sigs) != want:
        bad.append("dkim.count=%d but the report has %d signatures" % (want, len(sigs)))
    for i, s in enumerate(sigs, 1):
        key = "dkim.%d" % i
        if key not in exp:
            key = "dkim.*"
        elif not strict:
            key = "dkim.%d.lenient" % i if "dkim.%d.lenient" % i in exp else key
        if key not in exp:
            bad.append("sig %d: no expectation (dkim.%d or dkim.*)" % (i, i))
            continue
        allowed = exp[key].split("|")
        got = s.get("result")
        if got not in allowed:
            kind = "FALSE PASS" if got == "pass" else "wrong result"
            bad.append("sig %d: %s: %s=%s, got %s/%s (%s)" % (
                i, kind, key, exp[key], got, s.get("reason"), s.get("reason_text")))
        for tag, field in (("d", "domain"), ("s", "selector")):
            w = exp.get("dkim.%d.%s" % (i, tag))
            have = s.get(field)
            if w is not None and have is not None and have.lower() != w.lower():
                bad.append("sig %d: %s=%s expected, report has %r" % (i, tag, w, have))
        flags = set(s.get("flags") or [])
        need = [f for f in exp.get("dkim.%d.flags" % i, "").split(",") if f]
        rule = re.match(r"[A-Za-z0-9-]*", exp.get("dkim.%d.why" % i, "")).group(0)
        if not strict and got == "pass" and rule in FLAG_ONLY_RULES:
            need.append(FLAG_ONLY_RULES[rule])
        for f in need:
            if f not in flags:
                bad.append("sig %d: flag %s missing (flags: %s)" % (i, f, ",".join(flags) or "-"))
    if "verdict" in exp and report.get("verdict") not in exp["verdict"].split("|"):
        bad.append("verdict %s, expected %s (%s)" % (report.get("verdict"), exp["verdict"],
                                                    report.get("verdict_reason")))
    if "code" in exp and report.get("verdict_code") != exp["code"]:
        bad.append("verdict code %s, expected %s (%s)" % (report.get("verdict_code"), exp["code"],
                                                         report.get("verdict_reason")))
    for part in [p for p in exp.get("reason_has", "").split("|") if p]:
        if part not in (report.get("verdict_reason") or ""):
            bad.append("verdict reason does not say '%s': %s" % (part,
                                                                 report.get("verdict_reason")))
    if "unsigned" in exp:
        want_u = [x for x in exp["unsigned"].split(",") if x]
        if report.get("unsigned_fields") != want_u:
            bad.append("unsigned_fields %s, expected %s" % (report.get("unsigned_fields"), want_u))
    if exp.get("dkim") == "none" and report.get("verdict") != "unsigned":
        bad.append("dkim=none but verdict %s" % report.get("verdict"))
    for f in [f for f in exp.get("flags", "").split(",") if f]:
        if f not in (report.get("flags") or []):
            bad.append("message flag %s missing (flags: %s)" % (f, report.get("flags")))
    if "limit" in exp and exp["limit"] not in (report.get("verdict_reason") or ""):
        bad.append("verdict reason does not name the limit '%s': %s" % (
            exp["limit"], report.get("verdict_reason")))
    arc = report.get("arc")
    if "arc" in exp and isinstance(arc, dict) and "result" in arc:
        if arc["result"] not in exp["arc"].split("|"):
            bad.append("ARC result %s, expected %s (%s)" % (arc["result"], exp["arc"],
                                                           arc.get("reason_text")))
    return bad


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    verbose = "-v" in sys.argv[1:]
    srcdir = os.environ.get("SRCDIR") or os.path.join(os.path.dirname(__file__), "..", "..")
    builddir = os.environ.get("BUILDDIR") or ""
    cli = os.environ.get("DKIMARC")
    if not cli:
        print("DKIMARC is not set")
        return 2
    adv = os.path.join(srcdir, "vectors", "adversarial")
    big = os.path.join(builddir or "/tmp", "adversarial-big")
    gen = subprocess.run(["/usr/bin/python3", os.path.join(adv, "make_cases.py"), "--big", big],
                         capture_output=True, text=True)
    if gen.returncode != 0:
        print("make_cases.py --big failed:\n" + gen.stdout + gen.stderr)
        print("0 passed, 1 failed")
        return 1

    cases = []
    for group, root in (("committed", adv), ("generated", big)):
        for name in sorted(os.listdir(root)):
            d = os.path.join(root, name)
            if os.path.isfile(os.path.join(d, "expect.txt")) and \
                    (not args or any(a in name for a in args)):
                cases.append((group, name, d))

    check_rss = rss_checked(cli, builddir)
    # ADVERSARIAL_PROFILES=default halves the runs (scripts/valgrind-cli.sh uses it).
    names = os.environ.get("ADVERSARIAL_PROFILES", "default strict").split()
    profiles = [p == "strict" for p in names if p in ("default", "strict")]
    passed = failed = 0
    worst_rss, worst_rss_case, worst_time, worst_time_case = 0, "", 0.0, ""
    false_passes = 0
    for group, name, d in cases:
        exp = parse_expect(os.path.join(d, "expect.txt"))
        for strict in profiles:
            mode = "strict" if strict else "default"
            cmd = [cli, "verify", "--json", "--keys-vector", os.path.join(d, "dns.txt")]
            cmd += ["--strict"] if strict else []
            rc, out, err, rss, secs = run(cmd + [os.path.join(d, "message.eml")])
            problems = []
            if rc is None:
                problems.append("did not finish within %d s" % HANG_SECONDS)
            elif "problem" in exp:
                # Not verified at all (not mail): exit 2 and the problem named.
                lines = out.decode("utf-8").splitlines()
                try:
                    got = json.loads(lines[0]).get("problem") if len(lines) == 1 else None
                except ValueError:
                    got = None
                if rc != 2 or got != exp["problem"]:
                    problems.append("expected problem %s and exit 2, got %r and exit %d" % (
                        exp["problem"], got, rc))
            elif rc not in (0, 1):
                problems.append("exit status %d: %s" % (rc, err.decode("utf-8", "replace")[:300]))
            else:
                lines = out.decode("utf-8").splitlines()
                try:
                    report = json.loads(lines[0]) if len(lines) == 1 else None
                except ValueError:
                    report = None
                if report is None:
                    problems.append("output is not one line of JSON: %r" % out[:200])
                else:
                    problems += check(exp, report, strict)
                    ok = report.get("verdict") in ("confirmed", "confirmed-third-party")
                    if rc != (0 if ok else 1):
                        problems.append("exit %d with verdict %s" % (rc, report.get("verdict")))
            if rss > worst_rss:
                worst_rss, worst_rss_case = rss, "%s (%s)" % (name, mode)
            if secs > worst_time:
                worst_time, worst_time_case = secs, "%s (%s)" % (name, mode)
            if check_rss and rss > RSS_LIMIT_KB:
                problems.append("peak RSS %d KiB over %d KiB" % (rss, RSS_LIMIT_KB))
            false_passes += sum("FALSE PASS" in p for p in problems)
            if problems:
                failed += 1
                for p in problems:
                    print("FAIL %s [%s] (%s): %s" % (name, group, mode, p))
            else:
                passed += 1
                if verbose:
                    print("ok   %s [%s] (%s)" % (name, group, mode))

    n_comm = sum(1 for c in cases if c[0] == "committed")
    print()
    print("adversarial cases: %d committed, %d generated, %d profile(s) each"
          % (n_comm, len(cases) - n_comm, len(profiles)))
    print("false passes: %d" % false_passes)
    print("peak RSS: %s KiB (%s)%s" % (worst_rss or "?", worst_rss_case or "-",
                                      "" if check_rss else ", not checked here"))
    print("slowest run: %.2f s (%s)" % (worst_time, worst_time_case or "-"))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
