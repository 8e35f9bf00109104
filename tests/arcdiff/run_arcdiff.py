#!/usr/bin/python3
"""ARC differential test: dkimarc against dkimpy's and Mail::DKIM's ARC verifiers.

Builds chains of one to five hops, each hop sealed by dkimpy (arc_sign) or by
Mail::DKIM::ARC::Signer (mdkim_arc.pl), some altered during a hop (a mailing
list adding a footer or tagging the Subject after it validated the chain),
some altered between hops or after the last seal, some with an ARC set removed
or duplicated. Each hop stamps the cv= a correct validator would (the
harness knows what was done). Every final message is then verified by dkimarc,
dkimpy and Mail::DKIM, each with the same in-memory keys.

The ground truth comes from RFC 8617 §5.2 applied to what the harness did.
dkimarc must match it exactly: result, reason, failed instance, oldest-pass,
each instance's AMS result, the hop's AAR; and ARC must never change the DKIM
verdict (the message with its ARC fields removed gets the same verdict and
signature results). A reference verifier that departs from the ground truth
is accepted only where DEPARTURES names the scenario kind and the RFC section.

Usage: run_arcdiff.py --dkimarc PATH --workdir DIR [--verbose]
Exit status: 0 all checks hold, 1 otherwise, 77 when a reference is missing.
Output ends with "N passed, M failed".
"""

import argparse
import base64
import json
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_ARC_SETS = 8  # DKIMARC_LIMIT_ARC_SETS's default
PERL_HELPER = os.path.join(HERE, "mdkim_arc.pl")
T0 = 1700000000  # fixed signing times: t= is in the past for every verifier

try:
    sys.path.insert(0, "/usr/lib/python3/dist-packages")
    import dkim
    import authres  # noqa: F401  (dkimpy's arc_sign needs it)
    import hashlib
    import nacl.signing
except ImportError:  # pragma: no cover
    dkim = None

# The Ed25519 sealer's key (a fixed test seed, public in this file).
ED_SEED = hashlib.sha256(b"dkimarc arcdiff ed25519 test key").digest() if dkim else None

# Reference departures from RFC 8617: (verifier, scenario kind) -> (does, RFC section, why).
DEPARTURES = {
    ("dkimpy", "ed25519"): (
        "fail", "RFC 8617 §4.1.2 with RFC 8463 §3",
        "dkimpy 1.1.4 knows only rsa-sha256 for ARC (ARC_HASH_ALGORITHMS); an AMS has the "
        "syntax and semantics of a DKIM-Signature, whose a= includes ed25519-sha256"),
    ("Mail::DKIM", "ed25519"): (
        "fail", "RFC 8617 §4.1.2 with RFC 8463 §3",
        "Mail::DKIM 1.20230212 has no Ed25519 support"),
}

# Scenario kinds Mail::DKIM does not verify: 50-set chains take it ~30 s each.
SLOW_FOR_MAILDKIM = {"limit"}

BASE = (b"From: Alice <alice@origin.example>\r\n"
        b"To: list@lists.example\r\n"
        b"Subject: quarterly figures\r\n"
        b"Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
        b"Message-ID: <arcdiff-%d@origin.example>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=us-ascii\r\n"
        b"\r\n"
        b"The figures are attached.\r\n"
        b"\r\n"
        b"Alice\r\n")


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, check=False, **kw)


# ---- keys ---------------------------------------------------------------------

def make_keys(workdir, domains):
    """2048-bit RSA keys, one per six domains at most; returns {domain: (selector, pem path)}."""
    keys, zone = {}, []
    for i, d in enumerate(domains):
        sel = "arc%d" % i
        pem = os.path.join(workdir, "keys", "k%d.pem" % (i % 6))
        if not os.path.exists(pem):
            os.makedirs(os.path.dirname(pem), exist_ok=True)
            r = run(["openssl", "genrsa", "-traditional", "-out", pem, "2048"])
            if r.returncode:
                sys.exit("openssl genrsa failed: %s" % r.stderr.decode())
        der = run(["openssl", "rsa", "-in", pem, "-pubout", "-outform", "DER"]).stdout
        keys[d] = (sel, pem)
        zone.append("%s._domainkey.%s\tTXT\tv=DKIM1; k=rsa; p=%s\n"
                    % (sel, d, base64.b64encode(der).decode()))
    edpub = base64.b64encode(bytes(nacl.signing.SigningKey(ED_SEED).verify_key)).decode()
    for d in domains:
        zone.append("ed._domainkey.%s\tTXT\tv=DKIM1; k=ed25519; p=%s\n" % (d, edpub))
    path = os.path.join(workdir, "keys.txt")
    with open(path, "w") as f:
        f.write("# ARC differential test keys (generated)\n")
        f.writelines(zone)
    txt = {}
    for line in zone:
        name, _, data = line.rstrip("\n").split("\t", 2)
        txt[name] = data.encode()
    return keys, path, txt


# ---- message surgery ------------------------------------------------------------

def split_msg(m):
    i = m.index(b"\r\n\r\n")
    return m[:i + 2], m[i + 4:]


def fields(header):
    """Header fields, each with its folding and final CRLF."""
    out = []
    for line in header.split(b"\r\n")[:-1]:
        if line[:1] in (b" ", b"\t") and out:
            out[-1] += line + b"\r\n"
        else:
            out.append(line + b"\r\n")
    return out


ARC_NAMES = (b"arc-seal", b"arc-message-signature", b"arc-authentication-results")


def fname(f):
    return f.split(b":", 1)[0].strip().lower()


def finst(f):
    v = f.split(b":", 1)[1]
    m = re.search(rb"(?:^|;)\s*i\s*=\s*(\d+)", v)
    return int(m.group(1)) if m else None


def strip_arc(m):
    h, b = split_msg(m)
    return b"".join(f for f in fields(h) if fname(f) not in ARC_NAMES) + b"\r\n" + b


def add_set51(m):
    """Adds a copy of ARC set 50 relabelled i=51 on top (RFC 8617 allows 50 sets)."""
    h, b = split_msg(m)
    fs = fields(h)
    top = [re.sub(rb"(i\s*=\s*)50\b", rb"\g<1>51", f, count=1)
           for f in fs if fname(f) in ARC_NAMES and finst(f) == 50]
    return b"".join(top + fs) + b"\r\n" + b


def add_footer(m, text):
    return m + text


def tag_subject(m, tag):
    return m.replace(b"Subject: ", b"Subject: " + tag + b" ", 1)


def edit_aar(m, inst):
    """Changes the text of the AAR of instance inst (sealed by every later seal)."""
    h, b = split_msg(m)
    out = []
    for f in fields(h):
        if fname(f) == b"arc-authentication-results" and finst(f) == inst:
            f = f.replace(b"=pass", b"=fail", 1)
        out.append(f)
    return b"".join(out) + b"\r\n" + b


def remove_set(m, inst):
    h, b = split_msg(m)
    return b"".join(f for f in fields(h)
                    if not (fname(f) in ARC_NAMES and finst(f) == inst)) + b"\r\n" + b


def dup_fields(m, inst, names):
    """Inserts a copy of each named ARC field of instance inst right above it."""
    h, b = split_msg(m)
    out = []
    for f in fields(h):
        if fname(f) in names and finst(f) == inst:
            out.append(f)
        out.append(f)
    return b"".join(out) + b"\r\n" + b


# ---- scenarios ------------------------------------------------------------------

def S(name, kind, signers, mods=(), dkim_origin=False):
    return {"name": name, "kind": kind, "signers": signers, "mods": list(mods),
            "dkim": dkim_origin}


def scenarios():
    out = []
    for n in range(1, 6):
        out.append(S("clean-py-%d" % n, "clean", ["py"] * n, dkim_origin=n % 2 == 1))
        out.append(S("clean-pl-%d" % n, "clean", ["pl"] * n, dkim_origin=n % 2 == 0))
        out.append(S("clean-mixed-%d" % n, "clean",
                     [("py", "pl")[(k + n) % 2] for k in range(n)]))
    # A list validates, then adds a footer or a Subject tag, then seals (cv=pass).
    for n in range(2, 6):
        m = 2 + (n % (n - 1)) if n > 2 else 2
        out.append(S("inhop-footer-%d-at%d" % (n, m), "inhop",
                     [("py", "pl")[k % 2] for k in range(n)],
                     [("inhop", m, "footer")], dkim_origin=True))
        out.append(S("inhop-subject-%d-at%d" % (n, n), "inhop",
                     [("pl", "py")[k % 2] for k in range(n)], [("inhop", n, "subject")]))
    # Changed in transit between hop k and k+1: the next hop seals cv=fail.
    for n, k in ((2, 1), (3, 1), (3, 2), (4, 2), (5, 4)):
        out.append(S("transit-body-%d-after%d" % (n, k), "transit",
                     [("py", "pl")[(j + k) % 2] for j in range(n)], [("transit", k, "footer")]))
    out.append(S("transit-subject-3-after1", "transit", ["pl", "pl", "py"],
                 [("transit", 1, "subject")]))
    # Changed after the last seal.
    for n in (1, 3, 5):
        out.append(S("final-body-%d" % n, "final-content", ["py", "pl", "py", "pl", "py"][:n],
                     [("final", n, "footer")], dkim_origin=True))
        out.append(S("final-subject-%d" % n, "final-content", ["pl", "py", "pl", "py", "pl"][:n],
                     [("final", n, "subject")]))
        out.append(S("final-aar1-%d" % n, "final-aar", ["py", "pl", "pl", "py", "py"][:n],
                     [("final", n, "aar1")]))
    # ARC sets removed or duplicated after the last seal.
    for n, j in ((2, 1), (3, 2), (4, 1), (5, 3)):
        out.append(S("remove-set%d-of-%d" % (j, n), "remove",
                     [("py", "pl")[k % 2] for k in range(n)], [("final", n, "remove", j)]))
    for n in (2, 4):
        out.append(S("remove-top-of-%d" % n, "remove-top", ["pl", "py", "pl", "py"][:n],
                     [("final", n, "remove", n)]))
    for n, j in ((1, 1), (3, 2), (5, 5)):
        out.append(S("dup-set%d-of-%d" % (j, n), "duplicate",
                     [("pl", "py")[k % 2] for k in range(n)], [("final", n, "dupset", j)]))
    for n, j in ((2, 2), (4, 1)):
        out.append(S("dup-ams%d-of-%d" % (j, n), "duplicate",
                     [("py", "pl")[k % 2] for k in range(n)], [("final", n, "dupams", j)]))
    # Ed25519 seals (RFC 8463), alone or between RSA hops; one changed after sealing.
    out.append(S("ed25519-1", "ed25519", ["ed"], dkim_origin=True))
    out.append(S("ed25519-mixed-3", "ed25519", ["py", "ed", "pl"]))
    out.append(S("ed25519-inhop-2", "ed25519", ["ed", "ed"], [("inhop", 2, "footer")]))
    out.append(S("ed25519-final-body-2", "ed25519-broken", ["pl", "ed"],
                 [("final", 2, "footer")]))
    # The limit: 50 genuine sets validate; a 51st set is too many (RFC 8617 §4.2.1, §5.2).
    # Sealed by dkimpy alone, and not verified by Mail::DKIM: it needs half a minute
    # per 50-set message (SLOW_FOR_MAILDKIM).
    out.append(S("limit-50", "limit", ["py"] * 50))
    out.append(S("limit-51", "limit", ["py"] * 50, [("final", 50, "add51")]))
    return out


def truth(sc):
    """What RFC 8617 §5.2 says of the final message: result, reason, failed, oldest."""
    n = len(sc["signers"])
    fails_at = [k + 1 for (when, k, *_rest) in sc["mods"] if when == "transit" and k < n]
    if fails_at:
        # Hop k+1 saw a broken chain and sealed cv=fail; the latest seal says fail too.
        return {"result": "fail", "reason": "cv_fail", "failed": n, "cv_fail_at": fails_at[0]}
    finals = [m for m in sc["mods"] if m[0] == "final"]
    inhop = [k for (when, k, *_rest) in sc["mods"] if when == "inhop"]
    oldest = max(inhop) if inhop else 1
    for m in finals:
        what = m[2]
        if what in ("footer", "subject"):
            return {"result": "fail", "reason": "ams_fail", "failed": n}
        if what == "aar1":
            # AAR 1 is sealed by every seal; the top one is checked first.
            return {"result": "fail", "reason": "seal_fail", "failed": n}
        if what == "remove":
            j = m[3]
            if j == n:
                top = n - 1
                return {"result": "pass", "reason": "ok", "oldest": min(oldest, top) or 1,
                        "n": top}
            return {"result": "fail", "reason": "missing", "failed": j}
        if what in ("dupset", "dupams"):
            return {"result": "fail", "reason": "duplicate", "failed": m[3]}
        if what == "add51":
            return {"result": "fail", "reason": "too_many_instances"}
    return {"result": "pass", "reason": "ok", "oldest": oldest, "n": n}


# ---- an independent Ed25519 sealer (RFC 8617 §5.1, RFC 8463) ---------------------------

def relaxed_field(f):
    """RFC 6376 §3.4.2 relaxed form of one raw field (with its CRLF)."""
    name, value = f.split(b":", 1)
    value = re.sub(rb"[ \t]+", b" ", value.replace(b"\r\n", b"")).strip(b" ")
    return name.strip().lower() + b":" + value


def relaxed_body(body):
    lines = [re.sub(rb"[ \t]+", b" ", ln).rstrip(b" ") for ln in body.split(b"\r\n")]
    out = b"\r\n".join(lines).rstrip(b"\r\n")
    return out + b"\r\n" if out else b""


def b_cut(f):
    return re.sub(rb"(\bb=)[^;]*", rb"\1", f, count=1)


def ed_sign(data_fields, self_field):
    digest = hashlib.sha256(b"".join(relaxed_field(x) + b"\r\n" for x in data_fields) +
                            relaxed_field(b_cut(self_field))).digest()
    sig = nacl.signing.SigningKey(ED_SEED).sign(digest).signature
    return base64.b64encode(sig)


def ed_seal(m, dom, sel, k, cv, ts):
    """Seals instance k with Ed25519: AAR, AMS over From/To/Subject, AS over sets 1..k."""
    h, body = split_msg(m)
    fs = fields(h)
    ar = [f for f in fs if fname(f) == b"authentication-results"][0]
    aar = b"ARC-Authentication-Results: i=%d; " % k + ar.split(b":", 1)[1].strip() + b"\r\n"
    bh = base64.b64encode(hashlib.sha256(relaxed_body(body)).digest())
    ams = (b"ARC-Message-Signature: i=%d; a=ed25519-sha256; c=relaxed/relaxed; d=%s; s=%s;"
           b" t=%d; h=from:to:subject; bh=%s; b=\r\n" % (k, dom, sel, ts, bh))
    chosen = []
    for name in (b"from", b"to", b"subject"):  # bottom-up, one each
        chosen += [f for f in reversed(fs) if fname(f) == name][:1]
    ams = ams[:-2] + ed_sign(chosen, ams) + b"\r\n"
    prior = sorted((f for f in fs if fname(f) in ARC_NAMES),
                   key=lambda f: (finst(f), ARC_NAMES[::-1].index(fname(f))))
    seal = (b"ARC-Seal: i=%d; a=ed25519-sha256; cv=%s; d=%s; s=%s; t=%d; b=\r\n"
            % (k, cv.encode(), dom, sel, ts))
    seal = seal[:-2] + ed_sign(prior + [aar, ams], seal) + b"\r\n"
    return seal + ams + aar + m


# ---- building ---------------------------------------------------------------------

def dkim_sign(msg, keys):
    sel, pem = keys["origin.example"]
    sig = dkim.sign(msg, sel.encode(), b"origin.example", open(pem, "rb").read(),
                    canonicalize=(b"relaxed", b"simple"),
                    include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    return sig + msg


def ar_header(k, cv, dkim_origin):
    srv = b"hop%d.example" % k
    if k == 1:
        res = b"dkim=pass header.d=origin.example" if dkim_origin else b"spf=pass smtp.mailfrom=origin.example"
        return b"Authentication-Results: " + srv + b"; " + res + b"\r\n"
    return b"Authentication-Results: " + srv + b"; arc=" + cv.encode() + b"\r\n"


def build(scs, keys, workdir):
    """Runs every scenario hop by hop (Mail::DKIM hops batched per round)."""
    state = {}
    for idx, sc in enumerate(scs):
        m = BASE % idx
        if sc["dkim"]:
            m = dkim_sign(m, keys)
        state[sc["name"]] = {"msg": m, "broken": False}
    tmp = os.path.join(workdir, "hops")
    os.makedirs(tmp, exist_ok=True)
    for k in range(1, max(len(sc["signers"]) for sc in scs) + 1):
        jobs = []
        for sc in scs:
            n = len(sc["signers"])
            if k > n:
                continue
            st = state[sc["name"]]
            cv = "none" if k == 1 else ("fail" if st["broken"] else "pass")
            m = st["msg"]
            for mod in sc["mods"]:
                if mod[0] == "inhop" and mod[1] == k:
                    m = add_footer(m, b"-- \r\nlist footer\r\n") if mod[2] == "footer" \
                        else tag_subject(m, b"[list]")
            m = ar_header(k, cv, sc["dkim"]) + m
            dom = "hop%d.example" % k
            sel, pem = keys[dom]
            if sc["signers"][k - 1] == "ed":
                st["msg"] = ed_seal(m, dom.encode(), b"ed", k, cv, T0 + k)
            elif sc["signers"][k - 1] == "py":
                s = dkim.arc_sign(m, sel.encode(), dom.encode(), open(pem, "rb").read(),
                                  dom.encode(), timestamp=T0 + k)
                if not s:
                    sys.exit("dkimpy refused to seal %s hop %d" % (sc["name"], k))
                st["msg"] = b"".join(s) + m
            else:
                src = os.path.join(tmp, "%s.%d.in" % (sc["name"], k))
                dst = os.path.join(tmp, "%s.%d.out" % (sc["name"], k))
                with open(src, "wb") as f:
                    f.write(m)
                jobs.append("\t".join([src, dst, cv, dom, sel, pem, dom, str(T0 + k)]))
                st["pending"] = dst
        if jobs:
            jf = os.path.join(tmp, "jobs.%d" % k)
            with open(jf, "w") as f:
                f.write("\n".join(jobs) + "\n")
            r = run(["perl", PERL_HELPER, "seal", jf])
            if r.returncode:
                sys.exit("Mail::DKIM sealing failed: %s" % r.stderr.decode())
        for sc in scs:
            st = state[sc["name"]]
            if "pending" in st:
                st["msg"] = open(st.pop("pending"), "rb").read()
            if k > len(sc["signers"]):
                continue
            for mod in sc["mods"]:
                if mod[0] == "transit" and mod[1] == k:
                    st["msg"] = add_footer(st["msg"], b"tampered\r\n") if mod[2] == "footer" \
                        else tag_subject(st["msg"], b"[changed]")
                    st["broken"] = True
    out = {}
    for sc in scs:
        m = state[sc["name"]]["msg"]
        for mod in sc["mods"]:
            if mod[0] != "final":
                continue
            what = mod[2]
            if what == "footer":
                m = add_footer(m, b"appended after the last seal\r\n")
            elif what == "subject":
                m = tag_subject(m, b"[late]")
            elif what == "aar1":
                m = edit_aar(m, 1)
            elif what == "remove":
                m = remove_set(m, mod[3])
            elif what == "dupset":
                m = dup_fields(m, mod[3], ARC_NAMES)
            elif what == "dupams":
                m = dup_fields(m, mod[3], (b"arc-message-signature",))
            elif what == "add51":
                m = add_set51(m)
        path = os.path.join(workdir, "msgs", sc["name"] + ".eml")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(m)
        out[sc["name"]] = path
    return out


# ---- verifying ----------------------------------------------------------------------

def verify_dkimarc(dkimarc, zone, paths, extra=()):
    # The keys are written in the test vectors' tab-separated format (make_keys).
    r = run([dkimarc, "verify", "--json", "--keys-vector", zone] + list(extra) + paths)
    if r.returncode not in (0, 1):
        sys.exit("dkimarc failed: %s" % r.stderr.decode())
    lines = r.stdout.decode().splitlines()
    if len(lines) != len(paths):
        sys.exit("dkimarc printed %d reports for %d messages" % (len(lines), len(paths)))
    return [json.loads(x) for x in lines]


def verify_dkimpy(path, txt):
    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode()
        return txt.get(name.rstrip(".").lower())
    cv, _results, why = dkim.arc_verify(open(path, "rb").read(), dnsfunc=dnsfunc)
    word = {dkim.CV_Pass: "pass", dkim.CV_Fail: "fail", dkim.CV_None: "none"}.get(cv, "fail")
    return word, why


def verify_maildkim(zone, paths):
    r = run(["perl", PERL_HELPER, "verify", zone] + paths)
    if r.returncode:
        sys.exit("Mail::DKIM verification failed: %s" % r.stderr.decode())
    res = {}
    for line in r.stdout.decode().splitlines():
        f, result, detail = line.split("\t", 2)
        res[f] = ("pass" if result == "pass" else "none" if result == "none" else "fail",
                  result + " " + detail)
    return res


# ---- checking -----------------------------------------------------------------------

class Tally:
    def __init__(self, verbose):
        self.npass = self.nfail = 0
        self.verbose = verbose

    def check(self, ok, what):
        if ok:
            self.npass += 1
            if self.verbose:
                print("ok   " + what)
        else:
            self.nfail += 1
            print("FAIL " + what)


def check_dkimarc(t, sc, exp, j, j_noarc):
    name = sc["name"]
    a = j["arc"]
    t.check(a["result"] == exp["result"] and a["reason"] == exp["reason"],
            "%s: dkimarc %s/%s, want %s/%s (%s)" % (name, a["result"], a["reason"],
                                                   exp["result"], exp["reason"], a["reason_text"]))
    if "failed" in exp:
        t.check(a["failed_instance"] == exp["failed"],
                "%s: failed_instance %r, want %d" % (name, a["failed_instance"], exp["failed"]))
    if exp["result"] == "pass":
        t.check(a["oldest_pass"] == exp["oldest"],
                "%s: oldest_pass %r, want %d" % (name, a["oldest_pass"], exp["oldest"]))
        insts = a["instances"]
        t.check([i["instance"] for i in insts] == list(range(1, exp["n"] + 1)),
                "%s: instances %s" % (name, [i["instance"] for i in insts]))
        # Every AMS result is reported: those below oldest-pass fail, the rest pass.
        want = ["fail" if i["instance"] < exp["oldest"] else "pass" for i in insts]
        got = [i["ams"]["result"] if i["ams"] else None for i in insts]
        t.check(got == want, "%s: AMS results %s, want %s" % (name, got, want))
        t.check(all(i["seal"]["result"] == "pass" and i["cv"] == ("none" if i["instance"] == 1
                                                                  else "pass") for i in insts),
                "%s: seals and cv" % name)
        doms = [i["domain"] for i in insts]
        t.check(doms == ["hop%d.example" % k for k in range(1, exp["n"] + 1)],
                "%s: sealer domains %s" % (name, doms))
        aar1 = insts[0]["aar"]
        want_aar = "dkim=pass header.d=origin.example" if sc["dkim"] else \
            "spf=pass smtp.mailfrom=origin.example"
        t.check(aar1 is not None and aar1["authserv_id"] == "hop1.example" and
                want_aar in aar1["results"],
                "%s: AAR of i=1 %s, want hop1.example with %s" % (name, aar1, want_aar))
    # ARC is reported beside the DKIM verdict, never part of it.
    same = (j["verdict"] == j_noarc["verdict"] and
            [(s["result"], s["reason"]) for s in j["signatures"]] ==
            [(s["result"], s["reason"]) for s in j_noarc["signatures"]])
    t.check(same, "%s: DKIM verdict with ARC %s, without %s" % (name, j["verdict"],
                                                               j_noarc["verdict"]))
    if sc["dkim"]:
        altered = any(m[0] in ("inhop", "transit", "final") and m[2] in ("footer", "subject")
                      for m in sc["mods"])
        want_v = "altered" if altered else "confirmed"
        t.check(j["verdict"] == want_v, "%s: DKIM verdict %s, want %s" % (name, j["verdict"],
                                                                         want_v))


def check_reference(t, who, sc, exp, got, detail):
    name = sc["name"]
    if got == exp["result"]:
        t.check(True, "%s: %s agrees (%s)" % (name, who, got))
        return
    dep = DEPARTURES.get((who, sc["kind"]))
    if dep and dep[0] == got:
        t.check(True, "%s: %s says %s, a known departure from %s: %s" % (name, who, got, dep[1],
                                                                        dep[2]))
        return
    t.check(False, "%s: %s says %s, RFC 8617 says %s (%s)" % (name, who, got, exp["result"],
                                                              detail))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dkimarc", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--verbose", action="store_true")
    o = ap.parse_args()
    if dkim is None or run(["perl", "-MMail::DKIM::ARC::Signer", "-e", "1"]).returncode:
        print("dkimpy (with authres) or Mail::DKIM is missing: skipped")
        return 77
    if os.path.isdir(os.path.join(o.workdir, "msgs")):
        shutil.rmtree(os.path.join(o.workdir, "msgs"))
    os.makedirs(o.workdir, exist_ok=True)
    doms = ["origin.example"] + ["hop%d.example" % k for k in range(1, 51)]
    keys, zone, txt = make_keys(o.workdir, doms)
    scs = scenarios()
    paths = build(scs, keys, o.workdir)
    plist = [paths[sc["name"]] for sc in scs]
    # RFC 8617's rules up to its 50 sets; dkimarc evaluates 8 by default (below).
    mine = verify_dkimarc(o.dkimarc, zone, plist, ["--arc-sets", "50"])
    mine_default = verify_dkimarc(o.dkimarc, zone, plist)
    noarc = []
    for p in plist:
        q = p[:-4] + ".noarc"
        with open(q, "wb") as f:
            f.write(strip_arc(open(p, "rb").read()))
        noarc.append(q)
    mine_noarc = verify_dkimarc(o.dkimarc, zone, noarc)
    md = verify_maildkim(zone, [p for sc, p in zip(scs, plist)
                                if sc["kind"] not in SLOW_FOR_MAILDKIM])
    t = Tally(o.verbose)
    for sc, p, j, jn, jd in zip(scs, plist, mine, mine_noarc, mine_default):
        exp = truth(sc)
        check_dkimarc(t, sc, exp, j, jn)
        # At the default limit a chain of more than 8 sets is not evaluated, unless
        # its structure already fails (docs/limits.md); a shorter one is judged alike.
        want = (exp["result"], exp["reason"])
        if len(sc["signers"]) > DEFAULT_ARC_SETS and exp["reason"] != "too_many_instances":
            want = ("fail", "limit_exceeded")
        got = (jd["arc"]["result"], jd["arc"]["reason"])
        t.check(got == want, "%s: at the default limit dkimarc %s/%s, want %s/%s" % (
            sc["name"], got[0], got[1], want[0], want[1]))
        check_reference(t, "dkimpy", sc, exp, *verify_dkimpy(p, txt))
        if p in md:
            check_reference(t, "Mail::DKIM", sc, exp, *md[p])
    print("%d scenarios, %d hops" % (len(scs), sum(len(sc["signers"]) for sc in scs)))
    print("%d passed, %d failed" % (t.npass, t.nfail))
    return 1 if t.nfail else 0


if __name__ == "__main__":
    sys.exit(main())
