#!/usr/bin/python3
"""Builds the adversarial vector cases in vectors/adversarial/.

    /usr/bin/python3 vectors/adversarial/make_cases.py            # rewrite the committed cases
    /usr/bin/python3 vectors/adversarial/make_cases.py --check    # compare, write nothing
    /usr/bin/python3 vectors/adversarial/make_cases.py --big DIR  # write the big cases to DIR

Each case is hostile input that a verifier must survive and must not call
authentic. Where a case needs a valid signature over hostile content, so
that only the verifier's own checks can stop it, the signature is made here
by a small signer written from RFC 6376 / RFC 8617 (canonicalization, header
selection, RSASSA-PKCS1-v1_5, Ed25519 through PyNaCl). That signer is
checked against dkimpy on well-formed input before anything is written.

Everything is deterministic: RSA keys come from seeded primes, Ed25519 keys
from fixed seeds, every signature has t=T0, so a rebuild gives the same
bytes. The big cases (10,000 header fields, a 1 MB field, 1,000 signatures)
are not committed; the tests build them at run time with --big.

Each case directory holds message.eml, dns.txt and expect.txt; the keys of
expect.txt are those of docs/vectors.md plus the ones in this directory's
README.md (dkim.N.flags, verdict, limit, arc, dkim.*).
"""

import base64
import hashlib
import os
import quopri
import random
import re
import sys

import dkim
import nacl.bindings
import nacl.signing

HERE = os.path.dirname(os.path.abspath(__file__))
T0 = 1700000000  # 2023-11-14T22:13:20Z
DATE = b"Tue, 14 Nov 2023 22:13:20 +0000"

# ---------------------------------------------------------------------------
# RSA keys from seeded primes, and DER
# ---------------------------------------------------------------------------

SMALL_PRIMES = [p for p in range(3, 2000) if all(p % q for q in range(2, int(p ** 0.5) + 1))]


def probable_prime(n, rng):
    if n < 2:
        return False
    for p in SMALL_PRIMES:
        if n % p == 0:
            return n == p
    d, r = n - 1, 0
    while d % 2 == 0:
        d //= 2
        r += 1
    for _ in range(40):
        a = rng.randrange(2, n - 1)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def prime(bits, rng, e=65537):
    while True:
        p = rng.getrandbits(bits) | (3 << (bits - 2)) | 1
        if (p - 1) % e != 0 and probable_prime(p, rng):
            return p


class RSAKey:
    def __init__(self, n, e, d):
        self.n, self.e, self.d = n, e, d
        self.k = (n.bit_length() + 7) // 8


def rsa_key(bits, seed):
    rng = random.Random(seed)
    e = 65537
    while True:
        p, q = prime(bits // 2, rng), prime(bits // 2, rng)
        n = p * q
        if p != q and n.bit_length() == bits:
            lam = (p - 1) * (q - 1) // gcd(p - 1, q - 1)
            return RSAKey(n, e, pow(e, -1, lam))


def gcd(a, b):
    while b:
        a, b = b, a % b
    return a


def der(tag, body):
    n = len(body)
    if n < 0x80:
        ln = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big")
        ln = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + ln + body


def der_int(x):
    return der(0x02, x.to_bytes(x.bit_length() // 8 + 1, "big"))


RSA_OID = der(0x06, bytes.fromhex("2a864886f70d010101")) + der(0x05, b"")


def spki(n, e):
    pkcs1 = der(0x30, der_int(n) + der_int(e))
    return der(0x30, der(0x30, RSA_OID) + der(0x03, b"\x00" + pkcs1))


def pkcs1_public(n, e):
    return der(0x30, der_int(n) + der_int(e))


def b64(b):
    return base64.b64encode(b)


DIGESTINFO = {
    "sha256": bytes.fromhex("3031300d060960864801650304020105000420"),
    "sha1": bytes.fromhex("3021300906052b0e03021a05000414"),
}


def rsa_sign(key, hname, digest):
    t = DIGESTINFO[hname] + digest
    em = b"\x00\x01" + b"\xff" * (key.k - len(t) - 3) + b"\x00" + t
    m = int.from_bytes(em, "big")
    s = pow(m, key.d, key.n)
    assert pow(s, key.e, key.n) == m, "signature does not verify under the key"
    return s.to_bytes(key.k, "big")


# ---------------------------------------------------------------------------
# Canonicalization and header selection (RFC 6376 §3.4, §5.4.2)
# ---------------------------------------------------------------------------

WSP = re.compile(rb"[ \t]+")


def canon_header(c, field):
    if c == "simple":
        return field
    name, sep, value = field.partition(b":")
    name = WSP.sub(b" ", name.replace(b"\r\n", b"")).strip(b" ").lower()
    value = WSP.sub(b" ", value.replace(b"\r\n", b"")).strip(b" ")
    return name + sep + value


def canon_body(c, body):
    lines = body.split(b"\r\n")
    if lines and lines[-1] == b"":
        lines.pop()  # the split after a final CRLF
    if c == "relaxed":
        lines = [WSP.sub(b" ", ln).rstrip(b" ") for ln in lines]
    while lines and lines[-1] == b"":
        lines.pop()
    if not lines:
        return b"" if c == "relaxed" else b"\r\n"
    return b"\r\n".join(lines) + b"\r\n"


def field_name(f):
    return f.split(b":", 1)[0].rstrip(b" \t").lower() if b":" in f else None


def select(fields, names):
    """The fields h= selects: for each name, the last one not yet used."""
    used, out = set(), []
    for name in names:
        for i in range(len(fields) - 1, -1, -1):
            if i not in used and field_name(fields[i]) == name.strip().lower():
                used.add(i)
                out.append(fields[i])
                break
    return out


def message(fields, body):
    return b"\r\n".join(fields) + b"\r\n\r\n" + body


# ---------------------------------------------------------------------------
# Signing a DKIM-Signature given as text with a b= placeholder
# ---------------------------------------------------------------------------

B_MARK = b"\x00B\x00"  # where b='s value goes in a signature template


class Ed25519Key:
    def __init__(self, seed):
        self.sk = nacl.signing.SigningKey(seed)
        self.pk = bytes(self.sk.verify_key)


def header_digest(fields, sig_template, h_names, hcanon, hname):
    data = b"".join(canon_header(hcanon, f) + b"\r\n" for f in select(fields, h_names))
    data += canon_header(hcanon, sig_template.replace(B_MARK, b""))
    return hashlib.new(hname, data).digest()


def sign_template(fields, template, h_names, key, alg="rsa-sha256", hcanon="relaxed",
                  b_format=None):
    """The DKIM-Signature field: template with b= filled in."""
    hname = alg.split("-")[1]
    digest = header_digest(fields, template, h_names, hcanon, hname)
    if isinstance(key, Ed25519Key):
        sig = key.sk.sign(digest).signature
    else:
        sig = rsa_sign(key, hname, digest)
    b = b64(sig)
    if b_format:
        b = b_format(b)
    return template.replace(B_MARK, b)


def tag_list(tags):
    return b"; ".join(k + b"=" + v for k, v in tags)


def dkim_template(tags):
    return b"DKIM-Signature: " + tag_list(tags)


def std_tags(body, d=b"example.com", s=b"adv", a=b"rsa-sha256", c=b"relaxed/relaxed",
             h=b"from:to:subject:date:message-id", t=T0, l=None, extra=()):
    bcanon = c.split(b"/")[1].decode() if b"/" in c else "simple"
    cb = canon_body(bcanon, body)
    if l is not None:
        cb = cb[:l]
    hname = a.split(b"-")[1].decode() if b"-" in a else "sha256"
    hname = hname if hname in ("sha1", "sha256") else "sha256"
    bh = b64(hashlib.new(hname, cb).digest())
    tags = [(b"v", b"1"), (b"a", a), (b"c", c), (b"d", d), (b"s", s)]
    if t is not None:
        tags.append((b"t", str(t).encode() if isinstance(t, int) else t))
    if l is not None:
        tags.append((b"l", str(l).encode()))
    tags += [(b"h", h), (b"bh", bh)] + list(extra) + [(b"b", B_MARK)]
    return tags


def signed(fields, body, key, tags, alg=None, hcanon=None, b_format=None, h_names=None):
    """fields with a DKIM-Signature on top, made from the tag list."""
    td = dict(tags)
    alg = alg or td[b"a"].decode().lower()
    if hcanon is None:
        hcanon = td.get(b"c", b"simple/simple").split(b"/")[0].decode().lower()
    if h_names is None:
        h_names = [x.strip() for x in td[b"h"].split(b":")]
    sig = sign_template(fields, dkim_template(tags), h_names, key, alg, hcanon, b_format)
    return [sig] + fields


# ---------------------------------------------------------------------------
# Keys, messages, key records
# ---------------------------------------------------------------------------

RSA2048 = rsa_key(2048, "dkimarc adversarial rsa2048")
RSA512 = rsa_key(512, "dkimarc adversarial rsa512")
ED = Ed25519Key(hashlib.sha256(b"dkimarc adversarial ed25519").digest())


def rsa_record(key, extra=b""):
    return b"v=DKIM1; k=rsa; " + extra + b"p=" + b64(spki(key.n, key.e))


def ed_record(pk, extra=b""):
    return b"v=DKIM1; k=ed25519; " + extra + b"p=" + b64(pk)


KEYNAME = "adv._domainkey.example.com"


def base_fields(case, frm=b"Alice <alice@example.com>"):
    return [
        b"From: " + frm,
        b"To: Bob <bob@example.net>",
        b"Subject: dkimarc adversarial case " + case.encode(),
        b"Date: " + DATE,
        b"Message-ID: <" + case.encode() + b"@example.com>",
    ]


BODY = (b"Hello Bob,\r\n\r\nThis message is one of dkimarc's adversarial test vectors.\r\n"
        b"It was made to be hostile; its keys are published with it.\r\n")


class Case:
    def __init__(self, name, msg, dns, sigs, comment, **extra):
        self.name, self.msg, self.dns, self.sigs = name, msg, dns, sigs
        self.comment, self.extra = comment, extra


def sig(d="example.com", s="adv", a="rsa-sha256", strict="permerror", why="", lenient=None,
        crypto="unknown", flags=None):
    return dict(d=d, s=s, a=a, strict=strict, why=why, lenient=lenient, crypto=crypto,
                flags=flags)


def expect_text(c):
    out = ["# " + line for line in c.comment.strip().splitlines()]
    out.append("kind=dkim-verify")
    out.append("dkim.count=%d" % c.extra.get("count", len(c.sigs)))
    if not c.sigs and "count" not in c.extra:
        out.append("dkim=none")
    for i, s in enumerate(c.sigs, 1):
        if s is None:
            continue
        p = "dkim.%d" % i
        if s["d"] is not None:
            out.append("%s.d=%s" % (p, s["d"]))
        out += ["%s.s=%s" % (p, s["s"]), "%s.a=%s" % (p, s["a"]), "%s.v=1" % p,
                "%s=%s" % (p, s["strict"]), "%s.why=%s" % (p, s["why"])]
        out.append("%s.lenient=%s" % (p, s["lenient"] or s["strict"]))
        out.append("%s.crypto=%s" % (p, s["crypto"]))
        if s["flags"]:
            out.append("%s.flags=%s" % (p, s["flags"]))
    for k in ("dkim.*", "verdict", "code", "reason_has", "unsigned", "problem", "flags", "limit",
              "arc"):
        if k in c.extra:
            out.append("%s=%s" % (k, c.extra[k]))
    return "\n".join(out) + "\n"


def dns_text(entries):
    out = ["# name\ttype\tdata  (made by make_cases.py; unlisted names = NXDOMAIN)"]
    for name, data in entries:
        if data in ("NXDOMAIN", "SERVFAIL", "TIMEOUT"):
            out.append("%s\t%s" % (name, data))
        else:
            out.append("%s\tTXT\t%s" % (name, data.decode("ascii")))
    return "\n".join(out) + "\n"


RSA_DNS = [(KEYNAME, rsa_record(RSA2048))]
ED_DNS = [(KEYNAME, ed_record(ED.pk))]
OK_FLAGS = None


# ---------------------------------------------------------------------------
# The cases
# ---------------------------------------------------------------------------

CASES = []


def case(fn):
    CASES.append(fn)
    return fn


def simple_case(name, comment, tags_fn, expect, key=RSA2048, dns=None, fields_fn=None,
                body=BODY, b_format=None, h_names=None, **extra):
    fields = fields_fn(name) if fields_fn else base_fields(name)
    tags = tags_fn(body)
    td = dict(tags)
    alg = td.get(b"a", b"rsa-sha256").decode().lower()
    if alg not in ("rsa-sha256", "rsa-sha1", "ed25519-sha256"):
        alg = "rsa-sha256"
    hc = td.get(b"c", b"relaxed/relaxed").split(b"/")[0].decode().lower()
    hc = hc if hc in ("simple", "relaxed") else "relaxed"
    fields = signed(fields, body, key, tags, alg=alg, hcanon=hc, b_format=b_format,
                    h_names=h_names)
    return Case(name, message(fields, body), dns if dns is not None else RSA_DNS, [expect],
                comment, **extra)


def replace_tag(tags, name, value):
    return [(k, value if k == name else v) for k, v in tags]


# ---- tag lists -------------------------------------------------------------


@case
def sig_duplicate_tag():
    return simple_case(
        "sig-duplicate-tag",
        "d= appears twice (same value); the signature is valid over those bytes.\n"
        "RFC 6376 3.2: a tag name MUST NOT occur twice; the tag list is invalid.",
        lambda body: std_tags(body, extra=[(b"d", b"example.com")]),
        sig(why="sig-syntax: duplicate tag d="))


@case
def sig_tag_without_equals():
    name = "sig-tag-without-equals"
    fields = base_fields(name)
    tags = std_tags(BODY)
    template = dkim_template(tags).replace(b"; b=", b"; zz; b=")
    sigf = sign_template(fields, template, [b"from", b"to", b"subject", b"date", b"message-id"],
                         RSA2048)
    return Case(name, message([sigf] + fields, BODY), RSA_DNS,
                [sig(why="sig-syntax: a tag-spec without '=' (RFC 6376 3.2)")],
                "A tag 'zz' with no '='; the signature is valid over those bytes.")


@case
def sig_empty_t():
    return simple_case(
        "sig-empty-t",
        "t= is present with an empty value; the signature is valid over those bytes.\n"
        "RFC 6376 3.5: t= is 1*12DIGIT, so an empty value is malformed.",
        lambda body: std_tags(body, t=b""),
        sig(why="sig-syntax: empty t="))


@case
def sig_empty_bh():
    return simple_case(
        "sig-empty-bh",
        "bh= is empty; the header signature is valid over those bytes.",
        lambda body: replace_tag(std_tags(body), b"bh", b""),
        sig(why="sig-syntax: empty bh="))


@case
def sig_empty_b():
    name = "sig-empty-b"
    fields = base_fields(name)
    sigf = dkim_template(std_tags(BODY)).replace(B_MARK, b"")
    return Case(name, message([sigf] + fields, BODY), RSA_DNS,
                [sig(why="sig-syntax: empty b=")], "b= is empty.")


# ---- l= -------------------------------------------------------------------


@case
def sig_l_larger_than_body():
    n = len(canon_body("relaxed", BODY))
    return simple_case(
        "sig-l-larger-than-body",
        "l= is 10 more than the canonical body; bh= is the hash of the whole body.\n"
        "The signature is valid over those bytes. A body shorter than l= means\n"
        "the body was not what was signed (RFC 6376 3.5, 6.1.1).",
        lambda body: replace_tag(std_tags(body, l=n), b"l", str(n + 10).encode()),
        sig(strict="permerror|fail", why="body-length-exceeds: l= beyond the body",
            crypto="ok"))


@case
def sig_l_negative():
    return simple_case(
        "sig-l-negative", "l=-1; the signature is valid over those bytes.",
        lambda body: std_tags(body, extra=[(b"l", b"-1")]),
        sig(why="sig-syntax: l= is 1*76DIGIT"))


@case
def sig_l_80_digits():
    return simple_case(
        "sig-l-80-digits", "l= has 80 digits (RFC 6376 allows 76); signature valid.",
        lambda body: std_tags(body, extra=[(b"l", b"1" + b"0" * 79)]),
        sig(why="sig-syntax: l= longer than 76 digits"))


@case
def sig_l_76_digits():
    return simple_case(
        "sig-l-76-digits",
        "l= has 76 nines: legal syntax, far beyond 2^64 and beyond the body.\n"
        "bh= is the hash of the whole body; the signature is valid over those bytes.",
        lambda body: std_tags(body, extra=[(b"l", b"9" * 76)]),
        sig(strict="permerror|fail", why="body-length-exceeds: l= beyond the body"))


@case
def sig_l_content_appended():
    n = len(canon_body("relaxed", BODY))
    name = "sig-l-content-appended"
    fields = signed(base_fields(name), BODY, RSA2048, std_tags(BODY, l=n))
    body = BODY + b"\r\nP.S. This paragraph was added after signing.\r\n"
    return Case(name, message(fields, body), RSA_DNS,
                [sig(strict="pass", why="ok: l= covers the signed part", crypto="ok",
                     flags="body_beyond_length")],
                "Signed with l= over the whole body, then a paragraph was appended.\n"
                "The signature verifies; the flag and the verdict must say so.",
                verdict="altered")


# ---- t= and x= -------------------------------------------------------------


@case
def sig_t_overflow():
    return simple_case(
        "sig-t-overflow", "t= is 2^64+1 (20 digits; RFC 6376 allows 12). Signature valid.",
        lambda body: std_tags(body, t=b"18446744073709551617"),
        sig(why="sig-syntax: t= longer than 12 digits"))


@case
def sig_x_overflow():
    return simple_case(
        "sig-x-overflow", "x= is 2^63 (19 digits; RFC 6376 allows 12). Signature valid.",
        lambda body: std_tags(body, extra=[(b"x", b"9223372036854775808")]),
        sig(why="sig-syntax: x= longer than 12 digits"))


@case
def sig_x_before_t():
    return simple_case(
        "sig-x-before-t", "x= is one second before t=. Signature valid over those bytes.",
        lambda body: std_tags(body, extra=[(b"x", str(T0 - 1).encode())]),
        sig(why="sig-x-not-after-t: RFC 6376 3.5"))


@case
def sig_x_equals_t():
    return simple_case(
        "sig-x-equals-t", "x= equals t=. RFC 6376 3.5: x= MUST be greater than t=.",
        lambda body: std_tags(body, extra=[(b"x", str(T0).encode())]),
        sig(why="sig-x-not-after-t: RFC 6376 3.5"))


@case
def sig_t_far_future():
    return simple_case(
        "sig-t-far-future",
        "t= is 999999999999 (year 33658), the largest 12-digit value. The signature\n"
        "verifies; the report must flag the timestamp.",
        lambda body: std_tags(body, t=999999999999),
        sig(strict="pass", why="ok", crypto="ok", flags="timestamp_future"))


# ---- b= and bh= --------------------------------------------------------------


def fold_b64(b):
    """Folding whitespace inside a base64 value: legal (RFC 6376 3.5)."""
    return b[:40] + b"\r\n\t " + b[40:100] + b"  " + b[100:200] + b"\r\n " + b[200:]


@case
def sig_b_folded():
    return simple_case(
        "sig-b-folded",
        "Control: b= holds folding whitespace, spaces and tabs. RFC 6376 3.5 allows\n"
        "FWS inside b=; the signature verifies.",
        lambda body: std_tags(body), sig(strict="pass", why="ok", crypto="ok"),
        b_format=fold_b64)


@case
def sig_b_bare_lf():
    name = "sig-b-bare-lf"
    fields = base_fields(name)
    fields = signed(fields, BODY, RSA2048, std_tags(BODY), b_format=lambda b: b[:50] + b"\n " + b[50:])
    fields = fields[1:] + fields[:1]  # below From, so the first line ends in CRLF
    return Case(name, message(fields, BODY), RSA_DNS, [sig(strict="pass", why="ok", crypto="ok")],
                "b= has a bare LF followed by a space inside; the message's other line ends\n"
                "are CRLF. dkimarc reads every bare LF as CRLF, in header and body alike\n"
                "(docs/verdicts.md): this is folding, and b= is not hashed, so the signature\n"
                "passes. But readers split a file that mixes line ends differently, so the\n"
                "message is altered (display_differs), flagged mixed_line_endings.",
                verdict="altered", flags="display_differs")


SMUGGLED = b"Please wire 10,000 EUR to account 12-34 today.\r\n"


@case
def mixed_line_ends_first_lf():
    name = "mixed-line-ends-first-lf"
    fields = signed(base_fields(name), BODY, RSA2048, std_tags(BODY))
    fields = [b"Received: from relay.example.net by mx.example.org"] + fields
    msg = message(fields, BODY).replace(b"\r\n", b"\n", 1)
    return Case(name, msg, RSA_DNS, [sig(strict="pass", why="ok", crypto="ok")],
                "The first line (an unsigned Received) ends in a bare LF, every other line\n"
                "in CRLF. dkimarc reads bare LF as CRLF: the signature passes. A file that\n"
                "mixes line ends is read differently by readers (GMime drops the byte before\n"
                "a bare LF that ends a MIME part), so the message is altered\n"
                "(display_differs), flagged mixed_line_endings.",
                verdict="altered", flags="display_differs")


@case
def mixed_line_ends_smuggled_body_lf():
    name = "mixed-line-ends-smuggled-body-lf"
    fields = signed(base_fields(name), b"", RSA2048, std_tags(b""))
    fields = [b"Received: from relay.example.net by mx.example.org"] + fields
    msg = message(fields, SMUGGLED).replace(b"\r\n", b"\n", 1)
    return Case(name, msg, RSA_DNS,
                [sig(strict="fail", why="bad-body-hash: the body was added", crypto="bad-body-hash")],
                "Signed with an empty body. Then the unsigned first line was made to end in\n"
                "a bare LF and a body was added after the CRLF blank line. Seen as all\n"
                "header (no blank line of the first line's kind), the body would be empty\n"
                "and match bh=: a false pass on a body that mail readers show.",
                verdict="altered")


@case
def mixed_line_ends_smuggled_body_crlf():
    name = "mixed-line-ends-smuggled-body-crlf"
    fields = signed(base_fields(name), b"", RSA2048, std_tags(b""))
    msg = b"\r\n".join(fields) + b"\r\n\n" + SMUGGLED
    return Case(name, msg, RSA_DNS,
                [sig(strict="fail", why="bad-body-hash: the body was added", crypto="bad-body-hash")],
                "Signed with an empty body; then a body was added after a blank line written\n"
                "as a bare LF (CRLF LF). Mail readers take it for the end of the header;\n"
                "seen as header, the body would be empty and match bh=: a false pass.",
                verdict="altered")


@case
def sig_b_junk():
    return simple_case(
        "sig-b-junk", "b= has '!' and '*' among its base64 characters.",
        lambda body: std_tags(body), sig(why="sig-syntax: b= not base64"),
        b_format=lambda b: b[:30] + b"!*" + b[32:])


@case
def sig_b_bad_padding():
    return simple_case(
        "sig-b-bad-padding", "b= lost one '=' of its padding (343 characters).",
        lambda body: std_tags(body), sig(why="sig-syntax: b= not base64"),
        b_format=lambda b: b[:-1])


@case
def sig_b_padding_inside():
    return simple_case(
        "sig-b-padding-inside", "b= has '=' in the middle of the value.",
        lambda body: std_tags(body), sig(why="sig-syntax: b= not base64"),
        b_format=lambda b: b[:100] + b"==" + b[102:])


@case
def sig_b_8kb():
    return simple_case(
        "sig-b-8kb",
        "b= decodes to 8 KiB (65,536 bits) while the key has 2,048 bits: the real\n"
        "signature followed by junk.",
        lambda body: std_tags(body), sig(strict="fail|permerror", why="bad-signature"),
        b_format=lambda b: b64(base64.b64decode(b) + bytes(range(256)) * 31))


@case
def sig_bh_whitespace():
    def tags(body):
        t = std_tags(body)
        bh = dict(t)[b"bh"]
        return replace_tag(t, b"bh", bh[:10] + b" \t" + bh[10:20] + b"\r\n " + bh[20:])
    return simple_case(
        "sig-bh-whitespace",
        "Control: bh= holds spaces, a tab and folding. Legal (RFC 6376 3.5).",
        tags, sig(strict="pass", why="ok", crypto="ok"))


@case
def sig_bh_junk():
    def tags(body):
        t = std_tags(body)
        return replace_tag(t, b"bh", dict(t)[b"bh"][:8] + b"$%" + dict(t)[b"bh"][10:])
    return simple_case("sig-bh-junk", "bh= has '$' and '%' inside.", tags,
                       sig(why="sig-syntax: bh= not base64"))


@case
def sig_bh_bad_padding():
    def tags(body):
        t = std_tags(body)
        return replace_tag(t, b"bh", dict(t)[b"bh"] + b"==")
    return simple_case("sig-bh-bad-padding", "bh= has two '=' too many.", tags,
                       sig(why="sig-syntax: bh= not base64"))


@case
def sig_bh_short():
    def tags(body):
        t = std_tags(body)
        return replace_tag(t, b"bh", b64(base64.b64decode(dict(t)[b"bh"])[:16]))
    return simple_case(
        "sig-bh-short", "bh= is valid base64 of the first 16 bytes of the body hash.", tags,
        sig(strict="fail|permerror", why="bad-body-hash"))


# ---- size of the signature -----------------------------------------------------


@case
def sig_over_8kb():
    z = b"|".join(b"X-Copied-%03d:=20value=20" % i + b"a" * 40 for i in range(120))
    return simple_case(
        "sig-over-8kb",
        "Control: a 9 KB signature (a long z= of copied header fields), valid. Size\n"
        "alone does not make a signature wrong; the run must stay bounded.",
        lambda body: std_tags(body, extra=[(b"z", z)]),
        sig(strict="pass", why="ok", crypto="ok"))


@case
def sig_h_300_names():
    names = [b"from"] + [b"x-h-%03d" % i for i in range(299)]
    return simple_case(
        "sig-h-300-names",
        "h= names 300 header fields (8 KB of h=). dkimarc caps h= at 256 names,\n"
        "because header selection costs names x fields (docs/limits.md).",
        lambda body: std_tags(body, h=b":".join(names)),
        sig(why="dkimarc-limit: h= over 256 names"))


# ---- NUL, UTF-8, CR ------------------------------------------------------------


@case
def nul_in_signature():
    return simple_case(
        "nul-in-signature", "A NUL byte inside d= (example.com NUL .evil.test).",
        lambda body: std_tags(body, d=b"example.com\x00.evil.test"),
        sig(d=None, why="sig-syntax: NUL in d="))


def nul_subject_fields(name):
    f = base_fields(name)
    f[2] = b"Subject: pay invoice 1001\x00 to account 12-34"
    return f


@case
def nul_in_subject_signed():
    return simple_case(
        "nul-in-subject-signed",
        "Control: a signed Subject with a NUL byte inside. The bytes were signed as\n"
        "they are, so the signature verifies.",
        lambda body: std_tags(body), sig(strict="pass", why="ok", crypto="ok"),
        fields_fn=nul_subject_fields)


@case
def nul_in_subject_altered():
    name = "nul-in-subject-altered"
    fields = signed(nul_subject_fields(name), BODY, RSA2048, std_tags(BODY))
    fields[3] = fields[3].replace(b"12-34", b"99-99")
    return Case(name, message(fields, BODY), RSA_DNS,
                [sig(strict="fail", why="bad-signature: Subject changed after the NUL",
                     crypto="bad-signature")],
                "Signed Subject with a NUL; the text after the NUL was changed after\n"
                "signing. A verifier that stops at the NUL would pass it.",
                verdict="altered")


@case
def nul_in_from_domain():
    return simple_case(
        "nul-in-from-domain",
        "From is <alice@example.com NUL .evil.test>, signed by example.com. The\n"
        "signature verifies, but the From domain is not example.com: the verdict\n"
        "must not claim alignment.",
        lambda body: std_tags(body), sig(strict="pass", why="ok", crypto="ok"),
        fields_fn=lambda n: base_fields(n, b"<alice@example.com\x00.evil.test>"),
        verdict="confirmed-third-party")


@case
def invalid_utf8_in_header():
    def fields(n):
        f = base_fields(n)
        f[2] = b"Subject: \xff\xfe overlong \xc0\xaf and lone \xed\xa0\x80 surrogate"
        f[0] = b"From: \xe2\x82 Alice \xff <alice@example.com>"
        return f
    return simple_case(
        "invalid-utf8-in-header",
        "Control: signed From display name and Subject hold invalid UTF-8. The bytes\n"
        "were signed as they are; the report (JSON) must still be valid UTF-8.",
        lambda body: std_tags(body), sig(strict="pass", why="ok", crypto="ok"),
        fields_fn=fields)


@case
def invalid_utf8_in_signature():
    return simple_case(
        "invalid-utf8-in-signature", "i= holds the bytes FF FE (not UTF-8, not ASCII).",
        lambda body: std_tags(body, extra=[(b"i", b"\xff\xfe@example.com")]),
        sig(why="sig-syntax: non-ASCII in a tag value"))


@case
def sig_i_not_quoted_printable():
    return simple_case(
        "sig-i-not-quoted-printable",
        "i=alice=-x@example.com: an '=' that does not begin a hex pair. The signature\n"
        "is valid over those bytes. RFC 6376 2.11 and 6.1.1: i= is dkim-quoted-printable,\n"
        "so the tag is malformed and the signature a permerror.",
        lambda body: std_tags(body, extra=[(b"i", b"alice=-x@example.com")]),
        sig(why="sig-syntax: i= is not dkim-quoted-printable", crypto="ok"))


@case
def sig_i_qp_control_char():
    return simple_case(
        "sig-i-qp-control-char",
        "i=alice=0D=0AX-Injected:=20yes@example.com decodes to a line break, which no\n"
        "address holds (RFC 5321 4.1.2) and which would break an Authentication-Results\n"
        "field that shows header.i. The signature is valid over those bytes.",
        lambda body: std_tags(body, extra=[(b"i", b"alice=0D=0AX-Injected:=20yes@example.com")]),
        sig(why="sig-syntax: i= decodes to a control character", crypto="ok"))


@case
def sig_i_qp_encoded():
    return simple_case(
        "sig-i-qp-encoded",
        "Control: i=alice=2Ebob@example.com is valid dkim-quoted-printable for\n"
        "alice.bob@example.com; the signature verifies and reports show i= decoded.",
        lambda body: std_tags(body, extra=[(b"i", b"alice=2Ebob@example.com")]),
        sig(strict="pass", why="ok", crypto="ok"))


@case
def invalid_utf8_in_from_domain():
    return simple_case(
        "invalid-utf8-in-from-domain",
        "From's domain is ex, the byte FF, ample.com; signed by example.com. The\n"
        "signature verifies; the report (JSON) must stay valid and not align.",
        lambda body: std_tags(body), sig(strict="pass", why="ok", crypto="ok"),
        fields_fn=lambda n: base_fields(n, b"<alice@ex\xffample.com>"),
        verdict="confirmed-third-party")


@case
def bare_cr_in_header():
    def fields(n):
        f = base_fields(n)
        f[2] = b"Subject: hello\rFrom: Mallory <mallory@evil.test>"
        return f
    return simple_case(
        "bare-cr-in-header",
        "A signed Subject holds a bare CR followed by 'From: ...'. For DKIM a bare\n"
        "CR does not end a line (RFC 5322) and the signature verifies; mail readers\n"
        "split there and show Subject 'hello' and a second From: what they show is\n"
        "not what was signed (display_differs).",
        lambda body: std_tags(body), sig(strict="pass", why="ok", crypto="ok"),
        fields_fn=fields, verdict="altered", flags="display_differs")


CR_BODY = b"Total due:\r 100 EUR\r\nPay to 12-34\r\r\n"


@case
def bare_cr_in_body_signed():
    return simple_case(
        "bare-cr-in-body-signed", "Control: bare CRs in a signed body (simple/simple).",
        lambda body: std_tags(body, c=b"simple/simple"),
        sig(strict="pass", why="ok", crypto="ok"), body=CR_BODY)


@case
def bare_cr_in_body_altered():
    name = "bare-cr-in-body-altered"
    fields = signed(base_fields(name), CR_BODY, RSA2048, std_tags(CR_BODY, c=b"relaxed/relaxed"))
    body = CR_BODY.replace(b"\r ", b"\r\n ", 1)
    return Case(name, message(fields, body), RSA_DNS,
                [sig(strict="fail", why="bad-body-hash: a bare CR became CRLF",
                     crypto="bad-body-hash")],
                "Body signed with a bare CR; after signing the bare CR became CRLF. A\n"
                "verifier that takes a bare CR for a line end would pass it.",
                verdict="altered")


# ---- header structure ------------------------------------------------------------


@case
def header_without_colon():
    def fields(n):
        f = base_fields(n)
        f[0] = b"From alice@example.com"
        return f
    return simple_case(
        "header-without-colon",
        "The From line has no colon, so the message has no From field; h= lists\n"
        "from, which then signs nothing. The signature verifies, but mail readers\n"
        "end the header at that line: altered, header_malformed.",
        lambda body: std_tags(body), sig(strict="pass", why="ok", crypto="ok"),
        fields_fn=fields, verdict="altered", flags="from_missing,header_malformed")


@case
def from_missing():
    return simple_case(
        "from-missing",
        "No From field; h= lists from anyway. The signature verifies; the report must\n"
        "flag the missing From (RFC 5322 requires one).",
        lambda body: std_tags(body), sig(strict="pass", why="ok", crypto="ok"),
        fields_fn=lambda n: base_fields(n)[1:], verdict="confirmed-third-party",
        flags="from_missing")


@case
def from_doubled_added():
    name = "from-doubled-added"
    fields = signed(base_fields(name), BODY, RSA2048, std_tags(BODY))
    fields.insert(1, b"From: Mallory <mallory@example.com>")
    return Case(name, message(fields, BODY), RSA_DNS,
                [sig(strict="pass", why="ok: the added From is not the signed one",
                     crypto="ok", flags="from_not_oversigned")],
                "A second From added on top after signing (From not oversigned). The\n"
                "signature verifies over the original From; the verdict must be altered.",
                verdict="altered", flags="multiple_from")


@case
def from_doubled_signed():
    def fields(n):
        f = base_fields(n)
        return [f[0], b"From: Mallory <mallory@example.com>"] + f[1:]
    return simple_case(
        "from-doubled-signed",
        "Two From fields, both signed (h=from:from). RFC 5322 allows one From; the\n"
        "signature verifies but the message must not be confirmed.",
        lambda body: std_tags(body, h=b"from:from:to:subject:date"),
        sig(strict="pass", why="ok", crypto="ok"),
        fields_fn=fields, verdict="altered", flags="multiple_from")


# ---- domains -------------------------------------------------------------------


@case
def d_trailing_dot():
    return simple_case(
        "d-trailing-dot", "d=example.com. (absolute form). RFC 6376 3.5: d= is a\n"
        "domain-name without the root dot. Signature valid over those bytes.",
        lambda body: std_tags(body, d=b"example.com."),
        sig(d="example.com.", why="sig-syntax: d= with a trailing dot"))


IDN_D = "b\u00fccher.example"
IDN_A = IDN_D.encode("idna")


@case
def d_idn_u_label():
    return simple_case(
        "d-idn-u-label",
        "d= is the U-label b\u00fccher.example in UTF-8. RFC 6376 3.5: internationalized\n"
        "domain names MUST be A-labels. Signature valid over those bytes.",
        lambda body: std_tags(body, d=IDN_D.encode("utf-8")),
        sig(d=None, why="sig-syntax: U-label in d="),
        fields_fn=lambda n: base_fields(n, ("<alice@%s>" % IDN_D).encode("utf-8")),
        dns=[("adv._domainkey." + IDN_A.decode(), rsa_record(RSA2048))])


@case
def d_idn_a_label():
    return simple_case(
        "d-idn-a-label",
        "Control: d= is the A-label %s, From (SMTPUTF8) the U-label. The signature\n"
        "verifies. Alignment would need IDNA mapping, which dkimarc does not do yet,\n"
        "so either verdict is acceptable." % IDN_A.decode(),
        lambda body: std_tags(body, d=IDN_A),
        sig(d=IDN_A.decode(), strict="pass", why="ok", crypto="ok"),
        fields_fn=lambda n: base_fields(n, ("<alice@%s>" % IDN_D).encode("utf-8")),
        dns=[("adv._domainkey." + IDN_A.decode(), rsa_record(RSA2048))],
        verdict="confirmed|confirmed-third-party")


HOMOGRAPH = "ex\u0430mple.com".encode("idna")  # Cyrillic a


@case
def d_idn_homograph():
    return simple_case(
        "d-idn-homograph",
        "Signed by %s (ex, CYRILLIC A, mple.com), From alice@example.com. The\n"
        "signature verifies, but it is not example.com's: never confirmed." %
        HOMOGRAPH.decode(),
        lambda body: std_tags(body, d=HOMOGRAPH),
        sig(d=HOMOGRAPH.decode(), strict="pass", why="ok", crypto="ok"),
        dns=[("adv._domainkey." + HOMOGRAPH.decode(), rsa_record(RSA2048))],
        verdict="confirmed-third-party")


# ---- upper case ----------------------------------------------------------------


@case
def uppercase_a():
    return simple_case(
        "uppercase-a", "a=RSA-SHA256. Tag values are case-sensitive (RFC 6376 3.2).",
        lambda body: std_tags(body, a=b"RSA-SHA256"),
        sig(a="RSA-SHA256", why="sig-algorithm: a= is case-sensitive"))


@case
def uppercase_c():
    return simple_case(
        "uppercase-c", "c=Relaxed/Relaxed. Tag values are case-sensitive.",
        lambda body: std_tags(body, c=b"Relaxed/Relaxed"),
        sig(why="sig-syntax: c= is case-sensitive"))


@case
def uppercase_d_s_h():
    return simple_case(
        "uppercase-d-s-h",
        "Control: d=EXAMPLE.COM, s=ADV, h=FROM:TO:SUBJECT. Domain names and header\n"
        "field names compare without case; the signature verifies.",
        lambda body: std_tags(body, d=b"EXAMPLE.COM", s=b"ADV", h=b"FROM:TO:SUBJECT:Date"),
        sig(d="example.com", s="adv", strict="pass", why="ok", crypto="ok"))


@case
def uppercase_key_k():
    return simple_case(
        "uppercase-key-k", "The key record says k=RSA. Tag values are case-sensitive.",
        lambda body: std_tags(body), sig(why="key-syntax: k=RSA"),
        dns=[(KEYNAME, b"v=DKIM1; k=RSA; p=" + b64(spki(RSA2048.n, RSA2048.e)))])


@case
def uppercase_key_v():
    return simple_case(
        "uppercase-key-v", "The key record says v=dkim1.",
        lambda body: std_tags(body), sig(why="key-syntax: v=dkim1"),
        dns=[(KEYNAME, b"v=dkim1; k=rsa; p=" + b64(spki(RSA2048.n, RSA2048.e)))])


# ---- key records -----------------------------------------------------------------


def key_case(name, comment, record, expect, key=RSA2048, a=b"rsa-sha256", body=BODY):
    return simple_case(name, comment, lambda b: std_tags(b, a=a), expect, key=key,
                       dns=[(KEYNAME, record)], body=body)


@case
def key_duplicate_tag():
    return key_case("key-duplicate-tag", "The key record has p= twice.",
                    rsa_record(RSA2048) + b"; p=" + b64(spki(RSA2048.n, RSA2048.e)),
                    sig(why="key-syntax: duplicate tag"))


@case
def key_tag_without_equals():
    return key_case("key-tag-without-equals", "The key record has a tag 'y' with no '='.",
                    b"v=DKIM1; k=rsa; y; p=" + b64(spki(RSA2048.n, RSA2048.e)),
                    sig(why="key-syntax: tag without ="))


@case
def key_empty_k():
    return key_case("key-empty-k", "The key record has k= with no value.",
                    b"v=DKIM1; k=; p=" + b64(spki(RSA2048.n, RSA2048.e)),
                    sig(why="key-syntax: empty k="))


@case
def key_p_not_base64():
    return key_case("key-p-not-base64", "p= is not base64 ('#' inside).",
                    b"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0B#QEFAAOCAQ8AMIIBCgKCAQEA",
                    sig(why="key-syntax: p= not base64"))


@case
def key_p_not_a_key():
    junk = hashlib.sha512(b"not a key").digest() * 4
    return key_case("key-p-not-a-key", "p= is valid base64 of 256 bytes that are no key.",
                    b"v=DKIM1; k=rsa; p=" + b64(junk), sig(why="key-syntax: p= not a key"))


@case
def key_p_private_key():
    n, e, d = RSA2048.n, RSA2048.e, RSA2048.d
    priv = der(0x30, der_int(0) + der_int(n) + der_int(e) + der_int(d))
    return key_case("key-p-private-key",
                    "p= holds a (truncated) PKCS#1 RSAPrivateKey, not a public key.",
                    b"v=DKIM1; k=rsa; p=" + b64(priv), sig(why="key-syntax: p= not a key"))


@case
def key_p_spki_trailing_junk():
    return key_case("key-p-spki-trailing-junk",
                    "p= is the right SPKI key followed by 4 junk bytes.",
                    b"v=DKIM1; k=rsa; p=" + b64(spki(RSA2048.n, RSA2048.e) + b"junk"),
                    sig(why="key-syntax: trailing bytes after the key"))


@case
def key_rsa_512():
    c = key_case("key-rsa-512",
                 "A valid signature with a 512-bit RSA key. RFC 8301 3.2: keys under\n"
                 "1024 bits MUST NOT be considered valid; they can be factored.",
                 rsa_record(RSA512),
                 sig(strict="fail|permerror|policy", why="rfc8301-key-too-small",
                     crypto="ok"), key=RSA512)
    c.extra["verdict"] = "weak"
    return c


def degenerate_rsa_key(kind):
    rng = random.Random("dkimarc adversarial degenerate " + kind)
    e = 65537
    if kind == "e1":
        n = RSA2048.n
        return RSAKey(n, 1, 1)
    # n = 2q: even, 2048 bits.
    while True:
        q = prime(2047, rng)
        n = 2 * q
        if n.bit_length() == 2048 and gcd(e, q - 1) == 1:
            return RSAKey(n, e, pow(e, -1, q - 1))


@case
def key_rsa_exponent_1():
    k = degenerate_rsa_key("e1")
    c = key_case(
        "key-rsa-exponent-1",
        "RSA key with public exponent 1: the 'signature' is the padded digest itself,\n"
        "which anyone can compute. The signature verifies arithmetically; dkimarc\n"
        "keeps the key to say so, and fails it (key_bad_exponent): weak.",
        rsa_record(k), sig(strict="fail", why="key-bad-exponent: exponent 1", crypto="ok"),
        key=k)
    c.extra["verdict"] = "weak"
    return c


@case
def key_rsa_even_modulus():
    k = degenerate_rsa_key("even")
    return key_case(
        "key-rsa-even-modulus",
        "RSA key whose modulus is 2q (even, trivially factored). The signature\n"
        "verifies arithmetically.",
        rsa_record(k), sig(why="key-syntax: even modulus", crypto="ok"), key=k)


def factorable_rsa_key(kind):
    """An RSA 'key' whose private key anyone can compute, its modulus being
    factored at sight: a 2048-bit prime n (d = e^-1 mod n-1), or n = p*q with
    p = 3 or 65521 (the largest prime below 2^16) and q a prime."""
    rng = random.Random("dkimarc adversarial factorable " + kind)
    e = 65537
    if kind == "prime":
        n = prime(2048, rng)
        return RSAKey(n, e, pow(e, -1, n - 1))
    p = {"3q": 3, "65521q": 65521}[kind]
    while True:
        q = prime(2048 - p.bit_length(), rng)
        n = p * q
        if n.bit_length() == 2048 and gcd(e, (p - 1) * (q - 1)) == 1:
            return RSAKey(n, e, pow(e, -1, (p - 1) * (q - 1)))


FACTORABLE = {
    "key-rsa-prime-modulus": ("prime", "a 2048-bit prime: anyone computes d = e^-1 mod n-1"),
    "key-rsa-modulus-3q": ("3q", "3 times a 2046-bit prime"),
    "key-rsa-modulus-65521q": ("65521q", "65521 (the largest prime below 2^16) times a prime"),
}


def factorable_case(name, body_after=None):
    kind, what = FACTORABLE[name if name in FACTORABLE else "key-rsa-prime-modulus"]
    k = factorable_rsa_key(kind)
    c = key_case(name,
                 "An RSA key whose modulus is %s. Anyone can compute its private key;\n"
                 "this signature was made with one computed so, and verifies arithmetically\n"
                 "(dkimpy accepts it: make_cases.py checks). It must never pass: dkimarc\n"
                 "refuses the key (key_small_factor) and the verdict is weak." % what,
                 rsa_record(k), sig(strict="fail", why="key-small-factor: " + kind,
                                    crypto="ok"), key=k)
    if body_after is not None:
        c.msg = c.msg[:c.msg.index(b"\r\n\r\n") + 4] + body_after
        c.comment = ("The message of key-rsa-prime-modulus with its body changed after\n"
                     "signing: the signature does not verify either, but the key is what\n"
                     "matters (anyone could have signed anything): key_small_factor, weak.")
        c.sigs[0]["crypto"] = "bad-body-hash"
    c.extra["verdict"] = "weak"
    return c


@case
def key_rsa_prime_modulus():
    return factorable_case("key-rsa-prime-modulus")


@case
def key_rsa_modulus_3q():
    return factorable_case("key-rsa-modulus-3q")


@case
def key_rsa_modulus_65521q():
    return factorable_case("key-rsa-modulus-65521q")


@case
def key_rsa_prime_modulus_altered():
    return factorable_case("key-rsa-prime-modulus-altered",
                           body_after=BODY + b"Added after signing.\r\n")


@case
def key_rsa_9000_bits():
    rng = random.Random("dkimarc adversarial 9000")
    n = rng.getrandbits(9000) | (1 << 8999) | 1
    return key_case(
        "key-rsa-9000-bits",
        "A 9,000-bit RSA modulus (dkimarc refuses keys over 8,192 bits: verifying\n"
        "them costs too much). The modulus is junk; it must not be used at all.",
        b"v=DKIM1; k=rsa; p=" + b64(spki(n, 65537)),
        sig(why="dkimarc-limit: key too large"))


@case
def key_h_sha1_sig_sha256():
    return key_case(
        "key-h-sha1-sig-sha256",
        "The key record allows only sha1 (h=sha1); the signature is rsa-sha256.",
        rsa_record(RSA2048, b"h=sha1; "), sig(why="key-h-mismatch: RFC 6376 3.6.1"))


@case
def key_h_sha256_sig_sha1():
    return key_case(
        "key-h-sha256-sig-sha1",
        "The key record allows only sha256; the signature is rsa-sha1.",
        rsa_record(RSA2048, b"h=sha256; "),
        sig(a="rsa-sha1", why="key-h-mismatch: RFC 6376 3.6.1"), a=b"rsa-sha1")


# ---- Ed25519 ---------------------------------------------------------------------

L = 2 ** 252 + 27742317777372353535851937790883648493


@case
def ed25519_s_not_reduced():
    name = "ed25519-s-not-reduced"

    def bump(b):
        raw = base64.b64decode(b)
        s = int.from_bytes(raw[32:], "little") + L
        assert s < 2 ** 256
        return b64(raw[:32] + s.to_bytes(32, "little"))
    fields = signed(base_fields(name), BODY, ED, std_tags(BODY, a=b"ed25519-sha256"),
                    b_format=bump)
    return Case(name, message(fields, BODY), ED_DNS,
                [sig(a="ed25519-sha256", strict="fail|permerror",
                     why="bad-signature: S >= L (RFC 8032 5.1.7)", crypto="bad-signature")],
                "A valid Ed25519 signature with L added to S. RFC 8032 5.1.7 requires\n"
                "S < L; otherwise signatures are malleable.")


@case
def ed25519_key_31_bytes():
    return key_case("ed25519-key-31-bytes", "An Ed25519 key record with 31 bytes in p=.",
                    ed_record(ED.pk[:31]), sig(a="ed25519-sha256", why="key-syntax"),
                    key=ED, a=b"ed25519-sha256")


@case
def ed25519_key_33_bytes():
    return key_case("ed25519-key-33-bytes", "An Ed25519 key record with 33 bytes in p=\n"
                    "(the right key and one more byte).",
                    ed_record(ED.pk + b"\x00"), sig(a="ed25519-sha256", why="key-syntax"),
                    key=ED, a=b"ed25519-sha256")


@case
def ed25519_key_spki():
    spk = bytes.fromhex("302a300506032b6570032100") + ED.pk
    return key_case("ed25519-key-spki",
                    "The Ed25519 key wrapped in SubjectPublicKeyInfo (44 bytes). RFC 8463\n"
                    "3: p= is the raw 32-byte key.",
                    ed_record(spk), sig(a="ed25519-sha256", why="key-syntax"),
                    key=ED, a=b"ed25519-sha256")


def small_order_case(name, point, comment, need_k_mod8):
    """'Signs' with R = identity and S = 0: valid when [k]A is the identity."""
    fields = base_fields(name)
    tags = std_tags(BODY, a=b"ed25519-sha256")
    sig_r = (1).to_bytes(32, "little")  # R = the identity point
    for counter in range(1000):
        f = list(fields)
        f[2] = fields[2] + b" #%d" % counter
        template = dkim_template(tags)
        h_names = [x for x in dict(tags)[b"h"].split(b":")]
        digest = header_digest(f, template, h_names, "relaxed", "sha256")
        k = int.from_bytes(hashlib.sha512(sig_r + point + digest).digest(), "little") % L
        if not need_k_mod8 or k % 8 == 0:
            break
    sigf = template.replace(B_MARK, b64(sig_r + bytes(32)))
    return Case(name, message([sigf] + f, BODY), [(KEYNAME, ed_record(point))],
                [sig(a="ed25519-sha256", why="key-syntax: small-order key", crypto="ok")],
                comment)


def small_order_encodings():
    """Every 32-byte encoding of an Ed25519 point whose order divides 8: the y of
    each such point (found by halving: [2]P of order 4 is (sqrt(-1), 0)), y + p
    where that still fits, and both sign bits. tests/unit/test_weak_keys.c lists
    the same y values."""
    p = 2 ** 255 - 19
    d = -121665 * pow(121666, -1, p) % p
    i = pow(2, (p - 1) // 4, p)  # sqrt(-1)
    ys = {1, p - 1, 0}
    # y of the order-8 points: [2]P has y = 0, so x^2 = -y^2 (doubling: y3 =
    # (y^2 + x^2) / (1 - d x^2 y^2)); on -x^2 + y^2 = 1 + d x^2 y^2 that gives
    # d y^4 + 2 y^2 - 1 = 0, a quadratic in y^2.
    a, b, c = d, 2, p - 1
    disc = (b * b - 4 * a * c) % p
    r = pow(disc, (p + 3) // 8, p)
    if (r * r - disc) % p:
        r = r * i % p
    for root in (r, p - r):
        y2 = (-b + root) * pow(2 * a, -1, p) % p
        y = pow(y2, (p + 3) // 8, p)
        if (y * y - y2) % p:
            y = y * i % p
        if (y * y - y2) % p == 0:
            ys |= {y, p - y}
    out = []
    for y in sorted(ys | {y + p for y in ys if y + p < 2 ** 255}):
        for sign in (0, 0x80):
            e = bytearray(y.to_bytes(32, "little"))
            e[31] |= sign
            out.append(bytes(e))
    return out


@case
def ed25519_identity_key():
    ident = (1).to_bytes(32, "little")
    assert not nacl.bindings.crypto_core_ed25519_is_valid_point(ident)
    return small_order_case(
        "ed25519-identity-key", ident,
        "The key is the identity point; the 'signature' is R = identity, S = 0.\n"
        "RFC 8032 verification accepts it for every message (OpenSSL does), so anyone\n"
        "can sign with this key. It must never pass.", False)


Y8 = bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05")


@case
def ed25519_order8_key():
    assert not nacl.bindings.crypto_core_ed25519_is_valid_point(Y8)
    return small_order_case(
        "ed25519-order8-key", Y8,
        "The key is a point of order 8; the 'signature' is R = identity, S = 0,\n"
        "for a message ground until the challenge is 0 mod 8. RFC 8032 verification\n"
        "accepts it (one message in 8 works), so anyone can sign. Never a pass.", True)


# ---- many ARC sets --------------------------------------------------------------


def arc_sets(fields, body, key, n, d=b"example.org", s=b"arc"):
    """n ARC sets (RFC 8617), each sealed over the ones before, newest on top."""
    sets = []  # (aar, ams, as) by instance
    cur = list(fields)
    for i in range(1, n + 1):
        aar = b"ARC-Authentication-Results: i=%d; mx%d.example.org; dkim=pass header.d=example.com" % (i, i)
        bh = b64(hashlib.sha256(canon_body("relaxed", body)).digest())
        h_names = [b"from", b"to", b"subject", b"date", b"message-id", b"dkim-signature"]
        ams_t = (b"ARC-Message-Signature: i=%d; a=rsa-sha256; c=relaxed/relaxed; d=%s; s=%s; "
                 b"t=%d; h=%s; bh=%s; b=" % (i, d, s, T0 + i, b":".join(h_names), bh)) + B_MARK
        ams = sign_template(cur, ams_t, h_names, key)
        cv = b"none" if i == 1 else b"pass"
        as_t = (b"ARC-Seal: i=%d; a=rsa-sha256; t=%d; cv=%s; d=%s; s=%s; b=" %
                (i, T0 + i, cv, d, s)) + B_MARK
        seal_input = b""
        for (a0, m0, s0) in sets:
            seal_input += b"".join(canon_header("relaxed", x) + b"\r\n" for x in (a0, m0, s0))
        seal_input += canon_header("relaxed", aar) + b"\r\n" + canon_header("relaxed", ams) + b"\r\n"
        seal_input += canon_header("relaxed", as_t.replace(B_MARK, b""))
        seal = as_t.replace(B_MARK, b64(rsa_sign(key, "sha256",
                                                 hashlib.sha256(seal_input).digest())))
        sets.append((aar, ams, seal))
        cur = [seal, ams, aar] + cur
    return cur


ARC_DNS = [("arc._domainkey.example.org", rsa_record(RSA2048))]


@case
def arc_60_sets():
    name = "arc-60-sets"
    fields = signed(base_fields(name), BODY, RSA2048, std_tags(BODY))
    return Case(name, message(arc_sets(fields, BODY, RSA2048, 60), BODY), RSA_DNS + ARC_DNS,
                [sig(strict="pass", why="ok: the DKIM signature itself is intact", crypto="ok")],
                "60 ARC sets, each properly sealed over the ones before, on top of a valid\n"
                "DKIM signature. RFC 8617 4.2.1 and 5.2: more than 50 sets is a chain\n"
                "fail. The DKIM signature verifies; the run must stay bounded.",
                arc="fail")


# ---- the diagnosis of a failing body (issue 14) -----------------------------------
# Bodies the diagnosis re-encodes as quoted-printable (8-bit text) or decodes (a
# quoted-printable body) on a copy, with lines long enough that nearly every byte is
# escaped: the encoder once wrote past the end of its buffer on such bodies. Each
# signature fails its body hash; the verdict is altered, whatever the diagnosis finds.

MIME_8BIT = [b"MIME-Version: 1.0", b"Content-Type: text/plain; charset=utf-8",
             b"Content-Transfer-Encoding: 8bit"]
LIST_FOOTER = (b"_______________________________________________\r\n"
               b"team mailing list -- team@lists.example.org\r\n"
               b"To unsubscribe send an email to team-leave@lists.example.org\r\n")
# Chinese: every character is three UTF-8 bytes, lines of 864 bytes (RFC 5322 allows 998).
ZH_BODY = (("你好，鲍勃！这是季度报告的中文摘要，请在周五之前审阅并回复意见。" * 9 + "\r\n") * 10
           ).encode("utf-8")
# Russian as typeset pages give it: words joined by no-break spaces (U+00A0, two bytes).
RU_BODY = ("\u00a0".join(["Квартальный\u00a0отчёт\u00a0по\u00a0всем\u00a0региональным\u00a0"
                       "подразделениям\u00a0подготовлен\u00a0и\u00a0согласован\u00a0с\u00a0"
                       "руководством."] * 5) + "\r\n").encode("utf-8") * 8
# Every byte from 0x80 to 0xFF, seven times a line: nothing in it is printable ASCII.
HIGH_BODY = (bytes(range(0x80, 0x100)) * 7 + b"\r\n") * 8


def qp(body):
    """Quoted-printable as Python's quopri writes it (76 columns), CRLF kept."""
    return quopri.encodestring(body.replace(b"\r\n", b"\n")).replace(b"\n", b"\r\n")


def diag_case(name, mime, signed_body, sent_body, why, comment):
    fields = signed(base_fields(name) + mime, signed_body, RSA2048, std_tags(signed_body))
    return Case(name, message(fields, sent_body), RSA_DNS,
                [sig(strict="fail", why="bad-body-hash: " + why, crypto="bad-body-hash")],
                comment, verdict="altered")


@case
def body_8bit_zh_footer():
    return diag_case(
        "body-8bit-zh-footer", MIME_8BIT, ZH_BODY, ZH_BODY + LIST_FOOTER,
        "a list footer was appended",
        "A Chinese text body sent 8bit, a mailing-list footer appended after signing.\n"
        "The diagnosis cuts the footer and re-encodes the 8-bit body as quoted-printable.")


@case
def body_8bit_ru_footer():
    return diag_case(
        "body-8bit-ru-footer", MIME_8BIT, RU_BODY, RU_BODY + LIST_FOOTER,
        "a list footer was appended",
        "A Russian text body sent 8bit (no-break spaces between words), a mailing-list\n"
        "footer appended after signing. The diagnosis cuts the footer and re-encodes the\n"
        "8-bit body as quoted-printable.")


@case
def body_qp_footer():
    mime = MIME_8BIT[:2] + [b"Content-Transfer-Encoding: quoted-printable"]
    return diag_case(
        "body-qp-footer", mime, qp(ZH_BODY), qp(ZH_BODY) + LIST_FOOTER,
        "a list footer was appended",
        "The Chinese body quoted-printable encoded (by Python's quopri), a mailing-list\n"
        "footer appended after signing. The diagnosis cuts the footer and decodes the\n"
        "body.")


@case
def body_8bit_all_high_bytes():
    return diag_case(
        "body-8bit-all-high-bytes", MIME_8BIT, qp(HIGH_BODY), HIGH_BODY,
        "signed quoted-printable, delivered decoded",
        "A body of bytes 0x80-0xFF only, signed quoted-printable encoded (by Python's\n"
        "quopri); a relay decoded it to 8bit and rewrote Content-Transfer-Encoding,\n"
        "which h= does not cover. Encoding it again (every byte escaped) gives the\n"
        "signed body: the diagnosis says so, the verdict stays altered.")

def arc_case(name, n, comment, arc, mutate=None):
    fields = signed(base_fields(name), BODY, RSA2048, std_tags(BODY))
    fields = arc_sets(fields, BODY, RSA2048, n)
    if mutate:
        fields = mutate(fields)
    return Case(name, message(fields, BODY), RSA_DNS + ARC_DNS,
                [sig(strict="pass", why="ok: the DKIM signature itself is intact", crypto="ok")],
                comment, arc=arc)


@case
def arc_8_sets():
    return arc_case(
        "arc-8-sets", 8,
        "Control: 8 ARC sets, each properly sealed, on a valid DKIM signature. dkimarc\n"
        "evaluates 8 sets by default (DKIMARC_LIMIT_ARC_SETS): the chain passes.",
        "pass")


@case
def arc_9_sets():
    return arc_case(
        "arc-9-sets", 9,
        "9 ARC sets, each properly sealed, on a valid DKIM signature. RFC 8617 allows\n"
        "50, but dkimarc evaluates 8 by default (DKIMARC_LIMIT_ARC_SETS; one message\n"
        "could otherwise make it fetch 100 keys): the chain is not evaluated, fail /\n"
        "limit_exceeded, and no ARC key is fetched. The DKIM verdict is unchanged.",
        "fail")


@case
def arc_50_sets_duplicate_aar():
    def dup(fields):
        aar1 = [f for f in fields if f.startswith(b"ARC-Authentication-Results: i=1;")]
        return [aar1[0].replace(b"mx1.example.org", b"mx1.example.net")] + fields
    return arc_case(
        "arc-50-sets-duplicate-aar", 50,
        "50 ARC sets, each properly sealed, and then a second AAR with i=1 on top. The\n"
        "chain fails on its structure (duplicate, RFC 8617 5.2), so dkimarc verifies\n"
        "none of its 100 signatures and fetches no ARC key. The DKIM verdict is\n"
        "unchanged.", "fail", mutate=dup)


# ---------------------------------------------------------------------------
# Big cases, built at test time (--big)
# ---------------------------------------------------------------------------


def big_10000_fields():
    name = "big-10000-header-fields"
    fields = base_fields(name) + [b"X-Filler-%05d: %s" % (i, b"v" * 20) for i in range(9995)]
    fields = signed(fields, BODY, RSA2048, std_tags(BODY))
    return Case(name, message(fields, BODY), RSA_DNS, [],
                "10,000 header fields (a valid signature among them). The default limit is\n"
                "2,000 fields: the message is not verified.",
                count=0, verdict="unverifiable", limit="header fields")


def big_1mb_field():
    name = "big-1mb-header-field"
    fields = base_fields(name)
    folded = b"\r\n ".join([b"w" * 70] * (1000000 // 73))
    fields.insert(3, b"X-Huge: " + folded)
    fields = signed(fields, BODY, RSA2048, std_tags(BODY))
    return Case(name, message(fields, BODY), RSA_DNS, [],
                "A 1 MB header field (folded lines) beside a valid signature. The default\n"
                "limit is 64 KiB per field: the message is not verified.",
                count=0, verdict="unverifiable", limit="bytes per header field")


def bogus_signatures(n, well_formed):
    rng = random.Random("dkimarc adversarial bogus %d %s" % (n, well_formed))
    out = []
    for i in range(n):
        b = b64(bytes(rng.getrandbits(8) for _ in range(256)))
        if well_formed:
            out.append(b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; "
                       b"s=bogus%04d; t=%d; h=from:to:subject; "
                       b"bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=%s" % (i, T0, b))
        else:
            out.append(b"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=junk%04d; "
                       b"h=from; bh=@@; b=%s" % (i, b))
    return out


def big_1000_signatures():
    name = "big-1000-signatures"
    fields = signed(base_fields(name), BODY, RSA2048, std_tags(BODY))
    fields = bogus_signatures(999, True) + fields
    return Case(name, message(fields, BODY), RSA_DNS, [None] * 999 + [
        sig(strict="policy", why="dkimarc-limit: not evaluated, beyond 16 signatures")],
        "999 well-formed signatures whose keys do not exist, then the genuine one at\n"
        "the bottom. Only 16 signatures are evaluated (docs/limits.md), so the genuine\n"
        "one is not: the message is unverifiable, never confirmed, and the run bounded.",
        **{"dkim.*": "permerror|policy", "verdict": "unverifiable"})


def big_1000_junk_signatures():
    name = "big-1000-junk-signatures"
    fields = signed(base_fields(name), BODY, RSA2048, std_tags(BODY))
    fields = bogus_signatures(999, False) + fields
    return Case(name, message(fields, BODY), RSA_DNS, [None] * 999 + [
        sig(strict="pass", why="ok: malformed signatures do not use up the limit",
            crypto="ok")],
        "Control: 999 malformed signatures, then the genuine one. Malformed ones do not\n"
        "count against the limit, so the genuine one is still verified.",
        **{"dkim.*": "permerror", "verdict": "confirmed"})


BIG = [big_10000_fields, big_1mb_field, big_1000_signatures, big_1000_junk_signatures]


# ---------------------------------------------------------------------------
# The 1 GiB message of tests/unit/test_stream.c: a signed header, committed;
# the body, STREAM_LINES copies of STREAM_LINE, made by the test as it streams.
# ---------------------------------------------------------------------------

STREAM_DIR = os.path.join(HERE, "..", "stream-1gib")
STREAM_LINE = b"Lorem  ipsum\tdolor sit amet, consectetur adipiscing elit \t \r\n"
STREAM_LINES = 2 ** 30 // len(STREAM_LINE) + 1


def stream_files():
    canon = canon_body("relaxed", STREAM_LINE)
    h = hashlib.sha256()
    block = canon * 16384
    n = STREAM_LINES
    while n >= 16384:
        h.update(block)
        n -= 16384
    h.update(canon * n)
    name = "stream-1gib"
    fields = base_fields(name)
    tags = std_tags(b"", extra=[])
    tags = replace_tag(tags, b"bh", b64(h.digest()))
    fields = signed(fields, None, RSA2048, tags)
    readme = (
        "# 1 GiB streaming case\n\n"
        "`header.eml` is a signed header (with its blank line); the body it signs is\n"
        "%d copies of the line `%s` (%d bytes each, %d in all), which\n"
        "`tests/unit/test_stream.c` generates as it streams. `make_cases.py` in\n"
        "`vectors/adversarial/` writes these files; the key is in `dns.txt`.\n"
        % (STREAM_LINES, STREAM_LINE.decode().replace("\t", "\\t").replace("\r\n", "\\r\\n"),
           len(STREAM_LINE), STREAM_LINES * len(STREAM_LINE)))
    return {"header.eml": b"\r\n".join(fields) + b"\r\n\r\n",
            "dns.txt": dns_text(RSA_DNS).encode(), "README.md": readme.encode()}


# ---------------------------------------------------------------------------
# Cross-check of the signer against dkimpy, then output
# ---------------------------------------------------------------------------


def dnsfunc_for(entries):
    table = {n.encode(): d for n, d in entries if isinstance(d, bytes)}

    def dnsfunc(name, timeout=5):
        return table.get(name.rstrip(b".").lower() if isinstance(name, bytes)
                         else name.rstrip(".").lower().encode())
    return dnsfunc


def self_check():
    """Our signer agrees with dkimpy on well-formed messages, both canonicalizations and
    both key types, and our ARC sets verify with dkimpy's ARC verifier."""
    for c in (b"relaxed/relaxed", b"simple/simple", b"relaxed/simple"):
        for key, a, dns in ((RSA2048, b"rsa-sha256", RSA_DNS), (ED, b"ed25519-sha256", ED_DNS)):
            f = base_fields("self-check")
            f[2] = b"Subject:   spaced \t out\r\n  and folded"
            body = b"line  with \t spaces  \r\n\r\n\r\n"
            m = message(signed(f, body, key, std_tags(body, a=a, c=c)), body)
            assert dkim.verify(m, dnsfunc=dnsfunc_for(dns)), "dkimpy rejects our %s %s" % (a, c)
    enc = small_order_encodings()
    assert len(enc) == 14 and Y8 in enc, "small-order encodings: %d" % len(enc)
    for e in enc:
        assert not nacl.bindings.crypto_core_ed25519_is_valid_point(e), e.hex()
    for name, (kind, _what) in FACTORABLE.items():
        # dkimpy, an independent verifier, accepts what anyone can sign.
        k = factorable_rsa_key(kind)
        m = message(signed(base_fields(name), BODY, k, std_tags(BODY)), BODY)
        dns = [(KEYNAME, rsa_record(k))]
        assert dkim.verify(m, dnsfunc=dnsfunc_for(dns)), "dkimpy rejects the %s key" % kind
        assert (kind == "prime") == probable_prime(k.n, random.Random(1))
    f = signed(base_fields("arc-check"), BODY, RSA2048, std_tags(BODY))
    m = message(arc_sets(f, BODY, RSA2048, 3), BODY)
    cv, _, why = dkim.arc_verify(m, dnsfunc=dnsfunc_for(RSA_DNS + ARC_DNS))
    assert cv == dkim.CV_Pass, "dkimpy's ARC verifier says %r: %s" % (cv, why)


def files_of(c):
    return {"message.eml": c.msg, "dns.txt": dns_text(c.dns).encode(),
            "expect.txt": expect_text(c).encode("utf-8")}


def write_case(root, c):
    d = os.path.join(root, c.name)
    os.makedirs(d, exist_ok=True)
    for fn, data in files_of(c).items():
        # Unchanged files are left alone; changed ones replaced whole (tests read them).
        p = os.path.join(d, fn)
        if os.path.exists(p) and open(p, "rb").read() == data:
            continue
        with open(p + ".tmp", "wb") as f:
            f.write(data)
        os.replace(p + ".tmp", p)


# ---- what a mail reader sees (issue 14) --------------------------------------------
#
# Each case is signed first, then changed the way an attacker would: the
# signature still verifies, and only dkimarc's reading of the header as mail
# readers split it (lib/view.c) stops a false "confirmed".

PASS = dict(strict="pass", why="ok", crypto="ok")
STD_H = b"from:to:subject:date:message-id"


def reader_case(name, comment, mutate, verdict, code, h=STD_H, fields_fn=None, body=BODY,
                **extra):
    fields = fields_fn(name) if fields_fn else base_fields(name)
    fields = signed(fields, body, RSA2048, std_tags(body, h=h))
    if verdict:
        extra.update(verdict=verdict, code=code)
    return Case(name, message(mutate(fields), body), RSA_DNS, [sig(**PASS)], comment, **extra)


def insert_at(i, *lines):
    return lambda f: f[:i] + list(lines) + f[i:]


@case
def header_bare_cr_smuggled_from():
    return reader_case(
        "header-bare-cr-smuggled-from",
        "An unsigned X-Score field carries bare CRs followed by a From and a Subject.\n"
        "DKIM sees one field; mail readers take each bare CR for a line end and show\n"
        "Carol's From and the forged Subject.",
        insert_at(1, b"X-Score: 0\rFrom: Carol <ceo@example.com>\rSubject: Wire 10,000 EUR today"),
        "altered", "header_malformed", flags="header_malformed", reason_has="bare CR")


@case
def header_crcrlf_ends_header():
    return reader_case(
        "header-crcrlf-ends-header",
        "An unsigned first field ends in CR CR LF: readers see an empty line there, end\n"
        "the header, and show the signed header and body as body text.",
        insert_at(0, b"X-Priority: 1\r"),
        "altered", "header_malformed", flags="header_malformed")


@case
def header_name_with_space():
    return reader_case(
        "header-name-with-space",
        "An unsigned line 'X Mailer: ...': a space is not allowed in a field name;\n"
        "readers end the header there.",
        insert_at(1, b"X Mailer: bulk"), "altered", "header_malformed",
        flags="header_malformed")


@case
def header_name_8bit():
    return reader_case(
        "header-name-8bit",
        "An unsigned field whose name has a byte outside RFC 5322 ftext (0xe4).",
        insert_at(1, b"X-M\xe4iler: bulk"), "altered", "header_malformed",
        flags="header_malformed")


@case
def header_space_before_colon():
    return reader_case(
        "header-space-before-colon",
        "An unsigned 'X-Mailer : ...' (white space before the colon, RFC 5322 obsolete\n"
        "syntax): Python's email package ends the header there.",
        insert_at(1, b"X-Mailer : bulk"), "altered", "header_malformed",
        flags="header_malformed")


@case
def header_first_line_wsp():
    return reader_case(
        "header-first-line-wsp",
        "The header's first line starts with white space: readers end the header at\n"
        "once and show everything as body (GMime makes no message of it). dkimarc\n"
        "does not take it for mail (not_mail) and verifies nothing; the library,\n"
        "given it anyway, says altered/header_malformed (tests/unit/test_view.c).",
        insert_at(0, b" Received: from relay.example.net"), None, None, problem="not_mail")


@case
def header_bare_cr_signed_folding():
    return reader_case(
        "header-bare-cr-signed-folding",
        "Control: a signed X-Note holds a bare CR followed by a space. Readers split\n"
        "there and read the rest as folding: the same field, the same text.",
        lambda f: f, "confirmed", "ok", h=STD_H + b":x-note",
        fields_fn=lambda n: base_fields(n) + [b"X-Note: part one\r part two"])


def added_above(field_line, what, fields_fn=None, h=STD_H):
    name = "added-%s-above" % what
    return reader_case(
        name,
        "An unsigned second %s field added at the top, above the signed one: DKIM\n"
        "verifies the bottom-most instance, readers show the topmost." % field_line.split(b":")[0].decode(),
        insert_at(0, field_line), "altered", "unsigned_field_added",
        fields_fn=fields_fn, h=h, flags="unsigned_field_added",
        reason_has=field_line.split(b":")[0].decode())


MIME_FIELDS = [b"MIME-Version: 1.0", b"Content-Type: text/plain; charset=utf-8",
               b"Content-Transfer-Encoding: 7bit", b"Reply-To: Alice <alice@example.com>",
               b"Cc: Carol <carol@example.net>"]
FULL_H = STD_H + b":mime-version:content-type:content-transfer-encoding:reply-to:cc"


def full_fields(n):
    return base_fields(n) + MIME_FIELDS


@case
def added_subject_above():
    return added_above(b"Subject: Wire 10,000 EUR to account 12-34 today", "subject")


@case
def added_to_above():
    return added_above(b"To: Everyone <all@example.org>", "to")


@case
def added_date_above():
    return added_above(b"Date: Fri, 01 Jan 2016 09:00:00 +0000", "date")


@case
def added_message_id_above():
    return added_above(b"Message-ID: <forged@example.com>", "message-id")


@case
def added_cc_above():
    return added_above(b"Cc: Mallory <mallory@evil.test>", "cc", full_fields, FULL_H)


@case
def added_reply_to_above():
    return added_above(b"Reply-To: Mallory <mallory@evil.test>", "reply-to", full_fields, FULL_H)


@case
def added_content_type_above():
    return added_above(b"Content-Type: text/html", "content-type", full_fields, FULL_H)


@case
def added_cte_above():
    return added_above(b"Content-Transfer-Encoding: base64", "cte", full_fields, FULL_H)


@case
def unsigned_subject_named():
    return reader_case(
        "unsigned-subject-named",
        "Control: h= leaves out Subject, present once. The verdict stays confirmed,\n"
        "but its reason names the field the signature does not cover.",
        lambda f: f, "confirmed", "ok", h=b"from:to:date:message-id",
        reason_has="not covered by the signature: Subject", unsigned="Subject")


def two_sigs(name, inner_key, inner_alg, change):
    """Signed over the usual fields (inner), then over From only (outer); then changed."""
    fields = base_fields(name)
    inner = std_tags(BODY, a=inner_alg.encode())
    fields = signed(fields, BODY, inner_key, inner, alg=inner_alg)
    outer = std_tags(BODY, h=b"from")
    fields = signed(fields, BODY, RSA2048, outer)
    return change(fields)


@case
def evidence_beats_weaker_pass():
    name = "evidence-beats-weaker-pass"
    fields = two_sigs(name, RSA2048, "rsa-sha256",
                      lambda f: [x if not x.startswith(b"Subject:") else
                                 b"Subject: Wire 10,000 EUR today" for x in f])
    return Case(name, message(fields, BODY), RSA_DNS,
                [sig(**PASS), sig(strict="fail", why="bad-signature: Subject changed",
                                  crypto="bad-signature")],
                "Two signatures by example.com: the top one over From only, the other over\n"
                "the usual fields. The Subject was changed: the top one still verifies; the\n"
                "other fails, and RSA recovery proves this key signed other header content.\n"
                "Evidence of alteration beats the weaker pass.",
                verdict="altered", code="signature_mismatch",
                reason_has="signature 1 by example.com|but signature 2 by example.com")


@case
def evidence_two_sigs_intact():
    name = "evidence-two-sigs-intact"
    fields = two_sigs(name, RSA2048, "rsa-sha256", lambda f: f)
    return Case(name, message(fields, BODY), RSA_DNS, [sig(**PASS), sig(**PASS)],
                "Control: the same two signatures, nothing changed. Together they cover\n"
                "every display field, so none is named as unsigned.",
                verdict="confirmed", code="ok", unsigned="")



# ---- From fields that read more than one way (issue 14 §5) -------------------------
#
# Signed by evil.test, whose key is published: the signature verifies, and only
# reading From as RFC 5322 and mail readers do keeps ceo@example.com from being
# "confirmed" for evil.test.

EVIL_DNS = RSA_DNS + [("adv._domainkey.evil.test", rsa_record(RSA2048))]


def from_case(name, frm, verdict, comment, d=b"evil.test", **extra):
    fields = base_fields(name, frm=frm)
    fields = signed(fields, BODY, RSA2048, std_tags(BODY, d=d))
    return Case(name, message(fields, BODY), EVIL_DNS,
                [sig(d=d.decode(), **PASS)], comment, verdict=verdict, code="ok", **extra)


@case
def from_quoted_paren_in_comment():
    return from_case(
        "from-quoted-paren-in-comment", b"CEO <ceo@example.com> (\\) <x@evil.test>)",
        "confirmed-third-party",
        "'\\)' is a quoted pair inside the comment (RFC 5322 3.2.2), so the comment\n"
        "runs to the last ')' and the one mailbox is ceo@example.com, as readers\n"
        "show. A scanner that ends the comment early finds <x@evil.test>.")


@case
def from_two_angle_addrs():
    return from_case(
        "from-two-angle-addrs", b"<ceo@example.com> <x@evil.test>", "confirmed-third-party",
        "Two angle-addrs in one mailbox: not RFC 5322. GMime shows both, Python the\n"
        "first. from_ambiguous: it aligns with nothing.", flags="from_ambiguous")


@case
def from_addr_spec_then_angle():
    return from_case(
        "from-addr-spec-then-angle", b"ceo@example.com <x@evil.test>", "confirmed-third-party",
        "An addr-spec followed by an angle-addr: Python shows ceo@example.com, GMime\n"
        "x@evil.test. from_ambiguous.", flags="from_ambiguous")


@case
def from_nine_mailboxes():
    frm = b", ".join(b"u%d@evil.test" % i for i in range(8)) + b", ceo@example.com"
    return from_case(
        "from-nine-mailboxes", frm, "confirmed-third-party",
        "Eight evil.test mailboxes, then ceo@example.com: every From mailbox must\n"
        "align, with no cap on how many are looked at.",
        reason_has="not the domain of every From mailbox (evil.test, example.com)")


@case
def from_group_name_address():
    return from_case(
        "from-group-name-address", b"ceo@example.com: x@evil.test;", "confirmed-third-party",
        "A group whose display name looks like an address: '@' is not allowed in a\n"
        "phrase. from_ambiguous.", flags="from_ambiguous")


@case
def from_nul_in_domain_two_ats():
    return from_case(
        "from-two-at-signs", b"ceo@example.com@evil.test", "confirmed-third-party",
        "Two '@': GMime shows ceo@example.com, Python an empty address.\n"
        "from_ambiguous.", flags="from_ambiguous")


@case
def from_plain_aligned():
    return from_case(
        "from-display-name-with-comma", b"\"Leroy, Alice (Paris)\" <alice@evil.test> (via list)",
        "confirmed",
        "Control: a quoted display name with a comma and parentheses, and a comment:\n"
        "one mailbox, alice@evil.test, aligned with d=evil.test.")


def main():
    args = sys.argv[1:]
    self_check()
    if args[:1] == ["--big"]:
        if len(args) != 2:
            print("usage: make_cases.py --big DIR")
            return 2
        for fn in BIG:
            write_case(args[1], fn())
        print("make_cases: %d big cases in %s" % (len(BIG), args[1]))
        return 0
    cases = [fn() for fn in CASES]
    names = [c.name for c in cases]
    assert len(set(names)) == len(names), "duplicate case names"
    stream = stream_files()
    if args[:1] == ["--check"]:
        bad = 0
        for fn, data in stream.items():
            p = os.path.join(STREAM_DIR, fn)
            if not os.path.exists(p) or open(p, "rb").read() != data:
                print("differs: stream-1gib/%s" % fn)
                bad += 1
        for c in cases:
            for fn, data in files_of(c).items():
                p = os.path.join(HERE, c.name, fn)
                if not os.path.exists(p) or open(p, "rb").read() != data:
                    print("differs: %s/%s" % (c.name, fn))
                    bad += 1
        print("make_cases --check: %d cases, %d files differ" % (len(cases), bad))
        return 1 if bad else 0
    for c in cases:
        write_case(HERE, c)
    os.makedirs(STREAM_DIR, exist_ok=True)
    for fn, data in stream.items():
        with open(os.path.join(STREAM_DIR, fn), "wb") as f:
            f.write(data)
    print("make_cases: wrote %d cases" % len(cases))
    return 0


if __name__ == "__main__":
    sys.exit(main())
