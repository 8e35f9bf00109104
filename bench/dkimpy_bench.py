#!/usr/bin/python3
"""dkimpy_bench: how fast dkimpy (Debian's python3-dkim) verifies a corpus.

Usage: dkimpy_bench.py --keys KEYFILE [--passes N] [--results FILE] [--stats FILE] LIST

Keys come from KEYFILE (OpenDKIM key-file lines), read once and handed to
dkimpy through its dnsfunc hook: no network. Messages are read into memory
first. Each message is parsed once (dkim.DKIM) and every signature verified
with verify(idx=i), as a caller wanting every signature's result must. Output
as bench/dkimarc_bench.c's: --results gets one line per signature from the
first pass, --stats the timing of every pass as JSON.
"""

import argparse
import json
import logging
import os
import sys
import time

sys.path.insert(0, "/usr/lib/python3/dist-packages")
import dkim  # noqa: E402  (python3-dkim)

KEYS = {}


def dnsfunc(name, timeout=5):
    return KEYS.get(name.lower().rstrip(b"."))


def load_keys(path):
    with open(path, "rb") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith(b"#"):
                continue
            name, txt = line.split(None, 1)
            KEYS[name.lower().rstrip(b".")] = txt


def status_kb(key):
    """A memory figure of this process from /proc/self/status, in KiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1])
    return -1


def verify(msg, logger):
    """[(result, detail)] for every signature, top first."""
    d = dkim.DKIM(msg, logger=logger)
    out = []
    for i in range(sum(1 for n, _ in d.headers if n.lower() == b"dkim-signature")):
        try:
            ok = d.verify(idx=i, dnsfunc=dnsfunc)
            out.append(("pass", "ok") if ok else ("fail", "verify() returned False"))
        except dkim.ValidationError as e:
            out.append(("fail", "%s: %s" % (type(e).__name__, e)))
        except dkim.DnsTimeoutError as e:
            out.append(("temperror", "%s: %s" % (type(e).__name__, e)))
        except Exception as e:  # KeyFormatError, MessageFormatError, ...
            out.append(("permerror", "%s: %s" % (type(e).__name__, e)))
    return out


def sig_names(msg):
    """(d=, s=) of every DKIM-Signature, top first: for the results file, outside the clock."""
    d = dkim.DKIM(msg)
    out = []
    for n, v in d.headers:
        if n.lower() == b"dkim-signature":
            try:
                t = dkim.util.parse_tag_value(v)
            except Exception:
                t = {}
            out.append((t.get(b"d", b"-").decode(), t.get(b"s", b"-").decode()))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", required=True)
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--results")
    ap.add_argument("--stats")
    ap.add_argument("list")
    a = ap.parse_args()

    load_keys(a.keys)
    with open(a.list) as f:
        paths = [ln.strip() for ln in f if ln.strip() and not ln.startswith("#")]
    msgs = []
    for p in paths:
        with open(p, "rb") as f:
            msgs.append(f.read())
    rss_loaded = status_kb("VmRSS:")
    logger = logging.getLogger("dkimpy_bench")
    logger.addHandler(logging.NullHandler())
    logger.propagate = False
    logger.setLevel(logging.ERROR)

    passes, first = [], []
    for p in range(a.passes):
        w0, c0, t0 = time.perf_counter(), time.process_time(), os.times()
        for msg in msgs:
            res = verify(msg, logger)
            if p == 0:
                first.append(res)
        w1, c1, t1 = time.perf_counter(), time.process_time(), os.times()
        passes.append({"wall": w1 - w0, "cpu": c1 - c0, "user": t1.user - t0.user,
                       "sys": t1.system - t0.system})

    nsig = sum(len(r) for r in first)
    if a.results:
        with open(a.results, "w") as f:
            for path, msg, res in zip(paths, msgs, first):
                if not res:
                    f.write("%s\t-\t-\t-\tnone\tunsigned\n" % path)
                for i, ((d, s), (r, why)) in enumerate(zip(sig_names(msg), res)):
                    f.write("%s\t%d\t%s\t%s\t%s\t%s\n" % (path, i, d, s, r,
                                                           why.replace("\t", " ")))
    stats = {"verifier": "dkimpy", "label": "dkimpy, keys through dnsfunc from memory",
             "version": getattr(dkim, "__version__", "") or dkim_version(),
             "messages": len(msgs), "bytes": sum(len(m) for m in msgs), "signatures": nsig,
             "passes": passes, "rss_loaded_kb": rss_loaded, "rss_peak_kb": status_kb("VmHWM:")}
    if a.stats == "-":
        print(json.dumps(stats))
    elif a.stats:
        with open(a.stats, "w") as f:
            f.write(json.dumps(stats) + "\n")
    return 0


def dkim_version():
    try:
        from importlib.metadata import version
        return version("dkimpy")
    except Exception:
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
