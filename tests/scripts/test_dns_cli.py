"""dkimarc verify and dkimarc keys against live DNS, on 127.0.0.1 only.

Starts dnsmasq (a real DNS server) serving the bundled sample's keys
(vectors/sample/keys.txt) and tests/dns/faultdns.py for failures a real server
will not produce on demand, at high ports, and stops both at the end. Checks:
live verdicts against vectors/sample/expected.txt; `keys list` counts against
the signatures' own s= and d= (read here with Python's email parser); `keys
pin` records against keys.txt; that verifying with the pinned archive alone
gives the live run's results; that --keys alone sends nothing (strace) and
that --keys with --dns asks DNS only for what the archive lacks (dnsmasq's
query log); SERVFAIL, timeouts, several records, the AD bit. Run by ctest
with DKIMARC and SRCDIR set. Ends with "N passed, M failed".
"""
import calendar
import email.parser
import glob
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

DKIMARC = os.environ["DKIMARC"]
SRCDIR = os.environ.get("SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
SAMPLE = os.path.join(SRCDIR, "vectors", "sample")
AT = "2024-06-01T00:00:00Z"
MSGS = sorted(glob.glob(os.path.join(SAMPLE, "*.eml")))

tmp = tempfile.mkdtemp(prefix="dkimarc-dnscli.")
procs = []
passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: %s%s" % (name, (": " + str(detail)[:2000]) if detail else ""))


def run(*args, timeout=60):
    return subprocess.run([DKIMARC, *args], capture_output=True, text=True, timeout=timeout)


def sample_keys():
    """name -> TXT from the OpenDKIM key file that dnsmasq serves."""
    keys = {}
    with open(os.path.join(SAMPLE, "keys.txt")) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                name, txt = line.split(None, 1)
                keys[name.lower()] = txt
    return keys


def probe(port, name="mail2024._domainkey.example.com"):
    """True once something answers DNS on 127.0.0.1:port."""
    from dnslib import DNSRecord
    try:
        DNSRecord.question(name, "TXT").send("127.0.0.1", port, timeout=0.5)
        return True
    except Exception:
        return False


def start_dnsmasq(keys):
    conf = os.path.join(tmp, "dnsmasq.conf")
    with open(conf, "w") as f:
        for name, txt in keys.items():
            chunks = [txt[i:i + 255] for i in range(0, len(txt), 255)]
            f.write("txt-record=%s,%s\n" % (name, ",".join('"%s"' % c for c in chunks)))
        # Names under these domains that have no record are NXDOMAIN, never forwarded.
        f.write("local=/example.com/example.net/\n")
    log = os.path.join(tmp, "dnsmasq.log")
    for _ in range(30):
        port = random.randint(20000, 60000)
        # timeout(1) ends dnsmasq even if this script is killed before it can.
        p = subprocess.Popen(["timeout", "300", "dnsmasq", "--keep-in-foreground", "--conf-file=" + conf,
                              "--port=%d" % port, "--listen-address=127.0.0.1",
                              "--bind-interfaces", "--no-resolv", "--no-hosts", "--pid-file=",
                              "--user=" + ("root" if os.geteuid() == 0 else "nobody"),
                              "--local-ttl=300", "--log-queries", "--log-facility=" + log],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(50):
            if p.poll() is not None or probe(port):
                break
            time.sleep(0.1)
        if p.poll() is None:
            procs.append(p)
            return port, log
    sys.exit("cannot start dnsmasq on 127.0.0.1")


def start_fault(*args):
    log = os.path.join(tmp, "fault.log")
    p = subprocess.Popen(["/usr/bin/python3", os.path.join(SRCDIR, "tests", "dns", "faultdns.py"),
                          "--log", log, "--lifetime", "240", *args],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    procs.append(p)
    port = int(p.stdout.readline())
    return port, log


def queries(log, name):
    """How many times dnsmasq's log shows name asked."""
    try:
        with open(log) as f:
            return sum(1 for line in f if re.search(r"query\[TXT\] %s from" % re.escape(name), line))
    except FileNotFoundError:
        return 0


def reports(out):
    return {os.path.basename(r["file"]): r for r in map(json.loads, out.splitlines())}


def results(rep):
    """What must not change between the live run and the pinned archive."""
    return (rep["verdict"], [(s["result"], s["reason"], s["key_bits"], s["key_record"] and
                              s["key_record"]["dnssec"]) for s in rep["signatures"]])


def signed_sample():
    """The sample messages with a DKIM-Signature, read with Python's email parser."""
    out = []
    for m in MSGS:
        with open(m, "rb") as f:
            if email.parser.BytesHeaderParser().parse(f).get_all("DKIM-Signature"):
                out.append(os.path.basename(m))
    return out


def outage(keys, truth):
    """A resolver that is down: every lookup fails for now. verify, scan and keys
    pin say so at the end, exit 4, and pin writes no archive (issue 15)."""
    needed = ["%s._domainkey.%s" % n for n in truth]
    signed = signed_sample()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    dead = "127.0.0.1:%d" % s.getsockname()[1]
    s.close()
    modes = [("SERVFAIL", "SERVFAIL"), ("REFUSED", "REFUSED"), ("timeout", "timeouts"),
             ("not listening", "with no resolver reachable")]
    for mode, words in modes:
        if mode == "not listening":
            server = dead
        else:
            flag = mode.lower()
            port, _ = start_fault("--keys", os.path.join(SAMPLE, "keys.txt"),
                                  *[a for n in needed for a in ("--rule", "%s=%s" % (n, flag))])
            server = "127.0.0.1:%d" % port
        # A short timeout where one is wanted; room for a busy machine where an answer is.
        wait = "200" if mode in ("timeout", "not listening") else "3000"
        opts = ["--dns-server", server, "--dns-timeout", wait, "--dns-tries", "1", "--at", AT]

        def said(line, tail):
            """The last line names every key and why; kinds add up to the keys. A port
            nobody listens on refuses the queries c-ares sends before it gives up the
            socket, and lets the others time out."""
            m = re.fullmatch(r"dkimarc: (\d+) keys could not be fetched: (.*) \(resolver (\S+)\); "
                             r"(.*)", line)
            if not m or int(m.group(1)) != len(needed) or m.group(3) != server or \
                    m.group(4) != tail:
                return False
            kinds = [re.fullmatch(r"(\d+) (.*)", k).groups() for k in m.group(2).split(", ")]
            allowed = {words, "timeout", "timeouts"} if mode == "not listening" else {words}
            return sum(int(c) for c, _ in kinds) == len(needed) and \
                all(w in allowed for _, w in kinds)

        t0 = time.time()
        r = run("verify", "--json", *opts, *MSGS)
        took = time.time() - t0
        reps = reports(r.stdout)
        tempfailed = sorted(n for n, x in reps.items()
                            if any(g["reason"] == "dns_tempfail" for g in x["signatures"]))
        check("%s: verify: every signed message rests on a failed lookup" % mode,
              tempfailed == sorted(signed), (tempfailed, signed))
        check("%s: verify exits 4 and says so last" % mode, r.returncode == 4 and
              said(r.stderr.splitlines()[-1], "the verdicts of %d messages rest on them and are "
                   "provisional: run again later" % len(signed)), (r.returncode, r.stderr))
        check("%s: verify does not wait on a resolver that answers or is gone" % mode,
              mode == "timeout" or took < 5, took)

        r = run("scan", "--json", "--no-progress", *opts, SAMPLE)
        scanned = [json.loads(x) for x in r.stdout.splitlines()]
        n = sum(1 for x in scanned if x.get("verdict_code") == "dns_tempfail")
        check("%s: scan exits 4 and says so last" % mode, r.returncode == 4 and n == len(signed)
              and said(r.stderr.splitlines()[-1], "the verdicts of %d messages rest on them and "
                       "are provisional: run again later" % n), (r.returncode, n, r.stderr))

        out = os.path.join(tmp, "outage.jsonl")
        r = run("keys", "pin", *opts[:-2], SAMPLE, "-o", out)
        check("%s: keys pin exits 4, writes no archive, says so" % mode,
              r.returncode == 4 and not os.path.exists(out) and
              said(r.stderr.splitlines()[-1],
                   "no archive written (%s not created): run again later" % out),
              (r.returncode, r.stderr))
        with open(out, "w") as f:
            f.write('{"name":"kept._domainkey.example.com","txt":"v=DKIM1; p="}\n')
        for flag in ("--force", "--append"):
            r = run("keys", "pin", *opts[:-2], SAMPLE, "-o", out, flag)
            check("%s: keys pin %s leaves the archive as it was" % (mode, flag),
                  r.returncode == 4 and "(%s left as it was)" % out in r.stderr and
                  open(out).read().startswith('{"name":"kept.') and len(open(out).readlines()) == 1,
                  (r.returncode, r.stderr))
        os.unlink(out)

    # Precedence: an input error (2) over provisional (4); archives alone never ask DNS.
    bad = os.path.join(tmp, "notes.txt")
    with open(bad, "w") as f:
        f.write("no header here\n")
    r = run("verify", "--dns-server", dead, "--at", AT, bad, os.path.join(SAMPLE, "confirmed-rsa.eml"))
    check("verify: an input error (2) wins over a provisional verdict (4)",
          r.returncode == 2 and "provisional" in r.stderr, (r.returncode, r.stderr))
    r = run("verify", "--keys", os.path.join(SAMPLE, "keys.zone"), "--dns-server", dead, "--at", AT,
            os.path.join(SAMPLE, "confirmed-rsa.eml"))
    check("verify: a key the archive holds is not asked of DNS: exit 0, nothing said",
          r.returncode == 0 and "could not be fetched" not in r.stderr, (r.returncode, r.stderr))
    r = run("verify", "--keys", os.path.join(SAMPLE, "keys.zone"), "--dns", "--dns-server", dead,
            "--at", AT, "--json", *MSGS)
    missing = [n for n, x in reports(r.stdout).items()
               if any(g["reason"] == "dns_tempfail" for g in x["signatures"])]
    check("verify: archive first, then a dead resolver for what it lacks: only those provisional",
          r.returncode == 4 and missing == ["unverifiable-no-key.eml"] and
          "the verdict of 1 message rests on them" in r.stderr, (r.returncode, missing, r.stderr))


def main():
    keys = sample_keys()
    expected = {}
    with open(os.path.join(SAMPLE, "expected.txt")) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                n, v = line.split()
                expected[n] = v

    port, dlog = start_dnsmasq(keys)
    server = "127.0.0.1:%d" % port

    # ---- live verification ------------------------------------------------------
    r = run("verify", "--dns-server", server, "--at", AT, "--json", *MSGS)
    check("live verify exits 1 (not all confirmed)", r.returncode == 1, r.stderr)
    live = reports(r.stdout)
    for name, verdict in expected.items():
        check("live verdict of %s" % name, live.get(name, {}).get("verdict") == verdict,
              live.get(name, {}).get("verdict_reason"))
    for name, rep in live.items():
        for s in rep["signatures"]:
            if s["key_record"]:
                check("%s: key source names the server and dnssec" % name,
                      s["key_source"] == "dns %s, dnssec: unvalidated" % server, s["key_source"])
                check("%s: record origin and fetch time" % name,
                      s["key_record"]["origin"] == "dns " + server and s["key_record"]["fetched_at"])
    nokey = live["unverifiable-no-key.eml"]["signatures"][0]
    check("NXDOMAIN is key_not_found (permerror)",
          (nokey["result"], nokey["reason"]) == ("permerror", "key_not_found") and
          "NXDOMAIN" in nokey["reason_text"], nokey)
    check("the text report has the key source line",
          ("key: dns %s, dnssec: unvalidated" % server) in
          run("verify", "--dns-server", server, "--at", AT, os.path.join(SAMPLE, "confirmed-rsa.eml")).stdout)

    # ---- keys list ------------------------------------------------------------------
    truth = {}
    for m in MSGS:
        with open(m, "rb") as f:
            hdr = email.parser.BytesHeaderParser().parse(f)
        names = set()
        for sig in hdr.get_all("DKIM-Signature") or []:
            tags = dict(t.strip().split("=", 1) for t in re.sub(r"\s+", "", str(sig)).split(";") if "=" in t)
            names.add((tags["s"].lower(), tags["d"].lower()))
        for n in names:
            truth[n] = truth.get(n, 0) + 1
    r = run("keys", "list", SAMPLE)
    got = {}
    for line in r.stdout.splitlines():
        count, sel, dom = line.split()
        got[(sel, dom)] = int(count)
    check("keys list: pairs and counts", r.returncode == 0 and got == truth, (got, truth, r.stderr))
    counts = [int(line.split()[0]) for line in r.stdout.splitlines()]
    check("keys list: most needed first", counts == sorted(counts, reverse=True), r.stdout)
    signed = sum(1 for m in MSGS if b"\nDKIM-Signature:" in b"\n" + open(m, "rb").read())
    check("keys list: summary", ", %d signed, %d distinct keys" % (signed, len(truth)) in r.stderr, r.stderr)
    r = run("keys", "list", "--json", *MSGS)
    js = [json.loads(x) for x in r.stdout.splitlines()]
    check("keys list --json", {(j["selector"], j["domain"]): j["messages"] for j in js} == truth and
          all(j["name"] == "%s._domainkey.%s" % (j["selector"], j["domain"]) for j in js), r.stdout)
    with open(os.path.join(SAMPLE, "confirmed-rsa.eml")) as f:
        r = subprocess.run([DKIMARC, "keys", "list", "-"], stdin=f, capture_output=True, text=True)
    check("keys list -", r.stdout.split() == ["1", "mail2024", "example.com"], r.stdout)
    # An mbox holding every sample message counts each message.
    mbox = os.path.join(tmp, "sample.mbox")
    with open(mbox, "wb") as out:
        for m in MSGS:
            data = open(m, "rb").read().replace(b"\r\n", b"\n")
            out.write(b"From someone@example.com Wed May  1 10:00:00 2024\n" + data.rstrip(b"\n") + b"\n\n")
    r = run("keys", "list", mbox)
    got = {(l.split()[1], l.split()[2]): int(l.split()[0]) for l in r.stdout.splitlines()}
    check("keys list of an mbox", r.returncode == 0 and got == truth and
          "%d messages read" % len(MSGS) in r.stderr, (got, r.stderr))
    # A .eml that is not mail is found when read: skipped, as other non-mail files are.
    odd = os.path.join(tmp, "odd")
    os.makedirs(odd)
    shutil.copy(os.path.join(SAMPLE, "confirmed-rsa.eml"), os.path.join(odd, "a.eml"))
    with open(os.path.join(odd, "b.eml"), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n\0\0")
    r = run("keys", "list", odd)
    check("keys list skips a .eml that is not mail",
          r.returncode == 0 and r.stdout.split() == ["1", "mail2024", "example.com"] and
          "skipped " in r.stderr and "does not begin like a mail message" in r.stderr,
          (r.returncode, r.stdout, r.stderr))

    # ---- keys pin, then verify with the pinned archive alone ----------------------
    pinned = os.path.join(tmp, "pinned.jsonl")
    t0 = time.time()
    r = run("keys", "pin", "--dns-server", server, SAMPLE, "-o", pinned)
    check("keys pin exits 0", r.returncode == 0, r.stderr)
    check("keys pin reports the key not found", "not found: missing2023._domainkey.example.com" in r.stderr, r.stderr)
    lines = [json.loads(x) for x in open(pinned)]
    want = {n: t for n, t in keys.items() if (n.split("._domainkey.")[0], n.split("._domainkey.")[1]) in truth}
    check("pinned records are what DNS serves", {x["name"]: x["txt"] for x in lines} == want and
          len(lines) == len(want), lines)
    check("pinned provenance", all(x["source"] == "dns " + server and x["dnssec"] == "unvalidated" and
                                   re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", x["fetched_at"])
                                   for x in lines), lines)
    check("pinned fetch time is now", all(abs(calendar.timegm(time.strptime(x["fetched_at"], "%Y-%m-%dT%H:%M:%SZ"))
                                              - t0) < 120 for x in lines), lines)
    before = queries(dlog, "mail2024._domainkey.example.com")
    r = run("verify", "--keys", pinned, "--at", AT, "--json", *MSGS)
    offline = reports(r.stdout)
    check("pinned archive alone: same results as live",
          {n: results(x) for n, x in offline.items()} == {n: results(x) for n, x in live.items()},
          [(n, results(live[n]), results(offline.get(n, {"verdict": None, "signatures": []})))
           for n in live if results(live[n]) != results(offline.get(n, {"verdict": None, "signatures": []}))])
    rsa = offline["confirmed-rsa.eml"]["signatures"][0]["key_source"]
    check("pinned key source keeps the provenance",
          re.fullmatch(r"archive %s:\d+ \(from dns %s\), dnssec: unvalidated" % (re.escape(pinned), re.escape(server)), rsa), rsa)
    check("no DNS query while verifying with --keys", queries(dlog, "mail2024._domainkey.example.com") == before)
    r = run("keys", "pin", "--dns-server", server, SAMPLE, "-o", pinned)
    check("keys pin refuses to overwrite", r.returncode == 2 and "exists" in r.stderr, r.stderr)
    r = run("keys", "pin", "--dns-server", server, SAMPLE, "-o", pinned, "--append")
    check("keys pin --append", r.returncode == 0 and len(open(pinned).readlines()) == 2 * len(want), r.stderr)
    r = run("keys", "pin", "--dns-server", server, SAMPLE, "-o", pinned, "--force")
    check("keys pin --force", r.returncode == 0 and len(open(pinned).readlines()) == len(want), r.stderr)

    # ---- --keys alone sends nothing; --keys --dns asks only for what is missing ----
    partial = os.path.join(tmp, "partial.jsonl")
    with open(os.path.join(SAMPLE, "keys.jsonl")) as f, open(partial, "w") as out:
        out.writelines(x for x in f if '"mail2024._domainkey.example.com"' in x)
    trace = os.path.join(tmp, "strace.log")

    def inet_sockets(*args):
        subprocess.run(["strace", "-f", "-qq", "-e", "trace=socket", "-o", trace, DKIMARC, *args],
                       capture_output=True, timeout=60)
        return [x for x in open(trace) if "AF_INET" in x]

    check("--keys alone: no network socket at all",
          inet_sockets("verify", "--keys", partial, "--at", AT, *MSGS) == [])
    check("--keys --dns: DNS is used (the check above can fail)",
          inet_sockets("verify", "--keys", partial, "--dns", "--dns-server", server, "--at", AT, *MSGS) != [])
    m_before = queries(dlog, "mail2024._domainkey.example.com")
    e_before = queries(dlog, "ed2024._domainkey.example.net")
    r = run("verify", "--keys", partial, "--dns", "--dns-server", server, "--at", AT, "--json", *MSGS)
    chained = reports(r.stdout)
    check("chain: same verdicts as live", {n: x["verdict"] for n, x in chained.items()} ==
          {n: x["verdict"] for n, x in live.items()}, r.stderr)
    src_rsa = chained["confirmed-rsa.eml"]["signatures"][0]["key_source"]
    src_ed = chained["confirmed-ed25519.eml"]["signatures"][0]["key_source"]
    check("chain: the archive answers first", src_rsa.startswith("archive %s:1 " % partial), src_rsa)
    check("chain: DNS for what the archive lacks", src_ed == "dns %s, dnssec: unvalidated" % server, src_ed)
    check("chain: archived name not asked", queries(dlog, "mail2024._domainkey.example.com") == m_before)
    check("chain: missing name asked once", queries(dlog, "ed2024._domainkey.example.net") == e_before + 1)
    nokey = chained["unverifiable-no-key.eml"]["signatures"][0]["reason_text"]
    check("chain: not-found reason names both sources", "archive" in nokey and "NXDOMAIN" in nokey, nokey)

    # ---- failures and DNS facts from the fault-injecting server --------------------
    fport, flog = start_fault(
        "--keys", os.path.join(SAMPLE, "keys.txt"),
        "--rule", "mail2024._domainkey.example.com=also=esp1._domainkey.mailer.example.net",
        "--rule", "ed2024._domainkey.example.net=spf,ad",
        "--rule", "esp1._domainkey.mailer.example.net=servfail",
        "--rule", "weak512._domainkey.example.com=timeout")
    fault = "127.0.0.1:%d" % fport
    # A resolver port nobody listens on comes first: the next one is asked.
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    dead = "127.0.0.1:%d" % s.getsockname()[1]
    s.close()
    # The dead server costs the timeout; the other must answer within it, even on a busy machine.
    r = run("verify", "--dns-server", dead, "--dns-server", fault, "--dns-timeout", "1500",
            "--dns-tries", "1", "--at", AT, "--json", *MSGS)
    fr = reports(r.stdout)
    sig = fr["confirmed-rsa.eml"]["signatures"][0]
    check("two DKIM keys at one name: key_ambiguous, and the reason says so",
          (sig["result"], sig["reason"]) == ("permerror", "key_ambiguous") and
          "2 records at the name parse as different DKIM keys" in sig["reason_text"], sig)
    sig = fr["confirmed-ed25519.eml"]["signatures"][0]
    check("an SPF record beside the key: the key is used", sig["result"] == "pass" and
          sig["key_choice"] == "2 records at the name; the one that is a DKIM key used", sig)
    check("AD bit: validated-by-resolver, from the second server",
          sig["key_source"] == "dns %s, dnssec: validated-by-resolver" % fault and
          sig["key_record"]["dnssec"] == "validated-by-resolver", sig["key_source"])
    sig = fr["third-party.eml"]["signatures"][0]
    check("SERVFAIL: temperror dns_tempfail",
          (sig["result"], sig["reason"]) == ("temperror", "dns_tempfail") and "SERVFAIL" in sig["reason_text"], sig)
    sig = fr["weak-512.eml"]["signatures"][0]
    check("timeout: temperror dns_tempfail",
          (sig["result"], sig["reason"]) == ("temperror", "dns_tempfail") and "no answer" in sig["reason_text"], sig)
    check("temperror makes the message unverifiable", fr["third-party.eml"]["verdict"] == "unverifiable")
    check("a SERVFAIL and a timeout: exit 4, said at the end",
          r.returncode == 4 and r.stderr.splitlines()[-1] ==
          "dkimarc: 2 keys could not be fetched: 1 timeout, 1 SERVFAIL (resolvers %s, %s); "
          "the verdicts of 2 messages rest on them and are provisional: run again later"
          % (dead, fault), (r.returncode, r.stderr))
    out = os.path.join(tmp, "fault.jsonl")
    r = run("keys", "pin", "--dns-server", fault, "--dns-timeout", "3000", "--dns-tries", "1", SAMPLE, "-o", out)
    check("keys pin: temporary failures exit 4, are named, and nothing is written",
          r.returncode == 4 and "temporary failure" in r.stderr and
          "esp1._domainkey.mailer.example.net: SERVFAIL" in r.stderr and
          "no archive written (%s not created)" % out in r.stderr and not os.path.exists(out),
          (r.returncode, r.stderr))
    r = run("keys", "pin", "--dns-server", fault, os.path.join(SAMPLE, "confirmed-ed25519.eml"), "-o", out)
    check("keys pin without failures writes the archive", r.returncode == 0, r.stderr)
    pinned = [json.loads(x) for x in open(out)]
    check("keys pin: several records all pinned, AD kept",
          sum(x["name"] == "ed2024._domainkey.example.net" for x in pinned) == 2 and
          all(x["dnssec"] == "validated-by-resolver" for x in pinned if x["name"].startswith("ed2024")), pinned)
    with open(flog) as f:
        asked = [x.split()[1] for x in f]
    check("keys pin asks each name once", asked.count("ed2024._domainkey.example.net") == 3, asked)

    outage(keys, truth)

    # ---- usage errors ------------------------------------------------------------
    for args, text in [(["verify", "--dns-server", "localhost"], "invalid DNS server"),
                       (["verify", "--dns-server", "127.0.0.1:99999"], "invalid DNS server"),
                       (["verify", "--dns-timeout", "0"], "--dns-timeout"),
                       (["verify", "--dns-tries", "x"], "--dns-tries"),
                       (["verify", "--dns=yes"], "takes no value"),
                       (["keys", "pin", SAMPLE], "needs -o FILE"),
                       (["keys", "pin", "--keys", "x", "-o", "y", SAMPLE], "--keys does not apply"),
                       (["keys", "frob"], "unknown 'keys' command"),
                       (["keys", "list"], "at least one PATH")]:
        r = run(*args, os.path.join(SAMPLE, "confirmed-rsa.eml") if args[0] == "verify" else "--")
        check("usage error: %s" % " ".join(args), r.returncode == 2 and text in r.stderr, r.stderr)


try:
    main()
except subprocess.TimeoutExpired as e:
    check("no command hangs", False, e)
finally:
    for p in procs:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
    subprocess.run(["rm", "-rf", tmp])
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
