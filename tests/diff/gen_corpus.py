#!/usr/bin/python3
"""Generate the differential-test corpus: DKIM-signed messages made with dkimpy.

Usage: gen_corpus.py OUTDIR [--seed N] [--count N]

Writes into OUTDIR:
  msgs/NNNN.eml    the messages (CRLF line ends, except the "lf_storage" ones)
  keys.txt         public keys as OpenDKIM key-file lines
                   ("selector._domainkey.domain v=DKIM1; k=...; p=...")
  keys/            the private keys (for debugging by hand)
  manifest.json    per message: file, case kind, what was done to it, and per
                   signature (top first) its parameters and the RFC verdict

Everything except the key material is a function of the seed (one generator
per message, seeded with seed/index): message text, signature parameters,
tampering. RSA keys come from `openssl genpkey` (fresh each run), so b= and
the exact character a b= tamper replaces differ between runs; Ed25519 keys
come from the seeded generator. t= is pinned to SIGN_TIME.

The ground truth written here is what RFC 6376/8301/8463 say about each
signature, not what any verifier does; run_diff.py holds the table of known
departures of the reference verifiers.
"""

import argparse
import base64
import json
import os
import random
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, "/usr/lib/python3/dist-packages")
import dkim  # noqa: E402  (python3-dkim, dkimpy)
import nacl.signing  # noqa: E402  (python3-nacl)

GENERATOR_VERSION = 6
SIGN_TIME = 1700000000  # t= of every signature (2023-11-14)

# Domains. FROM_DOMAINS[i] is usually signed by d=SIGN_DOMAINS[i].
SIGN_DOMAINS = [b"example.com", b"example.org", b"example.net"]
SUBDOMAIN_AUID = {b"example.com": b"@mail.example.com", b"example.org": b"@lists.example.org",
                  b"example.net": b"@news.example.net"}

CANONS = [(b"simple", b"simple"), (b"simple", b"relaxed"), (b"relaxed", b"simple"),
          (b"relaxed", b"relaxed")]

WORDS = ("the quick brown fox jumps over lazy dog invoice meeting report draft "
         "quarterly budget review please find attached regards thanks hello world "
         "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod "
         "tempor incididunt labore dolore magna aliqua schedule tomorrow agenda "
         "minutes project status update server outage resolved ticket").split()
UTF8_WORDS = ["caf\u00e9", "na\u00efve", "\u00fcber", "stra\u00dfe", "\u65e5\u672c",
              "\u00e5ngstr\u00f6m", "\u2014", "\u20ac100"]

# Case kinds and how many messages each gets; the rest are "none".
# Kinds marked (k) act on one signature's key, (s) on one signature's header
# field, the others on the whole message.
CASE_COUNTS = [
    ("body_byte", 10),               # one body byte changed
    ("body_append_l", 8),            # text appended, every signature has l=
    ("body_append", 5),              # text appended, no l=
    ("blank_lines", 4),              # empty lines appended to the body
    ("header_change", 8),            # signed Subject text changed
    ("from_above", 10),              # second From added above the original
    ("from_below", 3),               # second From added below the original
    ("ws_header", 8),                # whitespace changed inside Subject
    ("refold", 8),                   # Subject re-folded
    ("ws_body", 8),                  # whitespace changed in a body line
    ("unsigned_header", 4),          # unsigned header fields added
    ("refold_sig_b", 4),             # (s) a fold inserted inside the b= value
    ("refold_sig", 5),               # (s) DKIM-Signature re-folded outside b=
    ("b_alter", 6),                  # (s) one character of b= changed
    ("bh_alter", 5),                 # (s) one character of bh= changed
    ("weak_key", 6),                 # (k) signed with a 512-bit RSA key
    ("revoked_key", 5),              # (k) key record has an empty p=
    ("missing_key", 5),              # (k) key not in the archive
    ("key_strict_subdomain", 4),     # (k) key t=s, i= in a subdomain of d=
    ("key_strict_same", 3),          # (k) key t=s, i= in d= itself
    ("key_testing", 4),              # (k) key t=y
    ("key_hash_not_allowed", 4),     # (k) key h=sha1, signature rsa-sha256
    ("key_type_mismatch", 4),        # (k) key k=rsa, signature ed25519-sha256
    ("key_service_mismatch", 4),     # (k) key s=tlsrpt
    ("repeated_top", 3),             # top one of 3 X-Trace (2 signed) changed
    ("repeated_swap", 3),            # the 2 signed X-Trace instances swapped
    ("lf_storage", 8),               # message stored with bare LF line ends
    ("relaxed_unterminated_ws", 4),  # relaxed body, last line unterminated with WSP
]
KEY_KINDS = {"weak_key": b"weak512", "revoked_key": b"revoked", "missing_key": b"gone",
             "key_strict_subdomain": b"strict", "key_strict_same": b"strict",
             "key_testing": b"testing", "key_hash_not_allowed": b"sha1only",
             "key_type_mismatch": b"wrongk", "key_service_mismatch": b"tlsrpt"}
TAMPER_KINDS = {k for k, _ in CASE_COUNTS} - set(KEY_KINDS) - {"lf_storage",
                                                                "relaxed_unterminated_ws"}


class FixedTime:
    """Stands in for the time module inside dkimpy so t= is reproducible."""

    @staticmethod
    def time():
        return SIGN_TIME


# ----------------------------------------------------------------------------
# keys


def run(cmd, data=None):
    return subprocess.run(cmd, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          check=True).stdout


def gen_rsa(bits, tmpdir):
    path = os.path.join(tmpdir, "rsa%d.pem" % bits)
    run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:%d" % bits,
         "-out", path])
    pkcs1 = run(["openssl", "rsa", "-in", path, "-traditional"])  # dkimpy wants PKCS#1
    spki = run(["openssl", "rsa", "-in", path, "-pubout", "-outform", "DER"])
    return {"type": "rsa", "bits": bits, "priv": pkcs1,
            "p": base64.b64encode(spki).decode()}


def gen_ed25519(rng):
    seed = bytes(rng.getrandbits(8) for _ in range(32))
    sk = nacl.signing.SigningKey(seed)
    return {"type": "ed25519", "bits": 256, "priv": base64.b64encode(seed),
            "p": base64.b64encode(bytes(sk.verify_key)).decode()}


def make_keys(rng, outdir):
    with tempfile.TemporaryDirectory() as tmp:
        keys = {"rsa1024": gen_rsa(1024, tmp), "rsa2048": gen_rsa(2048, tmp),
                "rsa512": gen_rsa(512, tmp)}
    keys["ed25519"] = gen_ed25519(rng)
    os.makedirs(os.path.join(outdir, "keys"), exist_ok=True)
    for name, k in keys.items():
        ext = "pem" if k["type"] == "rsa" else "seed.b64"
        with open(os.path.join(outdir, "keys", "%s.%s" % (name, ext)), "wb") as f:
            f.write(k["priv"])
    return keys


# Selectors published for every signing domain. "sign": the private key the
# signer uses; "record": the key published (None: no record, "": revoked);
# "tags": extra key-record tags; "key": what that makes of the key for the
# ground truth.
SELECTORS = {
    b"rsa1024": {"sign": "rsa1024", "record": "rsa1024", "tags": "", "key": "good"},
    b"rsa2048": {"sign": "rsa2048", "record": "rsa2048", "tags": "", "key": "good"},
    b"ed": {"sign": "ed25519", "record": "ed25519", "tags": "", "key": "good"},
    # a valid record, but a key too small to trust (RFC 8301 §3.2)
    b"weak512": {"sign": "rsa512", "record": "rsa512", "tags": "", "key": "weak"},
    # empty p= (RFC 6376 §3.6.1)
    b"revoked": {"sign": "rsa2048", "record": "", "tags": "", "key": "revoked"},
    # no record at all
    b"gone": {"sign": "rsa2048", "record": None, "tags": "", "key": "missing"},
    # t=s: i= must not be a subdomain of d= (RFC 6376 §3.6.1 t=)
    b"strict": {"sign": "rsa2048", "record": "rsa2048", "tags": "t=s; ", "key": "strict"},
    # t=y: testing (RFC 6376 §3.6.1 t=); still verifies
    b"testing": {"sign": "ed25519", "record": "ed25519", "tags": "t=y; ", "key": "testing"},
    # h=sha1 only: an rsa-sha256 signature must not use it (RFC 6376 §3.6.1 h=)
    b"sha1only": {"sign": "rsa2048", "record": "rsa2048", "tags": "h=sha1; ",
                  "key": "hash_not_allowed"},
    # record holds an RSA key, the signature is ed25519 (RFC 6376 §3.6.1 k=,
    # RFC 8463 §4)
    b"wrongk": {"sign": "ed25519", "record": "rsa2048", "tags": "", "key": "type_mismatch"},
    # s=tlsrpt: not a key for email (RFC 6376 §3.6.1 s=, RFC 8460 §3)
    b"tlsrpt": {"sign": "rsa2048", "record": "rsa2048", "tags": "s=tlsrpt; ",
                "key": "service_mismatch"},
}


def write_keyfile(keys, outdir):
    lines = []
    for dom in SIGN_DOMAINS:
        for sel, spec in SELECTORS.items():
            name = "%s._domainkey.%s" % (sel.decode(), dom.decode())
            if spec["record"] is None:
                continue
            k = keys[spec["record"] or spec["sign"]]
            p = k["p"] if spec["record"] else ""
            lines.append("%s v=DKIM1; k=%s; %sp=%s" % (name, k["type"], spec["tags"], p))
    with open(os.path.join(outdir, "keys.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


# ----------------------------------------------------------------------------
# message text


def words(rng, n, utf8=False):
    out = []
    for _ in range(n):
        if utf8 and rng.random() < 0.2:
            out.append(rng.choice(UTF8_WORDS))
        else:
            out.append(rng.choice(WORDS))
    return " ".join(out)


def text_line(rng, utf8):
    r = rng.random()
    if r < 0.04:  # long line, close to the 998 limit
        s = words(rng, 200)
        return s[:rng.randint(700, 990)].rstrip()
    s = words(rng, rng.randint(1, 14), utf8)
    if rng.random() < 0.15:  # runs of spaces and tabs inside the line
        parts = s.split(" ")
        s = "".join(p + rng.choice([" ", "  ", "\t", " \t ", "   "]) for p in parts).rstrip()
    if rng.random() < 0.1:  # trailing whitespace
        s += rng.choice([" ", "\t", "  ", " \t"])
    if rng.random() < 0.03:
        s = rng.choice([".", "From the desk of " + s, ">" + s, "--"])
    return s


def make_body(rng, size_class, want):
    """want: dict of constraints: final_crlf (None|bool), nonempty, unterminated_ws."""
    utf8 = rng.random() < 0.2
    if size_class == "empty" and not want.get("nonempty"):
        return b"", {"size_class": "empty"}
    target = {"empty": 1, "small": rng.randint(1, 1000), "medium": rng.randint(1000, 20000),
              "large": rng.randint(20000, 100000), "huge": rng.randint(100000, 200000)}[size_class]
    lines, n = [], 0
    ws_lines = rng.random() < 0.3
    while n < target or not any(l.strip() for l in lines):
        r = rng.random()
        if r < 0.08:
            l = ""
        elif ws_lines and r < 0.14:
            l = rng.choice([" ", "\t", "  ", " \t ", "    "])
        else:
            l = text_line(rng, utf8)
        lines.append(l)
        n += len(l) + 2
    final_crlf = want.get("final_crlf")
    if final_crlf is None:
        final_crlf = rng.random() > 0.15
    if want.get("unterminated_ws"):
        final_crlf = False
        lines.append(words(rng, rng.randint(2, 5)) + rng.choice([" ", "\t", " \t ", "   "]))
    elif not final_crlf:
        # keep the unterminated last line free of trailing WSP (see
        # relaxed_unterminated_ws for that case) and non-empty
        lines.append(words(rng, rng.randint(1, 6)))
    body = "\r\n".join(lines)
    trailing = 0
    if final_crlf:
        body += "\r\n"
        if rng.random() < 0.2:
            trailing = rng.randint(1, 4)
            body += "\r\n" * trailing
    info = {"size_class": size_class, "final_crlf": final_crlf, "trailing_empty_lines": trailing,
            "ws_only_lines": ws_lines, "utf8": utf8}
    return body.encode("utf-8"), info


def fold_value(rng, value):
    """Folds a header value at some of its spaces."""
    out = []
    parts = value.split(" ")
    for i, p in enumerate(parts):
        if i and rng.random() < 0.35:
            out.append("\r\n" + rng.choice([" ", "\t", "  "]))
        elif i:
            out.append(" ")
        out.append(p)
    return "".join(out)


def make_headers(rng, from_domain, info, force_trace=False):
    """Returns a list of [name, raw value] (value includes the leading space,
    any folds, no final CRLF)."""
    h = []
    user = rng.choice(["alice", "bob", "carol", "dave", "eve.smith", "news"])
    if rng.random() < 0.4:
        h.append(["Received", " from relay%d.example.net (relay.example.net [192.0.2.%d])\r\n"
                  "\tby mx.example.org with ESMTPS id %08x;\r\n\tTue, 14 Nov 2023 22:13:20 +0000"
                  % (rng.randint(1, 9), rng.randint(1, 254), rng.getrandbits(32))])
    fr = '"%s" <%s@%s>' % (user.title(), user, from_domain.decode())
    style = rng.random()
    if style < 0.1:
        fr = " " + fr.replace(" <", "\r\n <")  # folded From
        info.append("folded_from")
    elif style < 0.2:
        fr = "%s@%s" % (user, from_domain.decode())  # "From:addr", no space
    elif style < 0.3:
        fr = " " + fr + rng.choice([" ", "\t", "  "])
        info.append("from_trailing_ws")
    else:
        fr = " " + fr
    h.append([rng.choice(["From", "From", "From", "FROM", "from"]), fr])
    nto = rng.choice([1, 1, 1, 2, 4])
    to = ", ".join("user%d@example.%s" % (i, rng.choice(["org", "net", "com"])) for i in range(nto))
    if nto > 1 and rng.random() < 0.6:
        to = to.replace(", ", ",\r\n\t", 1)
        info.append("folded_to")
    h.append(["To", " " + to])
    if rng.random() < 0.2:
        h.append(["Cc", " Team <team@example.org>"])
    subj = words(rng, rng.randint(2, 22), utf8=rng.random() < 0.15)
    if rng.random() < 0.15:
        subj = subj.replace(" ", rng.choice(["\t", "  ", " \t"]), 2)
        info.append("subject_tabs")
    if len(subj) > 60 or rng.random() < 0.2:
        subj = fold_value(rng, subj)
        info.append("folded_subject")
    if rng.random() < 0.15:
        subj += rng.choice([" ", "\t", "   "])
        info.append("subject_trailing_ws")
    h.append([rng.choice(["Subject", "Subject", "subject", "SUBJECT"]), " " + subj])
    h.append(["Date", " Tue, 14 Nov 2023 22:%02d:%02d +0000" % (rng.randint(0, 59),
                                                                  rng.randint(0, 59))])
    h.append(["Message-ID", " <%016x@%s>" % (rng.getrandbits(64), from_domain.decode())])
    if rng.random() < 0.6:
        h.append(["MIME-Version", " 1.0"])
        ct = ' text/plain; charset="utf-8"'
        if rng.random() < 0.3:
            ct += ";\r\n\tformat=flowed"
            info.append("folded_content_type")
        h.append(["Content-Type", ct])
    if force_trace or rng.random() < 0.1:
        for i in range(3):  # three instances, spread out
            h.insert(rng.randint(1 if h[0][0] == "Received" else 0, len(h)),
                     ["X-Trace", " hop%d %08x" % (i, rng.getrandbits(32))])
        info.append("repeated_header")
    if rng.random() < 0.15:
        h.append(["X-Empty", ""])
        info.append("empty_header")
    if rng.random() < 0.3:
        h.append(["X-Mailer", " gen_corpus %d" % GENERATOR_VERSION])
    if rng.random() < 0.05:
        h.append(["X-Long", " " + ("x" * rng.randint(300, 900))])
        info.append("long_header")
    return h


def serialize(headers, body):
    return b"".join(("%s:%s\r\n" % (n, v)).encode("utf-8") for n, v in headers) + b"\r\n" + body


def split_msg(msg):
    i = msg.index(b"\r\n\r\n")
    return msg[:i + 2], msg[i + 4:]


def header_fields(hblock):
    """Splits a header block (ending in CRLF) into raw fields without final CRLF."""
    fields = []
    for line in hblock[:-2].split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += b"\r\n" + line
        else:
            fields.append(line)
    return fields


def join_fields(fields, body):
    return b"".join(f + b"\r\n" for f in fields) + b"\r\n" + body


def field_name(f):
    return f.split(b":", 1)[0].strip().lower()


# ----------------------------------------------------------------------------
# tampering


def find_field(fields, name, nth=0):
    idx = [i for i, f in enumerate(fields) if field_name(f) == name]
    return idx[nth]


def sig_field_indexes(fields):
    return [i for i, f in enumerate(fields) if field_name(f) == b"dkim-signature"]


def alter_tag_char(rng, sigfield, tag):
    """Changes one base64 character in the middle of tag= of a DKIM-Signature."""
    m = re.search(rb"[;\s]" + tag + rb"=([^;]*)", sigfield)
    start, end = m.span(1)
    pos = [i for i in range(start, end) if chr(sigfield[i]).isalnum()]
    pos = pos[len(pos) // 4: 3 * len(pos) // 4]
    i = rng.choice(pos)
    old = sigfield[i:i + 1]
    new = rng.choice([c for c in b"ABCDEFGHabcdefgh0123" if bytes([c]) != old])
    return sigfield[:i] + bytes([new]) + sigfield[i + 1:], "%s= char %d %r->%r" % (
        tag.decode(), i - start, old.decode(), chr(new))


def fold_inside_b(rng, sigfield):
    m = re.search(rb"[;\s]b=([^;]*)", sigfield)
    start, end = m.span(1)
    pos = [i for i in range(start + 4, end - 4)
           if chr(sigfield[i - 1]).isalnum() and chr(sigfield[i]).isalnum()]
    i = rng.choice(pos)
    ins = rng.choice([b"\r\n ", b"\r\n\t", b" \r\n  "])
    return sigfield[:i] + ins + sigfield[i:], "fold %r inserted at b= offset %d" % (ins, i - start)


def refold_sig(rng, sigfield):
    """Re-folds a DKIM-Signature at one "; " outside b=, or widens that space."""
    bpos = re.search(rb"[;\s]b=", sigfield).start()
    pos = [m.start() + 1 for m in re.finditer(rb"; (?=[a-z])", sigfield[:bpos])]
    i = rng.choice(pos)
    ins = rng.choice([b"\r\n\t", b"\r\n ", b"   ", b" \t"])
    return sigfield[:i] + ins + sigfield[i + 1:], "space at %d replaced with %r" % (i, ins)


def inner_space_positions(value, chars=(b" ",)):
    """Offsets of single spaces (or chars) between two non-WSP characters."""
    return [i for i in range(1, len(value) - 1)
            if value[i:i + 1] in chars and value[i - 1:i] not in (b" ", b"\t", b"\n", b":")
            and value[i + 1:i + 2] not in (b" ", b"\t", b"\r")]


def tamper(rng, kind, msg, target):
    """Applies one case to a signed message; returns (msg, detail)."""
    hblock, body = split_msg(msg)
    fields = header_fields(hblock)
    if kind == "body_byte":
        pos = [i for i in range(min(len(body), 4000)) if chr(body[i]).isalpha() and body[i] < 128]
        i = rng.choice(pos)
        old = body[i]
        new = rng.choice([c for c in b"qxzjkQXZJK" if c != old])
        return join_fields(fields, body[:i] + bytes([new]) + body[i + 1:]), \
            "body byte %d %r->%r" % (i, chr(old), chr(new))
    if kind in ("body_append", "body_append_l"):
        extra = (b"\r\n-- \r\nYou received this because you are subscribed to "
                 b"list@example.org.\r\nUnsubscribe: https://lists.example.org/u/%d\r\n"
                 % rng.randint(1, 9999))
        return join_fields(fields, body + extra), "appended %d bytes" % len(extra)
    if kind == "blank_lines":
        extra = b"\r\n" * rng.randint(1, 4)
        return join_fields(fields, body + extra), "appended %d CRLF" % (len(extra) // 2)
    if kind == "header_change":
        i = find_field(fields, b"subject")
        name, val = fields[i].split(b":", 1)
        fields[i] = name + b": [EXTERNAL]" + val
        return join_fields(fields, body), "Subject prefixed with [EXTERNAL]"
    if kind == "from_above":
        fields.insert(0, b"From: Mallory <mallory@evil.example>")
        return join_fields(fields, body), "From added at the top of the header"
    if kind == "from_below":
        fields.append(b"From: Mallory <mallory@evil.example>")
        return join_fields(fields, body), "From added at the bottom of the header"
    if kind in ("repeated_top", "repeated_swap"):
        idx = [i for i, f in enumerate(fields) if field_name(f) == b"x-trace"]
        if kind == "repeated_top":
            fields[idx[0]] = fields[idx[0]].replace(b"hop", b"HOP", 1)
            return join_fields(fields, body), "top X-Trace (unsigned instance) changed"
        a, b = idx[-2], idx[-1]
        fields[a], fields[b] = fields[b], fields[a]
        return join_fields(fields, body), "the two bottom X-Trace instances swapped"
    if kind == "unsigned_header":
        fields.insert(0, b"Received: from gateway.example.net by mx.example.org;\r\n"
                         b"\tWed, 15 Nov 2023 08:00:00 +0000")
        fields.append(b"X-Spam-Score: 0.1")
        return join_fields(fields, body), "Received added at the top, X-Spam-Score at the bottom"
    if kind in ("ws_header", "refold"):
        i = find_field(fields, b"subject")
        name, val = fields[i].split(b":", 1)
        pos = inner_space_positions(val)
        if kind == "refold":
            # fold = a CRLF inserted before a WSP that follows a non-WSP
            cand = [i for i in range(1, len(val)) if val[i:i + 1] in (b" ", b"\t")
                    and val[i - 1:i] not in (b" ", b"\t", b"\n")]
            p = rng.choice(cand) if cand else 0
            val = val[:p] + b"\r\n" + val[p:]
            detail = "Subject folded before offset %d" % p
        elif rng.random() < 0.5 and pos:
            p = rng.choice(pos)
            ins = rng.choice([b"  ", b"\t", b" \t  "])
            val = val[:p] + ins + val[p + 1:]
            detail = "Subject space at offset %d replaced with %r" % (p, ins)
        else:
            ins = rng.choice([b" ", b"\t", b"  "])
            val = val + ins
            detail = "Subject got trailing %r" % ins
        fields[i] = name + b":" + val
        return join_fields(fields, body), detail
    if kind == "ws_body":
        lines = body.split(b"\r\n")
        # only CRLF-terminated lines with text (the last element is unterminated)
        cand = [i for i in range(len(lines) - 1) if lines[i].strip()]
        i = rng.choice(cand[:50])
        ln = lines[i]
        pos = inner_space_positions(ln)
        if pos and rng.random() < 0.5:
            p = rng.choice(pos)
            lines[i] = ln[:p] + b" \t " + ln[p + 1:]
            detail = "body line %d: space at %d replaced with ' \\t '" % (i, p)
        else:
            lines[i] = ln + b" \t"
            detail = "body line %d: trailing ' \\t' added" % i
        return join_fields(fields, b"\r\n".join(lines)), detail
    if kind in ("b_alter", "bh_alter", "refold_sig_b", "refold_sig"):
        si = sig_field_indexes(fields)[target]
        if kind == "refold_sig_b":
            fields[si], detail = fold_inside_b(rng, fields[si])
        elif kind == "refold_sig":
            fields[si], detail = refold_sig(rng, fields[si])
        else:
            fields[si], detail = alter_tag_char(rng, fields[si],
                                                b"b" if kind == "b_alter" else b"bh")
        return join_fields(fields, body), "signature %d: %s" % (target, detail)
    raise ValueError(kind)


# ----------------------------------------------------------------------------
# ground truth


def expectation(kind, sig, target, index):
    """The RFC verdict for one signature. Returns (rfc_pass, reason, flags)
    where reason is the dkimarc reason code an RFC verifier should give and
    flags are dkimarc flags the signature must carry."""
    hc, bc = sig["canonicalization"].split("/")
    flags = []
    reason = "ok"
    if sig["key"] == "weak":
        reason = "key_too_weak"  # RFC 8301 §3.2
    elif sig["key"] == "revoked":
        reason = "key_revoked"  # RFC 6376 §3.6.1 (empty p=)
    elif sig["key"] == "missing":
        reason = "key_not_found"  # RFC 6376 §6.1.2
    elif sig["key"] == "strict" and sig["auid"].split("@")[-1] != sig["domain"]:
        reason = "key_strict_subdomain"
    elif sig["key"] == "hash_not_allowed":
        reason = "key_hash_not_allowed"
    elif sig["key"] == "type_mismatch":
        reason = "key_type_mismatch"
    elif sig["key"] == "service_mismatch":
        reason = "key_service_mismatch"
    elif kind == "body_byte":
        reason = "body_hash_mismatch"
    elif kind in ("body_append", "body_append_l"):
        if sig["l"] is None:
            reason = "body_hash_mismatch"
        else:
            flags.append("body_beyond_length")  # RFC 6376 §8.2
    elif kind == "header_change":
        reason = "signature_mismatch"
    elif kind == "from_above":
        # RFC 6376 §5.4.2: the bottom-most From is the signed one; only an
        # oversigned From (listed more often than present) covers the new one.
        if sig["from_oversigned"]:
            reason = "signature_mismatch"
    elif kind in ("from_below", "repeated_swap"):
        reason = "signature_mismatch"
    elif kind in ("ws_header", "refold") or (kind == "refold_sig" and index == target):
        if hc == "simple":
            reason = "signature_mismatch"  # RFC 6376 §3.4.1 vs §3.4.2
    elif kind == "ws_body":
        if bc == "simple":
            reason = "body_hash_mismatch"  # RFC 6376 §3.4.3 vs §3.4.4
    elif kind == "relaxed_unterminated_ws":
        if bc == "relaxed":
            # dkimpy's signer keeps WSP at the end of an unterminated last
            # line; RFC 6376 §3.4.4 (a) ignores whitespace at the end of lines.
            # With l=, dkimpy counted those bytes too, so l= exceeds the
            # canonical body (RFC 6376 §3.5 l=; dkimarc: permerror).
            reason = "body_hash_mismatch" if sig["l"] is None else "sig_body_length_exceeds"
    elif kind == "b_alter" and index == target:
        # RSA: the key's public operation no longer yields a PKCS#1 v1.5 DigestInfo
        # (RFC 8017 §8.2.2), so this key made no such b=; Ed25519 cannot tell the two.
        reason = "key_mismatch" if sig["algorithm"].startswith("rsa-") else "signature_mismatch"
    elif kind == "bh_alter" and index == target:
        reason = "body_hash_mismatch"  # RFC 6376 §6.1.3: body hash checked first
    if sig["algorithm"] == "rsa-sha1":
        flags.append("rsa_sha1")
    if sig["key"] == "testing":
        flags.append("key_testing")
    if not sig["from_oversigned"]:
        flags.append("from_not_oversigned")
    # RFC 8301 §3.1: rsa-sha1 MUST NOT be used for verifying
    rfc_pass = reason == "ok" and sig["algorithm"] != "rsa-sha1"
    return rfc_pass, reason, flags


# ----------------------------------------------------------------------------
# message plans


def choose_sig(rng, kind, from_domain, first, other=None):
    """Parameters of one signature."""
    alg = rng.choices(["rsa-sha256", "ed25519-sha256", "rsa-sha1"], [55, 25, 20])[0]
    if other is not None:  # the second signature of a pair uses the other family
        alg = "ed25519-sha256" if other["algorithm"].startswith("rsa") else "rsa-sha256"
    if kind == "relaxed_unterminated_ws" and first:
        canon = rng.choice([CANONS[1], CANONS[3]])
    else:
        canon = rng.choice(CANONS)
    if alg.startswith("rsa"):
        selector = rng.choice([b"rsa1024", b"rsa2048", b"rsa2048"])
    else:
        selector = b"ed"
    domain = from_domain if rng.random() < 0.8 else rng.choice(SIGN_DOMAINS)
    r = rng.random()
    if r < 0.12:
        identity = SUBDOMAIN_AUID[domain]
    elif r < 0.2:
        identity = b"postmaster@" + domain
    else:
        identity = None
    return {"algorithm": alg, "canon": canon, "selector": selector, "domain": domain,
            "identity": identity,
            "l": kind == "body_append_l" or (kind != "body_append" and rng.random() < 0.15),
            "oversign_from": rng.random() < 0.45, "oversign_subject": rng.random() < 0.2,
            "sign_absent": rng.random() < 0.15}


def include_headers(sp, headers):
    names = [n.lower() for n, _ in headers]
    inc = [n for n in ["from", "to", "cc", "subject", "date", "message-id", "mime-version",
                       "content-type", "x-empty", "x-long"] if n in names]
    if "x-trace" in names:  # 2 of the 3 instances: the bottom two (RFC 6376 §5.4.2)
        inc += ["x-trace", "x-trace"]
    if sp["oversign_from"]:
        inc.append("from")
    if sp["oversign_subject"]:
        inc.append("subject")
    if sp["sign_absent"]:
        inc.append("reply-to")
    return [n.encode() for n in inc]


def build_message(rng, idx, kind, keys):
    info = []
    from_domain = rng.choice(SIGN_DOMAINS)
    size_class = rng.choices(["empty", "small", "medium", "large", "huge"], [6, 44, 33, 13, 4])[0]
    want = {}
    if kind in ("body_byte", "ws_body"):
        want = {"nonempty": True, "final_crlf": True}
        if size_class == "empty":
            size_class = "small"
    if kind == "relaxed_unterminated_ws":
        want = {"nonempty": True, "unterminated_ws": True}
        if size_class == "empty":
            size_class = "small"
    body, binfo = make_body(rng, size_class, want)
    headers = make_headers(rng, from_domain, info,
                           force_trace=kind in ("repeated_top", "repeated_swap"))
    msg = serialize(headers, body)

    nsig = 2 if rng.random() < 0.15 else 1
    plans = [choose_sig(rng, kind, from_domain, True)]
    if nsig == 2:
        plans.append(choose_sig(rng, kind, from_domain, False, plans[0]))
    if kind == "relaxed_unterminated_ws" and nsig == 2 and rng.random() < 0.5:
        plans[1]["canon"] = CANONS[0]
    # signature-targeted cases: which one (index in signing order)
    tgt_sign = rng.randrange(nsig)
    if kind in KEY_KINDS:
        p = plans[tgt_sign]
        p["selector"] = KEY_KINDS[kind]
        p["algorithm"] = "rsa-sha256"
        if kind == "weak_key":
            p["algorithm"] = rng.choice(["rsa-sha256", "rsa-sha256", "rsa-sha1"])
        elif kind in ("key_testing", "key_type_mismatch"):
            p["algorithm"] = "ed25519-sha256"
        if kind == "key_strict_subdomain":
            p["identity"] = SUBDOMAIN_AUID[p["domain"]]
        elif kind == "key_strict_same":
            p["identity"] = rng.choice([None, b"alice@" + p["domain"]])

    dkim.time = FixedTime
    signed = []  # in signing order
    for sp in plans:
        spec = SELECTORS[sp["selector"]]
        key = keys[spec["sign"]]
        inc = include_headers(sp, headers)
        d = dkim.DKIM(msg)
        sig = d.sign(sp["selector"], sp["domain"], key["priv"],
                     signature_algorithm=sp["algorithm"].encode(), identity=sp["identity"],
                     canonicalize=sp["canon"], include_headers=inc, length=sp["l"])
        msg = sig + msg
        lval = d.signature_fields.get(b"l")
        signed.append({
            "domain": sp["domain"].decode(), "selector": sp["selector"].decode(),
            "algorithm": sp["algorithm"], "canonicalization": b"/".join(sp["canon"]).decode(),
            "auid": (sp["identity"] or b"@" + sp["domain"]).decode(),
            "headers": [h.decode() for h in inc],
            "l": int(lval) if lval is not None else None,
            "from_oversigned": inc.count(b"from") > 1,
            "key": spec["key"],
            "key_bits": key["bits"], "key_type": key["type"],
        })
    sigs = list(reversed(signed))  # header order, top first
    target = nsig - 1 - tgt_sign  # the targeted signature's index, top first

    detail = ""
    if kind in TAMPER_KINDS:
        msg, detail = tamper(rng, kind, msg, target)
    elif kind in KEY_KINDS:
        detail = "signature %d uses selector %s" % (target, sigs[target]["selector"])
    elif kind == "relaxed_unterminated_ws":
        detail = "body ends in an unterminated line with trailing WSP"
    if kind == "lf_storage":
        msg = msg.replace(b"\r\n", b"\n")
        detail = "stored with LF line ends"

    for i, s in enumerate(sigs):
        rfc_pass, reason, flags = expectation(kind, s, target, i)
        s["index"] = i
        s["expect"] = {"rfc_pass": rfc_pass, "reason": reason, "flags": flags}
    report_flags = []
    if kind in ("from_above", "from_below"):
        report_flags.append("multiple_from")
    if kind == "lf_storage":
        report_flags.append("lf_line_endings")
    target_kinds = {"b_alter", "bh_alter", "refold_sig_b", "refold_sig"} | set(KEY_KINDS)
    entry = {"file": "msgs/%04d.eml" % idx, "kind": kind, "tampered": kind in TAMPER_KINDS,
             "detail": detail, "target": target if kind in target_kinds else None,
             "features": sorted(set(info)), "body": binfo, "size": len(msg),
             "from_domain": from_domain.decode(),
             "report_flags": report_flags, "signatures": sigs}
    return msg, entry


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=6376)
    ap.add_argument("--count", type=int, default=300)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    os.makedirs(os.path.join(args.outdir, "msgs"), exist_ok=True)
    keys = make_keys(rng, args.outdir)
    write_keyfile(keys, args.outdir)

    kinds = []
    for k, n in CASE_COUNTS:
        kinds += [k] * max(1, round(n * args.count / 300))
    kinds = kinds[:args.count]
    kinds += ["none"] * (args.count - len(kinds))
    rng.shuffle(kinds)

    manifest = {"generator_version": GENERATOR_VERSION, "seed": args.seed,
                "sign_time": SIGN_TIME, "keys": "keys.txt", "messages": []}
    for i, kind in enumerate(kinds):
        # one generator per message: a message's text does not depend on the
        # others (nor on the key material, which b= tampering looks at)
        mrng = random.Random("%d/%d" % (args.seed, i))
        msg, entry = build_message(mrng, i, kind, keys)
        with open(os.path.join(args.outdir, entry["file"]), "wb") as f:
            f.write(msg)
        manifest["messages"].append(entry)
    with open(os.path.join(args.outdir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print("wrote %d messages to %s" % (len(kinds), args.outdir))


if __name__ == "__main__":
    main()
