#!/usr/bin/python3
"""Checks dkimarc's ARC chain validation against ValiMail's arc_test_suite.

Run by ctest with DKIMARC (the CLI) and SRCDIR (the repository root) in the
environment. Standalone:

    DKIMARC=build/dkimarc SRCDIR=. /usr/bin/python3 tests/scripts/test_arc_vectors.py [-v] [CASE...]

Every case in vectors/arc/ (175, see vectors/arc/README.md) is verified with
`dkimarc verify --json --keys-vector dns.txt message.eml`, the case's own DNS records
and nothing else. The suite's t= values are 12345: no clock is involved.

Checks per case:
  * arc.result equals expect.txt's arc= (or the RFC 8617 result where the suite
    follows an older draft, RFC_DIVERGENCES below, which names the RFC section);
  * the report is consistent: a pass has every seal and the latest AMS passing
    and an oldest_pass in 1..N; a fail names a reason other than ok/no_arc, and a
    failed_instance within the instances; none means no instances;
  * ARC never decides the DKIM verdict: these messages carry no DKIM-Signature,
    so the verdict must be "unsigned";
  * where a case isolates one rule, the chain reason is that rule (REASONS);
  * the two cases that are not mail (NOT_MAIL) are reported as such, exit 2.
The script ends with "N passed, M failed" and exits 1 on any failure.
"""

import glob
import json
import os
import subprocess
import sys

# Where the suite (written against draft-ietf-dmarc-arc-protocol-18) and RFC 8617
# disagree, the test follows the RFC.
RFC_DIVERGENCES = {
    # The AMS has no c= and was signed with relaxed header canonicalization.
    # RFC 8617 §4.1.2: an AMS has "the same syntax and semantics as the
    # DKIM-Signature field" (except the name, v= and i=), so an absent c= means
    # simple/simple (RFC 6376 §3.5) and the signature does not verify. Mail::DKIM
    # agrees (and the suite itself said Fail before a later revision); dkimpy
    # assumes relaxed/relaxed.
    "ams_fields_c_na": ("fail", "RFC 8617 §4.1.2 with RFC 6376 §3.5: absent c= is simple/simple"),
}

# Messages that are not mail: `dkimarc verify` reports them as `dkimarc scan` does
# (docs/scan.md) and exits 2, with no chain to judge. The suite wants arc=none:
# nothing is verified, which is what the problem says.
NOT_MAIL = {
    "cv_empty": "empty",          # a file of no bytes
    "cv_no_headers": "not_mail",  # a body without a header
}

# Cases that isolate one chain rule: the reason dkimarc must give (RFC 8617 §5.2).
REASONS = {
    "cv_base1": "no_arc",
    "cv_pass_i1_1": "ok",
    "cv_pass_i5_1": "ok",
    "cv_fail_i1_ams_na": "missing",
    "cv_fail_i1_as_na": "missing",
    "aar_missing": "missing",
    "aar2_missing": "missing",
    "cv_fail_i1_as_pass": "cv_invalid",
    "cv_fail_i2_as2_none": "cv_invalid",
    "cv_fail_i1_as_cv_fail": "cv_fail",
    "cv_fail_i2_as2_fail": "cv_fail",
    "cv_fail_i2_as1_fail": "cv_fail",
    "cv_fail_i1_ams_invalid": "ams_fail",
    "cv_fail_i2_ams_invalid": "ams_fail",
    "ams_fields_bh_mod_body": "ams_fail",
    "cv_fail_i1_as_invalid": "seal_fail",
    "cv_fail_i2_as1_invalid": "seal_fail",
    "as_fields_b_aar1": "instance_invalid",  # the AAR's i= was changed to a word
    "as_fields_b_ams1": "seal_fail",
    "ams_struct_dup": "duplicate",
    "as_struct_dup": "duplicate",
    "aar_struct_dup": "duplicate",
    "ams_struct_i_zero": "instance_invalid",
    "as_struct_i_zero": "instance_invalid",
    "aar_struct_i_zero": "instance_invalid",
    "ams_struct_i_na": "instance_invalid",
    "aar_i_not_prefixed": "instance_invalid",
    "aar_i_no_semi": "instance_invalid",
    "ams_fields_h_includes_as": "ams_fail",
    "ams_fields_a_sha1": "ams_fail",
    "as_fields_a_sha1": "seal_fail",
    "public_key_na": "seal_fail",  # the seal's s= names a key that does not exist
}

# oldest_pass where it differs from 1 on a passing chain.
OLDEST_PASS = {"cv_pass_i2_1_ams1_invalid": 2}


def parse_expect(path):
    exp = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            k, sep, v = line.rstrip("\r\n").partition("=")
            if sep and not k.startswith("#"):
                exp[k] = v
    return exp


def check_case(dkimarc, d, name):
    """Returns a list of problems (empty when the case passes)."""
    exp = parse_expect(os.path.join(d, "expect.txt"))
    want = exp["arc"]
    if name in RFC_DIVERGENCES:
        want = RFC_DIVERGENCES[name][0]
    p = subprocess.run([dkimarc, "verify", "--json", "--keys-vector", os.path.join(d, "dns.txt"),
                        os.path.join(d, "message.eml")], capture_output=True, timeout=60)
    if name in NOT_MAIL:
        if want != "none":
            return ["not mail, but the suite expects arc=%s" % want]
        try:
            j = json.loads(p.stdout)
        except ValueError as e:
            return ["exit %d, bad JSON: %s" % (p.returncode, e)]
        if p.returncode != 2 or j.get("problem") != NOT_MAIL[name]:
            return ["exit %d, problem %r; want exit 2, problem %s" % (
                p.returncode, j.get("problem"), NOT_MAIL[name])]
        return []
    if p.returncode not in (0, 1):
        return ["exit %d: %s" % (p.returncode, p.stderr.decode(errors="replace").strip())]
    try:
        j = json.loads(p.stdout)
    except ValueError as e:
        return ["bad JSON: %s" % e]
    arc = j["arc"]
    probs = []
    got = arc["result"]
    if got != want:
        probs.append("arc.result %s, want %s (%s: %s)" % (got, want, arc["reason"],
                                                           arc["reason_text"]))
    inst = arc["instances"]
    numbers = [i["instance"] for i in inst]
    if numbers != sorted(set(numbers)) or any(n < 1 or n > 50 for n in numbers):
        probs.append("instances not distinct, ascending, in 1..50: %s" % numbers)
    if got == "pass":
        top = inst[-1] if inst else None
        if arc["reason"] != "ok" or not top or numbers != list(range(1, len(inst) + 1)):
            probs.append("pass without a whole chain 1..N: %s" % numbers)
        else:
            if top["ams"] is None or top["ams"]["result"] != "pass":
                probs.append("pass, but the latest AMS is not pass")
            bad = [i["instance"] for i in inst if i["seal"] is None or i["seal"]["result"] != "pass"]
            if bad:
                probs.append("pass, but seals %s do not pass" % bad)
            op = arc["oldest_pass"]
            if not isinstance(op, int) or not 1 <= op <= top["instance"]:
                probs.append("pass with oldest_pass %r" % op)
            elif op != OLDEST_PASS.get(name, 1):
                probs.append("oldest_pass %d, want %d" % (op, OLDEST_PASS.get(name, 1)))
            elif any(i["ams"]["result"] != "pass" for i in inst if i["instance"] >= op):
                probs.append("an AMS at or above oldest_pass %d does not pass" % op)
    elif got == "fail":
        if arc["reason"] in ("ok", "no_arc") or not arc["reason_text"]:
            probs.append("fail with reason %s" % arc["reason"])
        fi = arc["failed_instance"]
        if fi is not None and fi not in numbers and arc["reason"] != "missing":
            probs.append("failed_instance %r is not among the instances %s" % (fi, numbers))
        if arc["oldest_pass"] is not None:
            probs.append("fail with an oldest_pass")
    else:
        if inst or arc["reason"] != "no_arc":
            probs.append("none with instances or reason %s" % arc["reason"])
    if name in REASONS and arc["reason"] != REASONS[name]:
        probs.append("reason %s, want %s (%s)" % (arc["reason"], REASONS[name],
                                                  arc["reason_text"]))
    if j["signatures"] == [] and j["verdict"] != "unsigned":
        probs.append("DKIM verdict %s for a message without DKIM-Signature" % j["verdict"])
    return probs


def main():
    args = sys.argv[1:]
    verbose = "-v" in args
    only = [a for a in args if a != "-v"]
    dkimarc = os.environ.get("DKIMARC")
    srcdir = os.environ.get("SRCDIR", ".")
    if not dkimarc:
        print("DKIMARC is not set")
        print("0 passed, 1 failed")
        return 1
    cases = sorted(glob.glob(os.path.join(srcdir, "vectors", "arc", "*", "expect.txt")))
    npass = nfail = 0
    results = {"pass": 0, "fail": 0, "none": 0}
    for exp_path in cases:
        d = os.path.dirname(exp_path)
        name = os.path.basename(d)
        if only and not any(o in name for o in only):
            continue
        probs = check_case(dkimarc, d, name)
        if probs:
            nfail += 1
            print("FAIL %s: %s" % (name, "; ".join(probs)))
        else:
            npass += 1
            if verbose:
                print("ok   %s" % name)
    if not only:
        # The human output has the ARC section too.
        d = os.path.join(srcdir, "vectors", "arc", "cv_pass_i2_1")
        p = subprocess.run([dkimarc, "verify", "--keys-vector", os.path.join(d, "dns.txt"),
                            os.path.join(d, "message.eml")], capture_output=True, timeout=60)
        text = p.stdout.decode(errors="replace")
        if "\n  ARC pass (ok) " in text and "\n    i=2 cv=pass\n" in text:
            npass += 1
        else:
            nfail += 1
            print("FAIL text output lacks the ARC section:\n" + text)
    for name, (res, why) in sorted(RFC_DIVERGENCES.items()):
        print("note %s: suite says %s, RFC 8617 says %s (%s)" % (
            name, parse_expect(os.path.join(srcdir, "vectors", "arc", name, "expect.txt"))["arc"],
            res, why))
    if not only and npass + nfail != 176:
        print("FAIL expected 175 ARC cases, found %d" % (npass + nfail - 1))
        nfail += 1
    print("%d passed, %d failed" % (npass, nfail))
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main())
