#!/usr/bin/python3
"""Checks and reports what bench/run.sh measured.

Usage: report.py RESULTS --corpus DIR [--doc docs/performance.md --png docs/performance.png]

RESULTS is the folder run.sh filled: per harness a results file (one line per
signature: file, index, d=, s=, result, detail) or JSON Lines from the CLI,
and a stats file (timed passes, memory); openssl speed's output; the streaming
runs; a profile. DIR is the corpus with its ground truth (truth.tsv).

Every verifier's per-signature results are compared with the ground truth;
disagreements are listed. Then the figures: messages per second on one core
(per CPU-second, the steady figure on a shared machine, and per wall second),
MB/s, peak memory; the least time the corpus can take on this machine; the
scaling of `dkimarc scan` from one job to two; memory as a streamed message
grows; the issue's targets, met or missed and by how much; and where
dkimarc's time goes. All of it is printed; with --doc it replaces the section
of docs/performance.md between the BEGIN and END markers (appended when
missing), and with --png gnuplot draws the plot.

The last line is "N passed, M failed": N verifiers whose every result agrees
with the ground truth (a signature algorithm the verifier lacks aside), M
that disagree or produced no results. Exit status 1 when M > 0.
"""

import argparse
import collections
import gzip
import json
import os
import re
import statistics
import subprocess
import sys

BEGIN = "<!-- BEGIN bench/run.sh: generated, do not edit by hand -->"
END = "<!-- END bench/run.sh -->"

# name, what it is, results, stats; in table order
HARNESSES = [
    ("dkimarc", "dkimarc (library, `dkimarc_verify()`, messages in memory)"),
    ("dkimarc-stream", "dkimarc (library, streaming verifier, 64 KB chunks)"),
    ("cli", "dkimarc CLI: `dkimarc verify --json` (reads the files, writes JSON)"),
    ("opendkim", "libopendkim (key file, `DKIM_QUERY_FILE`)"),
    ("opendkim-memkeys", "libopendkim (keys from memory, lookup callback)"),
    ("maildkim", "Mail::DKIM"),
    ("dkimpy", "dkimpy"),
]
SHORT = {"dkimarc": "dkimarc", "dkimarc-stream": "dkimarc stream", "cli": "dkimarc CLI",
         "opendkim": "libopendkim", "opendkim-memkeys": "libopendkim mem", "maildkim": "Mail::DKIM",
         "dkimpy": "dkimpy", "scan-j1": "scan --jobs 1", "scan-j2": "scan --jobs 2",
         "clinodiag": "verify --no-diagnose", "cliscan": "scan --jobs 1 (once over)"}
# Verifiers known to lack an algorithm: signatures they call "unsupported" are not disagreements.
UNSUPPORTED_OK = {"ed25519-sha256"}

TARGETS = {"opendkim": 6.0, "dkimpy": 40.0, "bound": 1.3, "jobs": 1.8, "rss_1g_mb": 64.0}


# ----------------------------------------------------------------------------
# inputs


def read_truth(corpus):
    sigs = []
    with open(os.path.join(corpus, "truth.tsv")) as f:
        cols = None
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("# "):
                cols = line[2:].split("\t")
                continue
            row = dict(zip(cols, line.split("\t")))
            for k in ("bytes", "index", "key_bits", "body_bytes", "header_bytes"):
                row[k] = int(row[k])
            sigs.append(row)
    with open(os.path.join(corpus, "corpus.json")) as f:
        info = json.load(f)
    return sigs, info


def read_tsv_results(path):
    out = collections.defaultdict(list)
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) < 5:
                continue
            out[p[0]].append({"domain": p[2], "selector": p[3], "result": p[4],
                              "detail": p[5] if len(p) > 5 else ""})
    return out


def cli_result(r):
    return {"pass": "pass", "policy": "policy", "temperror": "temperror",
            "permerror": "permerror", "none": "none"}.get(r, "fail")


def read_json_results(path):
    """Results from the CLI's JSON Lines. A file listed again (the scan reads the list
    several times) must come out the same; a difference is recorded under "(repeats)"."""
    out = {}
    for line in open(path):
        if not line.strip():
            continue
        o = json.loads(line)
        name = o.get("file", "")
        if o.get("problem"):
            sigs = [{"domain": "-", "selector": "-", "result": "error", "detail": o["problem"]}]
        else:
            sigs = [{"domain": s.get("domain") or "-", "selector": s.get("selector") or "-",
                     "result": cli_result(s.get("result")), "detail": s.get("reason") or ""}
                    for s in o.get("signatures") or []]
        if name not in out:
            out[name] = sigs
        elif out[name] != sigs:
            out.setdefault("(repeats)", []).append(
                {"domain": name, "selector": "-", "result": "inconsistent",
                 "detail": "a second reading of the file gave other results"})
    return out


def read_json(path):
    with open(path) as f:
        return json.load(f)


def read_time(path):
    """/usr/bin/time's JSON line (after "Command exited with non-zero status N", if any)."""
    with open(path) as f:
        return json.loads([x for x in f if x.startswith("{")][-1])


def read_procstat(path):
    """The machine's CPU counters around one run (two "cpu" lines of /proc/stat), in
    core-seconds: busy (user, nice, system, irq, softirq), idle (with iowait), steal."""
    if not os.path.exists(path):
        return None
    with open(path) as f:
        rows = [[int(v) for v in x.split()[1:9]] for x in f if x.startswith("cpu ")]
    if len(rows) != 2:
        return None
    d = [b - a for a, b in zip(*rows)]
    hz = os.sysconf("SC_CLK_TCK")
    return {"busy": (d[0] + d[1] + d[2] + d[5] + d[6]) / hz, "idle": (d[3] + d[4]) / hz,
            "steal": d[7] / hz}


def read_leak(path):
    """bench/leak_bench.sh's output: the `scan --jobs 2` line, and whether it failed."""
    if not os.path.exists(path):
        return None
    out = {"wall": None}
    for line in open(path):
        m = re.match(r"scan --jobs 2\t([\d.]+) s wall\t([\d.]+)\+([\d.]+) s CPU", line)
        if m:
            out["wall"] = float(m.group(1))
            out["user"], out["sys"] = float(m.group(2)), float(m.group(3))
            out["cpu"] = "%.1f" % (out["user"] + out["sys"])
        m = re.match(r"corpus: (\S+) in (\d+) files", line)
        if m:
            out["size"], out["files"] = m.group(1), int(m.group(2))
        m = re.match(r"#.*load ([\d.]+)", line)
        if m:
            out["load"] = m.group(1)
        if line.startswith("FAIL"):
            out["fail"] = line.strip()
    return out


def read_kv(path):
    out = {}
    with open(path) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                out[k] = v
    return out


# ----------------------------------------------------------------------------
# agreement with the ground truth


def check(name, results, truth):
    """(counts, disagreements) for one verifier."""
    by_file = collections.defaultdict(list)
    for t in truth:
        by_file[t["file"]].append(t)
    c = collections.Counter()
    bad = []
    for f, ts in sorted(by_file.items()):
        got = {(r["domain"].lower(), r["selector"]): r for r in results.get(f, [])}
        for t in ts:
            r = got.pop((t["domain"], t["selector"]), None)
            tag = "%s sig %d (%s s=%s d=%s, %s)" % (f, t["index"], t["algorithm"], t["selector"],
                                                   t["domain"], t["tamper"])
            if r is None:
                bad.append("%s: no result" % tag)
                c["missing"] += 1
                continue
            res = r["result"]
            if res == "unsupported" and t["algorithm"] in UNSUPPORTED_OK and \
                    not name.startswith(("dkimarc", "cli", "scan")):
                c["unsupported"] += 1
            elif (t["expect"] == "pass" and res in ("pass", "policy")) or \
                    (t["expect"] == "fail" and res in ("fail", "permerror")):
                c["agree"] += 1
            else:
                bad.append("%s: %s (%s), ground truth %s" % (tag, res, r["detail"], t["expect"]))
                c["disagree"] += 1
        for (d, s), r in got.items():
            bad.append("%s: a signature d=%s s=%s not in the ground truth (%s)" % (
                f, d, s, r["result"]))
            c["disagree"] += 1
    for f in sorted(set(results) - set(by_file)):
        for r in results[f]:
            bad.append("%s: %s, %s (%s)" % (f, r["domain"], r["result"], r["detail"]))
            c["disagree"] += 1
    return c, bad


# ----------------------------------------------------------------------------
# the physical limit


def parse_speed(text):
    """openssl speed output (one run or several) -> hash bytes/s per block size, verify/s."""
    hashes, verify = {}, {}
    sizes = None
    for line in text.splitlines():
        m = re.match(r"type\s+(.*)", line)
        if m:
            sizes = [int(x) for x in re.findall(r"(\d+) bytes", m.group(1))]
            continue
        m = re.match(r"(sha1|sha256)\s+(.*)", line)
        if m and sizes:
            vals = [float(x) * 1000 for x in re.findall(r"([\d.]+)k", m.group(2))]
            hashes.setdefault(m.group(1), {}).update(zip(sizes, vals))
            continue
        m = re.match(r"rsa\s+(\d+) bits\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)", line)
        if m:
            verify["rsa%s" % m.group(1)] = float(m.group(3))
            continue
        m = re.match(r"\s*253 bits EdDSA \(Ed25519\)\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)", line)
        if m:
            verify["ed25519"] = float(m.group(2))
    return hashes, verify


def bound(truth, hashes, verify, ed_rate):
    """Seconds the corpus needs at least: (body hashing, header hashing, RSA, Ed25519)."""
    body = hdr = rsa = ed = 0.0
    seen = set()
    for t in truth:
        h = "sha1" if t["algorithm"] == "rsa-sha1" else "sha256"
        key = (t["file"], t["canon"].split("/")[1], h)
        if key not in seen:  # one pass per distinct body-hash parameter set
            seen.add(key)
            body += t["body_bytes"] / hashes[h][8192]
        hdr += t["header_bytes"] / hashes[h][1024]
        if t["algorithm"].startswith("ed25519"):
            ed += 1.0 / ed_rate
        else:
            rsa += 1.0 / verify["rsa%d" % t["key_bits"]]
    return body, hdr, rsa, ed


# ----------------------------------------------------------------------------
# the profile


def perf_samples(path):
    """Yields each sample's frames [(sym, dso)], leaf first, from `perf script -F ip,sym,dso`."""
    def done(frames):
        # An inlined frame is listed before the function it was inlined into, with its DSO.
        dso = "?"
        for i in range(len(frames) - 1, -1, -1):
            if frames[i][1] == "inlined":
                frames[i] = (frames[i][0], dso)
            else:
                dso = frames[i][1]
        return frames

    op = gzip.open if path.endswith(".gz") else open
    frames = []
    with op(path, "rt", errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line:
                if frames:
                    yield done(frames)
                frames = []
                continue
            m = re.match(r"[0-9a-f]+\s+(.*?)\s+\((.*)\)$", line)
            if m:
                sym = re.sub(r"\+0x[0-9a-f]+$", "", m.group(1))
                frames.append((sym, os.path.basename(m.group(2))))
    if frames:
        yield done(frames)


# What dkimarc called OpenSSL or libsodium for, from its own function names (innermost first).
CALLERS = [
    (r"recover", "crypto: RSA digest recovery of failed signatures (diagnosis)"),
    (r"decode|pkcache|keyrec|rsa_sane|key_fetch", "crypto: key decoding"),
    (r"verify|ed25519", "crypto: %s verification"),
    (r"body|bhreg", "crypto: body hash (SHA)"),
    (r"header|seal_digest", "crypto: header hash (SHA)"),
]
# OpenSSL 3's own bookkeeping: provider and name look-ups, contexts, locks.
OSSL_OVERHEAD = r"OPENSSL_LH|strcasecmp|_fetch|EVP_PKEY_CTX|CRYPTO_THREAD|atomic|OSSL_|strlcpy" \
    r"|_do_all|OPENSSL_sk|EVP_PKEY_asn1|ENGINE_|CRYPTO_zalloc|CRYPTO_free|CRYPTO_malloc"


def classify(frames):
    leaf_sym, leaf_dso = frames[0]
    # dkimarc's functions nearest the leaf, below the public entry points (dkimarc_verify...)
    ours = [s for s, d in frames if d.startswith("libdkimarc") and not s.startswith("dkimarc_")]
    if leaf_dso.startswith(("libcrypto", "libsodium")):
        named = [s for s, d in frames if d.startswith(("libcrypto", "libsodium"))
                 and s != "[unknown]"]
        if named and re.search(OSSL_OVERHEAD, named[0]):
            return "crypto: OpenSSL 3 overhead (look-ups, contexts, locks)"
        for sym in ours:
            for pat, cat in CALLERS:
                if re.search(pat, sym):
                    if "%s" in cat:
                        return cat % ("Ed25519 (libsodium)" if leaf_dso.startswith("libsodium")
                                      else "RSA (OpenSSL)")
                    return cat
        return "crypto: other, from %s" % (ours[0] if ours else "?")
    if leaf_dso.startswith("libdkimarc"):
        return "dkimarc: " + leaf_sym
    if leaf_dso.startswith("libc"):
        if re.search(r"malloc|free|calloc|realloc|tcache|consolidate|_int_", leaf_sym):
            return "libc: malloc, free"
        if re.search(r"mem|str", leaf_sym):
            return "libc: mem*, str* (called from %s)" % (ours[0] if ours else "?")
        return "libc: " + leaf_sym
    if "kernel" in leaf_dso:
        return "kernel"
    return "other: " + leaf_dso


def profile(path):
    """Counter of categories over the samples inside a verification call."""
    cats = collections.Counter()
    for frames in perf_samples(path):
        if not any(s.startswith(("dkimarc_verify", "dkimarc_verifier_")) for s, _ in frames):
            continue  # start-up, reading the corpus
        cats[classify(frames)] += 1
    return cats


# ----------------------------------------------------------------------------
# formatting


def fmt(x, nd=0):
    if x is None:
        return "–"
    return "{:,.{}f}".format(x, nd)


def per(n, t):
    """n / t, or None when t is too small to measure (a tiny run, /usr/bin/time's 10 ms)."""
    return n / t if t and t > 0 else None


def best(passes):
    """Fastest pass: min CPU and min wall seconds (each over all passes)."""
    return min(p["cpu"] for p in passes), min(p["wall"] for p in passes)


def table(head, rows, align=None):
    align = align or ["---"] + ["---:"] * (len(head) - 1)
    out = ["| " + " | ".join(head) + " |", "|" + "|".join(align) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def verdict(ok, text):
    return ("met" if ok else "**missed**") + (": " + text if text else "")


# ----------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--doc")
    ap.add_argument("--png")
    a = ap.parse_args()
    R = a.results

    def rp(name):
        return os.path.join(R, name)

    truth, cinfo = read_truth(a.corpus)
    mach = read_kv(rp("machine.txt"))
    nmsg, nbytes = cinfo["count"], cinfo["bytes"]
    failures = []

    # ---- per-signature agreement
    sources = [(n, rp(n + ".tsv"), read_tsv_results) for n, _ in HARNESSES if n != "cli"]
    sources += [("cli", rp("cli.jsonl"), read_json_results),
                ("clinodiag", rp("clinodiag.jsonl"), read_json_results),
                ("cliscan", rp("cliscan.jsonl"), read_json_results),
                ("scan-j1", rp("scan-j1.jsonl"), read_json_results),
                ("scan-j2", rp("scan-j2.jsonl"), read_json_results)]
    agree = {}
    for name, path, reader in sources:
        if not os.path.exists(path):
            failures.append("%s: no results (%s)" % (name, path))
            agree[name] = (collections.Counter(missing=len(truth)), ["no results file"])
            continue
        agree[name] = check(name, reader(path), truth)
        if agree[name][1]:
            failures.append("%s: %d disagreement(s) with the ground truth" % (
                name, len(agree[name][1])))

    # ---- throughput
    perf_rows = {}
    for name, _ in HARNESSES:
        if name == "cli":
            ts = [read_time(rp(f)) for f in sorted(os.listdir(R))
                  if re.match(r"cli-\d+\.time\.json$", f)]
            if not ts:
                failures.append("cli: not timed")
                continue
            cpu = min(t["user"] + t["sys"] for t in ts)
            wall = min(t["wall"] for t in ts)
            perf_rows[name] = {"cpu": cpu, "wall": wall, "rss": max(t["rss_peak_kb"] for t in ts),
                               "rss_loaded": None, "version": "", "n": nmsg, "bytes": nbytes}
            continue
        # One stats file per round (NAME-R.stats.json); the fastest pass of all counts.
        runs = [read_json(rp(f)) for f in sorted(os.listdir(R))
                if re.match(re.escape(name) + r"(-\d+)?\.stats\.json$", f)]
        if not runs:
            failures.append("%s: no stats" % name)
            continue
        for s in runs:
            if s["messages"] != nmsg:
                failures.append("%s: %d messages read, corpus has %d" % (
                    name, s["messages"], nmsg))
        cpu, wall = best([p for s in runs for p in s["passes"]])
        s = runs[0]
        perf_rows[name] = {"cpu": cpu, "wall": wall,
                           "rss": max(x["rss_peak_kb"] for x in runs),
                           "rss_loaded": max(x["rss_loaded_kb"] for x in runs),
                           "version": s["version"], "n": s["messages"], "bytes": s["bytes"],
                           "rounds": len(runs)}

    # ---- the bound
    # One openssl speed output and one ed25519_speed result per round: the best rates.
    hashes, verify, eds = {}, {}, {}
    for f in sorted(os.listdir(R)):
        if re.match(r"openssl-speed(-\d+)?\.txt$", f):
            with open(rp(f)) as fh:
                h, v = parse_speed(fh.read())
            for alg, rates in h.items():
                for size, rate in rates.items():
                    hashes.setdefault(alg, {})[size] = max(hashes.get(alg, {}).get(size, 0), rate)
            for k, rate in v.items():
                verify[k] = max(verify.get(k, 0), rate)
        elif re.match(r"ed25519-speed(-\d+)?\.json$", f):
            for k, val in read_json(rp(f)).items():
                eds[k] = max(eds.get(k, val), val) if isinstance(val, (int, float)) else val
    b_issue = bound(truth, hashes, verify, verify["ed25519"])
    ed_best = max(verify["ed25519"], eds["sodium_verify_per_s"])
    b_tight = bound(truth, hashes, verify, ed_best)
    T_issue, T_tight = sum(b_issue), sum(b_tight)

    # ---- scaling
    scan = {}
    for j in (1, 2):
        names = [f for f in sorted(os.listdir(R))
                 if re.match(r"scan-j%d-\d+\.time\.json$" % j, f)]
        ts = [read_time(rp(f)) for f in names]
        if ts:
            k = min(range(len(ts)), key=lambda i: ts[i]["wall"])
            fastest = ts[k]
            scan[j] = {"wall": fastest["wall"], "cpu": fastest["user"] + fastest["sys"],
                       "rss": max(t["rss_peak_kb"] for t in ts), "passes": len(ts),
                       "median": statistics.median(t["wall"] for t in ts),
                       "machine": read_procstat(rp(names[k].replace(".time.json",
                                                                     ".procstat")))}
        else:
            failures.append("scan --jobs %d: not timed" % j)

    # ---- the command line (issue 18): whole processes, fastest round of each
    cli = {}
    for name in ("cli", "clinodiag", "cliscan", "clione"):
        ts = [read_time(rp(f)) for f in sorted(os.listdir(R))
              if re.match(re.escape(name) + r"-\d+\.time\.json$", f)]
        if ts:
            cli[name] = min(t["user"] + t["sys"] for t in ts)
        else:
            failures.append("%s: not timed" % name)
    # The library's first pass over the corpus: a context's cold start, as a process has.
    lib_runs = [read_json(rp(f)) for f in sorted(os.listdir(R))
                if re.match(r"dkimarc(-\d+)?\.stats\.json$", f)]
    if lib_runs:
        cli["lib-first"] = min(r["passes"][0]["cpu"] for r in lib_runs)

    # ---- streaming
    stream = []
    if os.path.exists(rp("stream.jsonl")):
        with open(rp("stream.jsonl")) as f:
            stream = [json.loads(x) for x in f if x.strip()]
    for s in stream:
        if not s["ok"]:
            failures.append("stream_rss %d bytes: %s/%s, %d body bytes hashed" % (
                s["bytes"], s["result"], s["reason"], s["body_bytes_hashed"]))
    if not stream:
        failures.append("stream_rss: no results")

    # ---- profile
    cats = collections.Counter()
    for p in ("perf-script.txt.gz", "perf-script.txt"):
        if os.path.exists(rp(p)):
            cats = profile(rp(p))
            break

    leak = read_leak(rp("leak.txt"))
    if leak and (leak.get("fail") or leak.get("wall") is None):
        failures.append("leak_bench: %s" % leak.get("fail", "no scan figure"))
    md = render(mach, cinfo, truth, agree, perf_rows, hashes, verify, eds, b_issue, b_tight,
                scan, stream, cats, leak, cli)
    print(md.replace("(PLOT)\n\n", ""))
    if a.png:
        plot(R, perf_rows, T_issue, T_tight, nmsg, stream, a.png)
    if a.doc:
        replace_section(a.doc, md.replace("(PLOT)", "![Verifier throughput and memory](%s)" %
                                          os.path.basename(a.png) if a.png else ""))
    print()
    for f in failures:
        print("FAIL: " + f)
    nchecks = len(sources) + len(HARNESSES) + 2 + 4 + max(1, len(stream)) + (1 if leak else 0)
    print("%d passed, %d failed" % (nchecks - len(failures), len(failures)))
    return 1 if failures else 0


def cli_section(nmsg, rows, cli):
    """The command line against the library and libopendkim (issue 18)."""
    lib, od = rows.get("dkimarc"), rows.get("opendkim")
    if not lib or not od or not all(k in cli for k in ("cli", "clinodiag", "cliscan", "clione")):
        return []
    L = ["**The command line.** The same corpus through `dkimarc` as a user runs it: every "
         "file opened and read, every report written as JSON, on one core (pinned); the "
         "whole process's CPU time (user + system, `bench/cputime.py`), fastest round. "
         "\"Library, best pass\" is the first row above; \"library, first pass\" the same "
         "harness's first pass over the corpus, which, like a process, starts with no key "
         "decoded or checked. \"One message\" is `verify --json` of the corpus's first file "
         "with the same keys: what a run costs before it verifies anything.", ""]
    first = cli.get("lib-first")
    body = []

    def row(label, cpu, n):
        body.append([label, fmt(cpu, 3), fmt(per(n, cpu)) if n else "",
                     "%.2f×" % (cpu / lib["cpu"]),
                     "%.2f×" % (cpu / first) if first else "",
                     "%.1f×" % (od["cpu"] / cpu) if n else ""])
    row("library, best pass (`dkimarc_verify()`, in memory)", lib["cpu"], nmsg)
    if first:
        row("library, first pass", first, nmsg)
    row("`dkimarc scan --jobs 1 --json=FILE`", cli["cliscan"], nmsg)
    row("`dkimarc verify --no-diagnose --json FILE...`", cli["clinodiag"], nmsg)
    row("`dkimarc verify --json FILE...` (diagnosis on, the default)", cli["cli"], nmsg)
    row("`dkimarc verify --json` of one message", cli["clione"], 0)
    row("libopendkim (key file)", od["cpu"], nmsg)
    L.append(table(["", "CPU s", "mails/s (CPU)", "× library, best pass",
                    "× library, first pass", "libopendkim ÷ this"], body))
    L.append("")
    per_mail = cli["cliscan"] - cli["clione"]
    L.append("Of the scan's %s s, %s s is what any run costs (one message: start-up, the key "
             "archive, the search for shared primes) and %s s the %s messages: %.2f× the "
             "library's best pass, while libopendkim takes %.1f× as much CPU per mail. The library's first "
             "pass costs %.2f× its best: each key's own checks (a Fermat test of the modulus, "
             "small factors, ROCA) run once, when a signature first uses the key." % (
                 fmt(cli["cliscan"], 3), fmt(cli["clione"], 3), fmt(per_mail, 3), fmt(nmsg),
                 per_mail / lib["cpu"], od["cpu"] / per_mail,
                 (first or lib["cpu"]) / lib["cpu"]))
    L.append("")

    def met(ok):
        return "met" if ok else "**missed**"
    x_scan, x_ver = cli["cliscan"] / lib["cpu"], cli["clinodiag"] / lib["cpu"]
    x_od = od["cpu"] / cli["cliscan"]
    trows = [
        ["`scan --jobs 1 --json` vs the library's in-memory pass", "≤ 1.15×",
         "%.2f× (first pass: %.2f×; per mail: %.2f×)" % (
             x_scan, cli["cliscan"] / first if first else 0, per_mail / lib["cpu"]),
         met(x_scan <= 1.15)],
        ["`verify --json` on many files, the same", "≤ 1.15×",
         "%.2f× without the diagnosis (first pass: %.2f×); %.2f× with it" % (
             x_ver, cli["clinodiag"] / first if first else 0, cli["cli"] / lib["cpu"]),
         met(x_ver <= 1.15)],
        ["libopendkim's CPU time ÷ the scan's, per mail", "≥ 6×",
         "%.1f× (the run's fixed cost apart: %.1f×)" % (x_od, od["cpu"] / per_mail),
         met(x_od >= 6)],
    ]
    L.append("**Issue 18's targets**, from the figures above:")
    L.append("")
    L.append(table(["target", "required", "measured", ""], trows))
    L.append("")
    return L


def render(mach, cinfo, truth, agree, rows, hashes, verify, eds, b_issue, b_tight, scan, stream,
           cats, leak, cli=None):
    nmsg, nbytes = cinfo["count"], cinfo["bytes"]
    T_issue, T_tight = sum(b_issue), sum(b_tight)
    L = []
    L.append("## Verifying: dkimarc against the reference verifiers")
    L.append("")
    L.append(
        "`bash bench/run.sh` (sources and harnesses: `bench/`, see `bench/README.md`). One corpus, "
        "generated and signed by dkimarc itself (`bench/gen_corpus.py`), is verified by dkimarc "
        "and by the verifiers in use today, each on one core (pinned with `taskset`), keys from "
        "a file or memory, no network. Every harness reads the whole corpus into memory first "
        "and then times its passes over it. The physical limit comes from `openssl speed` in "
        "the same run, on the same CPU. Since a shared machine has slow minutes, the limit and "
        "the harnesses run in %s round%s, one after another within each round (%s pass%s of "
        "each verifier per round), and each figure is its best round: the highest rate of each "
        "primitive, the fastest pass of each verifier. Each verifier's result for every "
        "signature is checked against the corpus's ground truth. Rates are given per second of "
        "CPU time (user + system), which is steady on a shared machine, and per second of wall "
        "time." % (mach.get("passes"), "s" if mach.get("passes") != "1" else "",
                   mach.get("per_round", "?"), "es" if mach.get("per_round") != "1" else ""))
    L.append("")
    L.append("%s, %s CPUs (%s), %s, %s, %s build; load average %s at the start, %s at the end." % (
        mach.get("date"), mach.get("cpus"), mach.get("cpu"), mach.get("kernel"),
        mach.get("openssl"), mach.get("build_type"), mach.get("load_start", "?").split()[0],
        mach.get("load_end", "? ").split()[0]))
    L.append("")
    c = cinfo["counts"]
    prof = ", ".join("%s %d" % (k[8:], v) for k, v in c.items() if k.startswith("profile "))
    tam = sum(v for k, v in c.items() if k.startswith("tamper ") and k != "tamper none")
    L.append(
        "**Corpus**: %s messages, %.1f MB (median %.1f KB, largest %.2f MB; %d with a base64 "
        "attachment of 100 KB to 2 MB), %s signatures: %s. %d messages (%.0f %%) tampered with "
        "after signing (%s); every message carries unsigned trace fields added on arrival." % (
            fmt(nmsg), nbytes / 1e6, cinfo["median_bytes"] / 1e3, cinfo["max_bytes"] / 1e6,
            c.get("body attachment", 0), fmt(cinfo["signatures"]), prof, tam, 100.0 * tam / nmsg,
            ", ".join("%s %d" % (k[7:], v) for k, v in c.items()
                      if k.startswith("tamper ") and k != "tamper none")))
    L.append("")
    L.append("(PLOT)")
    L.append("")

    # throughput
    d = rows.get("dkimarc")
    head = ["one core", "version", "mails/s (CPU)", "mails/s (wall)", "MB/s (CPU)",
            "CPU s", "× dkimarc", "peak RSS MB", "of which corpus MB"]
    trs = []
    for name, label in HARNESSES:
        r = rows.get(name)
        if r is None:
            continue
        times = per(r["cpu"], d["cpu"]) if d and name != "dkimarc" else None
        trs.append([label, r["version"], fmt(per(r["n"], r["cpu"])), fmt(per(r["n"], r["wall"])),
                    fmt(per(r["bytes"] / 1e6, r["cpu"])), fmt(r["cpu"], 3),
                    "%.2f" % times if times else "",
                    fmt(r["rss"] / 1024, 1),
                    fmt(r["rss_loaded"] / 1024, 1) if r.get("rss_loaded") else "–"])
    trs.append(["**the bound** (below; fastest Ed25519)", "", fmt(nmsg / T_tight), "",
                fmt(nbytes / 1e6 / T_tight), fmt(T_tight, 3),
                "%.2f" % (T_tight / d["cpu"]) if d else "", "", ""])
    trs.append(["the bound as issue 8 defines it (`openssl speed` only)", "", fmt(nmsg / T_issue),
                "", fmt(nbytes / 1e6 / T_issue), fmt(T_issue, 3),
                "%.2f" % (T_issue / d["cpu"]) if d else "", "", ""])
    L.append(table(head, trs, ["---", "---", "---:", "---:", "---:", "---:", "---:", "---:",
                               "---:"]))
    L.append("")
    L.append(
        "\"× dkimarc\" is the CPU time relative to dkimarc's (first row). "
        "\"of which corpus\" is the process's resident memory after reading the corpus and "
        "before verifying; the CLI reads one file at a time, so its peak is its own. The "
        "libopendkim rows differ only in where keys come from: reading the key file per "
        "signature costs little beside the rest.")
    L.append("")

    L += cli_section(nmsg, rows, cli or {})

    # agreement
    L.append("**Agreement with the ground truth**, per signature (%s signatures; a tampered "
             "message's signatures must all fail, an untouched one's all pass):" % fmt(len(truth)))
    L.append("")
    ars = []
    for name in [n for n, _ in HARNESSES] + ["clinodiag", "cliscan", "scan-j1", "scan-j2"]:
        if name not in agree:
            continue
        cc, bad = agree[name]
        ars.append([SHORT[name], fmt(cc["agree"]), fmt(cc["unsupported"]) if cc["unsupported"]
                    else "0", fmt(cc["disagree"] + cc["missing"])])
    L.append(table(["verifier", "agree", "algorithm unsupported", "disagree"], ars))
    L.append("")
    L.append(
        "rsa-sha1 signatures on untouched mail count as valid: RFC 8301 forbids verifiers to "
        "accept them, and all four do (dkimarc flags them `rsa_sha1` and calls the message "
        "`weak`; with `--strict` it gives `policy`). Mail::DKIM 1.20230212 (Debian 12) has no "
        "Ed25519: those signatures are counted as unsupported, not as disagreements, and its "
        "rate is flattered by the work it skips.")
    dis = [(n, b) for n, (cc, b) in agree.items() if b]
    if dis:
        L.append("")
        L.append("Disagreements:")
        L.append("")
        for n, b in dis:
            for x in b[:20]:
                L.append("* %s: %s" % (SHORT[n], x))
            if len(b) > 20:
                L.append("* %s: ... and %d more" % (SHORT[n], len(b) - 20))
    L.append("")

    # bound
    L.append("**The physical limit.** `openssl speed -seconds %s` for SHA-256 and SHA-1 "
             "(8192- and 1024-byte blocks), RSA-2048, RSA-1024 and Ed25519, and "
             "`bench/ed25519_speed.c` (Ed25519 through libsodium and through OpenSSL's EVP "
             "interface, on the 32-byte digest DKIM signs), pinned to the harnesses' CPU, the "
             "best of the rounds, per CPU-second:" % mach.get("speed_seconds", "1"))
    L.append("")
    L.append(table(["", "rate"], [
        ["SHA-256, 8192-byte blocks (bodies)", "%s MB/s" % fmt(hashes["sha256"][8192] / 1e6)],
        ["SHA-256, 1024-byte blocks (headers)", "%s MB/s" % fmt(hashes["sha256"][1024] / 1e6)],
        ["SHA-1, 8192-byte blocks", "%s MB/s" % fmt(hashes["sha1"][8192] / 1e6)],
        ["RSA-2048 verify", "%s /s" % fmt(verify["rsa2048"])],
        ["RSA-1024 verify", "%s /s" % fmt(verify["rsa1024"])],
        ["Ed25519 verify, `openssl speed`", "%s /s" % fmt(verify["ed25519"])],
        ["Ed25519 verify, OpenSSL EVP on 32 bytes", "%s /s" % fmt(eds["openssl_verify_per_s"])],
        ["Ed25519 verify, libsodium %s" % eds["sodium_version"],
         "%s /s" % fmt(eds["sodium_verify_per_s"])],
    ]))
    L.append("")
    L.append(
        "The least time the corpus takes is then the canonical body bytes hashed (once per "
        "message and distinct body canonicalization and hash, as an RSA and an Ed25519 "
        "signature over the same body share one pass) ÷ the bulk hash rate, plus each "
        "signature's canonical header bytes ÷ the 1 KB-block rate, plus one verification per "
        "signature at its algorithm's rate. Byte counts come from the generator's own "
        "canonicalizer (`truth.tsv`). With the faster Ed25519 (libsodium), which dkimarc uses:")
    L.append("")
    L.append(table(["", "seconds", "share"], [
        ["body hashing", fmt(b_tight[0], 4), "%.0f %%" % (100 * b_tight[0] / T_tight)],
        ["header hashing", fmt(b_tight[1], 4), "%.0f %%" % (100 * b_tight[1] / T_tight)],
        ["RSA verification", fmt(b_tight[2], 4), "%.0f %%" % (100 * b_tight[2] / T_tight)],
        ["Ed25519 verification (libsodium)", fmt(b_tight[3], 4),
         "%.0f %%" % (100 * b_tight[3] / T_tight)],
        ["**total**", fmt(T_tight, 4), "%s mails/s" % fmt(nmsg / T_tight)],
        ["total with OpenSSL's Ed25519 (issue 8's definition)", fmt(T_issue, 4),
         "%s mails/s" % fmt(nmsg / T_issue)],
    ]))
    L.append("")

    # scaling
    if 1 in scan and 2 in scan:
        rounds = int(mach.get("scan_rounds", "1"))
        L.append("**Two cores**: `dkimarc scan --keys keys.jsonl --jobs N --json=FILE -q -` "
                 "given the corpus's list of files %s (%s messages: reads every file, writes "
                 "JSON Lines; every repeat must give the same results), not pinned:" % (
                     "%d times over" % rounds if rounds > 1 else "once", fmt(nmsg * rounds)))
        L.append("")
        L.append(table(["", "wall s", "CPU s", "mails/s (wall)", "peak RSS MB"], [
            ["`--jobs %d`" % j, fmt(scan[j]["wall"], 3), fmt(scan[j]["cpu"], 3),
             fmt(per(nmsg * rounds, scan[j]["wall"])), fmt(scan[j]["rss"] / 1024, 1)]
            for j in (1, 2)]))
        L.append("")
        L.append(scaling_text(scan))
        L.append("")

    # streaming
    if stream:
        L.append("**Memory as the message grows**: `bench/stream_rss.c` generates a message on "
                 "the fly (never held in memory), validly signed (Ed25519, relaxed/relaxed), and "
                 "streams it through `dkimarc_verifier_write()` in 64 KB chunks; the signature "
                 "must pass with every body byte hashed. SHA-256 alone is OpenSSL's rate on the "
                 "same bytes, measured by the same program.")
        L.append("")
        L.append(table(["message", "result", "peak RSS MB", "verify MB/s (CPU)",
                        "SHA-256 alone MB/s", "verify CPU s"], [
            ["%s MB" % fmt(s["bytes"] / 1e6), s["result"], fmt(s["rss_peak_kb"] / 1024, 1),
             fmt(s["bytes"] / 1e6 / max(s["verify_cpu"], 1e-9)),
             fmt(s["bytes"] / 1e6 / max(s["sha256_cpu"], 1e-9)), fmt(s["verify_cpu"], 3)]
            for s in stream]))
        L.append("")

    # targets
    L.append("**Issue 8's targets**, from the figures above:")
    L.append("")
    trows = []
    for ref, need, label in (("opendkim", TARGETS["opendkim"], "libopendkim"),
                             ("dkimpy", TARGETS["dkimpy"], "dkimpy")):
        if not d or ref not in rows:
            continue
        x = rows[ref]["cpu"] / d["cpu"]
        xw = rows[ref]["wall"] / d["wall"]
        top = rows[ref]["cpu"] / T_issue
        trows.append(["mails/s on one core vs %s" % label, "≥ %.0f×" % need,
                      "%.1f× (wall: %.1f×)" % (x, xw), "%.1f×" % top,
                      verdict(x >= need, "" if x >= need else "by %.0f %%%s" % (
                          100 * (1 - x / need),
                          "; out of reach: the bound itself is %.1f×" % top if top < need
                          else ""))])
    if d:
        x = d["cpu"] / T_issue
        xt = d["cpu"] / T_tight
        trows.append(["time vs the bound", "≤ 1.3×",
                      "%.2f× (%.2f× the libsodium bound)" % (x, xt), "1×",
                      verdict(x <= TARGETS["bound"], "" if x <= 1.3 else
                              "%.0f %% over the allowance" % (100 * (x / 1.3 - 1)))])
    if 1 in scan and 2 in scan and not scans_timed(scan):
        trows.append(["`scan --jobs 2` vs `--jobs 1`, wall", "≥ 1.8×", "too short to time",
                      "2×", ""])
    elif 1 in scan and 2 in scan:
        x = per(scan[1]["wall"], scan[2]["wall"]) or 0
        trows.append(["`scan --jobs 2` vs `--jobs 1`, wall", "≥ 1.8×",
                      "%.2f× (medians: %.2f×)" % (
                          x, per(scan[1]["median"], scan[2]["median"]) or 0), "2×",
                      verdict(x >= TARGETS["jobs"], "" if x >= 1.8 else
                              "by %.0f %%" % (100 * (1 - x / 1.8)))])
    big = [s for s in stream if s["bytes"] >= 9e8]
    if big:
        s = big[-1]
        mb = s["rss_peak_kb"] / 1024
        trows.append(["1 GB message streamed, peak RSS", "< 64 MB", "%.1f MB" % mb, "",
                      verdict(mb < TARGETS["rss_1g_mb"] and s["ok"], "")])
    if leak:
        if leak.get("wall") is not None and not leak.get("fail"):
            trows.append(["the synthetic leak (71,848 mails), `scan --jobs 2`", "< 5 s wall",
                          "%.1f s (CPU %s s)" % (leak["wall"], leak["cpu"]), "",
                          verdict(leak["wall"] < 5, "" if leak["wall"] < 5 else
                                  "by %.0f %%" % (100 * (leak["wall"] / 5 - 1)))])
        else:
            trows.append(["the synthetic leak (71,848 mails), `scan --jobs 2`", "< 5 s wall",
                          "failed: %s" % leak.get("fail", "no figure"), "", "**missed**"])
    else:
        trows.append(["the synthetic leak (71,848 mails) on 2 cores", "< 5 s wall",
                      "not run (`--no-leak`); see the corpus-scan section", "", ""])
    L.append(table(["target", "required", "measured", "a verifier at the bound", ""], trows,
                   ["---", "---:", "---:", "---:", "---"]))
    L.append("")
    L.append("Ratios between verifiers are of CPU time on one core; \"a verifier at the bound\" "
             "is what one doing only the bound's work would reach. The missed ones are "
             "explained after the profile.")
    L.append("")

    # profile
    total = sum(cats.values())
    if total and d:
        L.append("**Where dkimarc's time goes**: `perf record --call-graph dwarf` of "
                 "`dkimarc_bench` on the corpus (%s samples inside `dkimarc_verify()`). A "
                 "sample in OpenSSL or libsodium is put under what dkimarc called it for; the "
                 "seconds are the shares of the fastest pass's CPU time (%.3f s):" % (
                     fmt(total), d["cpu"]))
        L.append("")
        groups = collections.Counter()
        for k, v in cats.items():
            groups[k.split(":")[0]] += v
        prow = []
        for k, v in cats.most_common(16):
            prow.append([k, "%.1f %%" % (100.0 * v / total), fmt(d["cpu"] * v / total, 4)])
        L.append(table(["where", "share", "seconds"], prow))
        L.append("")
        def secs(pat):
            return sum(v for k, v in cats.items() if re.search(pat, k)) / total * d["cpu"]

        body, hdr, rsa, ed = secs("body hash"), secs("header hash"), secs("RSA .*verif"), \
            secs("Ed25519 .*verif")
        recov, ovh, keyd = secs("recovery"), secs("OpenSSL 3 overhead"), secs("key decoding")
        own, libc = groups["dkimarc"] / total * d["cpu"], groups["libc"] / total * d["cpu"]
        rest = d["cpu"] - body - hdr - rsa - ed - recov - ovh - keyd - own - libc

        def ratio(x, y):
            return "%.2f" % (x / y) if y else "–"

        L.append(table(["work", "bound s", "dkimarc s", "dkimarc ÷ bound"], [
            ["body hashing (OpenSSL)", fmt(b_tight[0], 4), fmt(body, 4), ratio(body, b_tight[0])],
            ["header hashing (OpenSSL)", fmt(b_tight[1], 4), fmt(hdr, 4), ratio(hdr, b_tight[1])],
            ["RSA verification (OpenSSL)", fmt(b_tight[2], 4), fmt(rsa, 4), ratio(rsa, b_tight[2])],
            ["Ed25519 verification (libsodium)", fmt(b_tight[3], 4), fmt(ed, 4),
             ratio(ed, b_tight[3])],
            ["RSA digest recovery of failed signatures (forensic diagnosis)", "0", fmt(recov, 4),
             ""],
            ["OpenSSL 3 overhead: look-ups, contexts, locks", "0", fmt(ovh, 4), ""],
            ["key decoding", "0", fmt(keyd, 4), ""],
            ["dkimarc's own code: parsing, canonicalization, reports", "0", fmt(own, 4), ""],
            ["libc (allocation, copies, searches)", "0", fmt(libc, 4), ""],
            ["the rest (libpsl, kernel, ...)", "0", fmt(rest, 4), ""],
            ["**total**", fmt(T_tight, 4), fmt(d["cpu"], 4), "%.2f" % (d["cpu"] / T_tight)],
        ]))
        L.append("")
        prof = {"body": body, "hdr": hdr, "rsa": rsa, "ed": ed, "recov": recov, "ovh": ovh,
                "own": own, "libc": libc, "rest": rest + keyd}
    else:
        prof = None
    L += notes(mach, nmsg, rows, T_issue, T_tight, b_tight, scan, leak, prof)
    return "\n".join(L).rstrip() + "\n"


def scans_timed(scan):
    """Both scans ran long enough to time: a tiny run's last a few hundredths of a
    second, and /usr/bin/time can give 0."""
    return 1 in scan and 2 in scan and min(
        scan[j][k] for j in (1, 2) for k in ("wall", "cpu")) >= 0.05


def cores(run):
    """Cores a run kept busy: its CPU time over its wall time."""
    return run["cpu"] / run["wall"] if run["wall"] else 0


def scaling_text(scan):
    """The two-core runs in sentences: the ratio, and the cores each run had."""
    one, two = scan[1], scan[2]
    if not scans_timed(scan):
        return "The runs were too short to time (a tiny run): no ratio."
    text = ("`--jobs 2` takes %.2f× less wall time than `--jobs 1` (fastest of %d runs each; "
            "%.2f× between the medians). In those fastest runs one job kept %.2f cores busy: "
            "its verifying thread, with the walk and the writer beside it; two jobs kept %.2f "
            "of the 2." % (per(one["wall"], two["wall"]) or 0, min(one["passes"], two["passes"]),
                           per(one["median"], two["median"]) or 0, cores(one), cores(two)))
    m = two.get("machine")
    if m:
        others = max(0.0, m["busy"] - two["cpu"])
        text += (" Meanwhile the machine's counters (/proc/stat) show %.2f core-seconds taken "
                 "by the hypervisor (steal), %.2f by other processes and kernel threads, and "
                 "%.2f idle, of the %.2f that two cores give in %.2f s." % (
                     m["steal"], others, m["idle"], 2 * two["wall"], two["wall"]))
    return text


def notes(mach, nmsg, rows, T_issue, T_tight, b_tight, scan, leak, prof):
    """What bounds each missed target, in sentences computed from the figures."""
    d = rows.get("dkimarc")
    out = []
    if not d:
        return out
    for ref, need, label in (("opendkim", TARGETS["opendkim"], "libopendkim"),
                             ("dkimpy", TARGETS["dkimpy"], "dkimpy")):
        if ref not in rows:
            continue
        x, top = rows[ref]["cpu"] / d["cpu"], rows[ref]["cpu"] / T_issue
        if x >= need:
            continue
        if top < need:
            out.append(
                "* **vs %s: out of reach on this machine.** %s verifies %s mails per CPU-second "
                "here; a verifier doing nothing but the bound's hashing and signature checks "
                "would be %.1f× faster, short of %.0f×. (Issue 8's figures put the bound at "
                "50× dkimpy, from a measurement where dkimpy ran 369 mails/s against a bound "
                "of 18,300.) dkimarc's %.1f× can grow by at most its distance to the bound, "
                "%.2f×." % (label, label, fmt(rows[ref]["n"] / rows[ref]["cpu"]), top, need, x,
                            d["cpu"] / T_issue))
        else:
            out.append(
                "* **vs %s: %.1f×, %.0f %% short of %.0f×.** A verifier at the bound would be "
                "%.1f×; what separates dkimarc from the bound is in the next point." % (
                    label, x, 100 * (1 - x / need), need, top))
    x = d["cpu"] / T_issue
    if x > TARGETS["bound"] and prof:
        extra = d["cpu"] - T_tight
        prim = prof["body"] + prof["hdr"] + prof["rsa"] + prof["ed"] - sum(b_tight)
        out.append(
            "* **The bound: %.2f×, over 1.3× by %.0f %%.** Against the bound with libsodium's "
            "Ed25519 (%.3f s, %.2f× it), dkimarc spends %.1f ms more. Of that, %.1f ms is the "
            "bound's own work done slower than `openssl speed`'s loops (RSA %.2f×, Ed25519 "
            "%.2f×, hashing %.2f×; the speed loops repeat one operation on one key and one "
            "buffer, where dkimarc's calls each come with their own set-up, between other "
            "work), %.1f ms dkimarc's own code "
            "(parsing, header and body canonicalization, tags, base64, reports), %.1f ms recovering "
            "the digest of failed RSA signatures to tell a changed header from a replaced key, "
            "%.1f ms OpenSSL 3's look-ups and contexts, %.1f ms libc (allocation, copies, "
            "searches), %.1f ms the rest." % (
                x, 100 * (x / 1.3 - 1), T_tight, d["cpu"] / T_tight, 1e3 * extra, 1e3 * prim,
                prof["rsa"] / b_tight[2] if b_tight[2] else 0,
                prof["ed"] / b_tight[3] if b_tight[3] else 0,
                (prof["body"] + prof["hdr"]) / (b_tight[0] + b_tight[1]),
                1e3 * prof["own"], 1e3 * prof["recov"], 1e3 * prof["ovh"], 1e3 * prof["libc"],
                1e3 * prof["rest"]))
    if scans_timed(scan):
        x = per(scan[1]["wall"], scan[2]["wall"]) or 0
        if x < TARGETS["jobs"]:
            one, two = scan[1], scan[2]
            u1, u2 = cores(one), cores(two)
            m = two.get("machine") or {}
            lost = ""
            if m:
                lost = (" the rest went to the hypervisor (%.2f core-seconds of steal) and to "
                        "other processes and kernel threads (%.2f)" % (
                            m["steal"], max(0.0, m["busy"] - two["cpu"])))
            out.append(
                "* **`--jobs 2`: %.2f×, short of 1.8× by %.0f %%.** The ratio is exactly the "
                "cores each run kept busy times the CPU time each needed: (%.2f ÷ %.2f) × "
                "(%.2f s ÷ %.2f s) = %.2f. Two jobs needed %.0f %% more CPU time than one for "
                "the same messages. One job keeps more than one core busy, since the "
                "walk and the writer run beside its verifying thread (they are a few per cent "
                "of the work: the walk only reads folder entries and sizes for .eml and "
                "maildir files, and results reach the writer 16 at a time); two jobs kept "
                "%.2f of the 2 cores,%s. On a machine whose second core is fully free the "
                "same figures give %.2f×." % (
                    x, 100 * (1 - x / 1.8), u2, u1, one["cpu"], two["cpu"], x,
                    100 * (two["cpu"] / one["cpu"] - 1), u2,
                    lost or " the rest was idle", 2 / u1 * one["cpu"] / two["cpu"]))
    if leak and leak.get("wall") and leak["wall"] >= 5:
        cpu = leak["user"] + leak["sys"]
        out.append(
            "* **The synthetic leak: %.1f s, over 5 s by %.0f %%** (load average %s as it "
            "started). It took %.1f s of CPU (%.1f user, %.1f system: %s in %s files read), "
            "so two free cores need at least %.1f s of wall time; %s" % (
                leak["wall"], 100 * (leak["wall"] / 5 - 1), leak.get("load", "?"), cpu,
                leak["user"], leak["sys"], leak.get("size", "?"), fmt(leak.get("files", 0)),
                cpu / 2, "the rest is waiting for the shared cores." if cpu < 10 else
                "the CPU time itself is over the 10 s that 5 s on two cores allow."))
    if out:
        out = ["**What bounds the missed targets**:", ""] + out + [""]
    return out


def replace_section(path, md):
    with open(path) as f:
        doc = f.read()
    block = BEGIN + "\n\n" + md + "\n" + END + "\n"
    if BEGIN in doc and END in doc:
        i = doc.index(BEGIN)
        j = doc.index(END) + len(END)
        if doc[j:j + 1] == "\n":
            j += 1
        doc = doc[:i] + block + doc[j:]
    else:
        doc = doc.rstrip("\n") + "\n\n" + block
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(doc)
    os.replace(tmp, path)


def plot(R, rows, T_issue, T_tight, nmsg, stream, png):
    bars = [("bound", nmsg / T_tight)]
    for name, _ in HARNESSES:
        if name in rows:
            bars.append((SHORT[name], per(rows[name]["n"], rows[name]["cpu"]) or 0))
    with open(os.path.join(R, "plot-rates.dat"), "w") as f:
        for i, (n, v) in enumerate(bars):
            f.write('%d "%s" %.1f\n' % (i, n, v))
    with open(os.path.join(R, "plot-rss.dat"), "w") as f:
        for s in stream:
            f.write("%.3f %.2f\n" % (s["bytes"] / 1e6, s["rss_peak_kb"] / 1024))
    gp = """
set terminal pngcairo size 1200,480 font "DejaVu Sans,10"
set output "%(png)s"
set multiplot layout 1,2
set title "Mails per CPU-second, one core (log scale)"
set style fill solid 0.8 border -1
set boxwidth 0.7
set logscale y
set yrange [10:*]
set grid ytics
set xtics rotate by -30 nomirror
unset key
plot "%(rates)s" using 1:3:xtic(2) with boxes lc rgb "#4477aa", \\
     "" using 1:($3*1.25):(sprintf("%%.0f", $3)) with labels font ",9"
unset logscale y
set title "Streaming verifier: peak RSS vs message size"
set logscale x
set xrange [0.5:2000]
set yrange [0:80]
set xtics norotate
set xlabel "message size, MB"
set ylabel "peak RSS, MB"
set key top left
plot "%(rss)s" using 1:2 with linespoints pt 7 lw 2 lc rgb "#228833" title "dkimarc", \\
     64 with lines dt 2 lc rgb "#cc3311" title "target: 64 MB"
unset multiplot
""" % {"png": png, "rates": os.path.join(R, "plot-rates.dat"),
       "rss": os.path.join(R, "plot-rss.dat")}
    with open(os.path.join(R, "plot.gp"), "w") as f:
        f.write(gp)
    try:
        subprocess.run(["gnuplot", os.path.join(R, "plot.gp")], check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print("plot: gnuplot failed (%s); apt-get install gnuplot-nox" % e, file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
