#!/usr/bin/python3
"""Builds the dkimpy-data vector cases from the files in upstream/.

The committed case directories are the truth; this script documents how they
were made and can rebuild them. Run it with Debian's python3-dkim (1.1.4)
and python3-nacl installed:

    /usr/bin/python3 vectors/dkimpy-data/make_cases.py          # rewrite cases
    /usr/bin/python3 vectors/dkimpy-data/make_cases.py --check  # only compare

Every signature made here uses the fixed timestamp T0 (and fixed x= where a
case needs one). RSA PKCS#1 v1.5 and Ed25519 signatures are deterministic, so
a rebuild gives the same bytes. --check rebuilds into memory, compares with
the committed files, and prints what dkimpy itself says about each case.

Each case directory gets:
    message.eml  the message (bytes as shipped upstream, or signed here)
    dns.txt      the key records, tab-separated: name TAB TXT TAB data
    expect.txt   key=value expectations (see vectors/external/LICENSES.md
                 and docs/vectors.md for the format)
"""

import base64
import contextlib
import os
import re
import sys
import time

import dkim
from dkim.canonicalization import CanonicalizationPolicy
from dkim.crypto import HASH_ALGORITHMS, parse_pem_private_key
import nacl.encoding
import nacl.signing

HERE = os.path.dirname(os.path.abspath(__file__))
UP = os.path.join(HERE, "upstream")

T0 = 1700000000  # 2023-11-14T22:13:20Z, t= of every signature made here


def up(name):
    with open(os.path.join(UP, name), "rb") as f:
        return f.read()


def up_txt(name):
    """A key record file from upstream/, as one TXT string."""
    return up(name).decode("ascii").strip()


def crlf(msg):
    """LF-only bytes -> CRLF (upstream test messages are stored with LF)."""
    return re.sub(rb"\r?\n", b"\r\n", msg)


@contextlib.contextmanager
def fixed_time(t):
    saved = time.time
    time.time = lambda: float(t)
    try:
        yield
    finally:
        time.time = saved


# Keys that dkimpy's tests define inline (test_dkim.py, test_dkim_ed25519.py).
KEY_512_PRIVATE = b"""\
-----BEGIN RSA PRIVATE KEY-----
MIIBOwIBAAJBANmBe10IgY+u7h3enWTukkqtUD5PR52Tb/mPfjC0QJTocVBq6Za/
PlzfV+Py92VaCak19F4WrbVTK5Gg5tW220MCAwEAAQJAYFUKsD+uMlcFu1D3YNaR
EGYGXjJ6w32jYGJ/P072M3yWOq2S1dvDthI3nRT8MFjZ1wHDAYHrSpfDNJ3v2fvZ
cQIhAPgRPmVYn+TGd59asiqG1SZqh+p+CRYHW7B8BsicG5t3AiEA4HYNOohlgWan
8tKgqLJgUdPFbaHZO1nDyBgvV8hvWZUCIQDDdCq6hYKuKeYUy8w3j7cgJq3ih922
2qNWwdJCfCWQbwIgTY0cBvQnNe0067WQIpj2pG7pkHZR6qqZ9SE+AjNTHX0CIQCI
Mgq55Y9MCq5wqzy141rnxrJxTwK9ABo3IAFMWEov3g==
-----END RSA PRIVATE KEY-----
"""
KEY_512_TXT = ("k=rsa; s=email;p=MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBANmBe10IgY+u7h3enWTukkqtUD5PR52T"
               "b/mPfjC0QJTocVBq6Za/PlzfV+Py92VaCak19F4WrbVTK5Gg5tW220MCAwEAAQ==")
# dnsfunc6 of test_dkim.py: the same 512-bit key with one character dropped.
KEY_512_CORRUPT_TXT = ("k=rsa; p=MFwwDQYJKoZIhvNAQEBBQADSwAwSAJBANmBe10IgY+u7h3enWTukkqtUD5PR52T"
                       "b/mPfjC0QJTocVBq6Za/PlzfV+Py92VaCak19F4WrbVTK5Gg5tW220MCAwEAAQ==")
KEY_GMAIL_TXT = ("k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA1Kd87/UeJjenpabgbFwh"
                 "+eBCsSTrqmwIYYvywlbhbqoo2DymndFkbjOVIPIldNs/m40KF+yzMn1skyoxcTUGCQ"
                 "s8g3FgD2Ap3ZB5DekAo5wMmk4wimDO+U8QzI3SD07y2+07wlNWwIt8svnxgdxGkVbb"
                 "hzY8i+RQ9DpSVpPbF7ykQxtKXkv/ahW3KjViiAH+ghvvIhkx4xYSIc9oSwVmAl5Oct"
                 "MEeWUwg8Istjqz8BZeTWbf41fbNhte7Y+YqZOwq1Sd0DbvYAD9NOZK9vlfuac0598H"
                 "Y+vtSBczUiKERHv1yRbcaQtZFh5wtiRrN04BLUTD21MycBX5jYchHjPY/wIDAQAB")
KEY_BRISBANE_TXT = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
KEY_ED_TEST_TXT = "v=DKIM1; k=ed25519; p=yi50DjK5O9pqbFpNHklsv9lqaS0ArSYu02qp1S0DW1Y="
KEY_ED_CANONICAL_TXT = "k=ed25519; p=yi50DjK5O9pqbFpNHklsv9lqaS0ArSYu02qp1S0DW1Y="
ED_CANONICAL_PRIVATE = b"fL+5V9EquCZAovKik3pA6Lk9zwCzoEtjIuIqK9ZXHHA="

# test_dkim.py test_dkim_signature_canonicalization: a header-only message.
CANONICAL_MSG = b"""\
From: mbp@canonical.com
To: scottk@example.com
Subject: this is my
    test message
""".replace(b"\n", b"\r\n")

HFROM_SPAM = b'From: "Resident Evil" <sales@spammer.com>'


# ----------------------------------------------------------------------------
# signing helpers

def sign(msg, selector, domain, key, alg=b"rsa-sha256", canon=(b"relaxed", b"simple"),
         include_headers=None, length=False, linesep=b"\r\n", t=T0):
    """dkimpy's own signer at a fixed t=; returns the DKIM-Signature field."""
    with fixed_time(t):
        d = dkim.DKIM(msg, signature_algorithm=alg, linesep=linesep)
        return d.sign(selector, domain, key, canonicalize=canon,
                      include_headers=include_headers, length=length)


def sign_custom(msg, fields, include_headers, key, alg=b"rsa-sha256",
                canon=(b"relaxed", b"simple"), linesep=b"\r\n"):
    """A signature with exactly the tags given (in order), through dkimpy's
    own header hashing, for cases dkimpy's signer refuses to make (From not
    signed, v=2, x= before t=). bh= and b= are filled in here."""
    d = dkim.DKIM(msg, signature_algorithm=alg, linesep=linesep)
    if alg == b"ed25519-sha256":
        pk = nacl.signing.SigningKey(key, encoder=nacl.encoding.Base64Encoder)
    else:
        pk = parse_pem_private_key(key)
    policy = CanonicalizationPolicy.from_c_value(b"/".join(canon))
    d.hasher = HASH_ALGORITHMS[alg]
    h = d.hasher()
    h.update(policy.canonicalize_body(d.body))
    fields = list(fields) + [(b"bh", base64.b64encode(h.digest())), (b"b", b"0" * 60)]
    include_headers = tuple(x.lower() for x in include_headers)
    return b"DKIM-Signature: " + d.gen_header(fields, include_headers, policy,
                                              b"DKIM-Signature", pk)


def split_header_body(msg):
    m = re.search(rb"\r?\n\r?\n", msg)
    return msg[:m.start()], m.group(0), msg[m.end():]


def add_header(msg, field, where):
    """Adds a header field (no line end) at the top or bottom of the header."""
    nl = b"\r\n" if b"\r\n" in msg else b"\n"
    head, sep, body = split_header_body(msg)
    if where == "top":
        head = field + nl + head
    else:
        head = head + nl + field
    return head + sep + body


# ----------------------------------------------------------------------------
# case description

class Sig:
    """Expectation for one signature, top first."""

    def __init__(self, strict, why="ok", lenient=None, lenient_why=None, crypto="ok",
                 source=None):
        self.strict = strict
        self.why = why
        self.lenient = lenient if lenient is not None else strict
        self.lenient_why = lenient_why if lenient_why is not None else (
            why if lenient is None else "ok")
        self.crypto = crypto
        self.source = source


PASS = Sig("pass")
PKCS1_WHY = ("key is a bare PKCS#1 RSAPublicKey, not SubjectPublicKeyInfo; RFC 6376 3.6.1 names "
             "RSAPublicKey but practice is SPKI; dkimpy and go-msgauth accept it, Mail::DKIM "
             "does not")
SHA1 = Sig("policy|fail|permerror", why="rfc8301-rsa-sha1", lenient="pass")
WEAK = Sig("fail|permerror|policy", why="rfc8301-key-too-small", lenient="pass")

CASES = []


def case(name, message, dns, sigs, test, comment=(), source_result=None):
    CASES.append(dict(name=name, message=message, dns=dns, sigs=sigs, test=test,
                      comment=list(comment), source_result=source_result))


def build_cases():
    test_msg = crlf(up("test.message"))
    key = up("test.private")
    tkey = "test._domainkey.example.com"
    ed_key = up("ed25519test.key")

    # --- messages exactly as dkimpy ships them --------------------------------
    case("rfc6376-signed", up("rfc6376.signed.msg"),
         {"brisbane._domainkey.football.example.com": KEY_BRISBANE_TXT,
          "test._domainkey.football.example.com": up_txt("test.txt")},
         [Sig("pass", source="True"), PASS],
         "test_dkim.py test_double_previous_verifies, test_dkim_ed25519.py "
         "test_rfc8032_previous_verifies (dnsfunc5; verify idx 0 only)",
         ["rfc6376.signed.msg as shipped (bare LF line ends): ed25519-sha256 and rsa-sha256,",
          "simple/simple, From/Subject/Date oversigned."])
    case("rfc6376-signed-rsa", up("rfc6376.signed.rsa.msg"),
         {"test._domainkey.football.example.com": up_txt("test.txt")},
         [PASS], "(no upstream test with this key; control for rfc6376-signed-rsa-corrupt-key)",
         ["rfc6376.signed.rsa.msg as shipped (bare LF) with the key it was signed with."])
    case("rfc6376-signed-rsa-corrupt-key", up("rfc6376.signed.rsa.msg"),
         {"test._domainkey.football.example.com": KEY_512_CORRUPT_TXT},
         [Sig("permerror", why="key-syntax: p= is not a valid public key (a character "
              "dropped from the 512-bit key)", crypto="unknown", source="False")],
         "test_dkim.py test_catch_bad_key (dnsfunc6)",
         ["rfc6376.signed.rsa.msg as shipped; the key record's p= is corrupt."])
    case("ed25519-exim-prototype", up("ed25519test2.msg"),
         {"sed._domainkey.test.ex": up_txt("eximtest.dns")},
         [Sig("pass", source="True")], "test_dkim_ed25519.py test_verify_third_party",
         ["ed25519test2.msg as shipped (CRLF); same bytes as external dkimpy/exim-ed25519-prototype."])
    case("gmail-degenerate-folding-lf", up("test2.message"),
         {"20120113._domainkey.gmail.com": KEY_GMAIL_TXT},
         [Sig("pass", source="True")], "test_dkim.py test_degenerate_folding",
         ["test2.message as shipped (bare LF); external dkimpy/gmail-degenerate-folding is",
          "the CRLF copy."])
    case("baddomain", up("test.message.baddomain"),
         {"test._domainkey.legitimate.com": up_txt("test.txt")},
         [Sig("permerror", why="sig-d-syntax: d=legitimate.com(.attacker.com is not a domain "
              "name (RFC 6376 3.5); the signature itself is correct for the listed key",
              source="False")],
         "test_dkim.py test_invalid_domain_verify (dnsfunc7)",
         ["test.message.baddomain as shipped (bare LF). Upstream's fake DNS serves the key",
          "at the literal name test._domainkey.legitimate.com(.attacker.com, which is not",
          "a host name and which dkimarc's archive loader rejects (the whole file fails).",
          "dns.txt therefore lists the key at test._domainkey.legitimate.com, where a",
          "verifier that strips '(...)' from d= like an RFC 5322 comment would find it."])
    case("mbox-kitterman-no-key", up("message.mbox"),
         {"2007-00._domainkey.kitterman.com": None},
         [Sig("permerror", why="no-key: NXDOMAIN (RFC 6376 6.1.2)", crypto="unknown")],
         "(message.mbox is only re-signed upstream, its own signature is never verified)",
         ["message.mbox as shipped (bare LF, a real 2011 message); its key is not available."])
    case("unsigned-test-message", up("test.message"), {}, [],
         "test_dkim.py test_verifies_nosig", ["test.message as shipped: no DKIM-Signature."],
         source_result="False")
    case("unsigned-w1258", up("rfc6376.w1258.msg"), {}, [],
         "test_dkim.py test_non_utf8 (verifies the unsigned message)",
         ["rfc6376.w1258.msg as shipped: 8-bit windows-1258 bytes in From and body, unsigned."],
         source_result="False")
    case("unsigned-no-from", up("test_nofrom.message"), {}, [],
         "test_dkim.py test_no_from_fails (the signer refuses)",
         ["test_nofrom.message as shipped: no From, no signature."])

    # --- test.message signed here, as dkimpy's tests do at run time ------------
    for hc in (b"simple", b"relaxed"):
        for bc in (b"simple", b"relaxed"):
            sig = sign(test_msg, b"test", b"example.com", key, canon=(hc, bc))
            case("rsa-%s-%s" % (hc.decode(), bc.decode()), sig + test_msg,
                 {tkey: up_txt("test.txt")}, [Sig("pass", source="True")],
                 "test_dkim.py test_verifies",
                 ["test.message (CRLF) signed rsa-sha256 %s/%s with test.private (1024 bits)."
                  % (hc.decode(), bc.decode())])
    lf_msg = up("test.message")
    sig = sign(lf_msg, b"test", b"example.com", key, canon=(b"relaxed", b"relaxed"),
               linesep=b"\n")
    case("rsa-lf-linesep", sig + lf_msg, {tkey: up_txt("test.txt")},
         [Sig("pass", source="True")], "test_dkim.py test_verifies_lflinesep",
         ["test.message signed with linesep=LF: the whole file has bare LF line ends."])
    sig = sign(test_msg, b"test", b"example.com", key)
    signed = sig + test_msg
    case("rsa-implicit-k", signed, {tkey: up_txt("test2.txt")}, [Sig("pass", source="True")],
         "test_dkim.py test_implicit_k (dnsfunc2)", ["Key record test2.txt has no k= tag."])
    case("rsa-key-bad-version", signed, {tkey: up_txt("badversion.txt")},
         [Sig("permerror", why="key-v-not-DKIM1: the record starts 'v=DKIM1: g=*', so v= is "
              "not DKIM1 and the record must be discarded (RFC 6376 3.6.1)",
              crypto="unknown", source="False")],
         "test_dkim.py test_bad_version (dnsfunc3)", ["Key record badversion.txt."])
    case("rsa-key-unknown-k", signed, {tkey: up_txt("badk.txt")},
         [Sig("permerror", why="key-k-unknown: k=ed25519-sha256 is not a key type; an "
              "rsa-sha256 signature has no usable key (RFC 6376 3.6.1, 6.1.2)",
              crypto="unknown", source="False")],
         "test_dkim.py test_unknown_k (dnsfunc4)", ["Key record badk.txt."])
    case("rsa-key-corrupt", signed, {tkey: up_txt("test_bad.txt")},
         [Sig("permerror", why="key-syntax: p= does not decode to an RSA public key",
              crypto="unknown")],
         "test_crypto.py test_parse_public_key (asserts test_bad.txt is unparsable)",
         ["Key record test_bad.txt (the end of the test.txt key altered)."])
    case("rsa-key-service-tlsrpt", signed, {tkey: up_txt("test_tlsrpt.txt")},
         [Sig("permerror", why="key-service: the key is for s=tlsrpt only, not email; the "
              "record must be ignored (RFC 6376 3.6.1)", crypto="ok", source="False")],
         "test_dkim_tlsrpt.py test_ignores_tlsrptsvc (dnsfunc6)",
         ["Key record test_tlsrpt.txt; the message is not a TLS report."])
    sig = sign(test_msg, b"test", b"example.com", key,
               include_headers=(b"from",) + dkim.DKIM.SHOULD)
    case("rsa-should-headers", sig + test_msg, {tkey: up_txt("test.txt")},
         [Sig("pass", source="True")], "test_dkim.py test_simple_signature",
         ["h= lists every header field RFC 6376 says SHOULD be signed, most of them absent."])
    sig = sign(test_msg, b"test", b"example.com", key, length=True)
    case("rsa-body-length", sig + test_msg, {tkey: up_txt("test.txt")},
         [Sig("pass", source="True")], "test_dkim.py test_add_body_length",
         ["l= equal to the whole canonical body."])
    case("rsa-body-length-appended", sig + test_msg + b"added more text\r\n",
         {tkey: up_txt("test.txt")},
         [Sig("pass", why="ok; l= covers the original body and RFC 6376 3.5 lets text follow "
              "it (dkimarc should flag body_beyond_length)", source="True")],
         "test_dkim.py test_l_verify", ["Signed with l=, then a line appended to the body."])
    sig = sign(test_msg, b"test", b"example.com", key)
    case("rsa-altered-body", sig + test_msg + b"foo", {tkey: up_txt("test.txt")},
         [Sig("fail", why="bad-body-hash", crypto="bad-body-hash", source="False")],
         "test_dkim.py test_altered_body_fails", ["'foo' appended to the signed body."])
    case("rsa-extra-header", add_header(sig + test_msg, b"X-Foo: bar", "bottom"),
         {tkey: up_txt("test.txt")}, [Sig("pass", source="True")],
         "test_dkim.py test_multiple_from_fails (first part)",
         ["An unsigned X-Foo field added at the bottom of the header."])
    case("rsa-extra-from-bottom", add_header(sig + test_msg, HFROM_SPAM, "bottom"),
         {tkey: up_txt("test.txt")},
         [Sig("fail", why="bad-signature: h= selects the added bottom From", crypto="bad-signature",
              source="False")],
         "test_dkim.py test_multiple_from_fails",
         ["A second From added at the bottom of the header. Upstream joins it with CRLF",
          "into an LF message; here the whole file is CRLF."])
    case("rsa-extra-from-top", add_header(sig + test_msg, HFROM_SPAM, "top"),
         {tkey: up_txt("test.txt")},
         [Sig("fail", why="bad-signature: From is oversigned (h= has from twice), so the added "
              "From is covered", crypto="bad-signature", source="False")],
         "test_dkim.py test_multiple_from_fails",
         ["A second From added at the top of the header; dkimpy's signer oversigns From."])
    sig1 = sign(test_msg, b"test", b"example.com", key,
                include_headers=[b"message-id", b"date", b"from", b"to", b"subject"])
    case("rsa-extra-from-top-not-oversigned", add_header(sig1 + test_msg, HFROM_SPAM, "top"),
         {tkey: up_txt("test.txt")},
         [Sig("pass|fail|permerror", why="departs from dkimpy: h= names from once, so it selects "
              "the bottom (original) From and the signature verifies under RFC 6376 5.4.2; "
              "dkimpy fails it by adding an extra from to h= (its bug 644046 fix). The message "
              "breaks RFC 5322 (two From); dkimarc should flag multiple_from whatever the result",
              source="False")],
         "derived from test_dkim.py test_multiple_from_fails",
         ["Signed without oversigning From, then a second From added at the top."])

    # --- signatures dkimpy's signer will not make --------------------------------
    base = [(b"v", b"1"), (b"a", b"rsa-sha256"), (b"c", b"relaxed/simple"), (b"d", b"example.com"),
            (b"i", b"@example.com"), (b"q", b"dns/txt"), (b"s", b"test"),
            (b"t", str(T0).encode())]
    std_h = [b"message-id", b"date", b"from", b"to", b"subject", b"from"]

    def with_tags(tags, **repl):
        out = []
        for k, v in tags:
            out.append((k, repl.get(k.decode(), v)))
        return out

    sig = sign_custom(test_msg, base + [(b"h", b" : ".join([b"message-id", b"date", b"to",
                                                              b"subject"]))],
                      [b"message-id", b"date", b"to", b"subject"], key)
    case("rsa-from-not-signed", sig + test_msg, {tkey: up_txt("test.txt")},
         [Sig("permerror", why="from-not-signed: h= lacks From (RFC 6376 5.4, 6.1.1); body "
              "hash and signature are otherwise correct")],
         "derived from test_dkim.py test_no_from_fails (dkimpy's signer refuses; its "
         "verifier does not check)",
         ["A correct signature whose h= does not include From."])
    sig = sign_custom(test_msg, with_tags(base, v=b"2") + [(b"h", b" : ".join(std_h))],
                      std_h, key)
    case("rsa-sig-v2", sig + test_msg, {tkey: up_txt("test.txt")},
         [Sig("permerror", why="sig-v-not-1: v=2 (RFC 6376 6.1.1 incompatible version)")],
         "derived from test_dkim.py test_validate_signature_fields (v=2 raises)",
         ["A correct signature except that it says v=2."])
    sig = sign_custom(test_msg, with_tags(base, t=str(T0 + 1000).encode())
                      + [(b"x", str(T0).encode()), (b"h", b" : ".join(std_h))], std_h, key)
    case("rsa-sig-x-before-t", sig + test_msg, {tkey: up_txt("test.txt")},
         [Sig("permerror|fail", why="sig-x-not-after-t: x= must be greater than t= (RFC 6376 "
              "3.5)", lenient="permerror|fail", lenient_why="sig-x-not-after-t")],
         "derived from test_dkim.py test_validate_signature_fields (x= less than t=)",
         ["A correct signature with t=T0+1000 and x=T0, both long past."])
    sig = sign_custom(test_msg, base + [(b"x", str(T0 + 86400).encode()),
                                        (b"h", b" : ".join(std_h))], std_h, key)
    case("rsa-sig-expired", sig + test_msg, {tkey: up_txt("test.txt")},
         [Sig("fail|permerror", why="sig-expired: x= is in the past (RFC 6376 6.1.1 lets the "
              "verifier PERMFAIL it); dkimarc's default passes it with the expired flag",
              lenient="pass")],
         "derived from test_dkim.py test_validate_signature_fields (expired x= raises)",
         ["A correct signature with x= one day after t=, long past."])
    sig = sign(test_msg, b"test", b"example.com", key, alg=b"rsa-sha1")
    case("rsa-sha1", sig + test_msg, {tkey: up_txt("test.txt")},
         [Sig(SHA1.strict, why=SHA1.why, lenient="pass")],
         "derived from test_crypto.py test_encode_sha1 (dkimpy verifies rsa-sha1)",
         ["test.message signed rsa-sha1, 1024-bit key."])

    # --- test_dkim_rsavariants.py -----------------------------------------------
    variants = [
        ("rsa1024-spki", b"test", "1024_testkey.key", "1024_testkey_wo_markers.pub.txt", True,
         "test_verifies_SubjectPublicKeyInfo1024"),
        ("rsa1024-pkcs1-key", b"test2", "1024_testkey.key",
         "1024_testkey_wo_markers.pub.rsa.txt", False, "test_verifies_RSAPublicKey1024"),
        ("rsa2048-spki", b"test3", "2048_testkey.key", "2048_testkey_wo_markers.pub.txt", True,
         "test_verifiesSubjectPublicKeyInfo2048"),
        ("rsa2048-pkcs1-key", b"test4", "2048_testkey.key",
         "2048_testkey_wo_markers.pub.rsa.txt", False, "test_verifiesRSAPublicKey2048"),
        ("rsa2048-pkcs8-private", b"test5", "2048_testkey_PKCS8.key",
         "2048_testkey_PKCS8.key.pub.txt", True, "test_verifies_RSAPublicKey2048PKCS8"),
    ]
    for name, sel, priv, pub, spki, test in variants:
        sig = sign(test_msg, sel, b"example.com", up(priv))
        exp = Sig("pass", source="True") if spki else \
            Sig("pass|permerror", why=PKCS1_WHY, source="True")
        case(name, sig + test_msg, {sel.decode() + "._domainkey.example.com": up_txt(pub)},
             [exp], "test_dkim_rsavariants.py " + test,
             ["test.message signed with %s; key record %s." % (priv, pub)])

    # --- test_dkim_signature_canonicalization: refolded b= ------------------------
    def refold_tab(sig):
        """What the upstream test does: fold again, then make the last fold a TAB."""
        folded = dkim.fold(sig)
        pos = folded.rindex(b"\r\n ")
        return folded[:pos] + b"\r\n\t" + folded[pos + 3:]

    for hc in (b"simple", b"relaxed"):
        sig = sign(CANONICAL_MSG, b"example", b"canonical.com", KEY_512_PRIVATE,
                   canon=(hc, b"relaxed"))
        case("rsa512-refolded-b-%s" % hc.decode(), refold_tab(sig) + CANONICAL_MSG,
             {"example._domainkey.canonical.com": KEY_512_TXT},
             [Sig(WEAK.strict, why=WEAK.why, lenient="pass", source="True")],
             "test_dkim.py test_dkim_signature_canonicalization (minkey=512)",
             ["Header-only message (no empty line, no body) signed %s/relaxed with the"
              % hc.decode(),
              "512-bit key; the signature is refolded inside b= with a TAB. dkimpy passes it",
              "only because the test lowers minkey to 512; RFC 8301 forbids such keys."])
        sig = sign(CANONICAL_MSG, b"test", b"canonical.com", key, canon=(hc, b"relaxed"))
        case("rsa-refolded-b-%s" % hc.decode(), refold_tab(sig) + CANONICAL_MSG,
             {"test._domainkey.canonical.com": up_txt("test.txt")},
             [Sig("pass")],
             "derived from test_dkim.py test_dkim_signature_canonicalization",
             ["As rsa512-refolded-b-%s but with the 1024-bit test key, so the FWS-in-b="
              % hc.decode(), "rule can be seen to pass."])
    sig = sign(CANONICAL_MSG, b"example", b"canonical.com", ED_CANONICAL_PRIVATE,
               alg=b"ed25519-sha256", canon=(b"simple", b"relaxed"))
    case("ed25519-refolded-b-simple", refold_tab(sig) + CANONICAL_MSG,
         {"example._domainkey.canonical.com": KEY_ED_CANONICAL_TXT},
         [Sig("pass", source="True")],
         "test_dkim_ed25519.py test_dkim_signature_canonicalization",
         ["Header-only message signed ed25519-sha256 simple/relaxed, b= refolded with a TAB."])

    # --- test_dkim_ed25519.py -------------------------------------------------------
    ed_msg = crlf(up("ed25519test.msg"))
    ekey = {"test._domainkey.example.net": KEY_ED_TEST_TXT}
    for hc, bc in ((b"simple", b"simple"), (b"relaxed", b"relaxed")):
        sig = sign(ed_msg, b"test", b"example.net", ed_key, alg=b"ed25519-sha256",
                   canon=(hc, bc))
        case("ed25519-%s-%s" % (hc.decode(), bc.decode()), sig + ed_msg, ekey,
             [Sig("pass", source="True")], "test_dkim_ed25519.py test_verifies",
             ["ed25519test.msg (CRLF) signed ed25519-sha256 %s/%s with ed25519test.key."
              % (hc.decode(), bc.decode())])
    sig = sign(ed_msg, b"test", b"example.net", ed_key, alg=b"ed25519-sha256", length=True)
    case("ed25519-body-length", sig + ed_msg, ekey, [Sig("pass", source="True")],
         "test_dkim_ed25519.py test_add_body_length", ["ed25519 with l= over the whole body."])
    sig = sign(ed_msg, b"test", b"example.net", ed_key, alg=b"ed25519-sha256")
    case("ed25519-altered-body", sig + ed_msg + b"foo", ekey,
         [Sig("fail", why="bad-body-hash", crypto="bad-body-hash", source="False")],
         "test_dkim_ed25519.py test_altered_body_fails", ["'foo' appended to the signed body."])
    r_msg = crlf(up("rfc6376.msg"))
    sig = sign(r_msg, b"brisbane", b"football.example.com", up("rfc8032_7_1.key"),
               alg=b"ed25519-sha256", canon=(b"relaxed", b"relaxed"))
    case("ed25519-rfc8032-key", sig + r_msg,
         {"brisbane._domainkey.football.example.com": KEY_BRISBANE_TXT},
         [Sig("pass", source="True")], "test_dkim_ed25519.py test_rfc8032_verifies",
         ["rfc6376.msg (CRLF) signed ed25519-sha256 relaxed/relaxed with the RFC 8032 7.1 key."])

    # --- test_extra_headers: message.mbox re-signed over every field ----------------
    mbox = up("message.mbox")
    d = dkim.DKIM(mbox, linesep=b"\n")
    d.should_not_sign.remove(b"received")
    with fixed_time(T0):
        sig = d.sign(b"test", b"example.com", key, include_headers=d.all_sign_headers(),
                     canonicalize=(b"relaxed", b"simple"))
    case("mbox-resigned-all-headers", sig + mbox,
         {tkey: up_txt("test.txt"), "2007-00._domainkey.kitterman.com": None},
         [Sig("pass", source="True"),
          Sig("permerror", why="no-key: NXDOMAIN (RFC 6376 6.1.2)", crypto="unknown")],
         "test_dkim.py test_extra_headers (verifies idx 0 only)",
         ["message.mbox (bare LF, signed with linesep=LF) re-signed over all its fields",
          "including five Received; the original kitterman.com signature stays below."])


# ----------------------------------------------------------------------------
# output

def sig_tags(msg):
    """(d, s, a, v) of each DKIM-Signature, top first (tags unfolded)."""
    head = split_header_body(msg)[0] if re.search(rb"\r?\n\r?\n", msg) else msg
    fields = re.split(rb"\r?\n(?![ \t])", head)
    out = []
    for f in fields:
        name, _, val = f.partition(b":")
        if name.strip().lower() != b"dkim-signature":
            continue
        tags = {}
        for part in val.split(b";"):
            k, eq, v = part.partition(b"=")
            if eq:
                tags[re.sub(rb"\s+", b"", k).decode()] = re.sub(rb"\s+", b"", v).decode(
                    "latin-1")
        out.append(tags)
    return out


def render(c):
    msg = c["message"]
    dns = ["# name\ttype\tdata  (TXT data = concatenation of the character-strings; "
           "unlisted names = NXDOMAIN)"]
    for name, txt in c["dns"].items():
        dns.append("%s\t%s" % (name.lower(), "NXDOMAIN" if txt is None else "TXT\t" + txt))
    exp = ["# " + line for line in c["comment"]]
    exp.append("kind=dkim-verify")
    tags = sig_tags(msg)
    if len(tags) != len(c["sigs"]):
        raise SystemExit("%s: %d signatures in message, %d expected"
                         % (c["name"], len(tags), len(c["sigs"])))
    if not tags:
        exp.append("dkim.count=0")
        exp.append("dkim=none")
    else:
        exp.append("dkim.count=%d" % len(tags))
        for i, t in enumerate(tags, 1):
            for k in "dsav":
                if k in t:
                    exp.append("dkim.%d.%s=%s" % (i, k, t[k]))
        for i, s in enumerate(c["sigs"], 1):
            exp.append("dkim.%d=%s" % (i, s.strict))
            exp.append("dkim.%d.why=%s" % (i, s.why))
            exp.append("dkim.%d.lenient=%s" % (i, s.lenient))
            exp.append("dkim.%d.lenient.why=%s" % (i, s.lenient_why))
            exp.append("dkim.%d.crypto=%s" % (i, s.crypto))
    exp.append("source.test=dkimpy 1.1.4: " +
               re.sub(r"\b(test_\w+\.py)", r"dkim/tests/\1", c["test"]))
    for i, s in enumerate(c["sigs"], 1):
        if s.source:
            exp.append("source.dkim.%d=%s" % (i, s.source))
    if c["source_result"]:
        exp.append("source.result=%s" % c["source_result"])
    return {"message.eml": msg, "dns.txt": ("\n".join(dns) + "\n").encode(),
            "expect.txt": ("\n".join(exp) + "\n").encode()}


def dkimpy_view(c):
    """What dkimpy 1.1.4 says about each signature (minkey 512), for --check."""
    def dnsfunc(name, timeout=5):
        n = name.decode("ascii", "replace").rstrip(".").lower()
        txt = c["dns"].get(n)
        return txt.encode() if txt else None
    out = []
    n = len(c["sigs"])
    for i in range(n):
        try:
            d = dkim.DKIM(c["message"], minkey=512)
            out.append("pass" if d.verify(idx=i, dnsfunc=dnsfunc) else "fail")
        except dkim.DKIMException as e:
            out.append("error(%s)" % str(e)[:50])
    return out


def main():
    check = "--check" in sys.argv[1:]
    build_cases()
    bad = 0
    for c in CASES:
        files = render(c)
        d = os.path.join(HERE, c["name"])
        for fn, data in files.items():
            p = os.path.join(d, fn)
            if check:
                old = open(p, "rb").read() if os.path.exists(p) else None
                if old != data:
                    print("DIFFERS: %s/%s" % (c["name"], fn))
                    bad += 1
            else:
                os.makedirs(d, exist_ok=True)
                with open(p, "wb") as f:
                    f.write(data)
        if check:
            print("%-36s dkimpy: %s" % (c["name"], " ".join(dkimpy_view(c)) or "(no signature)"))
    print("%d cases%s" % (len(CASES), (", %d files differ" % bad) if check else " written"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
