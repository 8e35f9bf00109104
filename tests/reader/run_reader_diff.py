#!/usr/bin/python3
"""Differential reader test (issue 14, part 6): confirmed means that what a
mail reader displays is what the signer signed.

Two real readers are the oracles: GMime (gmime_view, as a GMime-based client
parses mail) and Python's email package with policy=default (py_view.py).
Over signed originals, >= 5,000 mutants of them (mutants.py), signed hostile
mail, and the vectors in vectors/adversarial/ and vectors/sample/, every
message that dkimarc calls confirmed (or confirmed-third-party) must pass
these checks, for each reader R:

  orig    a mutant of a signed original: R's view of the mutant equals R's
          view of the original, field by field.
  signed  R's view equals R's view of the signed message as dkimarc
          understood it: the header fields its passing signature hashed (the
          bytes of `--explain-dir`, each name's instances back in message
          order) over the signed body (the original's; for other mail the
          body after the first blank line, when its hash is the signature's
          bh=, else the body is not compared).
  domain  (confirmed only) every mailbox R shows in From has the domain
          dkimarc aligned (its from_domain), and R shows at least one.

Compared fields (only those the passing signature covers: a field not in h=
is no promise of dkimarc's and is skipped):
  from     the mailboxes: addr-spec and display name, in order
  to, cc   the addr-specs, in order
  subject  the decoded text
  date     UTC seconds (or none)
  body     the top-level content type, the type of the part shown and its
           decoded text; compared only when Content-Type AND
           Content-Transfer-Encoding are both in h= (either one, unsigned,
           lets anyone re-decode the signed body bytes)

Normalisation, exactly what DKIM canonicalization lets change without
breaking a signature (applied to both sides whatever c= says, so a test
failure is never a whitespace artefact):
  header values  folding removed (CRLF or LF before WSP), runs of SP/HT made
                 one space, leading and trailing ones dropped: relaxed header
                 canonicalization unfolds and does the same (RFC 6376 3.4.2)
  body text      CRLF read as LF; in each line runs of SP/HT made one space
                 and trailing ones dropped; trailing empty lines dropped:
                 relaxed body canonicalization (3.4.4), which also covers
                 simple's trailing empty lines (3.4.3)
Nothing else is normalised: case, NUL, bare CR, comments, quoting all count.

Usage:
  run_reader_diff.py --dkimarc PATH --gmime PATH [--workdir DIR] [--count N]
                     [--seed S] [--keep DIR] [--show N] [--no-vectors]
Exit status: 0 no failure; 1 failures; 2 the harness itself is broken (an
original not confirmed, or failing a check); 77 dkimpy missing.
"""

import argparse
import collections
import concurrent.futures
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, "/usr/lib/python3/dist-packages")
try:
    import dkim  # noqa: F401
    from dkim.canonicalization import CanonicalizationPolicy
except ImportError:  # pragma: no cover
    print("dkimpy (python3-dkim) missing: skipped")
    sys.exit(77)
import mutants  # noqa: E402

READERS = ("gmime", "python")
FIELDS = ("from", "to", "cc", "subject", "date", "body")
CONFIRMED = ("confirmed", "confirmed-third-party")
AT = str(mutants.T + 3600)
BATCH = 400


# ---- normalisation -----------------------------------------------------------

def hnorm(s):
    if s is None:
        return None
    s = re.sub(r"\r?\n(?=[ \t])", "", s)
    return re.sub(r"[ \t]+", " ", s).strip(" \t")


def bnorm(s):
    if s is None:
        return None
    lines = [re.sub(r"[ \t]+", " ", x).rstrip(" \t") for x in s.replace("\r\n", "\n").split("\n")]
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines)


def nview(v):
    """The compared fields of a reader's JSON view, normalised."""
    if not v or not v.get("ok"):
        return {"message": "<no message>"}
    names = v.get("from_names") or [""] * len(v["from"])
    return {
        "from": [[hnorm(a), hnorm(n)] for a, n in zip(v["from"], names)],
        "to": [hnorm(a) for a in v["to"]],
        "cc": [hnorm(a) for a in v["cc"]],
        "subject": hnorm(v["subject"]),
        "date": v["date"],
        "body": [v["ctype"], v["body_type"], bnorm(v["body"])],
        "message": "ok",
    }


def scope(hlist):
    """Compared fields that the h= names cover ("message": the reader made one)."""
    h = set(x.lower() for x in hlist)
    out = ["message"] + (["from"] if "from" in h else [])
    out += [f for f in ("to", "cc", "subject", "date") if f in h]
    if "content-type" in h and "content-transfer-encoding" in h:
        out.append("body")
    return out


def from_domains(v):
    out = []
    for a in (v or {}).get("from", []):
        out.append(a.rsplit("@", 1)[1].lower().rstrip(".") if "@" in a else None)
    return out


# ---- running the tools -------------------------------------------------------

def run_dkimarc(dkimarc, keys, files, explain=None):
    args = [dkimarc, "verify", "--json", "--no-diagnose"]
    for k in keys:
        # A test vector's dns.txt is loaded as one (docs/keys.md); other archives as detected.
        args += ["--keys-vector" if os.path.basename(k) == "dns.txt" else "--keys", k]
    if explain:
        os.makedirs(explain, exist_ok=True)
        args += ["--explain-dir", explain]
    if keys and keys[0].endswith("keys.jsonl") and HERE in keys[0]:
        args += ["--at", AT]
    p = subprocess.run(args + ["--"] + files, capture_output=True)
    # 2: some file was not verified at all (not mail): its line names the problem, no verdict.
    if p.returncode not in (0, 1, 2):
        raise RuntimeError("dkimarc exit %d: %s" % (p.returncode, p.stderr.decode(errors="replace")[:2000]))
    out = {}
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        if line.strip():
            o = json.loads(line)
            out[o["file"]] = o
    missing = [f for f in files if f not in out]
    if missing:
        raise RuntimeError("dkimarc gave no report for %s" % missing[:3])
    return out


def run_reader(cmd, files):
    p = subprocess.run(cmd, input=("\n".join(files) + "\n").encode(), capture_output=True)
    if p.returncode != 0:
        raise RuntimeError("%s exit %d: %s" % (cmd[0], p.returncode,
                                                p.stderr.decode(errors="replace")[:2000]))
    out = {}
    for line in p.stdout.decode().splitlines():
        o = json.loads(line)
        out[o["path"]] = o
    return out


def readers(pool, gmime, files):
    """{reader: {path: view}} for both readers, run side by side."""
    fg = pool.submit(run_reader, [gmime], files)
    fp = pool.submit(run_reader, ["/usr/bin/python3", os.path.join(HERE, "py_view.py")], files)
    return {"gmime": fg.result(), "python": fp.result()}


def verify_groups(pool, dkimarc, groups, explain_root=None):
    """groups: [(keys, files)] -> {file: report}; with explain_root, also
    {file: explain dir of that file} (mN in its batch's folder)."""
    jobs = []
    for gi, (keys, files) in enumerate(groups):
        for bi in range(0, len(files), BATCH):
            batch = files[bi:bi + BATCH]
            ex = os.path.join(explain_root, "g%d-b%d" % (gi, bi)) if explain_root else None
            jobs.append((batch, ex, pool.submit(run_dkimarc, dkimarc, keys, batch, ex)))
    reports, exdirs = {}, {}
    for batch, ex, fut in jobs:
        reports.update(fut.result())
        if ex:
            for i, f in enumerate(batch):
                exdirs[f] = os.path.join(ex, "m%d" % (i + 1))
    return reports, exdirs


# ---- the signed message as dkimarc saw it ---------------------------------------

def deciding_sig(rep):
    """The passing signature that gave the verdict (aligned first, then any)."""
    passing = [s for s in rep["signatures"] if s["result"] == "pass"]
    aligned = [s for s in passing if s.get("aligned")]
    return (aligned or passing or [None])[0]


def canon_fields(data):
    """headers.canon -> ([field bytes], the DKIM-Signature tags)."""
    m = list(re.finditer(rb"(?:^|\r\n)(dkim-signature\s*:)", data, re.I))
    sig = b""
    if m:
        cut = m[-1].start(1)
        sig, data = data[cut:], data[:cut]
    out = []
    for line in re.split(rb"(?<=\r\n)", data):
        if not line:
            continue
        if line[:1] in (b" ", b"\t") and out:
            out[-1] += line
        else:
            out.append(line)
    tags = {}
    val = sig.split(b":", 1)[1] if b":" in sig else b""
    for t in val.split(b";"):
        if b"=" in t:
            k, v = t.split(b"=", 1)
            tags[k.strip().decode(errors="replace")] = re.sub(rb"\s+", b"", v)
    return out, tags


def body_of(raw):
    """(body as the verifier hashes it, in CRLF) candidates: after the first
    CRLF CRLF, and for bare-LF files after the first LF LF."""
    out = []
    i = raw.find(b"\r\n\r\n")
    if i >= 0:
        out.append(raw[i + 4:])
    j = raw.find(b"\n\n")
    if j >= 0:
        out.append(raw[j + 2:].replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    return out


def signed_body(raw, tags, canon, alg, length):
    bc = canon.split("/")[1] if "/" in canon else "simple"
    policy = CanonicalizationPolicy.from_c_value(b"simple/" + bc.encode())
    hf = hashlib.sha1 if alg == "rsa-sha1" else hashlib.sha256
    want = tags.get("bh", b"")
    import base64
    for body in body_of(raw):
        c = policy.canonicalize_body(body)
        if length is not None:
            c = c[:length]
        if base64.b64encode(hf(c).digest()) == want:
            return body
    return None


def signed_message(raw, rep, exdir, orig_raw):
    """The signed fields (message order per name) over the signed body, or (None, why)."""
    sig = deciding_sig(rep)
    if sig is None:
        return None, "no passing signature"
    path = os.path.join(exdir + "-s%d" % (sig["index"] + 1), "headers.canon")
    try:
        with open(path, "rb") as f:
            canon = f.read()
    except OSError:
        return None, "no %s" % path
    flds, tags = canon_fields(canon)
    byname = collections.OrderedDict()
    for fl in flds:
        byname.setdefault(mutants.fname(fl), []).append(fl)
    header = b"".join(b"".join(reversed(v)) for v in byname.values())
    if orig_raw is not None:
        body = body_of(orig_raw)[0] if b"\r\n\r\n" in orig_raw else body_of(orig_raw)[-1]
        why = None
    else:
        body = signed_body(raw, tags, sig["canonicalization"], sig["algorithm"],
                           sig.get("body_length"))
        why = None if body is not None else "signed body not found"
    return header + b"\r\n" + (body or b""), why


# ---- the test -------------------------------------------------------------------

def vector_groups():
    groups, meta = [], {}
    for msg in sorted(glob.glob(os.path.join(REPO, "vectors", "adversarial", "*", "message.eml"))):
        d = os.path.dirname(msg)
        keys = [os.path.join(d, "dns.txt")] if os.path.exists(os.path.join(d, "dns.txt")) else []
        groups.append((keys, [msg]))
        meta[msg] = {"id": "adv/" + os.path.basename(d), "cls": "vector-adversarial",
                     "orig": None, "desc": "vectors/adversarial/%s" % os.path.basename(d)}
    sample = sorted(glob.glob(os.path.join(REPO, "vectors", "sample", "*.eml")))
    groups.append(([os.path.join(REPO, "vectors", "sample", "keys.txt")], sample))
    for s in sample:
        meta[s] = {"id": "sample/" + os.path.basename(s), "cls": "vector-sample", "orig": None,
                   "desc": "vectors/sample/%s" % os.path.basename(s)}
    return groups, meta


def short(x, n=300):
    r = repr(x)
    return r if len(r) <= n else r[:n] + "...(%d chars)" % len(r)


def table(rows, head):
    w = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    line = lambda r: "  ".join(str(c).ljust(w[i]) if i == 0 else str(c).rjust(w[i])
                               for i, c in enumerate(r))
    return "\n".join([line(head), "  ".join("-" * x for x in w)] + [line(r) for r in rows])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dkimarc", required=True)
    ap.add_argument("--gmime", required=True)
    ap.add_argument("--workdir")
    ap.add_argument("--keep", help="keep every file (mutants, views, failures) in DIR")
    ap.add_argument("--count", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--show", type=int, default=12, help="failures shown in full")
    ap.add_argument("--no-vectors", action="store_true")
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()

    t0 = time.time()
    work = a.keep or a.workdir or tempfile.mkdtemp(prefix="reader-diff-")
    if os.path.isdir(work) and os.listdir(work):
        if not os.path.isdir(os.path.join(work, "mutants")):
            print("%s is not empty and not an earlier run's folder: not touched" % work)
            return 2
        shutil.rmtree(work)
    os.makedirs(work, exist_ok=True)
    mdir = os.path.join(work, "mutants")
    manifest = mutants.generate(mdir, a.count, a.seed, a.dkimarc)
    meta = {e["path"]: e for e in manifest}
    byid = {e["id"]: e for e in manifest}
    keys = [os.path.join(HERE, "keys", "keys.jsonl")]
    groups = [(keys, [e["path"] for e in manifest])]
    if not a.no_vectors:
        vg, vmeta = vector_groups()
        groups += vg
        meta.update(vmeta)
    files = [f for _, fs in groups for f in fs]
    t_gen = time.time()

    pool = concurrent.futures.ThreadPoolExecutor(max(2, a.jobs))
    reports, _ = verify_groups(pool, a.dkimarc, groups)
    views = readers(pool, a.gmime, files)
    t_run = time.time()

    # The signed messages of what dkimarc confirmed, and the readers' views of them.
    conf = [f for f in files if reports[f].get("verdict") in CONFIRMED]
    exroot = os.path.join(work, "explain")
    cgroups = [(k, [f for f in fs if f in set(conf)]) for k, fs in groups]
    cgroups = [g for g in cgroups if g[1]]
    _, exdirs = verify_groups(pool, a.dkimarc, cgroups, exroot)
    sdir = os.path.join(work, "signed")
    os.makedirs(sdir)
    spath, snote = {}, {}
    for f in conf:
        m = meta[f]
        orig_raw = None
        if m.get("orig"):
            with open(byid[m["orig"]]["path"], "rb") as fh:
                orig_raw = fh.read()
        with open(f, "rb") as fh:
            raw = fh.read()
        data, why = signed_message(raw, reports[f], exdirs[f], orig_raw)
        snote[f] = why
        if data is not None:
            p = os.path.join(sdir, m["id"].replace("/", "_") + ".eml")
            with open(p, "wb") as fh:
                fh.write(data)
            spath[f] = p
    sviews = readers(pool, a.gmime, list(spath.values())) if spath else {r: {} for r in READERS}
    pool.shutdown()
    t_chk = time.time()

    # Checks.
    failures = []
    per_cls = collections.defaultdict(collections.Counter)
    nv = {r: {f: nview(views[r].get(f)) for f in files} for r in READERS}
    for f in files:
        m, rep = meta[f], reports[f]
        cls, verdict = m["cls"], rep.get("verdict")
        per_cls[cls]["messages"] += 1
        per_cls[cls][verdict] += 1
        if verdict not in CONFIRMED:
            continue
        sig = deciding_sig(rep)
        sc = scope(sig["headers"] if sig else [])
        bad = set()

        def fail(check, reader, field, got, ref):
            failures.append({"id": m["id"], "cls": cls, "path": f, "verdict": verdict,
                             "check": check, "reader": reader, "field": field, "got": got,
                             "ref": ref, "desc": m["desc"], "orig": m.get("orig")})
            bad.add((check, reader, field))

        for r in READERS:
            mine = nv[r][f]
            if m.get("orig"):
                ref = nv[r][byid[m["orig"]]["path"]]
                for fld in sc:
                    if mine.get(fld) != ref.get(fld):
                        fail("orig", r, fld, mine.get(fld), ref.get(fld))
                        if fld == "message":
                            break
            if f in spath:
                ref = nview(sviews[r].get(spath[f]))
                for fld in sc:
                    if fld == "body" and snote[f]:
                        continue
                    if mine.get(fld) != ref.get(fld):
                        fail("signed", r, fld, mine.get(fld), ref.get(fld))
                        if fld == "message":
                            break
            if verdict == "confirmed":
                fd = (rep.get("from_domain") or "").lower().rstrip(".")
                doms = from_domains(views[r].get(f))
                if not doms or any(d != fd for d in doms):
                    fail("domain", r, "from", views[r].get(f, {}).get("from"), fd)
        if bad:
            per_cls[cls]["failed"] += 1
            per_cls[cls]["failed-" + verdict] += 1

    # GMime against Python, on everything (what each reader makes of the same bytes).
    disagree = collections.defaultdict(collections.Counter)
    dex = collections.defaultdict(list)
    for f in files:
        cls = meta[f]["cls"]
        both = nv["gmime"][f].get("message") == nv["python"][f].get("message") == "ok"
        for fld in FIELDS + ("message",) if both else ("message",):
            g, p = nv["gmime"][f].get(fld), nv["python"][f].get(fld)
            if g != p:
                disagree[cls][fld] += 1
                if len(dex[fld]) < 400:
                    dex[fld].append((f, g, p))

    with open(os.path.join(work, "failures.jsonl"), "w") as fh:
        for x in failures:
            y = dict(x)
            with open(x["path"], "rb") as mf:
                y["bytes"] = repr(mf.read())
            fh.write(json.dumps(y) + "\n")
    with open(os.path.join(work, "disagreements.txt"), "w") as fh:
        for fld, exs in dex.items():
            for f, g, p in exs:
                with open(f, "rb") as mf:
                    raw = mf.read()
                fh.write("== %s %s (%s)\n  gmime:  %s\n  python: %s\n  bytes: %s\n" % (
                    fld, meta[f]["id"], meta[f]["cls"], short(g, 400), short(p, 400),
                    short(mutants.split(raw)[0], 1500)))

    # Report.
    harness = [x for x in failures if x["cls"] == "original"]
    not_conf = [e["id"] for e in manifest if e["cls"] == "original"
                and reports[e["path"]].get("verdict") != "confirmed"]
    print("reader differential: %d messages (%d mutants and signed hostile mail, %d vectors), "
          "seed %d; generate %.1fs, verify+readers %.1fs, signed views %.1fs, total %.1fs"
          % (len(files), len(manifest), len(files) - len(manifest), a.seed, t_gen - t0,
             t_run - t_gen, t_chk - t_run, time.time() - t0))
    print()
    bymsg = collections.defaultdict(set)
    for x in failures:
        bymsg[x["path"]].update([x["field"], x["reader"], x["check"]])
    keys = ["from", "to", "cc", "subject", "date", "body", "message", "gmime", "python",
            "orig", "signed", "domain"]
    rows = []
    for cls in sorted(per_cls):
        c = per_cls[cls]
        fm = [f for f in bymsg if meta[f]["cls"] == cls]
        rows.append([cls, c["messages"], c["confirmed"], c["confirmed-third-party"],
                     c["failed-confirmed"], c["failed-confirmed-third-party"]] +
                    [sum(1 for f in fm if k in bymsg[f]) for k in keys])
    rows.append(["TOTAL"] + [sum(r[i] for r in rows) for i in range(1, len(rows[0]))])
    print("Messages by class; FAIL = confirmed messages some reader shows otherwise than signed;")
    print("then failing messages by field, by reader and by check (a message may count in several):")
    print(table(rows, ["class", "msgs", "conf", "conf-3rd", "FAIL", "FAIL-3rd"] + keys))
    print()
    nb = sum(1 for f in conf if snote.get(f) == "signed body not found")
    print("signed views: %d of %d confirmed messages; body not compared (bh= matches no body "
          "split) in %d; other: %s" % (len(spath), len(conf), nb,
                                       dict(collections.Counter(v for v in snote.values()
                                                                if v and v != "signed body not found"))))
    print()
    drow = [[cls] + [disagree[cls][fld] for fld in FIELDS + ("message",)]
            for cls in sorted(disagree)]
    if drow:
        print("GMime and Python email differ (all messages, whatever the verdict):")
        print(table(drow, ["class"] + list(FIELDS) + ["message"]))
        print("  (examples in %s)" % os.path.join(work, "disagreements.txt"))
        print()

    # The shortest failing message of each class, in full.
    shown = 0
    best = {}
    for x in failures:
        size = os.path.getsize(x["path"])
        k = x["cls"]
        if k not in best or size < best[k][0]:
            best[k] = (size, x)
    for k in sorted(best):
        if shown >= a.show:
            break
        x = best[k][1]
        with open(x["path"], "rb") as mf:
            raw = mf.read()
        print("FAIL %s [%s] %s: %s (check %s, reader %s, field %s)" % (
            x["id"], x["cls"], x.get("verdict"), x["desc"], x["check"], x["reader"], x["field"]))
        print("  reader shows:  %s" % short(x["got"]))
        print("  signed/orig:   %s" % short(x["ref"]))
        print("  bytes: %s" % short(raw, 4000))
        print()
        shown += 1
    if failures:
        print("all failures: %s" % os.path.join(work, "failures.jsonl"))

    nfail = len(set(x["path"] for x in failures))
    nconf = sum(1 for f in files if reports[f].get("verdict") in CONFIRMED)
    if len(manifest) - sum(1 for e in manifest if e["cls"] == "original") < a.count:
        print("harness: fewer mutants than asked")
        return 2
    if harness or not_conf:
        print("harness broken: originals not confirmed %s, or failing checks %s"
              % (not_conf, sorted(set(x["id"] for x in harness))))
        return 2
    print("reader: %d passed, %d failed" % (nconf - nfail, nfail))
    if not a.keep and not a.workdir:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
