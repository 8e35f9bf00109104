#!/usr/bin/python3
"""Signed originals and mutants of them, for the differential reader test.

    /usr/bin/python3 mutants.py OUTDIR [--count N] [--seed S]

writes OUTDIR/<id>.eml and OUTDIR/manifest.jsonl, one line per file:
  {"id", "path", "cls", "orig": id of the unmutated signed original | null,
   "desc": what was done, "signed_after": true when the hostile content was
   signed (no original to compare with)}

Everything is deterministic for a seed, bytes included: dkimpy signs with
the test keys in keys/ and a fixed t=.

Originals (ORIGINALS below): realistic mail signed by dkimpy with
example.com's keys: plain text, QP, base64, 8-bit UTF-8, multipart/
alternative with HTML, multipart/mixed with an attachment, RFC 2047 subjects
and display names, folded fields, several To and Cc addresses, relaxed and
simple canonicalization, RSA and Ed25519, oversigned or not, one stored with
bare LF line ends, and two whose h= leaves out Cc, or Content-Type and
Content-Transfer-Encoding. Each has unsigned fields (Received, X-Mailer,
List-Id), where smuggled content does not break the signature.

Mutants of an original (attacks after signing; compared with the original):
  byte-*        one to three insertions, deletions or replacements of CR, LF,
                CRLF, ':', SP, HT, NUL, '<', '>', '(', ')', '\\', '"', ','
                at random places, biased to unsigned fields, the header and
                the header/body boundary
  dup-above     a header field copied with a changed value above the original
  reorder       header fields moved or swapped
  forged-line   whole forged fields inserted anywhere, ended by CRLF, LF, CR
                or CRCRLF
  added-above   a forged From/To/Cc/Subject/Date/Content-Type/CTE above the
                signed one (top of the header, or right above it)
  bare-cr       bare CR smuggling forged fields inside an unsigned field
  crcrlf        CR CR LF (a blank line to some readers) ending the header early
  colonless     a line without a colon in the header, forged fields above it
  bad-name      forged fields with a bad field-name byte or WSP before the colon
  leading-ws    a header that starts with whitespace, or a forged line after it
  mixed-eol     bare LF / LF LF among CRLF (and CRLF among LF) in the header
  nul           NUL bytes in unsigned fields, before forged fields
Signed hostile mail (the attacker signs with evil.test's keys, or
example.com's; compared with what dkimarc says was signed):
  from-trick    From fields that parse two ways, more than 8 mailboxes, ...
  signed-smuggle signed fields that hide a From for readers (bare CR, LF)
"""

import argparse
import base64
import json
import os
import random
import re
import subprocess
import sys
import time

sys.path.insert(0, "/usr/lib/python3/dist-packages")
import dkim  # dkimpy (python3-dkim)  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
KEYS = os.path.join(HERE, "keys")
T = 1700000000  # t= of every signature

SIGNERS = {
    "ex-rsa": (b"example.com", b"reader", "example.com.reader.pem", b"rsa-sha256"),
    "ex-ed": (b"example.com", b"ed", "example.com.ed.seed", b"ed25519-sha256"),
    "evil-rsa": (b"evil.test", b"evil", "evil.test.evil.pem", b"rsa-sha256"),
    "evil-ed": (b"evil.test", b"eved", "evil.test.eved.seed", b"ed25519-sha256"),
}

FULL_H = ["from", "to", "cc", "subject", "date", "message-id", "mime-version",
          "content-type", "content-transfer-encoding", "reply-to"]

LOREM = ("The board meets on Thursday at ten. Please bring the signed budget,\n"
         "the audit letter and your notes on the Lisbon office.\n\n"
         "Numbers:  revenue 4.1M,  costs 3.7M  (provisional).\n")


def crlf(s):
    """str or bytes with LF line ends -> bytes with CRLF."""
    if isinstance(s, str):
        s = s.encode("utf-8")
    return s.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def qp(s, charset="utf-8"):
    import quopri
    return quopri.encodestring(s.encode(charset)).decode("ascii")


def b64(data, width=76):
    e = base64.b64encode(data).decode("ascii")
    return "\n".join(e[i:i + width] for i in range(0, len(e), width)) + "\n"


def trace(n):
    return ("Received: from mx%d.example.net (mx%d.example.net [192.0.2.%d])\n"
            "\tby mail.example.org with ESMTPS id A%dB; Tue, 14 Nov 2023 22:13:2%d +0000\n"
            "X-Mailer: Exemplar Mail 4.%d\n"
            "List-Id: <board.lists.example.com>\n") % (n, n, n + 10, n, n % 10, n)


def hdr(n, frm="Alice Example <alice@example.com>", to="Bob Example <bob@example.net>",
        cc="Carol <carol@example.org>", subject="Board meeting", ctype=None, cte=None,
        extra=""):
    h = trace(n)
    h += "From: %s\n" % frm
    h += "To: %s\n" % to
    if cc:
        h += "Cc: %s\n" % cc
    h += "Subject: %s\n" % subject
    h += "Date: Tue, 14 Nov 2023 22:13:%02d +0000\n" % (n % 60)
    h += "Message-ID: <orig-%d@example.com>\n" % n
    h += "Reply-To: Alice <alice@example.com>\n"
    h += "MIME-Version: 1.0\n"
    if ctype:
        h += "Content-Type: %s\n" % ctype
    if cte:
        h += "Content-Transfer-Encoding: %s\n" % cte
    return h + extra


def orig_plain(n):
    return hdr(n, ctype="text/plain; charset=us-ascii", cte="7bit") + "\n" + LOREM


def orig_qp(n):
    body = "Gr\u00fc\u00dfe aus K\u00f6ln, caf\u00e9 cr\u00e8me = 3\u20ac.\n" + LOREM + \
        "A long line " + "x" * 90 + "\n"
    return hdr(n, subject="=?iso-8859-1?q?Gr=FC=DFe_aus_K=F6ln?=",
               ctype="text/plain; charset=iso-8859-1", cte="quoted-printable") + "\n" + \
        qp(body.replace("\u20ac", "EUR"), "iso-8859-1")


def orig_b64(n):
    body = "\u041f\u0440\u0438\u0432\u0435\u0442, Bob.\n" + LOREM
    return hdr(n, subject="=?utf-8?b?0J/RgNC40LLQtdGC?=",
               ctype='text/plain; charset="utf-8"', cte="base64") + "\n" + \
        b64(body.encode("utf-8"))


def orig_8bit(n):
    body = "Gr\u00fc\u00dfe, na\u00efve r\u00e9sum\u00e9 \u2014 \u65e5\u672c\u8a9e.\n" + LOREM
    return hdr(n, frm="=?utf-8?q?Am=C3=A9lie_Dupr=C3=A9?= <amelie@example.com>",
               ctype="text/plain; charset=utf-8", cte="8bit") + "\n" + body


def orig_alt(n):
    html = ("<html><body><p>The board meets on <b>Thursday</b>.</p>"
            "<p>Caf\u00e9 at ten.</p></body></html>\n")
    body = ("This is a multi-part message in MIME format.\n\n"
            "--=_alt_%d\n"
            "Content-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: quoted-printable\n\n" % n +
            qp("Caf\u00e9 at ten. " + LOREM) +
            "\n--=_alt_%d\n"
            "Content-Type: text/html; charset=utf-8\n"
            "Content-Transfer-Encoding: quoted-printable\n\n" % n +
            qp(html) +
            "\n--=_alt_%d--\n" % n)
    return hdr(n, ctype='multipart/alternative; boundary="=_alt_%d"' % n) + "\n" + body


def orig_mixed(n):
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 3 + b"\n%%EOF\n"
    body = ("--mixed%d\n"
            "Content-Type: text/plain; charset=us-ascii\n\n" % n + LOREM +
            "\n--mixed%d\n"
            "Content-Type: application/pdf; name=\"budget.pdf\"\n"
            "Content-Disposition: attachment; filename=\"budget.pdf\"\n"
            "Content-Transfer-Encoding: base64\n\n" % n + b64(pdf) +
            "\n--mixed%d--\n" % n)
    return hdr(n, ctype="multipart/mixed; boundary=mixed%d" % n) + "\n" + body


def orig_names(n):
    return hdr(n, frm='"=?utf-8?b?SsO8cmdlbiBNw7xsbGVy?=" <jm@example.com>',
               to=("=?iso-8859-1?q?Bj=F6rn?= <bjorn@example.net>,\n"
                   " \"Dana, Office\" <dana@example.net>, eve@example.net"),
               cc="Frank <frank@example.org>,\n\tGrace <grace@example.org>",
               subject=("=?utf-8?q?Fwd=3A_Re=3A_Budget_f=C3=BCr?=\n"
                        " =?utf-8?q?_2024_=E2=80=93_final?="),
               ctype="text/plain; charset=utf-8", cte="7bit") + "\n" + LOREM


def orig_folded(n):
    return hdr(n, to="Bob <bob@example.net>,\n  Carl <carl@example.net>,\n\tDee <dee@example.net>",
               subject="A rather long subject line that a mailer folded\n over two lines",
               ctype="text/plain;\n charset=us-ascii", cte="7bit") + "\n" + LOREM


ORIGINALS = [
    # name, builder, signer, canonicalization, h= names, oversign, LF storage
    ("plain-rr", orig_plain, "ex-rsa", "relaxed/relaxed", FULL_H, False, False),
    ("plain-oversigned", orig_plain, "ex-rsa", "relaxed/relaxed", FULL_H, True, False),
    ("plain-ss-ed", orig_plain, "ex-ed", "simple/simple", FULL_H, False, False),
    ("qp-latin1-ss", orig_qp, "ex-rsa", "simple/simple", FULL_H, False, False),
    ("b64-utf8-rs-ed", orig_b64, "ex-ed", "relaxed/simple", FULL_H, True, False),
    ("8bit-utf8-rr", orig_8bit, "ex-rsa", "relaxed/relaxed", FULL_H, False, False),
    ("alt-html-rr", orig_alt, "ex-rsa", "relaxed/relaxed", FULL_H, False, False),
    ("alt-html-sr-over", orig_alt, "ex-ed", "simple/relaxed", FULL_H, True, False),
    ("mixed-attach-sr", orig_mixed, "ex-rsa", "simple/relaxed", FULL_H, False, False),
    ("names-2047-rr", orig_names, "ex-rsa", "relaxed/relaxed", FULL_H, False, False),
    ("folded-ss", orig_folded, "ex-rsa", "simple/simple", FULL_H, False, False),
    ("folded-rr-over", orig_folded, "ex-ed", "relaxed/relaxed", FULL_H, True, False),
    ("plain-lf-rr", orig_plain, "ex-rsa", "relaxed/relaxed", FULL_H, False, True),
    ("alt-lf-ss", orig_alt, "ex-ed", "simple/simple", FULL_H, False, True),
    ("no-cc-signed", orig_names, "ex-rsa", "relaxed/relaxed",
     [h for h in FULL_H if h != "cc"], False, False),
    ("no-ctype-signed", orig_alt, "ex-rsa", "relaxed/relaxed",
     [h for h in FULL_H if h not in ("content-type", "content-transfer-encoding")], False, False),
    ("from-only-over", orig_plain, "ex-ed", "relaxed/relaxed",
     ["from", "to", "subject", "date", "content-type", "content-transfer-encoding", "from"],
     False, False),
]


def read_key(name):
    with open(os.path.join(KEYS, name), "rb") as f:
        return f.read().strip() + (b"\n" if name.endswith(".pem") else b"")


def split(raw):
    """(header incl. its last line end, blank line, body) by the first blank line."""
    m = re.search(rb"\r?\n\r?\n", raw)
    if not m:
        return raw, b"", b""
    cut = m.start() + (2 if raw[m.start():m.start() + 1] == b"\r" else 1)
    return raw[:cut], raw[cut:m.end()], raw[m.end():]


def sign(msg, signer, canon, names, oversign=False, lf=False):
    """msg (CRLF bytes) with a dkimpy DKIM-Signature on top; LF line ends if lf."""
    domain, sel, keyfile, alg = SIGNERS[signer]
    inc = list(names)
    if oversign:
        present = [n.decode().lower() for n, _ in dkim.rfc822_parse(msg)[0]]
        inc += [n for n in names if n in present or n == "from"]
    hc, bc = canon.split("/")
    real_time = time.time
    time.time = lambda: T  # a fixed t=, for reproducible bytes
    try:
        sig = dkim.sign(msg, sel, domain, read_key(keyfile), signature_algorithm=alg,
                        canonicalize=(hc.encode(), bc.encode()),
                        include_headers=[x.encode() for x in inc])
    finally:
        time.time = real_time
    out = sig + msg
    return out.replace(b"\r\n", b"\n") if lf else out


def sign_with_dkimarc(dkimarc, msg, signer, names, canon="relaxed/relaxed"):
    """For hostile content dkimpy refuses to sign: dkimarc's own signer, exact h=."""
    domain, sel, keyfile, _ = SIGNERS[signer]
    p = subprocess.run([dkimarc, "sign", "--domain", domain.decode(), "--selector", sel.decode(),
                        "--key", os.path.join(KEYS, keyfile), "--canon", canon,
                        "--exact-headers", ":".join(names), "--timestamp", str(T), "-"],
                       input=msg, capture_output=True)
    if p.returncode != 0:
        return None
    return p.stdout


# ---- header field helpers ----------------------------------------------------

def fields(header):
    """Header fields as (start, end) byte ranges, each with its folding and line end,
    split the way RFC 5322 readers agree on for CRLF mail (a line starting with
    WSP continues the field)."""
    out = []
    for m in re.finditer(rb"[^\n]*\n|[^\n]+$", header):
        s, e = m.span()
        if header[s:s + 1] in (b" ", b"\t") and out:
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def fname(raw):
    i = raw.find(b":")
    return raw[:i].strip().lower() if i > 0 else b""


UNSIGNED = (b"received", b"x-mailer", b"list-id")
COMPARED = (b"from", b"to", b"cc", b"subject", b"date", b"content-type",
            b"content-transfer-encoding")

FORGED = {
    b"from": [b"From: CEO <ceo@example.com>", b"From: Carol <carol@evil.test>",
              b"From: =?utf-8?q?Alice_Example?= <alice@example.com.evil.test>"],
    b"to": [b"To: Victim <victim@example.org>", b"To: all-staff@example.com"],
    b"cc": [b"Cc: Leak <leak@evil.test>"],
    b"subject": [b"Subject: URGENT: wire transfer today", b"Subject: =?utf-8?q?Re=3A_Rechnung?="],
    b"date": [b"Date: Mon, 01 Jan 2024 09:00:00 +0000", b"Date: Fri, 13 Dec 2019 23:59:59 -0800"],
    b"content-type": [b"Content-Type: text/html; charset=utf-8",
                      b"Content-Type: text/plain; charset=utf-16",
                      b"Content-Type: multipart/mixed; boundary=x"],
    b"content-transfer-encoding": [b"Content-Transfer-Encoding: base64",
                                   b"Content-Transfer-Encoding: quoted-printable"],
}
FORGED_ANY = [x for v in FORGED.values() for x in v]
EOLS = [b"\r\n", b"\n", b"\r", b"\r\r\n"]
TOKENS = [b"\r", b"\n", b"\r\n", b":", b" ", b"\t", b"\x00", b"<", b">", b"(", b")", b"\\",
          b'"', b","]


class Msg:
    """A signed message being mutated, with helpers that find places in it."""

    def __init__(self, raw):
        self.raw = raw
        self.eol = b"\n" if b"\r\n" not in raw else b"\r\n"

    def parts(self):
        return split(self.raw)

    def field_list(self):
        h, _, _ = self.parts()
        return [(s, e, h[s:e]) for s, e in fields(h)]

    def pick_field(self, rng, names):
        fl = [f for f in self.field_list() if fname(f[2]) in names]
        return rng.choice(fl) if fl else None

    def pos(self, rng):
        """A byte position, biased to where the interesting bugs are."""
        h, blank, body = self.parts()
        r = rng.random()
        if r < 0.35:
            f = self.pick_field(rng, UNSIGNED)
            if f:
                return rng.randint(f[0], f[1])
        if r < 0.55:
            return rng.randint(0, len(h))
        if r < 0.70:
            b = len(h)
            return max(0, min(len(self.raw), b + rng.randint(-6, len(blank) + 4)))
        if r < 0.80:
            f = self.pick_field(rng, COMPARED)
            if f:
                return rng.randint(f[0], f[1])
        return rng.randint(len(h), len(self.raw))

    def line_start(self, rng, region="header"):
        """The start of a header field (or the end of the header)."""
        fl = self.field_list()
        starts = [s for s, _, _ in fl] + [fl[-1][1] if fl else 0]
        return rng.choice(starts)

    def insert(self, at, data):
        self.raw = self.raw[:at] + data + self.raw[at:]


def show(b, n=60):
    return repr(b[:n]) + ("..." if len(b) > n else "")


# ---- mutation classes -------------------------------------------------------

def m_bytes(m, rng):
    ops = []
    for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
        at = m.pos(rng)
        kind = rng.choice(["insert", "insert", "delete", "replace"])
        tok = rng.choice(TOKENS)
        if kind == "insert":
            m.insert(at, tok)
            ops.append("insert %r at %d" % (tok, at))
        elif at < len(m.raw):
            n = 2 if m.raw[at:at + 2] == b"\r\n" and rng.random() < 0.5 else 1
            old = m.raw[at:at + n]
            m.raw = m.raw[:at] + (tok if kind == "replace" else b"") + m.raw[at + n:]
            ops.append("%s %r at %d%s" % (kind, old, at, " by %r" % tok if kind == "replace" else ""))
    return "byte-" + ("mixed" if len(ops) > 1 else (ops[0].split()[0] if ops else "none")), ops


def forged_for(name, rng):
    return rng.choice(FORGED.get(name, FORGED_ANY))


def m_dup_above(m, rng):
    f = m.pick_field(rng, COMPARED + (b"message-id", b"reply-to", b"mime-version"))
    if not f:
        return "dup-above", []
    s, _, raw = f
    name = fname(raw)
    if name in FORGED:
        new = forged_for(name, rng) + m.eol
    else:
        new = raw.replace(b"example", b"evil", 1)
    at = s if rng.random() < 0.6 else m.line_start(rng)
    at = min(at, s)
    m.insert(at, new)
    return "dup-above", ["copy of %s changed to %s, at %d (field at %d)" % (name.decode(), show(new), at, s)]


def m_reorder(m, rng):
    fl = m.field_list()
    if len(fl) < 2:
        return "reorder", []
    h, blank, body = m.parts()
    lines = [h[s:e] for s, e in fields(h)]
    # line ends made uniform so that a moved last line still ends
    lines = [x if x.endswith(b"\n") else x + m.eol for x in lines]
    i, j = rng.sample(range(len(lines)), 2)
    if rng.random() < 0.5:
        lines[i], lines[j] = lines[j], lines[i]
        op = "swap fields %d and %d (%s, %s)" % (i, j, fname(lines[i]).decode(errors="replace"),
                                               fname(lines[j]).decode(errors="replace"))
    else:
        x = lines.pop(i)
        lines.insert(j, x)
        op = "move field %d (%s) to %d" % (i, fname(x).decode(errors="replace"), j)
    m.raw = b"".join(lines) + blank + body
    return "reorder", [op]


def m_forged_line(m, rng):
    ops = []
    for _ in range(rng.choice([1, 1, 2])):
        line = rng.choice(FORGED_ANY)
        eol = rng.choice(EOLS)
        pre = rng.choice([b"", b"", b"\r", b"\n", b"\r\n"])
        r = rng.random()
        at = m.line_start(rng) if r < 0.5 else m.pos(rng)
        m.insert(at, pre + line + eol)
        ops.append("insert %r at %d" % (pre + line + eol, at))
    return "forged-line", ops


def at_top_or_above(m, rng, name):
    """The top of the header, or right above the field name (signed instance)."""
    f = m.pick_field(rng, (name,))
    if f and rng.random() < 0.5:
        return f[0], "above the signed %s" % name.decode()
    return 0, "at the top"


def m_added_above(m, rng):
    name = rng.choice(COMPARED)
    new = forged_for(name, rng)
    at, where = at_top_or_above(m, rng, name)
    m.insert(at, new + m.eol)
    return "added-above", ["%s %s" % (show(new + m.eol), where)]


def m_bare_cr(m, rng):
    f = m.pick_field(rng, UNSIGNED)
    name = rng.choice(list(FORGED))
    forged = forged_for(name, rng)
    if f and rng.random() < 0.7:
        _, e, raw = f
        at = e - (2 if raw.endswith(b"\r\n") else 1)
        data = rng.choice([b"\r", b"\r\r", b"\r "]) + forged
        m.insert(at, data)
        return "bare-cr", ["%r inside %s" % (data, fname(raw).decode())]
    data = b"X-Note: hello\r" + forged + m.eol
    at = m.line_start(rng)
    m.insert(at, data)
    return "bare-cr", ["insert %r at %d" % (data, at)]


def m_crcrlf(m, rng):
    r = rng.random()
    if r < 0.4:  # forged fields, then CR CR LF, then the signed header as body
        data = forged_for(b"from", rng) + b"\r\n" + forged_for(b"subject", rng) + b"\r\n\r\r\n"
        at = 0
    elif r < 0.7:  # the line end of an unsigned field doubled with a CR
        f = m.pick_field(rng, UNSIGNED)
        if not f:
            return "crcrlf", []
        at = f[1] - (2 if f[2].endswith(b"\r\n") else 1)
        data = rng.choice([b"\r", b"\r\r\n", b"\r\n\r"])
    else:  # a CR CR LF line right after the unsigned fields
        at = m.line_start(rng)
        data = b"\r\r\n" + rng.choice([b"", forged_for(b"subject", rng) + b"\r\n"])
    m.insert(at, data)
    return "crcrlf", ["insert %r at %d" % (data, at)]


def m_colonless(m, rng):
    line = rng.choice([b"This line has no colon", b"From alice@example.com Tue Nov 14 2023",
                       b"X-Broken-Header", b"-- ", b">From evil"])
    pre = b""
    if rng.random() < 0.6:
        pre = forged_for(rng.choice([b"from", b"subject", b"to", b"date"]), rng) + m.eol
    at = 0 if pre else m.line_start(rng)
    data = pre + line + rng.choice([m.eol, b"\r\n", b"\n"])
    m.insert(at, data)
    return "colonless", ["insert %r at %d" % (data, at)]


def m_bad_name(m, rng):
    name = rng.choice([b"from", b"subject", b"to", b"date", b"cc", b"content-type"])
    v = forged_for(name, rng)
    n, val = v.split(b":", 1)
    trick = rng.choice([
        n + b" :" + val,           # WSP before the colon (obs-optional)
        n + b"\t:" + val,
        b"X\x01Bad: x" + m.eol + v,
        n[:2] + b" " + n[2:] + b":" + val,  # space inside the name
        b"\x80" + v,
        n + b"\x00:" + val,
        n.upper() + b":" + val,
        b":" + val,                 # an empty name
        n + b"::" + val,
    ])
    at, where = at_top_or_above(m, rng, name)
    m.insert(at, trick + m.eol)
    return "bad-name", ["%r %s" % (trick + m.eol, where)]


def m_leading_ws(m, rng):
    v = forged_for(rng.choice([b"from", b"subject", b"to"]), rng)
    r = rng.random()
    if r < 0.5:
        data = rng.choice([b" ", b"\t", b"  "]) + v + m.eol
        at = 0
    else:
        data = rng.choice([b" ", b"\t"]) + b"continued" + m.eol + v + m.eol
        at = 0
    m.insert(at, data)
    return "leading-ws", ["insert %r at %d" % (data, at)]


def m_mixed_eol(m, rng):
    h, blank, body = m.parts()
    r = rng.random()
    if r < 0.3:  # forged fields with LF ends above the CRLF header
        data = forged_for(b"from", rng) + b"\n" + forged_for(b"subject", rng) + b"\n"
        if m.eol == b"\n":
            data = data.replace(b"\n", b"\r\n")
        m.insert(0, data)
        return "mixed-eol", ["insert %r at 0" % data]
    if r < 0.6:  # a blank line of the other style, then forged body, inside the header
        f = m.pick_field(rng, UNSIGNED)
        at = f[1] if f else 0
        other = b"\n" if m.eol == b"\r\n" else b"\r\n"
        data = other + b"Forged body text" + other
        m.insert(at, data)
        return "mixed-eol", ["insert %r at %d" % (data, at)]
    # one field's line end switched to the other style
    fl = m.field_list()
    s, e, raw = rng.choice(fl)
    if raw.endswith(b"\r\n"):
        new = raw[:-2] + b"\n"
    else:
        new = raw[:-1] + b"\r\n"
    m.raw = m.raw[:s] + new + m.raw[e:]
    return "mixed-eol", ["line end of %s switched to %r" % (fname(raw).decode(errors="replace"),
                                                            new[-2:])]


def m_nul(m, rng):
    f = m.pick_field(rng, UNSIGNED)
    forged = forged_for(rng.choice([b"from", b"subject"]), rng)
    r = rng.random()
    if f and r < 0.5:
        at = f[1] - (2 if f[2].endswith(b"\r\n") else 1)
        data = rng.choice([b"\x00", b"\x00\r\n" + forged, b"\x00" + forged])
    else:
        at = m.line_start(rng)
        data = rng.choice([b"\x00" + forged + m.eol, b"X-Nul: a\x00b" + m.eol,
                           forged + b"\x00" + m.eol])
    m.insert(at, data)
    return "nul", ["insert %r at %d" % (data, at)]


RANDOM_CLASSES = [(m_bytes, 40), (m_dup_above, 8), (m_reorder, 6), (m_forged_line, 10),
                  (m_added_above, 8), (m_bare_cr, 5), (m_crcrlf, 5), (m_colonless, 4),
                  (m_bad_name, 5), (m_leading_ws, 3), (m_mixed_eol, 4), (m_nul, 2)]


# ---- signed hostile mail ------------------------------------------------------

FROM_TRICKS = [
    # (From value, why)
    (b"CEO <ceo@example.com> (\\) <x@evil.test>)", "escaped paren inside a comment"),
    (b"<ceo@example.com> <x@evil.test>", "two angle addresses"),
    (b"<x@evil.test> <ceo@example.com>", "two angle addresses, reversed"),
    (b"x@evil.test <ceo@example.com>", "addr-spec then angle address"),
    (b"ceo@example.com <x@evil.test>", "addr-spec then angle address (2)"),
    (b"x@evil.test (comment <ceo@example.com>)", "address in a comment"),
    (b"\"x@evil.test\" <ceo@example.com>", "quoted display name looks like an address"),
    (b"\"CEO \\\" <x@evil.test> \\\"\" <ceo@example.com>", "escaped quotes in the display name"),
    (b"CEO <ceo@example.com> \"<x@evil.test>\"", "quoted angle address after the address"),
    (b"ceo@example.com@evil.test", "two at-signs"),
    (b"ceo@example.com, x@evil.test", "two mailboxes"),
    (b"x@evil.test, ceo@example.com", "two mailboxes, reversed"),
    (b", ".join(b"u%d@evil.test" % i for i in range(8)) + b", ceo@example.com",
     "nine mailboxes, the ninth elsewhere"),
    (b", ".join(b"u%d@evil.test" % i for i in range(12)) + b", ceo@example.com",
     "thirteen mailboxes"),
    (b"Board: ceo@example.com;, x@evil.test", "a group then a mailbox"),
    (b"Board: x@evil.test, ceo@example.com;", "a group of two"),
    (b"ceo@example.com (<x@evil.test>", "unclosed comment"),
    (b"\"unterminated <x@evil.test> ceo@example.com", "unterminated quote"),
    (b"<@evil.test:ceo@example.com>", "obsolete source route"),
    (b"CEO <ceo@example.com\x00@evil.test>", "NUL in the address"),
    (b"ceo@[example.com]", "domain literal"),
    (b"CEO <ceo@example.com.>", "trailing dot"),
    (b"=?utf-8?q?ceo=40example=2Ecom?= <x@evil.test>", "encoded word looks like an address"),
    (b"CEO <ceo(x@evil.test)@example.com>", "comment inside the address"),
    (b"CEO <ceo@example.com>\r <x@evil.test>", "bare CR inside From"),
    (b"CEO <ceo@example.com>\n <x@evil.test>", "bare LF fold inside From"),
    (b"Mallory <x@evil.test>", "control: plain evil.test mailbox"),
    (b"\"ceo@example.com\" <x@evil.test>", "control: display name spoofing only"),
]

SMUGGLE = [
    # (extra signed field placed above From, why)
    (b"X-Note: hello\rFrom: CEO <ceo@example.com>", "bare CR before a forged From"),
    (b"X-Note: hello\nFrom: CEO <ceo@example.com>", "bare LF before a forged From"),
    (b"X-Note: hello\r\rFrom: CEO <ceo@example.com>", "CR CR before a forged From"),
    (b"Subject: hi\rFrom: CEO <ceo@example.com>", "bare CR inside the Subject"),
    (b"X-Note: a\r\r\nFrom: CEO <ceo@example.com>", "CR CR LF, then a forged From"),
]


def signed_hostile(dkimarc, rng):
    out = []
    base = crlf(orig_plain(90))
    h, blank, body = split(base)
    for i, (val, why) in enumerate(FROM_TRICKS):
        msg = re.sub(rb"(?m)^From: .*\r\n", lambda _: b"From: " + val + b"\r\n", h, count=1) + \
            blank + body
        for signer in ("evil-rsa", "ex-ed") if i % 2 == 0 else ("evil-ed", "ex-rsa"):
            s = None
            try:
                s = sign(msg, signer, "relaxed/relaxed", FULL_H, oversign=True)
            except Exception:
                s = sign_with_dkimarc(dkimarc, msg, signer, FULL_H + ["from"])
            if s:
                out.append(("from-trick", s, "From: %r (%s), signed by %s" % (val, why, signer)))
    evil = re.sub(rb"(?m)^From: .*\r\n", b"From: Mallory <x@evil.test>\r\n", h, count=1)
    for extra, why in SMUGGLE:
        msg = extra + b"\r\n" + evil + blank + body
        name = fname(extra).decode()
        names = FULL_H + [name, "from"]
        for signer in ("evil-rsa", "evil-ed"):
            try:
                s = sign(msg, signer, "relaxed/relaxed", names)
            except Exception:
                s = sign_with_dkimarc(dkimarc, msg, signer, names)
            if s:
                out.append(("signed-smuggle", s, "%r above From (%s), signed by %s"
                            % (extra, why, signer)))
    return out


def originals():
    out = []
    for n, (name, build, signer, canon, names, over, lf) in enumerate(ORIGINALS):
        msg = crlf(build(n + 1))
        out.append((name, sign(msg, signer, canon, names, over, lf)))
    return out


def generate(outdir, count, seed, dkimarc=None):
    """Writes originals, targeted and random mutants; returns the manifest."""
    rng = random.Random(seed)
    os.makedirs(outdir, exist_ok=True)
    manifest = []

    def put(mid, data, cls, orig, desc, signed_after=False):
        path = os.path.join(outdir, mid + ".eml")
        with open(path, "wb") as f:
            f.write(data)
        manifest.append({"id": mid, "path": path, "cls": cls, "orig": orig, "desc": desc,
                         "signed_after": signed_after})

    origs = originals()
    for name, raw in origs:
        put(name, raw, "original", None, "signed original")
    # Targeted classes: a fixed share of the count, every original in turn.
    targeted = [m_added_above, m_bare_cr, m_crcrlf, m_colonless, m_bad_name, m_leading_ws,
                m_mixed_eol, m_nul, m_dup_above]
    n = 0
    per = max(1, count // 4 // len(targeted))
    for fn in targeted:
        for k in range(per):
            oname, raw = origs[(k + n) % len(origs)]
            m = Msg(raw)
            cls, ops = fn(m, rng)
            if ops and m.raw != raw:
                put("m%05d" % n, m.raw, cls, oname, "; ".join(ops))
                n += 1
    total = sum(w for _, w in RANDOM_CLASSES)
    while n < count:
        oname, raw = origs[rng.randrange(len(origs))]
        m = Msg(raw)
        x = rng.uniform(0, total)
        for fn, w in RANDOM_CLASSES:
            x -= w
            if x <= 0:
                break
        cls, ops = fn(m, rng)
        if rng.random() < 0.15:  # a second, different mutation on top
            fn2 = rng.choice(RANDOM_CLASSES)[0]
            cls2, ops2 = fn2(m, rng)
            ops += ops2
            cls = cls if cls == cls2 else "combined"
        if ops and m.raw != raw:
            put("m%05d" % n, m.raw, cls, oname, "; ".join(ops))
            n += 1
    for i, (cls, data, desc) in enumerate(signed_hostile(dkimarc, rng)):
        put("s%04d" % i, data, cls, None, desc, signed_after=True)
    with open(os.path.join(outdir, "manifest.jsonl"), "w") as f:
        for e in manifest:
            f.write(json.dumps(e) + "\n")
    return manifest


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--count", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--dkimarc", help="the dkimarc CLI, to sign what dkimpy refuses")
    a = ap.parse_args()
    man = generate(a.outdir, a.count, a.seed, a.dkimarc)
    print("%d files in %s" % (len(man), a.outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
