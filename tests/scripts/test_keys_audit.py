#!/usr/bin/python3
"""Keys anyone can sign with (issue 17, parts 3 to 6), end to end.

Every key here is built in the test from chosen primes: ROCA-structured
primes made as Nemec et al. (CCS 2017, section 2.1) describe RSALib making
them, p = k*M + (65537^a mod M) with M the primorial of the first 71 (1024-bit
keys) or 126 (2048-bit keys) primes; two primes a small gap apart (Fermat); two
moduli sharing a prime; a factor between 2^16 and 2^20; public exponent 1; a
record whose p= is the private key; a key whose private key is "revealed".
Each message is signed by dkimpy with such a key, and dkimpy verifies it (the
independent truth that the signature is good). Then:

  * `dkimarc verify` calls each message weak, with the key's finding as the
    verdict code and the signature's reason; a sound key is confirmed; a
    revealed key is weak only from its publication date on (--at);
  * a shared prime is found only when both keys are in the run (the keys of
    verify's archives; scan's keys);
  * `dkimarc keys audit` lists each key with the expected findings, the bits,
    and the SHA-256 of its SubjectPublicKeyInfo (hashlib over the DER built
    here), exit 1; a sound archive exits 0;
  * with PATH, audit gives each key's first and last t= and Date, and each
    domain's selectors in time order;
  * a signature whose t= is after its archived record's last_seen is flagged
    signed_after_key_last_seen;
  * the zk-email archive format loads (auto-detected), keeping firstSeenAt and
    lastSeenAt as first_seen and last_seen.

Environment: DKIMARC (the CLI). Ends with "N passed, M failed".
"""

import base64
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

import dkim

CLI = os.environ.get("DKIMARC")
if not CLI:
    sys.exit("set DKIMARC to the dkimarc CLI")
RNG = random.Random("dkimarc keys audit test")
E = 65537
passed = failed = 0


def check(ok, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok   - " + what)
    else:
        failed += 1
        print("FAIL - " + what + (("\n       " + str(detail)[:2000]) if detail else ""))


def run(args, timeout=300):
    p = subprocess.run([CLI] + args, capture_output=True, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


# ---- numbers -----------------------------------------------------------------------

SMALL = [p for p in range(3, 2000) if all(p % d for d in range(2, int(p ** 0.5) + 1))]


def is_prime(n):
    if n < 2:
        return False
    for p in SMALL[:60]:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for _ in range(24):
        a = RNG.randrange(2, n - 1)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def rand_prime(bits):
    while True:
        p = RNG.getrandbits(bits) | (1 << (bits - 1)) | (1 << (bits - 2)) | 1
        if is_prime(p) and (p - 1) % E:
            return p


def next_prime(n):
    n |= 1
    while not (is_prime(n) and (n - 1) % E):
        n += 2
    return n


def primorial(m):
    out = 1
    for p in ([2] + SMALL)[:m]:
        out *= p
    return out


def roca_prime(bits, m):
    """A prime as RSALib made them: k*M + (65537^a mod M), M the first m primes' product."""
    M = primorial(m)
    kbits = bits - M.bit_length()
    while True:
        k = RNG.getrandbits(kbits) | (1 << (kbits - 1))
        p = k * M + pow(E, RNG.getrandbits(2 * M.bit_length()), M)
        if p.bit_length() == bits and (p - 1) % E and is_prime(p):
            return p


# ---- keys --------------------------------------------------------------------------


def der(tag, body):
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    ln = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(ln)]) + ln + body


def der_int(x):
    b = x.to_bytes(max(1, (x.bit_length() + 8) // 8), "big")
    return der(0x02, b)


def seq(*parts):
    return der(0x30, b"".join(parts))


RSA_OID = bytes.fromhex("06092a864886f70d0101010500")  # rsaEncryption, NULL


def spki(n, e):
    return seq(der(0x30, RSA_OID), der(0x03, b"\x00" + seq(der_int(n), der_int(e))))


class Key:
    def __init__(self, p, q, e=E):
        self.p, self.q, self.e, self.n = p, q, e, p * q
        phi = (p - 1) * (q - 1)
        self.d = 1 if e == 1 else pow(e, -1, phi)
        self.der = seq(der_int(0), der_int(self.n), der_int(e), der_int(self.d), der_int(p),
                       der_int(q), der_int(self.d % (p - 1)), der_int(self.d % (q - 1)),
                       der_int(pow(q, -1, p)))
        self.pem = pem("RSA PRIVATE KEY", self.der)
        self.spki = spki(self.n, e)
        self.fingerprint = hashlib.sha256(self.spki).hexdigest()

    def record(self, private_in_p=False):
        return "v=DKIM1; k=rsa; p=" + base64.b64encode(self.der if private_in_p else self.spki).decode()


def pem(label, body):
    b64 = base64.b64encode(body).decode()
    lines = [b64[i:i + 64] for i in range(0, len(b64), 64)]
    return ("-----BEGIN %s-----\n%s\n-----END %s-----\n" % (label, "\n".join(lines), label)).encode()


# ---- mail ----------------------------------------------------------------------------


class FixedTime:
    """dkimpy writes t= from time.time(): the test chooses it."""

    def __init__(self, t):
        self.t = t

    def time(self):
        return self.t


def signed(key, selector, domain, t, subject, date):
    msg = ("From: Alice <alice@%s>\r\nTo: bob@example.net\r\nSubject: %s\r\n"
           "Date: %s\r\nMessage-ID: <%s.%d@%s>\r\n\r\nHello.\r\n" % (
               domain, subject, date, selector, t, domain)).encode()
    real = dkim.time
    dkim.time = FixedTime(t)
    try:
        sig = dkim.sign(msg, selector.encode(), domain.encode(), key.pem,
                        include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    finally:
        dkim.time = real
    return sig + msg


def dkimpy_verifies(msg, txt):
    real = dkim.time
    dkim.time = FixedTime(2000000000)
    try:
        return dkim.verify(msg, dnsfunc=lambda name, timeout=5: txt.encode())
    finally:
        dkim.time = real


# ---- the cases -----------------------------------------------------------------------

T0 = 1500000000  # 2017-07-14
DATE = "Fri, 14 Jul 2017 02:40:00 +0000"

print("# building keys from chosen primes ...", flush=True)
p1024 = [rand_prime(512) for _ in range(2)]
sound = Key(rand_prime(1024), rand_prime(1024))
pf = rand_prime(1024)
fermat = Key(pf, next_prime(pf + (RNG.getrandbits(400) << 100)))
shared_p = rand_prime(1024)
shared1, shared2 = Key(shared_p, rand_prime(1024)), Key(shared_p, rand_prime(1024))
small = Key(1048573, rand_prime(2028))  # the last prime below 2^20
roca1024 = Key(roca_prime(512, 71), roca_prime(512, 71))
roca2048 = Key(roca_prime(1024, 126), roca_prime(1024, 126))
exp1 = Key(p1024[0], p1024[1], e=1)
private = Key(rand_prime(1024), rand_prime(1024))
revealed = Key(rand_prime(1024), rand_prime(1024))
# Not ROCA although random: the fingerprint's odds for such a key are about 2^-83.
assert fermat.n.bit_length() == 2048 and roca2048.n.bit_length() == 2048

CASES = [
    # selector, key, finding (None: sound), record text
    ("sound", sound, None, sound.record()),
    ("fermat", fermat, "key_fermat", fermat.record()),
    ("shared1", shared1, "key_shared_prime", shared1.record()),
    ("shared2", shared2, "key_shared_prime", shared2.record()),
    ("small", small, "key_small_factor", small.record()),
    ("roca1024", roca1024, "key_roca", roca1024.record()),
    ("roca2048", roca2048, "key_roca", roca2048.record()),
    ("exp1", exp1, "key_bad_exponent", exp1.record()),
    ("private", private, "key_private_in_dns", private.record(private_in_p=True)),
    ("revealed", revealed, "key_private_published", revealed.record()),
]
DOMAIN = "example.com"

tmp = tempfile.mkdtemp(prefix="dkimarc-audit.")
try:
    mails = os.path.join(tmp, "mail")
    os.mkdir(mails)
    archive = os.path.join(tmp, "keys.jsonl")
    with open(archive, "w") as f:
        for sel, key, _, txt in CASES:
            f.write(json.dumps({"name": "%s._domainkey.%s" % (sel, DOMAIN), "txt": txt,
                                "first_seen": "2017-01-01", "last_seen": "2018-01-01"}) + "\n")
    rev = os.path.join(tmp, "revealed.pem")
    with open(rev, "wb") as f:
        f.write(b"# Keys a provider published when it retired them.\n"
                b"# source: https://provider.example/retired-keys\n"
                b"# published: 2019-03-01\n" + revealed.pem)

    files = {}
    for i, (sel, key, finding, txt) in enumerate(CASES):
        msg = signed(key, sel, DOMAIN, T0 + 3600 * i, "case " + sel, DATE)
        # dkimpy reads public keys only: the private-in-p= key through its public record.
        check(dkimpy_verifies(msg, key.record()), "dkimpy verifies the mail signed with %s" % sel)
        files[sel] = os.path.join(mails, sel + ".eml")
        with open(files[sel], "wb") as f:
            f.write(msg)

    # ---- verify: weak with the finding ----------------------------------------------
    for sel, key, finding, _ in CASES:
        rc, out, err = run(["verify", "--keys", archive, "--revealed", rev, "--json", files[sel]])
        r = json.loads(out) if out.strip() else {}
        sig = (r.get("signatures") or [{}])[0]
        if finding is None:
            check(r.get("verdict") == "confirmed" and rc == 0,
                  "verify: the sound key is confirmed", out + err)
        else:
            check(r.get("verdict") == "weak" and r.get("verdict_code") == finding and
                  sig.get("reason") == finding and sig.get("result") == "fail" and rc == 1,
                  "verify %s: weak, %s" % (sel, finding),
                  (r.get("verdict"), r.get("verdict_code"), sig.get("reason"), sig.get("reason_text")))
            check("the signature verifies, but" in (sig.get("reason_text") or ""),
                  "verify %s: the sentence says the signature verifies" % sel, sig.get("reason_text"))

    # The revealed key: weak from its publication on, not when judged as of before.
    rc, out, _ = run(["verify", "--keys", archive, "--revealed", rev, "--at", "2019-02-28",
                      "--json", files["revealed"]])
    check(json.loads(out).get("verdict") == "confirmed",
          "verify --at before the publication date: the revealed key still counts", out)
    rc, out, _ = run(["verify", "--keys", archive, "--json", files["revealed"]])
    check(json.loads(out).get("verdict") == "confirmed",
          "verify without --revealed: nothing known against the key", out)

    # A shared prime needs both keys in the run.
    alone = os.path.join(tmp, "shared1-only.jsonl")
    with open(alone, "w") as f:
        f.write(json.dumps({"name": "shared1._domainkey." + DOMAIN, "txt": shared1.record()}) + "\n")
    rc, out, _ = run(["verify", "--keys", alone, "--json", files["shared1"]])
    check(json.loads(out).get("verdict") == "confirmed",
          "verify: with only one of the two keys, no shared prime can be seen", out)
    rc, out, _ = run(["verify", "--keys", archive, "--json", files["shared1"]])
    r = json.loads(out)
    check("shared2._domainkey.example.com" in r["signatures"][0]["reason_text"],
          "verify: the shared-prime sentence names the other key", r["signatures"][0]["reason_text"])

    # scan: the same verdicts over the corpus.
    rc, out, err = run(["scan", "--keys", archive, "--revealed", rev, "--json", "--no-progress",
                        mails])
    got = {os.path.basename(o["file"])[:-4]: o for o in map(json.loads, out.splitlines())}
    for sel, key, finding, _ in CASES:
        o = got.get(sel, {})
        want = ("confirmed", "ok") if finding is None else ("weak", finding)
        check((o.get("verdict"), o.get("verdict_code")) == want, "scan %s: %s" % (sel, want),
              (o.get("verdict"), o.get("verdict_code")))

    # ---- keys audit -------------------------------------------------------------------
    rc, out, err = run(["keys", "audit", "--keys", archive, "--revealed", rev, "--json"])
    check(rc == 1, "keys audit: exit 1 when some key has a finding", (rc, err))
    audit = {o["name"]: o for o in map(json.loads, out.splitlines())}
    for sel, key, finding, _ in CASES:
        o = audit.get("%s._domainkey.%s" % (sel, DOMAIN), {})
        want = [] if finding is None else [finding]
        check(o.get("findings") == want and len(o.get("finding_texts", [])) == len(want),
              "keys audit %s: findings %s" % (sel, want), o.get("findings"))
        check(o.get("fingerprint") == key.fingerprint and o.get("bits") == key.n.bit_length()
              and o.get("algorithm") == "rsa",
              "keys audit %s: SHA-256 of the SubjectPublicKeyInfo and bits" % sel,
              (o.get("fingerprint"), key.fingerprint, o.get("bits")))
    rc, text, _ = run(["keys", "audit", "--keys", archive, "--revealed", rev])
    check("key_roca: the RSA modulus has the fingerprint" in text and
          "fingerprint: sha256 " + roca2048.fingerprint in text,
          "keys audit: text output, a sentence per finding", text[:3000])
    sound_only = os.path.join(tmp, "sound.jsonl")
    with open(sound_only, "w") as f:
        f.write(json.dumps({"name": "sound._domainkey." + DOMAIN, "txt": sound.record()}) + "\n")
    rc, out, _ = run(["keys", "audit", "--keys", sound_only])
    check(rc == 0 and "no finding" in out, "keys audit: exit 0 when no key has a finding", (rc, out))
    rc, _, err = run(["keys", "audit", "--keys", os.path.join(tmp, "missing.jsonl")])
    check(rc == 2, "keys audit: exit 2 when an archive cannot be read", (rc, err))

    # ---- when was the key in use ---------------------------------------------------------
    use = os.path.join(tmp, "use")
    os.mkdir(use)
    with open(os.path.join(use, "a.eml"), "wb") as f:
        f.write(signed(sound, "sound", DOMAIN, 1420070400, "one", "Thu, 1 Jan 2015 00:00:00 +0000"))
    with open(os.path.join(use, "b.eml"), "wb") as f:
        f.write(signed(sound, "sound", DOMAIN, 1451606400, "two", "Fri, 1 Jan 2016 00:00:00 +0000"))
    with open(os.path.join(use, "c.eml"), "wb") as f:
        f.write(signed(fermat, "fermat", DOMAIN, 1483228800, "three", "Sun, 1 Jan 2017 00:00:00 +0000"))
    rc, out, err = run(["keys", "audit", "--keys", archive, "--json", use])
    audit = {o["name"]: o for o in map(json.loads, out.splitlines())}
    s = audit.get("sound._domainkey.example.com", {})
    check((s.get("signatures"), s.get("first_signed"), s.get("last_signed"), s.get("first_date"),
           s.get("last_date")) == (2, "2015-01-01T00:00:00Z", "2016-01-01T00:00:00Z",
                                    "2015-01-01T00:00:00Z", "2016-01-01T00:00:00Z"),
          "keys audit PATH: first and last t= and Date of the mails a key verifies", s)
    rc, text, err = run(["keys", "audit", "--keys", archive, use])
    sec = text[text.find("selectors by domain"):]
    check(sec.find("  sound ") >= 0 and sec.find("  fermat ") > sec.find("  sound "),
          "keys audit PATH: the domain's selectors in time order", sec)

    # signed_after_key_last_seen: t= 2017-07-14 after a last_seen of 2017-06-01.
    early = os.path.join(tmp, "early.jsonl")
    with open(early, "w") as f:
        f.write(json.dumps({"name": "sound._domainkey." + DOMAIN, "txt": sound.record(),
                            "first_seen": "2017-01-01", "last_seen": "2017-06-01"}) + "\n")
    rc, out, _ = run(["verify", "--keys", early, "--json", files["sound"]])
    r = json.loads(out)
    check("signed_after_key_last_seen" in r["signatures"][0].get("flags", []),
          "verify: t= after the record's last_seen is flagged", r["signatures"][0].get("flags"))
    rc, out, _ = run(["verify", "--keys", archive, "--json", files["sound"]])
    check("signed_after_key_last_seen" not in json.loads(out)["signatures"][0].get("flags", []),
          "verify: t= inside the window is not flagged")

    # ---- the zk-email archive format --------------------------------------------------------
    zk = os.path.join(tmp, "zk.json")
    with open(zk, "w") as f:
        json.dump([{"domain": DOMAIN, "selector": sel, "firstSeenAt": "2017-02-03T04:05:06.789Z",
                    "lastSeenAt": "2018-02-03T04:05:06.789Z", "value": txt}
                   for sel, _, _, txt in CASES], f)
    rc, out, err = run(["verify", "--keys", zk, "--json", files["sound"], files["roca2048"]])
    rs = [json.loads(line) for line in out.splitlines()]
    rec = rs[0]["signatures"][0].get("key_record") or {}
    check(rs[0]["verdict"] == "confirmed" and rs[1]["verdict_code"] == "key_roca",
          "zk-email archive: loaded, the keys used", [r.get("verdict") for r in rs])
    check(rec.get("first_seen") == "2017-02-03T04:05:06Z" and
          rec.get("last_seen") == "2018-02-03T04:05:06Z" and "zk-email" in json.dumps(rec),
          "zk-email archive: firstSeenAt and lastSeenAt kept as provenance", rec)
    rc, out, _ = run(["keys", "audit", "--keys", zk, "--json"])
    audit = {o["name"]: o for o in map(json.loads, out.splitlines())}
    check(audit.get("roca1024._domainkey.example.com", {}).get("findings") == ["key_roca"] and
          " entry " in audit["roca1024._domainkey.example.com"]["origins"][0],
          "zk-email archive: audited, origin names the entry",
          audit.get("roca1024._domainkey.example.com"))
    bad = os.path.join(tmp, "zk-bad.json")
    with open(bad, "w") as f:
        json.dump([{"domain": DOMAIN, "selector": "x", "value": "v=DKIM1; p=",
                    "firstSeenAt": "yesterday", "lastSeenAt": None}], f)
    rc, _, err = run(["verify", "--keys", bad, files["sound"]])
    check(rc == 2 and "entry 1" in err and "firstSeenAt" in err,
          "zk-email archive: a bad time is an error naming the entry", err)
finally:
    shutil.rmtree(tmp)

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
