#!/usr/bin/python3
"""Reproduces ValiMail's ARC signing vectors (vectors/arc-sign) with `dkimarc seal`.

Environment: DKIMARC (the CLI), SRCDIR (the repository root).

For each case the message is sealed with the case's inputs, `--no-fold` (the
layout upstream signed, see vectors/arc-sign/README.md) and the case's DNS
records for validating the chain already there. Checks:
  * the message below the new fields is the input, byte for byte;
  * AAR equal after deleting whitespace, AMS and AS equal as tag sets, b=
    included (the signatures are deterministic); for unused/ cases, against
    dkimpy's ARC signer run here (upstream never ran those expectations), and
    the tags other than b= also against expect.txt;
  * no_additional_sig: no set is added to a chain whose last seal says cv=fail;
  * the set sealed with the default folding validates: dkimarc, dkimpy and
    Mail::DKIM all give the chain the result its cv= implies.
Ends with "N passed, M failed"; exits 1 on any failure.
"""

import glob
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, "/usr/lib/python3/dist-packages")
import dkim  # noqa: E402  (dkimpy)

DKIMARC = os.environ["DKIMARC"]
SRCDIR = os.environ["SRCDIR"]
VEC = os.path.join(SRCDIR, "vectors", "arc-sign")
MAILDKIM = os.path.join(SRCDIR, "tests", "sign", "maildkim.pl")
NAMES = (("AS", "ARC-Seal"), ("AMS", "ARC-Message-Signature"),
         ("AAR", "ARC-Authentication-Results"))

passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL - " + what)


def expect_of(case):
    e = {}
    for line in open(os.path.join(case, "expect.txt"), encoding="utf-8"):
        if "=" in line:
            k, v = line.rstrip("\n").split("=", 1)
            e[k] = v
    return e


def tagset(v):
    v = re.sub(r"\s+", "", v)
    return dict(t.split("=", 1) for t in v.split(";") if t)


def fields_of(text):
    """The ARC fields at the top of a header, unfolded: {"AS": value, ...}."""
    got = {}
    for line in re.sub(r"\r?\n[ \t]", " ", text).splitlines():
        for key, name in NAMES:
            if line.startswith(name + ":") and key not in got:
                got[key] = line[len(name) + 1:].strip()
    return got


def seal(case, e, extra):
    cmd = [DKIMARC, "seal", "--domain", e["sign.domain"], "--selector", e["sign.selector"],
           "--key", os.path.join(case, "private-key.pem"), "--authserv-id", e["sign.srv-id"],
           "--exact-headers", e["sign.headers"], "--timestamp", e["sign.t"],
           "--algorithm", e["sign.a"], "--canon", e["sign.c"],
           "--keys-vector", os.path.join(case, "dns.txt")] + extra + [
               os.path.join(case, "message.eml")]
    return subprocess.run(cmd, capture_output=True)


def dkimpy_seal(case, e):
    msg = open(os.path.join(case, "message.eml"), "rb").read()
    key = open(os.path.join(case, "private-key.pem"), "rb").read()
    out = dkim.ARC(msg).sign(e["sign.selector"].encode(), e["sign.domain"].encode(), key,
                             e["sign.srv-id"].encode(),
                             include_headers=[h.encode() for h in e["sign.headers"].split(":")],
                             timestamp=int(e["sign.t"]), standardize=True)
    return fields_of(b"".join(out).decode("latin-1"))


def dns_records(case):
    recs = {}
    for line in open(os.path.join(case, "dns.txt")):
        f = line.rstrip("\n").split("\t")
        if len(f) == 3 and f[1] == "TXT":
            recs[f[0].lower()] = f[2]
    return recs


def main():
    cases = sorted(glob.glob(os.path.join(VEC, "*", "expect.txt")) +
                   glob.glob(os.path.join(VEC, "unused", "*", "expect.txt")))
    cases = [os.path.dirname(c) for c in cases]
    check(len(cases) == 24, "24 cases in vectors/arc-sign, found %d" % len(cases))
    work = tempfile.mkdtemp(prefix="arc-sign-")
    folded = []  # (file, expected chain result, records)
    for case in cases:
        name = os.path.relpath(case, VEC)
        e = expect_of(case)
        msg = open(os.path.join(case, "message.eml"), "rb").read()
        p = seal(case, e, ["--no-fold"])
        check(p.returncode == 0, "%s: exit %d: %s" % (name, p.returncode, p.stderr.decode()))
        out = p.stdout
        check(out.endswith(msg), "%s: the message below the new fields changed" % name)
        got = fields_of(out[:len(out) - len(msg)].decode("latin-1"))
        if not e.get("expect.AMS"):
            check(got == {} and out == msg, "%s: a set was added to a failed chain" % name)
            continue
        unused = name.startswith("unused/")
        want = dkimpy_seal(case, e) if unused else {k: e["expect." + k] for k, _ in NAMES}
        for key, _ in NAMES:
            if key not in got:
                check(False, "%s: no %s" % (name, key))
                continue
            if key == "AAR":
                check(re.sub(r"\s+", "", got[key]) == re.sub(r"\s+", "", want[key]),
                      "%s: AAR %r, want %r" % (name, got[key], want[key]))
                continue
            g, w = tagset(got[key]), tagset(want[key])
            diff = sorted(t for t in set(g) | set(w) if g.get(t) != w.get(t))
            check(not diff, "%s: %s differs in %s from %s" % (
                name, key, ",".join(diff), "dkimpy" if unused else "upstream"))
            if unused:
                u = tagset(e["expect." + key])
                diff = sorted(t for t in set(g) | set(u) if t != "b" and g.get(t) != u.get(t))
                check(not diff, "%s: %s differs from expect.txt in %s" % (
                    name, key, ",".join(diff)))
        # The same set, folded, must validate everywhere.
        p = seal(case, e, [])
        f = os.path.join(work, name.replace("/", "_") + ".eml")
        open(f, "wb").write(p.stdout)
        cv = tagset(fields_of(p.stdout.decode("latin-1"))["AS"])["cv"]
        folded.append((f, "fail" if cv == "fail" else "pass", dns_records(case)))

    files = [f for f, _, _ in folded]
    r = subprocess.run([DKIMARC, "verify", "--json"] +
                       sum((["--keys-vector", os.path.join(c, "dns.txt")] for c in cases[:1]),
                           []) +
                       files, capture_output=True)
    ours = {}
    for line in r.stdout.decode().splitlines():
        j = json.loads(line)
        ours[j["file"]] = j["arc"]["result"]
    keys = os.path.join(work, "keys.jsonl")
    with open(keys, "w") as k:
        for n, t in folded[0][2].items():
            k.write(json.dumps({"name": n, "txt": t}) + "\n")
    md = subprocess.run(["perl", MAILDKIM, "arc", keys] + files, capture_output=True)
    theirs = {}
    for line in md.stdout.decode().splitlines():
        fl = line.split("\t")
        theirs[fl[0]] = fl[1]
    for f, want, recs in folded:
        check(ours.get(f) == want, "%s: dkimarc says arc=%s, want %s" % (
            os.path.basename(f), ours.get(f), want))

        def dnsfunc(n, timeout=5, recs=recs):
            v = recs.get(n.decode().rstrip(".").lower())
            return v.encode() if v else None
        cv, _, why = dkim.arc_verify(open(f, "rb").read(), dnsfunc=dnsfunc)
        # dkimpy gives no cv for a chain whose last seal says cv=fail, only
        # "ARC-Seal[N] reported failure, the chain is terminated": a fail.
        cv = cv.decode() if cv else "fail" if "reported failure" in why else "(none)"
        check(cv == want, "%s: dkimpy says cv=%s (%s), want %s" % (
            os.path.basename(f), cv, why, want))
        check(theirs.get(f) == want, "%s: Mail::DKIM says %s, want %s" % (
            os.path.basename(f), theirs.get(f), want))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
