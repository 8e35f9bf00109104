#!/usr/bin/python3
"""Differential test: dkimarc against dkimpy and libopendkim.

Generates (or reuses) the corpus made by gen_corpus.py, verifies every
signature of every message with dkimpy, with libopendkim (opendkim_verify)
and with dkimarc (default and --strict), and checks each result against the
RFC ground truth in the manifest.

A reference verifier that departs from the RFC is only accepted where the
DEPARTURES table below names the case, the verifier and the RFC section.
dkimarc gets no such table: where it disagrees with the ground truth, the
test fails. Besides pass/not-pass, dkimarc's JSON is checked for: the reason
code each case calls for (a changed body byte is body_hash_mismatch, ...),
the RFC 8601 result, flags (rsa_sha1, body_beyond_length, multiple_from,
from_not_oversigned, key_testing, lf_line_endings), the signature's tags as
signed, key_bits, body_hash, body_bytes (against an independent RFC 6376
body canonicalizer), aligned, from_domain, the verdict that docs/verdicts.md
gives, and with --strict, policy/policy_rsa_sha1 for rsa-sha1.

Usage:
  run_diff.py --workdir DIR [--dkimarc PATH] [--opendkim PATH] [--seed N]
              [--count N] [--jobs N] [--verbose]

Exit status: 0 all checks hold, 1 some unexplained disagreement, 77 when
dkimpy is not available (ctest SKIP_RETURN_CODE).
"""

import argparse
import collections
import hashlib
import json
import logging
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "gen_corpus.py")
PY = "/usr/bin/python3"

try:
    sys.path.insert(0, "/usr/lib/python3/dist-packages")
    import dkim  # dkimpy (python3-dkim)
except ImportError:  # pragma: no cover
    dkim = None

# ----------------------------------------------------------------------------
# Known, justified departures of the reference verifiers from the RFCs.
#
# Each entry: the verifier ("dkimpy" or "opendkim"), the case kind (as in the
# manifest; "*" for any), a predicate on (message entry, signature entry)
# narrowing it down, what the verifier does instead ("pass" or "not-pass"),
# the RFC section it departs from, and why. A reference result that differs
# from the ground truth and matches no entry is an unexplained disagreement.

DEPARTURES = [
    {
        "id": "dkimpy-rsa-sha1",
        "verifier": "dkimpy", "kind": "*",
        "when": lambda m, s, body: s["algorithm"] == "rsa-sha1" and s["expect"]["reason"] == "ok",
        "does": "pass",
        "rfc": "RFC 8301 §3.1",
        "why": "dkimpy verifies rsa-sha1 signatures as valid; RFC 8301 §3.1 says rsa-sha1 "
               "MUST NOT be used for signing or verifying (dkimarc: pass + rsa_sha1 flag by "
               "default, policy with --strict)",
    },
    {
        "id": "opendkim-rsa-sha1",
        "verifier": "opendkim", "kind": "*",
        "when": lambda m, s, body: s["algorithm"] == "rsa-sha1" and s["expect"]["reason"] == "ok",
        "does": "pass",
        "rfc": "RFC 8301 §3.1",
        "why": "libopendkim 2.11 verifies rsa-sha1 signatures as valid; RFC 8301 §3.1 says "
               "rsa-sha1 MUST NOT be used for verifying",
    },
    {
        "id": "dkimpy-extra-from",
        "verifier": "dkimpy", "kind": "from_above",
        "when": lambda m, s, body: not s["from_oversigned"],
        "does": "not-pass",
        "rfc": "RFC 6376 §5.4.2",
        "why": "dkimpy always hashes one more From instance than h= lists (its fix for "
               "Debian bug #644046), so a From added above the signed one breaks the "
               "signature; per RFC 6376 §5.4.2 only the bottom-most From is covered when h= "
               "names it once, so the signature itself is valid (the extra From is a verdict "
               "matter, §8.15; dkimarc flags multiple_from)",
    },
    {
        "id": "dkimpy-relaxed-unterminated-wsp",
        "verifier": "dkimpy", "kind": "relaxed_unterminated_ws",
        "when": lambda m, s, body: s["canonicalization"].endswith("/relaxed"),
        "does": "pass",
        "rfc": "RFC 6376 §3.4.4",
        "why": "dkimpy's relaxed body canonicalization strips WSP only before a CRLF, so an "
               "unterminated last line keeps its trailing WSP; RFC 6376 §3.4.4 (a) ignores "
               "all whitespace at the end of lines before (b) adds the missing CRLF. dkimpy "
               "signed these messages, so it agrees with itself and no RFC verifier can",
    },
    {
        "id": "dkimpy-key-h",
        "verifier": "dkimpy", "kind": "key_hash_not_allowed",
        "when": lambda m, s, body: True,
        "does": "pass",
        "rfc": "RFC 6376 §6.1.2 (step 6), §3.6.1 h=",
        "why": "dkimpy ignores the key record's h= tag and verifies an rsa-sha256 signature "
               "with a key limited to h=sha1; RFC 6376 §6.1.2 says the verifier MUST ignore "
               "such a key record and return PERMFAIL (inappropriate hash algorithm)",
    },
    {
        "id": "dkimpy-key-t-s",
        "verifier": "dkimpy", "kind": "key_strict_subdomain",
        "when": lambda m, s, body: True,
        "does": "pass",
        "rfc": "RFC 6376 §3.6.1 t=s",
        "why": "dkimpy ignores the key record's t=s flag and accepts a signature whose i= is "
               "in a subdomain of d=; RFC 6376 §3.6.1: with t=s the i= domain MUST NOT be a "
               "subdomain of d=",
    },
    {
        "id": "opendkim-simple-unterminated-4k",
        "verifier": "opendkim", "kind": "*",
        "when": lambda m, s, body: (s["canonicalization"].endswith("/simple")
                                    and not body.endswith(b"\n") and len(body) > 4096),
        "does": "not-pass",
        "rfc": "RFC 6376 §3.4.3",
        "why": "libopendkim's simple body canonicalization does not add the CRLF after an "
               "unterminated last line once the body is longer than 4096 bytes (its "
               "canonical length comes out 2 short: bh mismatch, or DKIM_SIGERROR_TOOLARGE_L "
               "when l= is present); RFC 6376 §3.4.3: 'If there is no body or no CRLF at the "
               "end of the body, a CRLF is added'. Shorter bodies are canonicalized right",
    },
]

# dkimarc result strings allowed for each expected reason (default mode)
FAIL_RESULTS = {
    "ok": {"pass"},
    "body_hash_mismatch": {"fail"},
    "signature_mismatch": {"fail"},
    "key_mismatch": {"fail"},
    "key_too_weak": {"fail"},
    "key_revoked": {"fail", "permerror", "neutral"},
    "key_not_found": {"permerror", "fail", "neutral"},
    "sig_body_length_exceeds": {"permerror", "fail"},
    "key_strict_subdomain": {"permerror", "fail", "neutral"},
    "key_hash_not_allowed": {"permerror", "fail", "neutral"},
    "key_type_mismatch": {"permerror", "fail", "neutral"},
    "key_service_mismatch": {"permerror", "fail", "neutral"},
}

SIGN_TIME = 1700000000


# ----------------------------------------------------------------------------
# corpus


def corpus_dir(workdir, seed, count):
    return os.path.join(workdir, "seed%d-n%d" % (seed, count))


def ensure_corpus(workdir, seed, count):
    d = corpus_dir(workdir, seed, count)
    with open(GEN, "rb") as f:
        stamp = "%s seed=%d count=%d\n" % (hashlib.sha256(f.read()).hexdigest(), seed, count)
    sp = os.path.join(d, "stamp")
    if os.path.exists(sp) and open(sp).read() == stamp and \
            os.path.exists(os.path.join(d, "manifest.json")):
        return d, False
    if os.path.exists(d):
        shutil.rmtree(d)
    os.makedirs(workdir, exist_ok=True)
    subprocess.run([PY, GEN, d, "--seed", str(seed), "--count", str(count)], check=True,
                   stdout=subprocess.DEVNULL)
    with open(sp, "w") as f:
        f.write(stamp)
    return d, True


def load_keys(path):
    keys = {}
    with open(path, "rb") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith(b"#"):
                continue
            name, txt = re.split(rb"\s+", line, maxsplit=1) if b" " in line else (line, b"")
            keys[name.lower().rstrip(b".")] = txt
    return keys


# ----------------------------------------------------------------------------
# an independent RFC 6376 body canonicalizer, for body_bytes


def canon_body(body, relaxed):
    if b"\r\n" not in body and b"\n" in body:
        body = body.replace(b"\n", b"\r\n")
    lines = body.split(b"\r\n")
    if lines and lines[-1] == b"":
        lines.pop()  # the body ended in CRLF (or was empty)
    if relaxed:
        lines = [re.sub(rb"[ \t]+", b" ", ln).rstrip(b" ") for ln in lines]
    while lines and lines[-1] == b"":
        lines.pop()
    if not lines:
        return b"" if relaxed else b"\r\n"
    return b"".join(ln + b"\r\n" for ln in lines)


def split_body(msg):
    for sep in (b"\r\n\r\n", b"\n\n"):
        i = msg.find(sep)
        if i >= 0:
            return msg[i + len(sep):]
    return b""


# ----------------------------------------------------------------------------
# dkimpy


class ListHandler(logging.Handler):
    def __init__(self):
        super().__init__()
        self.msgs = []

    def emit(self, record):
        if record.levelno >= logging.WARNING:
            self.msgs.append(record.getMessage())


_KEYS = None


def _dkimpy_init(keyfile):
    global _KEYS
    _KEYS = load_keys(keyfile)


def _lookup(name, timeout=5):
    return _KEYS.get(name.lower().rstrip(b"."))


def dkimpy_verify(args):
    """Verifies every signature of one message; returns [(result, why)]."""
    path, nsig = args
    with open(path, "rb") as f:
        msg = f.read()
    out = []
    for idx in range(nsig):
        lg = logging.getLogger("dkimpy.%d" % os.getpid())
        lg.propagate = False
        lg.handlers = []
        h = ListHandler()
        lg.addHandler(h)
        lg.setLevel(logging.WARNING)
        try:
            d = dkim.DKIM(msg, logger=lg)
            ok = d.verify(idx=idx, dnsfunc=_lookup)
            out.append(("pass", "") if ok else ("fail", "; ".join(h.msgs) or "verify() False"))
        except dkim.DnsTimeoutError as e:
            out.append(("temperror", "%s: %s" % (type(e).__name__, e)))
        except dkim.ValidationError as e:
            out.append(("fail", "%s: %s" % (type(e).__name__, e)))
        except Exception as e:  # KeyFormatError, MessageFormatError, ...
            out.append(("permerror", "%s: %s" % (type(e).__name__, e)))
    return out


def run_dkimpy(cdir, manifest, jobs):
    work = [(os.path.join(cdir, m["file"]), len(m["signatures"])) for m in manifest["messages"]]
    keyfile = os.path.join(cdir, "keys.txt")
    if jobs > 1:
        with multiprocessing.Pool(jobs, initializer=_dkimpy_init, initargs=(keyfile,)) as pool:
            res = pool.map(dkimpy_verify, work, chunksize=4)
    else:
        _dkimpy_init(keyfile)
        res = [dkimpy_verify(w) for w in work]
    return {m["file"]: r for m, r in zip(manifest["messages"], res)}


# ----------------------------------------------------------------------------
# libopendkim and dkimarc


def run_opendkim(exe, cdir, manifest):
    files = [m["file"] for m in manifest["messages"]]
    p = subprocess.run([exe, "--keys", "keys.txt"] + files, cwd=cdir, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    out = collections.defaultdict(list)
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("#"):
            continue
        f = line.split("\t")
        if len(f) < 10:
            continue
        out[f[0]].append({"index": f[1], "d": f[2], "s": f[3], "result": f[4], "bh": f[5],
                          "bits": f[6], "flags": f[7], "canonlen": f[8], "why": f[9]})
    return out, p.returncode, p.stderr.decode("utf-8", "replace")


def run_dkimarc(exe, cdir, manifest, strict):
    files = [m["file"] for m in manifest["messages"]]
    cmd = [exe, "verify", "--keys", "keys.txt", "--json"] + (["--strict"] if strict else [])
    p = subprocess.run(cmd + files, cwd=cdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = {}
    bad = []
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        if not line.strip():
            continue
        try:
            o = json.loads(line)
        except ValueError as e:
            bad.append("unparsable JSON line (%s): %.200s" % (e, line))
            continue
        out[o.get("file")] = o
    return out, p.returncode, p.stderr.decode("utf-8", "replace"), bad


# ----------------------------------------------------------------------------
# comparison


def find_departure(verifier, m, s, body, got_pass):
    for d in DEPARTURES:
        if d["verifier"] != verifier or d["kind"] not in ("*", m["kind"]):
            continue
        if not d["when"](m, s, body):
            continue
        if (d["does"] == "pass") == got_pass:
            return d
    return None


def flags_of(o):
    return set(o.get("flags") or [])


def check_dkimarc_sig(m, s, got, body, problems, label):
    """Checks one dkimarc signature object (default mode) against the manifest."""
    exp = s["expect"]
    want_pass = exp["reason"] == "ok"
    res, reason = got.get("result"), got.get("reason")
    if (res == "pass") != want_pass:
        problems.append("%s: result %s (%s: %s), expected %s (%s)" % (
            label, res, reason, got.get("reason_text"), "pass" if want_pass else "not-pass",
            exp["reason"]))
        return False
    ok = True
    if reason != exp["reason"]:
        problems.append("%s: reason %s (%s), expected %s" % (label, reason,
                                                              got.get("reason_text"),
                                                              exp["reason"]))
        ok = False
    elif res not in FAIL_RESULTS.get(exp["reason"], {res}):
        problems.append("%s: result %s for reason %s, expected one of %s" % (
            label, res, reason, sorted(FAIL_RESULTS[exp["reason"]])))
        ok = False
    fl = flags_of(got)
    if want_pass:
        for f in exp["flags"]:
            if f not in fl:
                problems.append("%s: flag %s missing (flags %s)" % (label, f, sorted(fl)))
                ok = False
    if "rsa_sha1" in fl and s["algorithm"] != "rsa-sha1":
        problems.append("%s: unexpected flag rsa_sha1" % label)
        ok = False
    # content beyond l=: judged on the canonical body (RFC 6376 §3.5 l=)
    cb = len(canon_body(body, s["canonicalization"].endswith("/relaxed")))
    beyond = s["l"] is not None and cb > s["l"]
    if want_pass and beyond != ("body_beyond_length" in fl) or \
            not beyond and "body_beyond_length" in fl:
        problems.append("%s: flag body_beyond_length %s, canonical body %d bytes, l=%s" % (
            label, "set" if "body_beyond_length" in fl else "missing", cb, s["l"]))
        ok = False
    # parameters as signed
    want = {"domain": s["domain"], "selector": s["selector"], "algorithm": s["algorithm"],
            "canonicalization": s["canonicalization"], "auid": s["auid"]}
    for k, v in want.items():
        if got.get(k) != v:
            problems.append("%s: %s %r, expected %r" % (label, k, got.get(k), v))
            ok = False
    hdrs = got.get("headers")
    if hdrs is not None and [h.lower() for h in hdrs] != s["headers"]:
        problems.append("%s: headers %r, expected %r" % (label, hdrs, s["headers"]))
        ok = False
    bl = got.get("body_length")
    if (s["l"] is None and bl not in (None, -1)) or (s["l"] is not None and bl != s["l"]):
        problems.append("%s: body_length %r, expected %r" % (label, bl, s["l"]))
        ok = False
    if got.get("timestamp") != SIGN_TIME:
        problems.append("%s: timestamp %r, expected %d" % (label, got.get("timestamp"),
                                                           SIGN_TIME))
        ok = False
    if want_pass:
        kb = got.get("key_bits")
        if s["key_type"] == "rsa" and kb != s["key_bits"] or \
                s["key_type"] == "ed25519" and kb not in (255, 256):
            problems.append("%s: key_bits %r, expected %r" % (label, kb, s["key_bits"]))
            ok = False
        if got.get("body_hash") != "match":
            problems.append("%s: body_hash %r on a passing signature" % (label,
                                                                        got.get("body_hash")))
            ok = False
    if exp["reason"] == "body_hash_mismatch" and got.get("body_hash") != "mismatch":
        problems.append("%s: body_hash %r, expected mismatch" % (label, got.get("body_hash")))
        ok = False
    if "multiple_from" not in m["report_flags"] and \
            got.get("aligned") != (s["domain"] == m["from_domain"]):
        problems.append("%s: aligned %r, d=%s From domain %s" % (label, got.get("aligned"),
                                                                 s["domain"], m["from_domain"]))
        ok = False
    if exp["reason"] in ("key_not_found", "key_revoked", "key_too_weak") and \
            not m["tampered"] and got.get("body_hash") != "match":
        # docs/verdicts.md: the body hash is computed even when the key is missing
        problems.append("%s: body_hash %r on an unaltered body, expected match" % (
            label, got.get("body_hash")))
        ok = False
    if exp["reason"] == "key_too_weak" and got.get("key_bits") != s["key_bits"]:
        problems.append("%s: key_bits %r, expected %r" % (label, got.get("key_bits"),
                                                         s["key_bits"]))
        ok = False
    if want_pass or exp["reason"] == "body_hash_mismatch":
        if got.get("body_bytes") != cb:
            problems.append("%s: body_bytes %r, expected %d (canonical body)" % (
                label, got.get("body_bytes"), cb))
            ok = False
    return ok


def expected_verdict(m, strict):
    """The verdict docs/verdicts.md gives this message, from the ground truth."""
    best = None
    order = ["confirmed", "confirmed-third-party", "altered-beyond", "weak", "altered",
             "unverifiable"]
    for s in m["signatures"]:
        reason = s["expect"]["reason"]
        if reason == "ok" and not (strict and s["algorithm"] == "rsa-sha1"):
            if "body_beyond_length" in s["expect"]["flags"]:
                v = "altered-beyond"
            elif s["domain"] == m["from_domain"]:
                v = "confirmed"
            else:
                v = "confirmed-third-party"
        elif reason == "key_too_weak":
            v = "weak"
        elif reason in ("body_hash_mismatch", "signature_mismatch"):
            v = "altered"
        else:
            v = "unverifiable"
        if best is None or order.index(v) < order.index(best):
            best = v
    if best == "altered-beyond":
        best = "altered"
    if best in ("confirmed", "confirmed-third-party") and "multiple_from" in m["report_flags"]:
        best = "altered"  # a verifying message with a second From
    return best


def main():
    ap = argparse.ArgumentParser(description="DKIM differential test")
    ap.add_argument("--dkimarc", help="dkimarc CLI (omit to check only the references)")
    ap.add_argument("--opendkim", help="opendkim_verify harness")
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--seed", type=int, default=6376)
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--verbose", "-v", action="store_true",
                    help="also list explained departures one by one")
    args = ap.parse_args()

    if dkim is None:
        print("SKIP: dkimpy (python3-dkim) is not importable")
        return 77
    t0 = time.time()
    cdir, fresh = ensure_corpus(args.workdir, args.seed, args.count)
    with open(os.path.join(cdir, "manifest.json")) as f:
        manifest = json.load(f)
    msgs = manifest["messages"]
    print("corpus: %s (%d messages, %s)" % (cdir, len(msgs), "generated" if fresh else "cached"))

    t1 = time.time()
    py = run_dkimpy(cdir, manifest, args.jobs)
    t2 = time.time()
    fatal = []
    odk = odk_rc = None
    if args.opendkim:
        odk, odk_rc, err = run_opendkim(args.opendkim, cdir, manifest)
        if odk_rc not in (0, 1):
            fatal.append("opendkim_verify exited %d: %s" % (odk_rc, err.strip()[:500]))
    t3 = time.time()
    arc = arc_strict = None
    if args.dkimarc:
        arc, rc, err, bad = run_dkimarc(args.dkimarc, cdir, manifest, False)
        fatal += bad
        if rc not in (0, 1):
            fatal.append("dkimarc exited %d: %s" % (rc, err.strip()[:500]))
        arc_strict, rc2, err2, bad2 = run_dkimarc(args.dkimarc, cdir, manifest, True)
        fatal += bad2
        if rc2 not in (0, 1):
            fatal.append("dkimarc --strict exited %d: %s" % (rc2, err2.strip()[:500]))
    t4 = time.time()

    # per kind: sigs, and per verifier: agree / departure(explained) / unexplained
    verifiers = ["dkimpy", "opendkim"] + (["dkimarc", "dkimarc-strict"] if arc is not None
                                          else [])
    if odk is None:
        verifiers.remove("opendkim")
    table = collections.OrderedDict()
    disagreements = []  # (file, text) unexplained
    explained = []  # (file, text, departure id)
    seen_departures = collections.Counter()
    pairs = collections.defaultdict(lambda: [0, 0])  # (a, b) -> [same pass/not-pass, total]
    n_ok = n_bad = 0

    for m in msgs:
        kind = m["kind"]
        row = table.setdefault(kind, {"msgs": 0, "sigs": 0, "ok_msgs": 0,
                                      **{v: [0, 0, 0] for v in verifiers}})
        row["msgs"] += 1
        row["sigs"] += len(m["signatures"])
        problems = []
        fpath = os.path.join(cdir, m["file"])
        with open(fpath, "rb") as f:
            body = split_body(f.read())
        pyres = py[m["file"]]
        odres = odk.get(m["file"], []) if odk is not None else None
        if odres is not None and len(odres) != len(m["signatures"]):
            problems.append("opendkim: %d signatures reported, %d in message: %s" % (
                len(odres), len(m["signatures"]), odres))
        arcm = arc.get(m["file"]) if arc is not None else None
        arcs = arc_strict.get(m["file"]) if arc_strict is not None else None
        if arc is not None:
            if arcm is None:
                problems.append("dkimarc: no report for this file")
            elif len(arcm.get("signatures") or []) != len(m["signatures"]):
                problems.append("dkimarc: %d signatures reported, %d in message" % (
                    len(arcm.get("signatures") or []), len(m["signatures"])))
                arcm = None
            if arcs is None or len(arcs.get("signatures") or []) != len(m["signatures"]):
                problems.append("dkimarc --strict: no usable report")
                arcs = None
            for o, strict in ((arcm, False), (arcs, True)):
                if o is None:
                    continue
                ev = expected_verdict(m, strict)
                if o.get("verdict") != ev:
                    problems.append("dkimarc%s: verdict %s (%s), expected %s" % (
                        " --strict" if strict else "", o.get("verdict"),
                        o.get("verdict_reason"), ev))
                if "multiple_from" not in m["report_flags"] and \
                        o.get("from_domain") != m["from_domain"]:
                    problems.append("dkimarc: from_domain %r, expected %r" % (
                        o.get("from_domain"), m["from_domain"]))
            if arcm is not None:
                rf = flags_of(arcm) | set().union(*[flags_of(x) for x in arcm["signatures"]])
                for f in m["report_flags"]:
                    if f not in rf:
                        problems.append("dkimarc: flag %s missing from report (flags %s)" % (
                            f, sorted(flags_of(arcm))))

        for s in m["signatures"]:
            i = s["index"]
            rfc = s["expect"]["rfc_pass"]
            tag = "sig %d (%s s=%s d=%s %s%s)" % (i, s["algorithm"], s["selector"], s["domain"],
                                                  s["canonicalization"],
                                                  " l=%d" % s["l"] if s["l"] is not None else "")
            refs = [("dkimpy", pyres[i][0], pyres[i][1])]
            verdicts = {"dkimpy": pyres[i][0] == "pass"}
            if odres is not None and i < len(odres):
                o = odres[i]
                if (o["d"], o["s"]) != (s["domain"], s["selector"]):
                    problems.append("opendkim: sig %d is d=%s s=%s, expected d=%s s=%s" % (
                        i, o["d"], o["s"], s["domain"], s["selector"]))
                refs.append(("opendkim", o["result"], "%s; bh %s; canonical body %s bytes" % (
                    o["why"], o["bh"], o["canonlen"])))
                verdicts["opendkim"] = o["result"] == "pass"
            elif odres is not None:
                row["opendkim"][2] += 1
            for name, res, why in refs:
                got = res == "pass"
                if got == rfc:
                    row[name][0] += 1
                    continue
                dep = find_departure(name, m, s, body, got)
                text = "%s %s: %s %s (%s), RFC says %s [%s]" % (
                    tag, kind, name, res, why, "pass" if rfc else "not-pass",
                    s["expect"]["reason"])
                if dep:
                    row[name][1] += 1
                    seen_departures[dep["id"]] += 1
                    explained.append((m["file"], text, dep["id"]))
                else:
                    row[name][2] += 1
                    problems.append(text)
            if arcm is not None:
                got = arcm["signatures"][i]
                verdicts["dkimarc"] = got.get("result") == "pass"
                names = sorted(verdicts)
                for a in range(len(names)):
                    for b in range(a + 1, len(names)):
                        p = pairs[(names[a], names[b])]
                        p[0] += verdicts[names[a]] == verdicts[names[b]]
                        p[1] += 1
                before = len(problems)
                check_dkimarc_sig(m, s, got, body, problems, "dkimarc " + tag + " " + kind)
                row["dkimarc"][0 if len(problems) == before else 2] += 1
            elif arc is not None:
                row["dkimarc"][2] += 1
            if arcs is not None:
                got = arcs["signatures"][i]
                before = len(problems)
                sres = got.get("result")
                if (sres == "pass") != rfc:
                    problems.append("dkimarc --strict %s %s: result %s (%s), RFC says %s" % (
                        tag, kind, sres, got.get("reason"), "pass" if rfc else "not-pass"))
                elif s["algorithm"] == "rsa-sha1" and s["expect"]["reason"] == "ok" and \
                        (sres, got.get("reason")) != ("policy", "policy_rsa_sha1"):
                    problems.append("dkimarc --strict %s: %s/%s, expected policy/"
                                    "policy_rsa_sha1" % (tag, sres, got.get("reason")))
                row["dkimarc-strict"][0 if len(problems) == before else 2] += 1
            elif arc is not None:
                row["dkimarc-strict"][2] += 1
        if problems:
            n_bad += 1
            for p in problems:
                disagreements.append((m["file"], m, p))
        else:
            n_ok += 1
            row["ok_msgs"] += 1

    # ---- report
    print()
    hdr = "%-24s %5s %5s" % ("case", "msgs", "sigs")
    for v in verifiers:
        hdr += " %16s" % v
    hdr += " %7s" % "msgs-ok"
    print(hdr)
    print("%-24s %5s %5s" % ("", "", "") +
          "".join(" %16s" % "agree/dep/BAD" for _ in verifiers))
    tot = collections.Counter()
    for kind, row in sorted(table.items()):
        line = "%-24s %5d %5d" % (kind, row["msgs"], row["sigs"])
        for v in verifiers:
            a, d, b = row[v]
            line += " %16s" % ("%d/%d/%d" % (a, d, b))
            tot[v + "a"] += a
            tot[v + "d"] += d
            tot[v + "b"] += b
        line += " %7d" % row["ok_msgs"]
        tot["msgs"] += row["msgs"]
        tot["sigs"] += row["sigs"]
        print(line)
    line = "%-24s %5d %5d" % ("TOTAL", tot["msgs"], tot["sigs"])
    for v in verifiers:
        line += " %16s" % ("%d/%d/%d" % (tot[v + "a"], tot[v + "d"], tot[v + "b"]))
    print(line + " %7d" % n_ok)
    print("(agree = matches the RFC ground truth; dep = a reference departure listed in "
          "DEPARTURES; BAD = unexplained)")
    if pairs:
        print("pass/not-pass agreement per signature: " + ", ".join(
            "%s~%s %d/%d" % (a, b, v[0], v[1]) for (a, b), v in sorted(pairs.items())))
    if arc is None:
        print("dkimarc: not run (no --dkimarc)")

    print("\nknown reference departures (RFC sections):")
    for d in DEPARTURES:
        print("  [%s] %s, %s: %d signature(s)%s" % (
            d["id"], d["verifier"], d["rfc"], seen_departures[d["id"]],
            "" if seen_departures[d["id"]] else " (not observed in this corpus)"))
        print("      %s" % d["why"])
    if args.verbose and explained:
        print("\nexplained departures:")
        for f, text, did in explained:
            print("  %s: %s -> %s" % (f, text, did))

    if fatal:
        print("\nerrors:")
        for f in fatal:
            print("  " + f)
    if disagreements:
        print("\nunexplained disagreements:")
        for f, m, p in disagreements:
            print("  %s [%s; %s]: %s" % (f, m["kind"], m["detail"] or "-", p))
    print("\ntimes: corpus %.1fs, dkimpy %.1fs, opendkim %.1fs, dkimarc %.1fs" % (
        t1 - t0, t2 - t1, t3 - t2, t4 - t3))
    print("%d passed, %d failed" % (n_ok, n_bad))
    return 1 if (n_bad or fatal) else 0


if __name__ == "__main__":
    sys.exit(main())
