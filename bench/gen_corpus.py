#!/usr/bin/python3
"""The benchmark corpus: realistic signed mail, made with dkimarc's own signer.

Usage: gen_corpus.py OUTDIR --dkimarc PATH [--count N] [--seed N] [--jobs N]

Writes into OUTDIR (which it empties first):
  msgs/NNNNN.eml   the messages, CRLF line ends, as a receiving MTA stores them
  list.txt         their paths relative to OUTDIR, one per line, in order
  keys/            the private keys (dkimarc keygen)
  keys.opendkim    the public keys as OpenDKIM key-file lines
                   ("sel._domainkey.domain v=DKIM1; k=rsa; p=..."), which
                   libopendkim's DKIM_QUERY_FILE reads
  keys.zone        the same records as DNS zone-file lines (dkimarc keygen)
  keys.jsonl       the same records in dkimarc's JSON Lines archive format
  truth.tsv        the ground truth: one line per signature (see TRUTH_COLUMNS)
  corpus.json      what was made: counts per kind, sizes, seed, generator version

The mix (per message, from a generator seeded with seed/index, so everything
but the key material and b= is a function of the seed and the count):
  - signatures: 70% rsa-sha256 with a 2048-bit key, 8% ed25519-sha256, 6%
    rsa-sha1 with a 1024-bit key, 4% rsa-sha256 with a 1024-bit key, 12% two
    signatures by one domain (rsa-sha256 2048 and ed25519-sha256);
  - c=: 80% relaxed/relaxed, 12% relaxed/simple, 8% simple/simple;
  - size: 96% text or text+HTML of 2-20 KB (log-uniform), 4% with a base64
    attachment of 100 KB to 2 MB (log-uniform): 2,000 messages make about 80 MB;
  - after signing, 2-4 Received fields and other unsigned trace fields on top,
    as on arrival; then exactly 15% (which ones, the seed says) are tampered
    with: a body byte changed, a line appended to the body, or the signed
    Subject, From or Date changed.

The ground truth is what the construction implies, not what any verifier
says: an untouched message's signatures are valid (the reference verifiers
confirm dkimarc's signer), a tampered one's all fail. rsa-sha1 signatures on
untouched mail are recorded as valid with the algorithm beside them: RFC 8301
says verifiers must not accept them, every verifier measured here does (dkimarc
flags them, and gives `policy` with --strict).

truth.tsv also gives, per signature, the canonical body bytes its body hash
covers and the canonical header bytes its signature hash covers (computed here
by an independent canonicalizer), from which bench/report.py computes the
least time the corpus can take.
"""

import argparse
import base64
import collections
import concurrent.futures
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys

GENERATOR_VERSION = 2
SIGN_TIME = 1700000000  # t= of every signature (2023-11-14T22:13:20Z)
TRUTH_COLUMNS = ("file", "bytes", "index", "domain", "selector", "algorithm", "key_bits",
                 "canon", "expect", "tamper", "body_bytes", "header_bytes")

WORDS = ("the of and to in is for that on with as it by at from this be are was have an "
         "not or we will can all has our their more about which one new its your also been "
         "report meeting budget quarterly draft review attached please find regards thanks "
         "schedule tomorrow agenda minutes project status update server outage resolved "
         "ticket invoice payment contract campaign press release interview statement "
         "minister election council deadline approve figures revenue forecast office "
         "travel flight hotel conference agreement partner client account transfer").split()
UTF8_WORDS = ["caf\u00e9", "r\u00e9sum\u00e9", "\u00fcber", "stra\u00dfe", "d\u00e9j\u00e0",
              "na\u00efve", "\u2014", "\u20ac100", "\u00e5ngstr\u00f6m"]
FIRST = ("Alice Bruno Chloe David Emma Felix Grace Hugo Ines Jules Karin Louis Marie Nora "
         "Oscar Paula Quentin Rosa Simon Tara Ugo Vera Walter Xenia Yann Zoe").split()
LAST = ("Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon "
        "Laurent Lefebvre Michel Garcia David Bertrand Roux Vincent Fournier").split()
ORGS = ("acme globex initech umbrella hooli vandelay wonka stark wayne tyrell cyberdyne "
        "soylent massive aperture oscorp gringotts monarch duff nakatomi pied-piper "
        "sterling zorg virtucon weyland buynlarge contoso fabrikam northwind tailspin "
        "adventure litware proseware wingtip lucerne alpine fourth coho margie woodgrove "
        "blue-yonder graphic-design southridge "
        "trey relecloud munson").split()
TLDS = ("example.com", "example.org", "example.net")
ATTACH_TYPES = [("application/pdf", "pdf"), ("image/jpeg", "jpg"),
                ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                 "docx"), ("application/zip", "zip")]

# How keys are laid out: (count of domains, key kinds) per domain group.
DOMAIN_GROUPS = [
    ("rsa2048", 24, [("rsa", 2048, "s2048")]),
    ("rsa1024", 6, [("rsa", 1024, "legacy")]),
    ("ed25519", 6, [("ed25519", 256, "ed")]),
    ("dual", 8, [("rsa", 2048, "rsa"), ("ed25519", 256, "ed")]),
]

# Signature profiles: (share, name, group, [(algorithm, key index in the group)]).
PROFILES = [
    (0.70, "rsa-sha256/2048", "rsa2048", [("rsa-sha256", 0)]),
    (0.08, "ed25519-sha256", "ed25519", [("ed25519-sha256", 0)]),
    (0.06, "rsa-sha1/1024", "rsa1024", [("rsa-sha1", 0)]),
    (0.04, "rsa-sha256/1024", "rsa1024", [("rsa-sha256", 0)]),
    (0.12, "rsa-sha256/2048 + ed25519-sha256", "dual",
     [("rsa-sha256", 0), ("ed25519-sha256", 1)]),
]
CANONS = [(0.80, "relaxed/relaxed"), (0.12, "relaxed/simple"), (0.08, "simple/simple")]
TAMPERS = [(0.35, "body_byte"), (0.15, "body_append"), (0.25, "header_subject"),
           (0.15, "header_from"), (0.10, "header_date")]
TAMPER_SHARE = 0.15
ATTACH_SHARE = 0.042


def pick(rng, table):
    """Draws a row of table by its share (first column); returns the rest of the row."""
    x = rng.random()
    for row in table:
        if x < row[0]:
            break
        x -= row[0]
    return row[1] if len(row) == 2 else row[1:]


# ----------------------------------------------------------------------------
# keys


def make_keys(out, dkimarc):
    """One key per (domain, kind) with dkimarc keygen; returns {group: [domain entries]}."""
    os.makedirs(os.path.join(out, "keys"))
    orgs = iter(ORGS)
    groups = collections.OrderedDict()
    zone, jsonl, odk = [], [], []
    jobs = []
    for group, n, kinds in DOMAIN_GROUPS:
        for k in range(n):
            dom = "%s.%s" % (next(orgs), TLDS[k % len(TLDS)])
            entry = {"domain": dom, "keys": []}
            for alg, bits, sel in kinds:
                path = os.path.join(out, "keys", "%s.%s.key" % (sel, dom))
                cmd = [dkimarc, "keygen", "--algorithm", alg, "--selector", sel,
                       "--domain", dom, "-o", path]
                if alg == "rsa":
                    cmd += ["--bits", str(bits)]
                entry["keys"].append({"selector": sel, "bits": bits, "path": path})
                jobs.append(cmd)
            groups.setdefault(group, []).append(entry)
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        outs = list(ex.map(lambda c: subprocess.run(c, check=True, stdout=subprocess.PIPE,
                                                    stderr=subprocess.DEVNULL).stdout, jobs))
    for o in outs:
        lines = o.decode().splitlines()
        zone.append(lines[0])
        jsonl.append(lines[1])
        j = json.loads(lines[1])
        odk.append("%s %s" % (j["name"], j["txt"]))
    for name, lines in (("keys.zone", zone), ("keys.jsonl", jsonl), ("keys.opendkim", odk)):
        with open(os.path.join(out, name), "w") as f:
            f.write("\n".join(lines) + "\n")
    return groups


# ----------------------------------------------------------------------------
# messages


def words(rng, n, utf8=True):
    w = []
    for _ in range(n):
        if utf8 and rng.random() < 0.01:
            w.append(rng.choice(UTF8_WORDS))
        else:
            w.append(rng.choice(WORDS))
    return w


def paragraph(rng, width=72):
    """A paragraph wrapped at width, sometimes quoted, rarely with trailing spaces."""
    ws = words(rng, rng.randint(20, 90))
    ws[0] = ws[0].capitalize()
    lines, cur = [], ""
    for w in ws:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = cur + " " + w if cur else w
    lines.append(cur + ".")
    quoted = rng.random() < 0.15
    out = []
    for ln in lines:
        if quoted:
            ln = "> " + ln
        if rng.random() < 0.02:
            ln += rng.choice([" ", "  ", "\t"])  # what relaxed body canonicalization strips
        out.append(ln)
    return out


def text_body(rng, size):
    lines = []
    total = 0
    while total < size:
        p = paragraph(rng)
        lines += p + [""]
        total += sum(len(x.encode()) + 2 for x in p) + 2
    return lines


def html_of(lines):
    out = ["<html><head><meta charset=\"utf-8\"></head><body>"]
    para = []
    for ln in lines:
        if ln:
            para.append(ln.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
        elif para:
            out.append("<p>" + "<br>\r\n".join(para) + "</p>")
            para = []
    out.append("</body></html>")
    return out


def person(rng, domain):
    f, l = rng.choice(FIRST), rng.choice(LAST)
    return '"%s %s" <%s.%s@%s>' % (f, l, f.lower(), l.lower(), domain), f, l


def rfc5322_date(t):
    import time
    return time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(t))


def make_message(rng, domain, attach):
    """Unsigned message bytes (CRLF) from domain; returns (bytes, description)."""
    frm, _, _ = person(rng, domain)
    rcpt_dom = "%s.%s" % (rng.choice(ORGS), rng.choice(TLDS))
    to = ", ".join(person(rng, rcpt_dom)[0] for _ in range(rng.randint(1, 3)))
    date = rfc5322_date(SIGN_TIME - rng.randint(0, 120))
    subj = " ".join(words(rng, rng.randint(3, 9), utf8=False)).capitalize()
    mid = "<%016x.%d@%s>" % (rng.getrandbits(64), rng.randint(1000, 99999), domain)
    hdr = ["From: " + frm, "To: " + to]
    if rng.random() < 0.3:
        hdr.append("Cc: " + person(rng, rcpt_dom)[0])
    hdr += ["Subject: " + subj, "Date: " + date, "Message-ID: " + mid, "MIME-Version: 1.0"]
    if rng.random() < 0.2:
        hdr.append("List-Id: <news.%s>" % domain)
    if rng.random() < 0.5:
        hdr.append("X-Mailer: " + rng.choice(["Microsoft Outlook 16.0", "Apple Mail (2.3731)",
                                               "Thunderbird 115.4", "Roundcube 1.6"]))
    text_size = int(math.exp(rng.uniform(math.log(1500), math.log(16000))))
    text = text_body(rng, text_size)
    b1 = "=_b%016x" % rng.getrandbits(64)
    if attach:
        enc_size = int(math.exp(rng.uniform(math.log(100_000), math.log(2_000_000))))
        ctype, ext = rng.choice(ATTACH_TYPES)
        raw = rng.randbytes(enc_size * 3 // 4)
        b64 = base64.b64encode(raw).decode()
        hdr.append('Content-Type: multipart/mixed; boundary="%s"' % b1)
        body = ["This is a multi-part message in MIME format.", "", "--" + b1,
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: 8bit", ""] + text + [
                "--" + b1, 'Content-Type: %s; name="document.%s"' % (ctype, ext),
                "Content-Transfer-Encoding: base64",
                'Content-Disposition: attachment; filename="document.%s"' % ext, ""]
        body += [b64[i:i + 76] for i in range(0, len(b64), 76)]
        body += ["--" + b1 + "--", ""]
        kind = "attachment"
    elif rng.random() < 0.55:
        hdr.append('Content-Type: multipart/alternative; boundary="%s"' % b1)
        body = ["--" + b1, "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: 8bit", ""] + text + [
                "--" + b1, "Content-Type: text/html; charset=utf-8",
                "Content-Transfer-Encoding: 8bit", ""] + html_of(text) + ["--" + b1 + "--", ""]
        kind = "alternative"
    else:
        hdr += ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"]
        body = text
        kind = "text"
    msg = "\r\n".join(hdr) + "\r\n\r\n" + "\r\n".join(body) + "\r\n"
    return msg.encode(), kind


def trace_fields(rng, domain, t):
    """Unsigned fields a receiving MTA adds on top (after signing)."""
    out = []
    for hop in range(rng.randint(2, 4)):
        ip = "192.0.2.%d" % rng.randint(1, 254)
        out.append("Received: from mx%d.%s (mx%d.%s [%s])\r\n\tby mail%d.recipient.example "
                   "(Postfix) with ESMTPS id %010X\r\n\tfor <inbox@recipient.example>; %s" % (
                       hop, domain, hop, domain, ip, hop, rng.getrandbits(40),
                       rfc5322_date(t + 5 * hop)))
    out.insert(0, "Return-Path: <bounces+%d@%s>" % (rng.randint(1, 10**6), domain))
    out.insert(0, "Delivered-To: inbox@recipient.example")
    if rng.random() < 0.5:
        out.insert(0, "X-Spam-Status: No, score=%.1f" % rng.uniform(-2, 4))
    return ("\r\n".join(out) + "\r\n").encode()


# ----------------------------------------------------------------------------
# tampering


def split_msg(msg):
    i = msg.index(b"\r\n\r\n")
    return msg[:i + 2], msg[i + 4:]


def replace_field(head, name, fn):
    """Applies fn to the value of the last field called name (the one signed first)."""
    pat = re.compile(rb"(?im)^(" + name + rb":)([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)")
    ms = list(pat.finditer(head))
    m = ms[-1]
    return head[:m.start(2)] + fn(m.group(2)) + head[m.end(2):]


def tamper(rng, msg, kind):
    head, body = split_msg(msg)
    if kind == "body_byte":
        while True:
            p = rng.randrange(len(body))
            c = body[p:p + 1]
            if c.isalnum():
                break
        alpha = b"abcdefghijklmnopqrstuvwxyz"
        n = bytes([alpha[(alpha.find(c.lower()) + 1 + rng.randrange(24)) % 26]]) \
            if c.isalpha() else b"x"
        body = body[:p] + n + body[p + 1:]
    elif kind == "body_append":
        body += b"P.S. the figures above were amended on the 15th.\r\n"
    elif kind == "header_subject":
        head = replace_field(head, rb"subject", lambda v: v + b" (revised)")
    elif kind == "header_from":
        head = replace_field(head, rb"from",
                             lambda v: re.sub(rb'"([^" ]+)', lambda m: b'"' + m.group(1)[:-1]
                                              + (b"y" if m.group(1)[-1:] != b"y" else b"z"),
                                              v, count=1))
    elif kind == "header_date":
        head = replace_field(head, rb"date", lambda v: re.sub(
            rb"(\d\d):(\d\d):", lambda m: b"%02d:%s:" % ((int(m.group(1)) + 3) % 24,
                                                        m.group(2)), v, count=1))
    out = head + b"\r\n" + body
    assert out != msg, kind
    return out


# ----------------------------------------------------------------------------
# an independent RFC 6376 canonicalizer, for the byte counts of the bound


def canon_body_len(body, relaxed):
    if relaxed:
        body = re.sub(rb"[ \t]+\r\n", b"\r\n", body)
        body = re.sub(rb"[ \t]+", b" ", body)
        if body.endswith((b" ", b"\t")):
            body = body.rstrip(b" \t")
    if body and not body.endswith(b"\r\n"):
        body += b"\r\n"
    while body.endswith(b"\r\n\r\n"):
        body = body[:-2]
    if body == b"\r\n" and relaxed:
        return 0
    return len(body) if body else (0 if relaxed else 2)


def header_fields(head):
    """[(name, raw field bytes without final CRLF)] in order."""
    out = []
    for m in re.finditer(rb"(?m)^([^ \t\r\n:]+):(?:[^\r\n]*(?:\r\n[ \t][^\r\n]*)*)", head):
        out.append((m.group(1).lower(), m.group(0)))
    return out


def canon_field(raw, relaxed):
    if not relaxed:
        return raw + b"\r\n"
    name, val = raw.split(b":", 1)
    val = re.sub(rb"\r\n(?=[ \t])", b"", val)
    val = re.sub(rb"[ \t]+", b" ", val).strip(b" ")
    return name.strip().lower() + b":" + val + b"\r\n"


def sig_tags(raw):
    val = re.sub(rb"\s+", b"", raw.split(b":", 1)[1])
    return dict(t.split(b"=", 1) for t in val.split(b";") if b"=" in t)


def header_hash_len(fields, sig_raw, relaxed):
    """Bytes the signature's header hash covers: h= fields, bottom-up, then the field."""
    tags = sig_tags(sig_raw)
    used = collections.Counter()
    n = 0
    for name in tags[b"h"].lower().split(b":"):
        inst = [f for f in fields if f[0] == name]
        used[name] += 1
        if used[name] <= len(inst):
            n += len(canon_field(inst[-used[name]][1], relaxed))
    blank = re.sub(rb"(b=)[^;]*$", rb"\1", sig_raw.rstrip())
    return n + len(canon_field(blank, relaxed)) - 2  # the field itself: no final CRLF


# ----------------------------------------------------------------------------


def build_one(args):
    i, seed, count, groups, dkimarc, out, tampered = args
    rng = random.Random("%d/%d/%d" % (seed, count, i))
    prof = pick(rng, PROFILES)
    pname, group, sigs = prof
    entry = rng.choice(groups[group])
    canon = pick(rng, CANONS)
    attach = rng.random() < ATTACH_SHARE
    msg, mkind = make_message(rng, entry["domain"], attach)
    plan = []
    for alg, ki in sigs:
        key = entry["keys"][ki]
        cmd = [dkimarc, "sign", "--domain", entry["domain"], "--selector", key["selector"],
               "--key", key["path"], "--timestamp", str(SIGN_TIME), "--canon", canon, "-"]
        if alg == "rsa-sha1":
            cmd[2:2] = ["--algorithm", "rsa-sha1", "--allow-sha1"]
        msg = subprocess.run(cmd, input=msg, stdout=subprocess.PIPE, check=True).stdout
        plan.append((alg, key))
    msg = trace_fields(rng, entry["domain"], SIGN_TIME + 30) + msg
    tk = "none"
    if tampered:
        tk = pick(rng, TAMPERS)
        msg = tamper(rng, msg, tk)
    name = "msgs/%05d.eml" % i
    with open(os.path.join(out, name), "wb") as f:
        f.write(msg)
    head, body = split_msg(msg)
    fields = header_fields(head)
    sigfields = [raw for n, raw in fields if n == b"dkim-signature"]
    rows = []
    for idx, raw in enumerate(sigfields):  # top first; the last signed is on top
        alg, key = plan[len(plan) - 1 - idx]
        tags = sig_tags(raw)
        assert tags[b"s"].decode() == key["selector"] and tags[b"a"].decode() == alg
        hc, bc = canon.split("/")
        rows.append({"file": name, "bytes": len(msg), "index": idx, "domain": entry["domain"],
                     "selector": key["selector"], "algorithm": alg, "key_bits": key["bits"],
                     "canon": canon, "expect": "fail" if tk != "none" else "pass",
                     "tamper": tk, "body_bytes": canon_body_len(body, bc == "relaxed"),
                     "header_bytes": header_hash_len(fields, raw, hc == "relaxed")})
    return rows, {"profile": pname, "kind": mkind, "tamper": tk, "bytes": len(msg)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--dkimarc", required=True, help="the dkimarc CLI (keygen, sign)")
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()

    out = os.path.abspath(args.outdir)
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(os.path.join(out, "msgs"))
    groups = make_keys(out, args.dkimarc)
    # Exactly the share asked for, not about it: which messages, the seed says.
    picked = set(random.Random("tamper/%d/%d" % (args.seed, args.count)).sample(
        range(args.count), round(args.count * TAMPER_SHARE)))
    work = [(i, args.seed, args.count, groups, args.dkimarc, out, i in picked)
            for i in range(args.count)]
    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as ex:
        results = list(ex.map(build_one, work))

    stats = collections.Counter()
    total = 0
    with open(os.path.join(out, "truth.tsv"), "w") as f:
        f.write("# " + "\t".join(TRUTH_COLUMNS) + "\n")
        for rows, info in results:
            for r in rows:
                f.write("\t".join(str(r[c]) for c in TRUTH_COLUMNS) + "\n")
            stats["profile " + info["profile"]] += 1
            stats["body " + info["kind"]] += 1
            stats["tamper " + info["tamper"]] += 1
            total += info["bytes"]
    with open(os.path.join(out, "list.txt"), "w") as f:
        for i in range(args.count):
            f.write("msgs/%05d.eml\n" % i)
    sizes = sorted(info["bytes"] for _, info in results)
    summary = {"generator_version": GENERATOR_VERSION, "seed": args.seed, "count": args.count,
               "bytes": total, "signatures": sum(len(r) for r, _ in results),
               "median_bytes": sizes[len(sizes) // 2], "max_bytes": sizes[-1],
               "counts": dict(sorted(stats.items()))}
    with open(os.path.join(out, "corpus.json"), "w") as f:
        json.dump(summary, f, indent=1)
        f.write("\n")
    print("corpus: %d messages, %.1f MB, %d signatures in %s" % (
        args.count, total / 1e6, summary["signatures"], out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
