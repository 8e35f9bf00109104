#!/usr/bin/python3
"""Differential test of lib/addr.c (da_addrlist_parse) against two readers:
GMime 3 (internet_address_list_parse, through addr_readers) and Python's
email package (policy=default, msg["From"].addresses).

Property: whenever dkimarc reads a value one way (not ambiguous), both
readers give exactly its mailboxes, in order (local part exact, domain
ignoring ASCII case; GMime shows A-labels decoded). Inputs: cases.py (the
issue's, RFC 5322's, tricky and realistic values), mutants of its valid
values (bytes inserted, deleted, replaced, slices repeated), values of random
tokens, and random values from the RFC's grammar. Realistic values must read
one way; TRICKY values marked True/False must be ambiguous / not.

    /usr/bin/python3 run_addr.py --readers BUILD/tests/addr/addr_readers
        [-n MUTANTS] [--soup N] [--grammar N] [--seed S] [-v]

-v adds why values were called ambiguous, split by whether GMime and Python
themselves disagree on them, and how they disagree.
"""

import argparse
import collections
import email
import email.policy
import json
import os
import random
import subprocess
import sys
import warnings

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cases  # noqa: E402

# The brief's mutation bytes, and a few more that parsers trip on.
ALPHABET = [b"<", b">", b"(", b")", b"\\", b"\"", b",", b";", b":", b"@", b" ", b"\t",
            b"\r\n ", b"\x00", b".", b"[", b"]", b"=?", b"\r", b"\n", b"\xff", "é".encode(),
            b"a", b"@x.example", b"<y@z.example>", b"(c)", b"?=", b"=?utf-8?q?", b"=?utf-8?b?",
            b"=0A", b"_", b"/", b"'", b"=", b"?", b"~", "€".encode(), b"\x85", b"\x7f", b"xn--"]


def mutate(rng, v):
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
        op = rng.randrange(4)
        i = rng.randrange(len(v) + 1)
        if op == 0 or not v:
            v = v[:i] + rng.choice(ALPHABET) + v[i:]
        elif op == 1:
            j = min(len(v), i + rng.choice((1, 1, 1, 2, 5)))
            v = v[:i] + v[j:]
        elif op == 2:
            v = v[:i] + rng.choice(ALPHABET) + v[i + 1:]
        else:  # duplicate a slice: two addresses, two angle-addrs, ...
            j = min(len(v), i + rng.randrange(1, 24))
            k = rng.randrange(len(v) + 1)
            v = v[:k] + v[i:j] + v[k:]
    return v


def soup(rng):
    """A value made of random RFC 5322 tokens: finds structures mutants of valid values miss."""
    def word():
        return rng.choice([b"ceo", b"x", b"John", b"a.b", b"=?utf-8?q?x?=", b"=?utf-8?q?J_D", b"D?=",
                           "Jö".encode(), b"\"q\"", b"\"a b\"", b"\"a\\\"b\"", b"\"<x@evil.test>\"",
                           b"\"a,b\"", b"\"\"", b"\" \"", b"\"=?utf-8?q?x\"", b"\"?=\"",
                           b"a/b", b"xn--bcher-kva", b"\"a\\\r\n b\""])
    parts = [word, lambda: rng.choice([b"example.com", b"evil.test", b"[192.0.2.1]", b"EXAMPLE.com"]),
             lambda: rng.choice([b"<", b">", b"@", b",", b";", b":", b".", b"<@r.example:"]),
             lambda: rng.choice([b" ", b"\t", b"\r\n ", b""]),
             lambda: rng.choice([b"(c)", b"(a (b) c)", b"(\\))", b"(<x@evil.test>)", b"(=?utf-8?q?x)"])]
    return b"".join(rng.choice(parts)() for _ in range(rng.randrange(1, 14)))


def grammar(rng):
    """A random value from RFC 5322's grammar (§3.2-3.4, §4.4): finds the valid forms
    readers part on."""
    pick = rng.choice

    def cfws():
        return pick([b"", b"", b" ", b"\t", b"\r\n ", b" (c) ", b"(a \\) (b) c)", b"(\"x\")",
                     b" (<x@evil.test>) ", "(ö)".encode(), b"(=?utf-8?q?x?=)"])

    def atom():
        return pick([b"ceo", b"John", b"a+b", b"x_y", b"O'Neil", b"{a}", b"a/b", b"=?utf-8?q?J=C3=B6?=",
                     "Jö".encode(), b"=?utf-8?b?SsO2?=", b"xn--bcher-kva", b"1", b"-"])

    def qstring():
        body = b"".join(pick([b"a", b" ", b"\\\"", b"\\\\", b",", b"<", b">", b"@", b":", b";",
                              b"(", b")", b".", "é".encode(), b"\\x", b"=?", b"?="])
                        for _ in range(rng.randrange(0, 6)))
        return b"\"" + body + b"\""

    def word():
        return atom() if rng.random() < 0.7 else qstring()

    def phrase():
        out = cfws() + word()
        for _ in range(rng.randrange(0, 3)):
            out += cfws() + (b"." if rng.random() < 0.2 else word())
        return out + cfws()

    def local():
        k = rng.random()
        if k < 0.5:
            return b".".join(atom() for _ in range(rng.randrange(1, 3)))
        if k < 0.8:
            return qstring()
        return (cfws() + b".").join(cfws() + word() + cfws() for _ in range(rng.randrange(1, 3)))

    def domain():
        k = rng.random()
        if k < 0.7:
            return b".".join(pick([b"example", b"com", b"EVIL", b"test", b"xn--bcher-kva", "bü".encode()])
                             for _ in range(rng.randrange(1, 4)))
        if k < 0.85:
            return pick([b"[192.0.2.1]", b"[IPv6:2001:db8::1]", b"[x@y]"])
        return (cfws() + b".").join(cfws() + atom() + cfws() for _ in range(rng.randrange(1, 3)))

    def addr_spec():
        return local() + b"@" + domain()

    def mailbox():
        if rng.random() < 0.4:
            return cfws() + addr_spec() + cfws()
        route = b""
        if rng.random() < 0.15:
            route = b",".join(cfws() + b"@" + domain() for _ in range(rng.randrange(1, 3))) + b":"
        name = phrase() if rng.random() < 0.8 else b""
        return name + cfws() + b"<" + route + addr_spec() + b">" + cfws()

    def address():
        if rng.random() < 0.8:
            return mailbox()
        members = (b"," + cfws()).join(mailbox() for _ in range(rng.randrange(0, 3)))
        return phrase() + b":" + (members or cfws()) + b";" + cfws()

    return b",".join(address() for _ in range(rng.randrange(1, 4)))


def python_read(v):
    """Python's mailboxes as (local, domain) bytes, or an error string."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            msg = email.message_from_bytes(b"From: " + v + b"\r\n\r\n",
                                           policy=email.policy.default)
            h = msg["From"]
            if h is None:
                return []
            return [(a.username.encode("utf-8", "surrogateescape"),
                     a.domain.encode("utf-8", "surrogateescape")) for a in h.addresses]
    except Exception as e:  # a reader that fails does not read the value our way
        return "error: %s" % type(e).__name__


def as_bytes(s):
    return None if s is None else s.encode("latin-1")


def same_domain(ours, theirs):
    """Equal but for ASCII case; GMime shows an A-label ("xn--...") as the Unicode it
    decodes to (for a label that is not canonical punycode, one that encodes back to
    another A-label), so such a label of ours matches any label of the reader's."""
    if ours is None or theirs is None:
        return False
    a, b = ours.lower().split(b"."), theirs.lower().split(b".")
    return len(a) == len(b) and all(x == y or x.startswith(b"xn--") for x, y in zip(a, b))


def same(ours, theirs):
    """Same mailboxes, in order: local parts equal, domains per same_domain."""
    if isinstance(theirs, str) or len(ours) != len(theirs):
        return False
    return all(o[0] == t[0] and same_domain(o[1], t[1]) for o, t in zip(ours, theirs))


def show(lst):
    if isinstance(lst, str):
        return lst
    return "[" + ", ".join("%r@%r" % (l, d) for l, d in lst) + "]"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--readers", required=True)
    ap.add_argument("-n", type=int, default=6000, help="mutants")
    ap.add_argument("--soup", type=int, default=3000, help="values of random tokens")
    ap.add_argument("--grammar", type=int, default=6000, help="values from the RFC's grammar")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("-v", action="store_true", help="list where GMime and Python disagree")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    inputs = []  # (value, kind, expected ambiguity or None)
    for v, exp in cases.TRICKY:
        inputs.append((v, "tricky", exp))
    for v in cases.REALISTIC:
        inputs.append((v, "realistic", False))
    # Many mailboxes, only the last one of another domain: no cap on the count.
    for k in (9, 20, 300):
        inputs.append((b", ".join([b"x@evil.test"] * k + [b"ceo@example.com"]), "many", False))
    bases = [v for v, e in cases.TRICKY if e is False] + list(cases.REALISTIC)
    for _ in range(args.n):
        inputs.append((mutate(rng, rng.choice(bases)), "mutant", None))
    for _ in range(args.soup):
        inputs.append((soup(rng), "soup", None))
    for _ in range(args.grammar):
        inputs.append((grammar(rng), "grammar", None))

    feed = "".join(v.hex() + "\n" for v, _, _ in inputs).encode()
    r = subprocess.run([args.readers], input=feed, stdout=subprocess.PIPE, check=True)
    rows = [json.loads(l) for l in r.stdout.decode().split("\n") if l]
    if len(rows) != len(inputs):
        print("FAIL: %d answers for %d inputs" % (len(rows), len(inputs)))
        return 1

    failures = []
    stats = collections.Counter()
    disagree = collections.defaultdict(list)
    for (v, kind, exp), row in zip(inputs, rows):
        ours = [(as_bytes(l), as_bytes(d)) for l, d in row["ours"]]
        gm = [(as_bytes(l), as_bytes(d)) for l, d in row["gmime"]]
        py = python_read(v)
        amb = row["amb"]
        stats[(kind, "ambiguous" if amb else "one reading")] += 1
        # Python keeps A-labels as they came, GMime shows them decoded.
        readers_agree = same(py, gm) if not isinstance(py, str) else False
        if not readers_agree:
            disagree["ambiguous" if amb else "one reading"].append((v, gm, py, row["why"]))
        elif amb:
            disagree["strict"].append((v, gm, py, row["why"]))
        if not amb and not (same(ours, gm) and same(ours, py)):
            failures.append("%s value %r: ours %s, GMime %s, Python %s" %
                            (kind, v, show(ours), show(gm), show(py)))
        if exp is not None and amb != exp:
            failures.append("%s value %r: expected %s, got %s (%s) %s" %
                            (kind, v, "ambiguous" if exp else "one reading",
                             "ambiguous" if amb else "one reading", row["why"], show(ours)))

    for k in sorted(stats):
        print("%-10s %-12s %5d" % (k[0], k[1], stats[k]))
    print("GMime and Python disagree on %d values we call ambiguous, %d we read one way"
          % (len(disagree["ambiguous"]), len(disagree["one reading"])))
    if args.v:
        # Why we call values ambiguous, split by whether the readers themselves disagree.
        for label, key in (("readers disagree", "ambiguous"), ("readers agree", "strict")):
            c = collections.Counter(why.split(" (byte")[0] for _, _, _, why in disagree[key])
            print("ambiguous, %s (%d):" % (label, sum(c.values())))
            for why, k in c.most_common():
                print("  %6d  %s" % (k, why))
        # What the readers do differently, by kind of input.
        c = collections.Counter()
        for v, gm, py, why in disagree["ambiguous"]:
            if isinstance(py, str):
                c["Python raises (%s)" % py] += 1
            elif len(gm) != len(py):
                c["different number of mailboxes"] += 1
            else:
                c["same count, different addr-specs"] += 1
        for k, n in c.most_common():
            print("  %6d  %s" % (n, k))
    for f in failures[:40]:
        print("FAIL: " + f)
    if failures:
        print("%d failures" % len(failures))
        return 1
    print("ok: every value read one way is read the same way by GMime and Python")
    return 0


if __name__ == "__main__":
    sys.exit(main())
