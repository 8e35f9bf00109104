"""`dkimarc keys recover` and the verdict `consistent`, end to end, on mail signed by
dkimpy (the reference signer) with RSA keys generated here by OpenSSL.

The corpus: an mbox of four messages under one key (one with a signed header
field changed since signing, one with its body changed; at the larger sizes the
changed header comes first, so that the first pair of signatures shares no key), a folder of three under another key
(e = 3, so that the comparisons cost nothing; the first changed, one signed
rsa-sha1), an Ed25519-signed message and a key with a single signature. Checks: each recovered key is the key OpenSSL made
(the SHA-256 of its SubjectPublicKeyInfo, and dkimpy verifies the messages with
the recovered record as its DNS); what the archive lists; what is said of the
changed messages, of Ed25519 and of the single signature; `verify --keys` gives
`consistent` (exit 1), never `confirmed`, and `confirmed` naming both once the
real key is in an archive or in DNS (a local DNS server, tests/dns/faultdns.py);
`keys recover --keys` says corroborated or another key; scan's outputs count the
new verdict; --ar says neutral.

    test_keys_recover.py [--sizes 1024[,2048,...]]

By default 1024-bit keys (one gcd at e = 65537: about 20 s of one core). ctest's test_keys_recover_large
runs --sizes 2048,3072 (several minutes) only when DKIMARC_SLOW_TESTS=1, else it
skips (exit 77). Ends with "N passed, M failed".
"""
import base64
import csv
import glob
import hashlib
import json
import mailbox
import os
import re
import shutil
import subprocess
import sys
import tempfile

import dkim

DKIMARC = os.environ["DKIMARC"]
SRCDIR = os.environ.get("SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
FAULTDNS = os.path.join(SRCDIR, "tests", "dns", "faultdns.py")

passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: %s%s" % (name, (": " + str(detail)[:3000]) if detail else ""))


CWD = None  # each size's folder: paths are given relative to it, as a user would


def run(*args, timeout=1800):
    return subprocess.run([DKIMARC, *args], capture_output=True, text=True, timeout=timeout,
                          cwd=CWD)


def genrsa(path, bits, e=65537):
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-out", path, "-pkeyopt",
                    "rsa_keygen_bits:%d" % bits, "-pkeyopt", "rsa_keygen_pubexp:%d" % e],
                   check=True, capture_output=True)
    der = subprocess.run(["openssl", "rsa", "-in", path, "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    return open(path, "rb").read(), der


def message(i, subject, body):
    return ("From: Alice <alice@%s>\r\nTo: desk@newsroom.example\r\nSubject: %s\r\n"
            "Date: Mon, 1 May 2017 10:%02d:00 +0000\r\nMessage-ID: <%d@leak>\r\n\r\n%s\r\n"
            % (i[1], subject, i[0], i[0], body)).encode()


def sign(msg, sel, dom, key, alg=b"rsa-sha256"):
    return dkim.sign(msg, sel.encode(), dom.encode(), key, signature_algorithm=alg,
                     include_headers=[b"from", b"to", b"subject", b"date", b"message-id"]) + msg


def record(der):
    return "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()


def jsonl(path, rows):
    with open(path, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")


def lines(path):
    with open(path) as f:
        return [json.loads(x) for x in f if x.strip()]


def by_file(reports):
    return {(r["file"].split("corpus/")[-1], r["index"]): r for r in reports}


def messages():
    """The corpus's files, for verify (which takes files, not folders)."""
    return sorted(glob.glob("corpus/**/*.eml", recursive=True)) + ["corpus/leak.mbox"]


def verify_json(*args):
    p = run("verify", "--json", *args)
    return p, [json.loads(x) for x in p.stdout.splitlines() if x.strip()]


def roles(bits):
    """What happened to each message of the mbox since it was signed."""
    return ["ok", "body", "ok", "header"] if bits <= 1024 else ["header", "body", "ok", "ok"]


def make_corpus(bits):
    """The corpus, in ./corpus; returns {name: SPKI DER} of the keys that signed."""
    os.makedirs("corpus/b")
    ka, da = genrsa("a.pem", bits)
    kb, db = genrsa("b.pem", bits, 3)  # e = 3: recovered at once (the comparisons use it)
    kc, dc = genrsa("c.pem", bits)

    # Key A: an mbox of four, one with its body changed after signing, one with its Subject.
    # At 1024 bits the first pair is intact (one gcd: the default test run stays short);
    # at the larger sizes the Subject changed is the first, so that the first pair shares
    # no key and the next is tried (two gcds).
    mb = mailbox.mbox("corpus/leak.mbox")
    for i, role in enumerate(roles(bits)):
        m = sign(message((i, "example.com"), "minutes %d" % i, "Hello %d." % i),
                 "a2017", "example.com", ka)
        if role == "header":
            m = m.replace(b"Subject: minutes %d" % i, b"Subject: [leak] minutes %d" % i)
        if role == "body":
            m = m.replace(b"Hello %d." % i, b"Hello %d, amended." % i)
        mb.add(m)
    mb.flush()
    # Key B (e = 3): three files; the first changed, the last rsa-sha1.
    for i in range(3):
        m = sign(message((10 + i, "example.net"), "memo %d" % i, "Memo %d." % i), "s1",
                 "example.net", kb, b"rsa-sha1" if i == 2 else b"rsa-sha256")
        if i == 0:
            m = m.replace(b"Subject: memo 0", b"Subject: memo zero")
        with open("corpus/b/%d.eml" % (i + 1), "wb") as f:
            f.write(m)
    # Key C: one signature only. And an Ed25519 signature.
    with open("corpus/single.eml", "wb") as f:
        f.write(sign(message((20, "example.org"), "alone", "Alone."), "one", "example.org", kc))
    import nacl.signing
    seed = nacl.signing.SigningKey.generate()
    with open("corpus/ed.eml", "wb") as f:
        f.write(sign(message((21, "example.com"), "ed", "Ed."), "ed", "example.com",
                     base64.b64encode(bytes(seed)), b"ed25519-sha256"))
    return {A: da, B: db}


A, B = "a2017._domainkey.example.com", "s1._domainkey.example.net"


def one_size(bits):
    tag = "%d: " % bits
    der = make_corpus(bits)
    p = run("keys", "recover", "--jobs", "2", "-o", "recovered.jsonl", "corpus")
    check(tag + "keys recover exits 0", p.returncode == 0, (p.returncode, p.stderr))
    out = lines("recovered.jsonl") if os.path.exists("recovered.jsonl") else []
    got = {r["name"]: r for r in out}
    check(tag + "one record per recovered key", sorted(got) == sorted(der), p.stderr)
    for name, d in der.items():
        r = got.get(name, {})
        fp = hashlib.sha256(d).hexdigest()
        check(tag + name + ": the modulus is the true one (SPKI fingerprint)",
              r.get("fingerprint") == fp, (r.get("fingerprint"), fp))
        # The record's own p=, decoded: the very SubjectPublicKeyInfo OpenSSL wrote.
        p64 = re.search(r"p=([A-Za-z0-9+/=]+)", r.get("txt", ""))
        check(tag + name + ": p= is the key's SPKI", p64 and base64.b64decode(p64.group(1)) == d,
              r.get("txt"))
        check(tag + name + ": source recovered, bits", r.get("source") == "recovered" and
              r.get("bits") == bits, r)
    ra, rb = got.get(A, {}), got.get(B, {})
    intact = [i + 1 for i, r in enumerate(roles(bits)) if r != "header"]
    ok = [i + 1 for i, r in enumerate(roles(bits)) if r == "ok"]
    check(tag + "A: recovered from the mbox messages whose header is intact (the body change "
          "does not matter)",
          [(x["file"], x["index"], x["signature"]) for x in ra.get("recovered_from", [])] ==
          [("corpus/leak.mbox", i, 1) for i in intact]
          and ra.get("signatures") == 3, ra.get("recovered_from"))
    check(tag + "B: recovered from files 2 and 3 (the changed first one left out)",
          [(x["file"], x["index"]) for x in rb.get("recovered_from", [])] ==
          [("corpus/b/2.eml", None), ("corpus/b/3.eml", None)], rb.get("recovered_from"))
    with open("corpus/b/2.eml") as f:
        b2 = re.sub(r"\s", "", re.search(r"[;\s]b=([^;]*)", f.read().split("\n\n")[0]).group(1))
    check(tag + "each listed signature is named by the start of its b=",
          (rb.get("recovered_from") or [{}])[0].get("b") == b2[:16], (rb, b2))
    check(tag + "the changed Subject is said to be this key's, over other header fields",
          re.search(r"a2017\._domainkey\.example\.com: %d-bit RSA key recovered from 3 "
                    r"signatures; it also made 1 signature over header fields that changed"
                    % bits, p.stderr), p.stderr)
    check(tag + "Ed25519 cannot be recovered, and says so",
          "ed._domainkey.example.com: Ed25519 public keys cannot be recovered" in p.stderr,
          p.stderr)
    check(tag + "a single signature is not enough, and says so",
          "one._domainkey.example.org: only one" in p.stderr, p.stderr)

    # dkimpy, the reference verifier, accepts the messages with the recovered records as DNS.
    recs = {r["name"]: r["txt"] for r in out}

    def dnsfunc(name, timeout=5):
        return recs.get(name.decode().rstrip(".").lower(), "").encode() or None

    box = mailbox.mbox("corpus/leak.mbox")
    verdicts = [dkim.verify(box.get_bytes(k), dnsfunc=dnsfunc) for k in box.keys()]
    check(tag + "dkimpy verifies the unchanged mbox messages with the recovered key",
          verdicts == [r == "ok" for r in roles(bits)], verdicts)
    for i in (2, 3):
        with open("corpus/b/%d.eml" % i, "rb") as f:
            check(tag + "dkimpy verifies b/%d.eml with the recovered key" % i,
                  dkim.verify(f.read(), dnsfunc=dnsfunc))

    # verify with the recovered keys alone: consistent, never confirmed; exit 1.
    vp, reps = verify_json("--keys", "recovered.jsonl", *messages())
    v = by_file(reps)
    check(tag + "verify --keys recovered exits 1 (consistent is not confirmed)",
          vp.returncode == 1, (vp.returncode, vp.stderr))
    check(tag + "no message is confirmed by a recovered key",
          not [r for r in reps if r["verdict"].startswith("confirmed")],
          [(r["file"], r["verdict"]) for r in reps])
    want = {("leak.mbox", i + 1): "consistent" if r == "ok" else "altered"
            for i, r in enumerate(roles(bits))}
    want.update({("b/1.eml", None): "altered", ("b/2.eml", None): "consistent",
            ("b/3.eml", None): "consistent", ("single.eml", None): "unverifiable",
            ("ed.eml", None): "unverifiable"})
    got_v = {k: r["verdict"] for k, r in v.items()}
    check(tag + "verdicts with the recovered keys", got_v == want, got_v)
    c1 = v.get(("leak.mbox", ok[0]), {})
    check(tag + "the sentence names the other signatures and the domain",
          "the signature verifies with a key recovered from 2 other signatures in this corpus; "
          "no archive or DNS record ties that key to example.com" in c1.get("verdict_reason", ""),
          c1.get("verdict_reason"))
    s1 = (c1.get("signatures") or [{}])[0]
    check(tag + "the signature is neutral / key_recovered, its key recovered",
          (s1.get("result"), s1.get("reason"), c1.get("verdict_code"),
           (s1.get("key_record") or {}).get("source")) ==
          ("neutral", "key_recovered", "key_recovered", "recovered"), s1)

    # --ar: neutral, with the reason.
    ap = run("verify", "--keys", "recovered.jsonl", "--ar", "mx.newsroom.example",
             "corpus/b/2.eml")
    check(tag + "--ar gives dkim=neutral (key_recovered)",
          "dkim=neutral (key_recovered)" in ap.stdout and "dkim=pass" not in ap.stdout, ap.stdout)

    # The real keys in an archive anchor the recovered ones: confirmed, both named.
    jsonl("real.jsonl", [{"name": n, "txt": record(d), "source": "dns 192.0.2.53"}
                         for n, d in sorted(der.items())])
    vp, reps = verify_json("--keys", "recovered.jsonl", "--keys", "real.jsonl", *messages())
    v = by_file(reps)
    for k in [("leak.mbox", i) for i in ok] + [("b/2.eml", None), ("b/3.eml", None)]:
        r = v.get(k, {})
        s = (r.get("signatures") or [{}])[0]
        check(tag + "%s#%s confirmed once the archive holds the same key" % k,
              r.get("verdict") == "confirmed" and s.get("key_source", "").startswith(
                  "archive real.jsonl:") and "recovered.jsonl:" in (s.get("key_choice") or ""),
              (r.get("verdict"), s.get("key_source"), s.get("key_choice")))
    return der


def comparisons_dns_scan(der, bits):
    """Once, at the first size: keys recover compared with archives and DNS, DNS anchoring a
    recovered key, and scan's outputs."""
    # Another key at A's name (rotated, or the mail forged): still consistent, and said.
    _, dd = genrsa("d.pem", 1024)
    jsonl("other.jsonl", [{"name": A, "txt": record(dd), "source": "dns 192.0.2.53"}])
    vp, reps = verify_json("--keys", "other.jsonl", "--keys", "recovered.jsonl",
                           "corpus/leak.mbox")
    first_ok = roles(bits).index("ok") + 1
    r = by_file(reps).get(("leak.mbox", first_ok), {})
    check("another key in the archive: consistent, and the record named",
          r.get("verdict") == "consistent" and "other.jsonl:1 holds another key" in
          r.get("verdict_reason", ""), r.get("verdict_reason"))

    # keys recover compares with an archive: corroborated, or another key (B: instant).
    cp = run("keys", "recover", "-o", "-", "--keys", "real.jsonl", "corpus/b")
    cr = [json.loads(x) for x in cp.stdout.splitlines() if x.strip()]
    check("keys recover --keys: corroborated by the archive's record",
          cp.returncode == 0 and len(cr) == 1 and cr[0].get("corroborated_by") == ["real.jsonl:2"]
          and cr[0].get("differs_from") == [] and
          "dkimarc:   corroborated: real.jsonl:2 holds the same key" in cp.stderr, (cr, cp.stderr))
    jsonl("rotated.jsonl", [{"name": B, "txt": record(dd)}])
    cp = run("keys", "recover", "--keys", "rotated.jsonl", "corpus/b")
    cr = [json.loads(x) for x in cp.stdout.splitlines() if x.strip()]
    check("keys recover --keys: another key means rotated or forged, said so",
          len(cr) == 1 and cr[0].get("differs_from") == ["rotated.jsonl:1"] and
          "another key at rotated.jsonl:1: the key was rotated since" in cp.stderr and
          "forged" in cp.stderr, (cr, cp.stderr))
    cp = run("keys", "recover", "--keys", "other.jsonl", "corpus/b")
    check("keys recover --keys: no record for the name is said",
          "not compared: no record for s1._domainkey.example.net" in cp.stderr, cp.stderr)

    # DNS (a local server) holding A's and B's keys.
    with open("dns.keys", "w") as f:
        for n in (A, B):
            f.write("%s %s\n" % (n, record(der[n])))
    srv = subprocess.Popen(["/usr/bin/python3", FAULTDNS, "--keys", "dns.keys"],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=CWD)
    try:
        port = srv.stdout.readline().strip()
        dns = ["--dns-server", "127.0.0.1:" + port, "--dns-timeout", "500"]
        vp, reps = verify_json("--keys", "recovered.jsonl", *dns, "corpus/leak.mbox")
        r = by_file(reps).get(("leak.mbox", first_ok), {})
        s = (r.get("signatures") or [{}])[0]
        check("DNS holding the same key anchors it: confirmed",
              r.get("verdict") == "confirmed" and s.get("key_source", "").startswith("dns ") and
              "recovered.jsonl:" in (s.get("key_choice") or ""),
              (r.get("verdict"), s.get("key_source"), s.get("key_choice"), vp.stderr))
        cp = run("keys", "recover", *dns, "corpus/b")
        check("keys recover --dns: corroborated by DNS",
              "corroborated: dns 127.0.0.1:%s holds the same key" % port in cp.stderr,
              cp.stderr)
    finally:
        srv.stdin.close()
        srv.wait(timeout=10)

    sp = run("scan", "--keys", "recovered.jsonl", "--summary-json", "summary.json", "--csv",
             "s.csv", "--html", "s.html", "--no-progress", "corpus")
    s = json.load(open("summary.json")) if os.path.exists("summary.json") else {}
    check("scan --summary-json counts consistent",
          (s.get("verdicts") or {}).get("consistent", {}).get("count") == 4, (sp.stderr, s))
    check("scan's text summary lists consistent", re.search(r"\n  consistent +4 ", sp.stdout),
          sp.stdout[-1500:])
    rows = list(csv.DictReader(open("s.csv", newline=""))) if os.path.exists("s.csv") else []
    cons = [(r["result"], r["reason"]) for r in rows if r["verdict"] == "consistent"]
    check("scan --csv: consistent rows, neutral with the code key_recovered",
          cons == [("neutral", "key_recovered")] * 4, rows)
    html = open("s.html").read() if os.path.exists("s.html") else ""
    check("scan --html explains consistent", 'id="means-consistent"' in html and
          "worked out from other signatures" in html, html[:300])
    run("scan", "--keys", "recovered.jsonl", "--keys", "real.jsonl", "--no-progress",
        "--summary-json", "summary.json", "corpus")
    s = json.load(open("summary.json"))
    check("with the real keys, none is consistent any more",
          s["verdicts"]["consistent"]["count"] == 0 and s["verdicts"]["confirmed"]["count"] == 4,
          s["verdicts"])


def main():
    global CWD
    sizes = [1024]
    args = sys.argv[1:]
    if args[:1] == ["--sizes"]:
        sizes = [int(x) for x in args[1].split(",")]
        if os.environ.get("DKIMARC_SLOW_TESTS") != "1":
            print("skipped: set DKIMARC_SLOW_TESTS=1 to recover %s-bit keys" % args[1])
            sys.exit(77)
    tmp = tempfile.mkdtemp(prefix="dkimarc-recover.")
    try:
        for i, bits in enumerate(sizes):
            CWD = os.path.join(tmp, str(bits))
            os.makedirs(CWD)
            os.chdir(CWD)
            der = one_size(bits)
            if i == 0:
                comparisons_dns_scan(der, bits)
    finally:
        os.chdir("/")
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
