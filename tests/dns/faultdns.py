#!/usr/bin/python3
"""A small DNS server for tests: serves TXT records on 127.0.0.1 over UDP and
TCP, and misbehaves on demand in the ways a real server will not: SERVFAIL,
REFUSED, silence, truncation, oversized and many-string TXT, CNAME chains and
loops, several records, the AD bit, malformed records, slow answers.

    faultdns.py [--port N] [--log FILE] [--keys FILE] [--rule NAME=FLAG[,FLAG]]...
                [--delay MS]

Prints the port (UDP and TCP alike) on a line of its own once it listens.
Exits when its standard input closes (the test that started it is gone), on
SIGTERM, or after --lifetime seconds (default 300), so no test can leave it
running. Listens on 127.0.0.1 only.

Records come from --keys (OpenDKIM key-file lines: NAME TXT-DATA) and from a
built-in zone under fault.test (and _domainkey.fault.test), where the first label picks the behaviour
(see ZONE below). Names under bench.test all have a key (for benchmarks).
A --rule adds flags to a name: servfail refused timeout nxdomain nodata ad tc
spf (adds an SPF record) also=OTHER (adds OTHER's records) ttl=N.
Each query is logged to --log as "udp|tcp NAME TYPE". --delay holds every
answer back (each in its own thread), like a resolver far away.
"""
import argparse
import os
import socket
import socketserver
import struct
import sys
import threading
import time

from dnslib import CNAME, DNSHeader, DNSRecord, QTYPE, RCODE, RR, SOA, TXT

KEY = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
KEY2 = "v=DKIM1; k=ed25519; p=ZHVtbXkga2V5IGZvciB0ZXN0cyBvbmx5IDMyIGJ5dGU="
SOA_RR = ("fault.test", SOA("ns.fault.test", "hostmaster.fault.test", (1, 3600, 600, 86400, 90)))

# name (first label under fault.test) -> description; handled in answer().
ZONE = {
    "ok": "one TXT record, TTL 300",
    "ttl5": "one TXT record, TTL 5",
    "multi": "the key split into 3-byte strings",
    "big": "a 20000-byte TXT record (UDP truncated, so TCP)",
    "tc": "a small answer, but always truncated over UDP",
    "servfail": "SERVFAIL",
    "refused": "REFUSED",
    "timeout": "no answer at all",
    "nxdomain": "NXDOMAIN with an SOA (negative TTL 90)",
    "nodata": "NOERROR without records, with an SOA (negative TTL 90)",
    "cname": "CNAME to target.fault.test and its TXT in the same answer",
    "partial": "only a CNAME to target.fault.test (the target must be asked)",
    "target": "the target of cname and partial: one TXT record",
    "loop": "CNAME loop inside one answer: loop -> loop2 -> loop",
    "loopa": "CNAME to loopb only; loopb answers CNAME to loopa",
    "chain": "a chain of 12 CNAMEs in one answer",
    "several": "two records: an SPF record and the key",
    "ambiguous": "two records that are different DKIM keys",
    "many": "100 TXT records",
    "ad": "one TXT record with the AD bit set",
    "badrr": "an answer whose TXT string runs past its record",
    "slow": "one TXT record, after 300 ms",
    "nul": "a TXT record holding a NUL byte",
}


def split255(data):
    b = data.encode("latin-1") if isinstance(data, str) else data
    return [b[i:i + 255] for i in range(0, len(b), 255)] or [b""]


class Server:
    def __init__(self, args):
        self.keys = {}
        self.rules = {}
        self.log = open(args.log, "a", buffering=1) if args.log else None
        self.lock = threading.Lock()
        self.delay = args.delay / 1000.0
        if args.keys:
            with open(args.keys, encoding="latin-1") as f:
                for line in f:
                    line = line.strip()
                    if not line or line.startswith("#"):
                        continue
                    name, _, txt = line.partition(" ")
                    if txt.startswith('"'):
                        txt = "".join(p for i, p in enumerate(txt.split('"')) if i % 2)
                    self.keys.setdefault(name.lower().rstrip("."), []).append(txt.strip())
        for r in args.rule or []:
            name, _, flags = r.partition("=")
            self.rules.setdefault(name.lower().rstrip("."), []).extend(flags.split(","))

    def record(self, transport, name, qtype):
        if self.log:
            with self.lock:
                self.log.write("%s %s %s\n" % (transport, name, qtype))

    def txt_rr(self, name, data, ttl=300):
        return RR(name, QTYPE.TXT, rdata=TXT(split255(data)), ttl=ttl)

    def answer(self, req, transport):
        """Returns the reply bytes, or None to stay silent."""
        q = req.q
        name = str(q.qname).lower().rstrip(".")
        self.record(transport, name, QTYPE[q.qtype])
        if self.delay:
            time.sleep(self.delay)
        rep = req.reply()
        rep.header.ra = 1
        rep.header.ad = 0
        flags = list(self.rules.get(name, []))
        first, _, rest = name.partition(".")
        # "X.fault.test" and "X._domainkey.fault.test" both behave as X.
        builtin = first if rest in ("fault.test", "_domainkey.fault.test") else None
        if builtin in ("servfail", "refused", "timeout", "nxdomain", "nodata", "ad", "tc"):
            flags.append(builtin)
        if "timeout" in flags:
            return None
        if "servfail" in flags:
            rep.header.rcode = RCODE.SERVFAIL
            return rep.pack()
        if "refused" in flags:
            rep.header.rcode = RCODE.REFUSED
            return rep.pack()
        if "nxdomain" in flags:
            rep.header.rcode = RCODE.NXDOMAIN
            rep.add_auth(RR(SOA_RR[0], QTYPE.SOA, rdata=SOA_RR[1], ttl=600))
            return rep.pack()
        if "ad" in flags:
            rep.header.ad = 1
        ttl = 300
        for f in flags:
            if f.startswith("ttl="):
                ttl = int(f[4:])

        recs = list(self.keys.get(name, []))
        for f in flags:
            if f.startswith("also="):
                recs += self.keys.get(f[5:], [])
            if f == "spf":
                recs.insert(0, "v=spf1 -all")
        if q.qtype not in (QTYPE.TXT, QTYPE.ANY) or "nodata" in flags:
            recs = []
        elif builtin is not None or rest == "bench.test" or name.endswith(".bench.test"):
            recs = self.builtin(rep, name, builtin)
            if recs is None:
                return None
            if isinstance(recs, bytes):
                return recs
        elif not recs and name not in self.keys:
            rep.header.rcode = RCODE.NXDOMAIN
            rep.add_auth(RR(SOA_RR[0], QTYPE.SOA, rdata=SOA_RR[1], ttl=600))
            return rep.pack()
        for r in recs:
            rep.add_answer(self.txt_rr(name, r, ttl))
        if not rep.rr:
            rep.add_auth(RR(SOA_RR[0], QTYPE.SOA, rdata=SOA_RR[1], ttl=600))
        return rep.pack()

    def builtin(self, rep, name, b):
        """Records for the built-in zone; may add CNAMEs itself. None: silence."""
        if b is None or b in ("ok", "ad", "tc", "target"):
            return [KEY]
        if b == "ttl5":
            rep.add_answer(self.txt_rr(name, KEY, 5))
            return []
        if b == "multi":
            rep.add_answer(RR(name, QTYPE.TXT, rdata=TXT([KEY[i:i + 3].encode()
                                                          for i in range(0, len(KEY), 3)])))
            return []
        if b == "big":
            return ["v=DKIM1; k=ed25519; n=" + "x" * 20000 + "; p=" + KEY.split("p=")[1]]
        if b == "cname":
            rep.add_answer(RR(name, QTYPE.CNAME, rdata=CNAME("target.fault.test"), ttl=200))
            rep.add_answer(self.txt_rr("target.fault.test", KEY, 100))
            return []
        if b == "partial":
            rep.add_answer(RR(name, QTYPE.CNAME, rdata=CNAME("target.fault.test"), ttl=200))
            return []
        if b == "loop":
            rep.add_answer(RR(name, QTYPE.CNAME, rdata=CNAME("loop2.fault.test")))
            rep.add_answer(RR("loop2.fault.test", QTYPE.CNAME, rdata=CNAME(name)))
            return []
        if b in ("loopa", "loopb"):
            other = "loopb" if b == "loopa" else "loopa"
            rep.add_answer(RR(name, QTYPE.CNAME, rdata=CNAME(other + ".fault.test")))
            return []
        if b == "chain" or b.startswith("chain"):
            cur = name
            for i in range(12):
                nxt = "c%d.fault.test" % i
                rep.add_answer(RR(cur, QTYPE.CNAME, rdata=CNAME(nxt)))
                cur = nxt
            rep.add_answer(self.txt_rr(cur, KEY))
            return []
        if b == "several":
            return ["v=spf1 -all", KEY]
        if b == "ambiguous":
            return [KEY, KEY2]
        if b == "many":
            return ["record %d" % i for i in range(100)]
        if b == "badrr":
            rep.add_answer(self.txt_rr(name, "abcdef"))
            raw = bytearray(rep.pack())
            raw[-7] = 200  # the TXT string's length byte now runs past the end
            return bytes(raw)
        if b == "slow":
            time.sleep(0.3)
            return [KEY]
        if b == "nul":
            return [b"v=DKIM1; n=a\x00b; p=" + KEY.split("p=")[1].encode()]
        rep.header.rcode = RCODE.NXDOMAIN
        rep.add_auth(RR(SOA_RR[0], QTYPE.SOA, rdata=SOA_RR[1], ttl=600))
        return []


def udp_limit(req):
    """The client's UDP payload size (EDNS), else 512."""
    for rr in req.ar:
        if rr.rtype == QTYPE.OPT:
            return max(512, rr.rclass)
    return 512


def truncate(data, req):
    r = DNSRecord.parse(data)
    r.header.tc = 1
    r.rr, r.auth, r.ar = [], [], []
    return r.pack()


class UDPHandler(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        try:
            req = DNSRecord.parse(data)
        except Exception:
            return
        out = self.server.dns.answer(req, "udp")
        if out is None:
            return
        name = str(req.q.qname).lower().rstrip(".")
        forced = "tc" in self.server.dns.rules.get(name, []) or name == "tc.fault.test"
        if forced or len(out) > udp_limit(req):
            out = truncate(out, req)
        sock.sendto(out, self.client_address)


class TCPHandler(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.settimeout(5)
        try:
            while True:
                head = self.request.recv(2)
                if len(head) < 2:
                    return
                (n,) = struct.unpack("!H", head)
                data = b""
                while len(data) < n:
                    chunk = self.request.recv(n - len(data))
                    if not chunk:
                        return
                    data += chunk
                req = DNSRecord.parse(data)
                out = self.server.dns.answer(req, "tcp")
                if out is None:
                    continue
                self.request.sendall(struct.pack("!H", len(out)) + out)
        except (OSError, Exception):
            return


class ThreadedUDP(socketserver.ThreadingMixIn, socketserver.UDPServer):
    daemon_threads = True


class ThreadedTCP(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log")
    ap.add_argument("--keys")
    ap.add_argument("--rule", action="append")
    ap.add_argument("--lifetime", type=float, default=300)
    ap.add_argument("--delay", type=float, default=0, help="ms before each answer")
    args = ap.parse_args()
    dns = Server(args)
    for attempt in range(50):
        udp = ThreadedUDP(("127.0.0.1", args.port), UDPHandler)
        port = udp.server_address[1]
        try:
            tcp = ThreadedTCP(("127.0.0.1", port), TCPHandler)
            break
        except OSError:
            udp.server_close()
            if args.port:
                raise
    else:
        sys.exit("faultdns: no free port")
    udp.dns = tcp.dns = dns
    for s in (udp, tcp):
        threading.Thread(target=s.serve_forever, daemon=True).start()
    print(port, flush=True)

    def watch_stdin():
        try:
            while sys.stdin.buffer.read(1024):
                pass
        except Exception:
            pass
        os._exit(0)

    threading.Thread(target=watch_stdin, daemon=True).start()
    time.sleep(args.lifetime)
    os._exit(0)


if __name__ == "__main__":
    main()
