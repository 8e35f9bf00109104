#!/usr/bin/python3
"""The failing-allocator test (issue 16 §1): a failure inside dkimarc is an
error, never a verdict.

Under failmalloc.so (LD_PRELOAD), the Nth allocation made once the message is
being read fails, for N = 1, 2, ... (or every S-th N), and likewise the Nth
OpenSSL call that libdkimarc makes. Each run must give exactly what the run
without failures gives, or fail: the library with DKIMARC_ENOMEM or
DKIMARC_ECRYPTO and no report, the CLI with exit status 2 and a message
naming memory or the crypto library (and, before it, only lines the true run
also printed; scan an "error" item in place of the failed message). Never
another verdict, never a crash, never a sanitizer report.

  - torture_driver (the library's one-shot and streaming verifiers, the
    report's JSON, text and Authentication-Results) forks one run per N
    after the setup, and checks each itself;
  - the CLI (verify on an mbox, verify --ar with a diagnosis, scan, seal of a
    message with an ARC set, verify with its DNS setup counted) is run once
    per N.

Run by ctest (test_torture):

    /usr/bin/python3 tests/torture/run_torture.py --dkimarc CLI --driver DRIVER \\
        --shim libfailmalloc.so --srcdir SRC [--sanitize] [--full] [--only NAME]

--full tries every N of every case (slow: minutes); by default small cases
are swept fully and larger ones with a stride, a different residue per case
(eight times as wide under sanitizers, which cost a leak check per run).
Ends with "N passed, M failed"; exits 1 on any failure.
"""

import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile
import time

AT = "2024-06-01T00:00:00Z"
ERROR_TEXT = re.compile(r"out of memory|cannot allocate memory|crypto library|OpenSSL", re.I)
SANITIZER = re.compile(r"AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|"
                       r"runtime error:")

passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what, flush=True)


def driver_cases(src):
    """(name, mode, keys, message, options, stride): the library through torture_driver."""
    s, arc = os.path.join(src, "vectors/sample"), os.path.join(src, "vectors/arc")
    two = os.path.join(src, "vectors/dkimpy-data/mbox-resigned-all-headers")
    arc_case = os.path.join(arc, "ams_fields_b_head_case")
    keys = os.path.join(s, "keys.txt")
    return [
        ("ed25519", "oneshot", keys, os.path.join(s, "confirmed-ed25519.eml"), [], 1),
        ("rsa-explain", "oneshot", keys, os.path.join(s, "confirmed-rsa.eml"),
         ["--explain"], 7),
        ("body-diagnosis", "stream", keys, os.path.join(s, "altered-body.eml"),
         ["--diagnose"], 7),
        ("header-diagnosis", "oneshot", keys, os.path.join(s, "altered-subject.eml"),
         ["--diagnose"], 7),
        ("two-signatures", "stream", os.path.join(two, "dns.txt"),
         os.path.join(two, "message.eml"), [], 7),
        ("arc", "stream", os.path.join(arc_case, "dns.txt"),
         os.path.join(arc_case, "message.eml"), [], 3),
    ]


def cli_cases(src, tmp):
    """(name, argv, stride[, env]): the CLI, one process per run."""
    s, leak = os.path.join(src, "vectors/sample"), os.path.join(src, "vectors/leak-sample")
    arc = os.path.join(src, "vectors/arc-sign/i1_base")
    return [
        # The setup counted too: the run description names the resolvers given, or fails.
        # No query is sent: the message is unsigned (192.0.2.0/24 is TEST-NET-1).
        ("verify-dns-setup", ["verify", "--at", AT, "--dns-server", "192.0.2.1:53",
                              "--dns-server", "192.0.2.2",
                              os.path.join(s, "unsigned.eml")], 1,
         {"TORTURE_FROM_START": "1"}),
        ("verify-mbox", ["verify", "--json", "--at", AT, "--keys",
                         os.path.join(leak, "keys.zone"),
                         os.path.join(leak, "leak/david.moreau/Archives/2016.mbox")], 13),
        ("verify-text-diagnosis", ["verify", "--at", AT, "--ar", "mx.example", "--keys",
                                   os.path.join(s, "keys.txt"),
                                   os.path.join(s, "altered-body.eml")], 13),
        ("scan", ["scan", "--json", "--jobs", "1", "--no-progress", "--at", AT,
                  "--summary-json", os.path.join(tmp, "summary.json"), "--keys",
                  os.path.join(leak, "keys.zone"),
                  os.path.join(leak, "leak/david.moreau/Inbox/Press")], 17),
        # Sealing verifies the chain first: its cv= must never come from a failure.
        ("seal", ["seal", "--domain", "example.org", "--selector", "dummy", "--key",
                  os.path.join(arc, "private-key.pem"), "--authserv-id", "lists.example.org",
                  "--exact-headers", "mime-version:date:from:to:subject", "--timestamp",
                  "12346", "--keys-vector", os.path.join(arc, "dns.txt"),
                  os.path.join(arc, "message.eml")], 13),
    ]


def environment(args):
    env = dict(os.environ, LD_PRELOAD=args.shim, TMPDIR=tempfile.gettempdir())
    if args.sanitize:
        # The shim comes first, so it sees every allocation; it calls ASan's allocator.
        # Whole stacks (OpenSSL has no frame pointers), for the suppressions below.
        env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") +
                               ":verify_asan_link_order=0:abort_on_error=1"
                               ":fast_unwind_on_malloc=0").lstrip(":")
        env["UBSAN_OPTIONS"] = (env.get("UBSAN_OPTIONS", "") +
                                ":halt_on_error=1:abort_on_error=1").lstrip(":")
        # OpenSSL's own leaks when an allocation fails inside it (see the file).
        supp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lsan.supp")
        env["LSAN_OPTIONS"] = (env.get("LSAN_OPTIONS", "") + ":suppressions=" + supp +
                               ":print_suppressions=0").lstrip(":")
    return env


def run_driver(args, env, case, crypto):
    name, mode, keys, msg, opts, stride = case
    if args.full:
        stride = 1
    elif crypto:
        stride = 2 if args.sanitize else 1
    elif args.sanitize:
        stride *= 8
    # A test vector's dns.txt is loaded as one (docs/keys.md); other archives as detected.
    kopt = "--keys-vector" if os.path.basename(keys) == "dns.txt" else "--keys"
    cmd = [args.driver, "--at", AT, "--stride", str(stride), kopt, keys] + opts
    cmd += ["--crypto"] if crypto else []
    cmd += [mode, msg]
    t0 = time.time()
    p = subprocess.run(cmd, env=env, capture_output=True, timeout=1800)
    out = p.stdout.decode("utf-8", "replace").strip()
    err = p.stderr.decode("utf-8", "replace")
    label = "%s %s" % (name, "crypto" if crypto else "alloc")
    return label, p.returncode, "%s (%.1f s)" % (out, time.time() - t0), err


def run_cli(args, env, argv, n, crypto=False, extra=None):
    """One CLI run; returns (rc, stdout, stderr, allocs, crypto calls, injected)."""
    with tempfile.NamedTemporaryFile(prefix="torture-", delete=False) as f:
        counts = f.name
    e = dict(env, **(extra or {}), TORTURE_OUT=counts, TORTURE_ALLOC="0" if crypto else str(n),
             TORTURE_CRYPTO=str(n) if crypto else "0")
    try:
        p = subprocess.run([args.dkimarc] + argv, env=e, capture_output=True, timeout=120)
        with open(counts) as f:
            fields = f.read().split()
    finally:
        os.unlink(counts)
    allocs, calls, inj_a, inj_c = (int(x) for x in fields) if len(fields) == 4 else (0, 0, 0, 0)
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"), allocs, calls, bool(inj_a or inj_c))


def error_item(line):
    """A scan line for an item the library failed on: problem "error" naming the failure."""
    try:
        o = json.loads(line)
    except ValueError:
        return False
    return o.get("problem") == "error" and bool(ERROR_TEXT.search(o.get("problem_text", "")))


def judge(truth, got):
    """Why a run is wrong, or None."""
    rc, out, err, _, _, injected = got
    if rc < 0:
        return "killed by signal %d: %s" % (-rc, err[-400:])
    if SANITIZER.search(err):
        return "sanitizer: " + err[-600:]
    if not injected:
        return None if (rc, out) == truth[:2] else "no failure injected, yet another output"
    if (rc, out) == truth[:2]:
        return None  # the failure was absorbed, and nothing shows it
    if rc != 2:
        return "exit %d, output differs from the true one (exit %d):\n%s" % (
            rc, truth[0], "\n".join(sorted(set(out.splitlines()) -
                                           set(truth[1].splitlines())))[:800])
    if not ERROR_TEXT.search(err):
        return "exit 2 without naming memory or the crypto library: " + err[-300:]
    want = set(truth[1].splitlines())
    extra = [ln for ln in out.splitlines() if ln not in want and not error_item(ln)]
    return "exit 2, and lines the true run does not print:\n" + "\n".join(extra)[:800] \
        if extra else None


def sweep_cli(args, env, case, crypto, offset):
    name, argv, stride = case[:3]
    extra = case[3] if len(case) > 3 else None
    t0 = time.time()
    truth = run_cli(args, env, argv, 0, crypto, extra)
    label = "%s %s" % (name, "crypto" if crypto else "alloc")
    if truth[0] not in (0, 1, 3) or SANITIZER.search(truth[2]):
        return label, ["the run without failures failed (exit %d): %s" % (truth[0], truth[2])], ""
    total = truth[4] if crypto else truth[3]
    if args.full:
        stride, offset = 1, 0
    elif crypto:
        stride = 4 if args.sanitize else 1
    elif args.sanitize:
        stride *= 8
    ns = sorted(set(range(1 + offset % stride, total + 1, stride)) | {total})
    bad = []
    for n in ns:
        why = judge(truth, run_cli(args, env, argv, n, crypto, extra))
        if why:
            bad.append("N=%d: %s" % (n, why))
            if len(bad) >= 10:
                break
    return label, bad, "%d runs (%.1f s)" % (len(ns), time.time() - t0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dkimarc", required=True)
    ap.add_argument("--driver", required=True)
    ap.add_argument("--shim", required=True)
    ap.add_argument("--srcdir", required=True)
    ap.add_argument("--sanitize", action="store_true", help="an ASan/UBSan build")
    ap.add_argument("--full", action="store_true", help="every N of every case")
    ap.add_argument("--only", help="only the cases whose name contains this")
    args = ap.parse_args()
    env = environment(args)

    with tempfile.TemporaryDirectory(prefix="torture-") as tmp, \
            concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        jobs = []
        for case in driver_cases(args.srcdir):
            if args.only and args.only not in case[0]:
                continue
            for crypto in (False, True):
                jobs.append(pool.submit(run_driver, args, env, case, crypto))
        for i, case in enumerate(cli_cases(args.srcdir, tmp)):
            if args.only and args.only not in case[0]:
                continue
            for crypto in (False, True):
                jobs.append(pool.submit(sweep_cli, args, env, case, crypto, i))
        for job in jobs:
            r = job.result()
            if len(r) == 4:  # the driver: it judged its runs itself
                label, rc, out, err = r
                print("driver", label, "--", out, flush=True)
                check(rc == 0, "driver %s (exit %d):\n%s" % (label, rc, err[-3000:]))
            else:
                label, bad, runs = r
                print("cli", label, "--", runs, flush=True)
                check(not bad, "cli %s:\n  %s" % (label, "\n  ".join(bad)))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
