#!/usr/bin/python3
"""Writes the fuzzers' seed corpora, taken from the test vectors in vectors/.

    /usr/bin/python3 fuzz/seeds.py OUTDIR [TARGET...]

OUTDIR/<target>/ gets one file per seed, named by its SHA-1 as libFuzzer
names corpus files. Each target's input layout is described at the top of
fuzz/fuzz_<target>.c; SEEDS below maps a target to the function that builds
its seeds. A new target adds one function and one entry.
"""

import glob
import hashlib
import json
import os
import re
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
SEP = b"\n=====\n"  # fuzz_verify.c: key archive, this line, message


def read(path):
    with open(path, "rb") as f:
        return f.read()


def cases():
    """(message bytes, dns.txt bytes) of every vector case."""
    out = []
    for msg in sorted(glob.glob(os.path.join(REPO, "vectors", "**", "message.eml"),
                                recursive=True)):
        dns = os.path.join(os.path.dirname(msg), "dns.txt")
        out.append((read(msg), read(dns) if os.path.exists(dns) else b""))
    for msg in sorted(glob.glob(os.path.join(REPO, "vectors", "sample", "*.eml"))):
        out.append((read(msg), read(os.path.join(REPO, "vectors", "sample", "keys.txt"))))
    return out


def split(msg):
    """Header block and body of a message (CRLF or LF)."""
    m = re.search(rb"\r?\n\r?\n", msg)
    if not m:
        return msg, b""
    return msg[:m.start() + (2 if msg[m.start()] == 13 else 1)], msg[m.end():]


def fields(header):
    """Header fields with their folding, without the final line end."""
    out = []
    for line in re.split(rb"(?<=\n)", header):
        if not line:
            continue
        if line[:1] in (b" ", b"\t") and out:
            out[-1] += line
        else:
            out.append(line)
    return [re.sub(rb"\r?\n$", b"", f) for f in out]


def signature_values(msg):
    h, _ = split(msg)
    return [f.split(b":", 1)[1] for f in fields(h)
            if f.split(b":", 1)[0].strip().lower() == b"dkim-signature" and b":" in f]


def txt_records(dns):
    out = []
    for line in dns.splitlines():
        parts = line.split(b"\t")
        if len(parts) >= 3 and parts[1] == b"TXT":
            out.append(b"\t".join(parts[2:]))
    return out


def zkemail(jsonl):
    """The sample's JSON Lines archive as the zk-email archive's /api/key answers (a JSON
    array of {domain, selector, value, firstSeenAt, lastSeenAt})."""
    out = []
    for line in jsonl.decode("utf-8").splitlines():
        o = json.loads(line)
        sel, _, dom = o["name"].partition("._domainkey.")
        out.append({"domain": dom, "selector": sel, "value": o["txt"],
                    "firstSeenAt": o.get("first_seen"), "lastSeenAt": o.get("last_seen")})
    return json.dumps(out).encode()


def archives():
    out = [d for _, d in cases() if d]
    for f in ("keys.zone", "keys.txt", "keys.jsonl"):
        p = os.path.join(REPO, "vectors", "sample", f)
        if os.path.exists(p):
            out.append(read(p))
            if f == "keys.jsonl":
                out.append(zkemail(read(p)))
    return out


def seeds_tags():
    out = []
    for msg, dns in cases():
        out += signature_values(msg) + txt_records(dns)
    return out


def seeds_sig():
    return [v for msg, _ in cases() for v in signature_values(msg)]


def seeds_keyrec():
    return [t for _, dns in cases() for t in txt_records(dns)]


def seeds_header():
    # Byte 0 = 0: default limits; 0xc3: small ones.
    out = []
    for msg, _ in cases():
        h, _ = split(msg)
        out += [b"\x00" + h, b"\xc3" + h]
    return out


def seeds_addr():
    # Address fields of the vectors, and tests/addr/'s hand-made values.
    out = []
    names = (b"from", b"to", b"cc", b"reply-to", b"sender")
    for msg, _ in cases():
        h, _ = split(msg)
        for f in fields(h):
            name, sep, value = f.partition(b":")
            if sep and name.strip().lower() in names:
                out.append(value)
    sys.path.insert(0, os.path.join(REPO, "tests", "addr"))
    sys.dont_write_bytecode = True
    import cases as addr_cases
    out += [v for v, _ in addr_cases.TRICKY] + list(addr_cases.REALISTIC)
    return out


def seeds_canon():
    # Bytes 0-1: l= off, or l= set (byte 0 bit 0) to byte 1 times a factor.
    out = []
    for msg, _ in cases():
        h, body = split(msg)
        out += [b"\x00\x00" + body, b"\x03\x40" + body]
        out += [b"\x00\x00" + f for f in fields(h)[:8]]
    return out


def seeds_verify():
    return [dns + SEP + msg for msg, dns in cases()] + [msg for msg, _ in cases()]


DIAG_FOOTER = b"_______________________________________________\r\nteam list\r\n"


def seeds_diagnose():
    """fuzz_diagnose.c: two option bytes, a body, optionally SEP and the body delivered.
    Bodies of the vectors, the 8-bit and quoted-printable ones (issue 14) in every mode."""
    out = []
    # Each run signs, verifies twice and diagnoses: bodies over 10 KB only slow it down.
    bodies = [split(m)[1][:10000] for m, _ in cases()]
    diag = [split(m)[1][:10000] for m, _ in cases()
            if b"Content-Transfer-Encoding" in split(m)[0]]
    for i, body in enumerate(bodies[:60]):
        out.append(bytes([(i % 8) << 4 | i % 4, i % 16]) + body)
    for body in diag:
        for mode in range(6):
            for extra in (0x00, 0x04, 0x0c, 0x80):
                out.append(bytes([mode << 4 | extra, 0]) + body)
        out.append(bytes([0x00, 0x02]) + body + SEP + body + DIAG_FOOTER)
        out.append(bytes([0x01, 0x00]) + body + SEP + body[: len(body) // 2])
        out.append(bytes([0x10, 0x03]) + body)
        out.append(bytes([0x20, 0x05]) + body)
    return out


def seeds_archive():
    # A record recovered from signatures (docs/keys.md), whose provenance the archive keeps.
    rec = (b'{"name":"sel._domainkey.example.com","txt":"v=DKIM1; p=","source":"recovered",'
           b'"signatures":3,"recovered_from":[{"file":"a.mbox","index":1,"signature":1,'
           b'"b":"AAAAAAAAAAAAAAAA"},{"b":null}]}\n')
    return archives() + [rec]


def seeds_arc():
    out = []
    for msg, dns in cases():
        if b"\nARC-Seal:" in b"\n" + msg or b"\nARC-" in msg:
            out.append(dns + SEP + msg)
    return out


MBOX_SEP = b"From sender@example.com Tue Nov 14 22:13:20 2023\n"


def seeds_mbox():
    out = []
    for p in sorted(glob.glob(os.path.join(REPO, "vectors", "**", "*.mbox"), recursive=True)):
        data = read(p)
        out.append(data[:65536])
    msgs = [m for m, _ in cases()][:40]
    for i in range(0, len(msgs), 3):
        group = msgs[i:i + 3]
        lf = MBOX_SEP + b"\n".join(m.replace(b"\r\n", b"\n") for m in group)
        out.append(lf.replace(b"\nFrom:", b"\n>From:").replace(b"Hello", b"From here\n>From there"))
        out.append(MBOX_SEP.replace(b"\n", b"\r\n") + (b"\r\n" + MBOX_SEP).join(group))
    return out


DNS_NAMES = [b"sel._domainkey.example.com", b"brisbane._domainkey.example.com",
             b"test._domainkey.football.example.com", b"adv._domainkey.example.com"]


def seeds_dns():
    """Raw answers to TXT queries, made with dnslib; byte 0 selects the name (fuzz_dns.c)."""
    try:
        from dnslib import CNAME, DNSRecord, QTYPE, RCODE, RR, SOA, TXT
    except ImportError:
        return []
    out = []
    records = [t for _, dns in cases() for t in txt_records(dns)][:30]
    for i, data in enumerate(records):
        idx = i % 4
        name = DNS_NAMES[idx].decode()
        q = DNSRecord.question(name, "TXT")
        a = q.reply()
        a.add_answer(RR(name, QTYPE.TXT, ttl=300,
                        rdata=TXT([data[k:k + 255] for k in range(0, len(data), 255)] or [b""])))
        if i % 3 == 0:  # a CNAME chain in front
            other = "alias%d.example.net" % i
            a = q.reply()
            a.add_answer(RR(name, QTYPE.CNAME, ttl=60, rdata=CNAME(other)))
            a.add_answer(RR(other, QTYPE.TXT, ttl=300, rdata=TXT([data[:255]])))
        out.append(bytes([idx | (4 if i % 5 == 0 else 0)]) + a.pack())
    for idx, name in enumerate(DNS_NAMES):
        q = DNSRecord.question(name.decode(), "TXT")
        nx = q.reply()
        nx.header.rcode = RCODE.NXDOMAIN
        nx.add_auth(RR("example.com", QTYPE.SOA, ttl=600,
                       rdata=SOA("ns1.example.com", "hostmaster.example.com",
                                 (1, 3600, 600, 86400, 300))))
        out.append(bytes([idx]) + nx.pack())
        loop = q.reply()
        loop.add_answer(RR(name.decode(), QTYPE.CNAME, rdata=CNAME("a.example.net")))
        loop.add_answer(RR("a.example.net", QTYPE.CNAME, rdata=CNAME(name.decode())))
        out.append(bytes([idx]) + loop.pack())
    return out


def seeds_display():
    """Byte 0 (message, hostile mode), then 4-byte mutations (fuzz_display.c)."""
    def op(code, pos, arg):
        return bytes([code, pos >> 8 & 255, pos & 255, arg])
    out = [bytes([m]) for m in (0, 1, 2, 0x80, 0x81, 0x82)]
    for m in range(3):
        for arg in range(12):  # a forged line at the top or inside the header
            out.append(bytes([m]) + op(0x83, 0, arg))
            out.append(bytes([m]) + op(0x83, 500 + 40 * arg, arg | 0x10 * (arg % 4)))
        for pos in (300, 450, 600, 750):  # a copy above; tokens in the header
            out.append(bytes([m]) + op(0x84, pos, 1) + op(0x84, pos, 0))
            for tok in (0, 1, 2, 3, 6, 14):
                out.append(bytes([m]) + op(0x80, pos, tok))
        out.append(bytes([m]) + op(0x05, 0, 0) + op(0x01, 200, 1))
    # Hostile mode: bytes put inside "From: Mallory <x@evil.test>" before evil.test signs.
    trace = ("Received: from mx1.example.net (mx1.example.net [192.0.2.1])\r\n"
             "\tby mail.example.org with ESMTPS id A1B; Tue, 14 Nov 2023 22:13:20 +0000\r\n"
             "X-Mailer: Exemplar Mail 4.1\r\n")
    angle = len(trace) + len("From: Mallory ")
    for ins in (b"<ceo@example.com> (\\) ", b"<ceo@example.com> ", b"ceo@example.com ",
                b"(<ceo@example.com>) ", b"ceo@example.com, ", b"\r<ceo@example.com>"):
        for m in range(3):
            out.append(bytes([0x80 | m]) + op(0x06, angle, len(ins)) + ins)
    return out


SEEDS = {
    "tags": seeds_tags,
    "sig": seeds_sig,
    "keyrec": seeds_keyrec,
    "header": seeds_header,
    "addr": seeds_addr,
    "canon": seeds_canon,
    "verify": seeds_verify,
    "diagnose": seeds_diagnose,
    "archive": seeds_archive,
    "arc": seeds_arc,
    "mbox": seeds_mbox,
    "dns": seeds_dns,
    "display": seeds_display,
}

# Seeds larger than this slow a fuzzer down more than they teach it.
MAX_SEED = 65536


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    outdir = sys.argv[1]
    targets = sys.argv[2:] or sorted(SEEDS)
    for t in targets:
        t = t[len("fuzz_"):] if t.startswith("fuzz_") else t
        if t not in SEEDS:
            print("seeds: no seeds for %s (add a function to fuzz/seeds.py)" % t)
            continue
        d = os.path.join(outdir, t)
        os.makedirs(d, exist_ok=True)
        n = 0
        for s in SEEDS[t]():
            if len(s) > MAX_SEED:
                continue
            name = hashlib.sha1(s).hexdigest()
            p = os.path.join(d, name)
            if not os.path.exists(p):
                with open(p, "wb") as f:
                    f.write(s)
                n += 1
        print("seeds: %-8s %4d new in %s" % (t, n, d))
    return 0


if __name__ == "__main__":
    sys.exit(main())
