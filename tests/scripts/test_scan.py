#!/usr/bin/python3
"""Checks `dkimarc scan` end to end on small corpora built here.

Run by ctest with DKIMARC (the CLI) and SRCDIR (the repository root) set.
Independent truth: vectors/sample/expected.txt for the sample messages, and
messages signed here with dkimpy (Debian python3-dkim) for mbox quoting.

Covers: nested folders, maildir, mbox, walk order; output byte-identical for
any --jobs (JSON, CSV, text, summary); symlinks out of the tree (skipped by
default, followed with --follow-symlinks); unreadable files (dangling
symlink, FIFO, a file root cannot read after dropping privileges with
setpriv) reported while the scan goes on, with exit status 3; empty and
non-mail files; an mbox with malformed separators; --mbox-quoting; a message
over --max-size; paths on standard input; the summary; no progress line
unless standard error is a terminal; every output option as --opt FILE and
--opt=FILE, and the files a scan writes never read as part of the corpus.
Ends with "N passed, M failed".
"""

import csv
import email
import email.utils
import io
import json
import os
import pty
import shutil
import subprocess
import sys
import tempfile
import time

import dkim

SRCDIR = os.environ.get("SRCDIR") or os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CLI = os.environ.get("DKIMARC")
SAMPLE = os.path.join(SRCDIR, "vectors", "sample")
KEYS = os.path.join(SAMPLE, "keys.zone")
AT = "2024-06-01T00:00:00Z"

passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


def scan(*args, cwd=None, stdin=None, stderr_tty=False, keys=True):
    cmd = [CLI, "scan"] + (["--keys", KEYS] if keys else []) + ["--at", AT] + list(args)
    if stderr_tty:
        master, slave = pty.openpty()
        p = subprocess.run(cmd, cwd=cwd, input=stdin, stdout=subprocess.PIPE, stderr=slave,
                           timeout=120)
        os.close(slave)
        err = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            err += chunk
        os.close(master)
        return p.returncode, p.stdout, err
    p = subprocess.run(cmd, cwd=cwd, input=stdin, capture_output=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def records(out):
    return [json.loads(l) for l in out.decode("utf-8").splitlines()]


def expected_sample():
    exp = {}
    with open(os.path.join(SAMPLE, "expected.txt")) as f:
        for line in f:
            name, verdict = line.split()
            exp[name] = verdict
    return exp


def sign(msg, selector=b"mail2024"):
    with open(os.path.join(SAMPLE, "private", "example.com.%s.pem" % selector.decode()),
              "rb") as f:
        key = f.read()
    sig = dkim.sign(msg, selector, b"example.com", key,
                    include_headers=[b"from", b"to", b"subject", b"date"])
    return sig + msg


def mboxrd(messages, eol=b"\n"):
    out = b""
    for m in messages:
        out += b"From sender@example.com Thu May  4 10:00:00 2017" + eol
        for line in m.splitlines(keepends=True):
            if line.lstrip(b">").startswith(b"From "):
                line = b">" + line
            out += line
        if not m.endswith(b"\n"):
            out += eol
        out += eol
    return out


def main():
    if not CLI:
        print("DKIMARC is not set")
        return 2
    tmp = tempfile.mkdtemp(prefix="dkimarc-scan-")
    try:
        run_all(tmp)
    finally:
        subprocess.run(["chmod", "-R", "u+rwx", tmp])
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def run_all(tmp):
    exp = expected_sample()
    names = sorted(exp)

    # ---- a corpus of folders, a maildir and an mbox ----------------------------
    c = os.path.join(tmp, "corpus")
    os.makedirs(os.path.join(c, "inbox", "2017", "05"))
    for d in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(c, "Maildir", d))
    raw = {n: open(os.path.join(SAMPLE, n), "rb").read() for n in names}
    where = {}
    for i, n in enumerate(names):
        if i % 3 == 0:
            rel = os.path.join("inbox", "2017", "05", n)
        elif i % 3 == 1:
            rel = os.path.join("Maildir", "cur", "%d.M%dP1.host:2,S" % (1493000000 + i, i))
        else:
            rel = os.path.join("inbox", n)
        with open(os.path.join(c, rel), "wb") as f:
            f.write(raw[n])
        where[os.path.join("corpus", rel)] = exp[n]
    with open(os.path.join(c, "archive.mbox"), "wb") as f:
        f.write(mboxrd([raw[n] for n in names]))
    for i, n in enumerate(names, 1):  # mbox messages are numbered from 1
        where[("corpus/archive.mbox", i)] = exp[n]

    rc, out, err = scan("--json", "corpus", cwd=tmp)
    recs = records(out)
    check(rc == 1, "exit status %d, expected 1 (some messages not confirmed)" % rc)
    got = {}
    for r in recs:
        key = r["file"] if r["index"] is None else (r["file"], r["index"])
        got[key] = r.get("verdict")
    check(got == where, "verdicts differ from vectors/sample/expected.txt: %s" %
          {k: (got.get(k), where.get(k)) for k in set(got) | set(where)
           if got.get(k) != where.get(k)})
    files = [r["file"] for r in recs]
    walk = sorted(files, key=lambda p: [x.encode() for x in p.split("/")])
    check(files == walk, "not in walk order")
    mbox_recs = [r for r in recs if r["index"] is not None]
    data = open(os.path.join(c, "archive.mbox"), "rb").read()
    check(all(data[r["offset"]:r["offset"] + 5] == b"From " for r in mbox_recs) and
          [r["index"] for r in mbox_recs] == list(range(1, len(names) + 1)),
          "mbox index/offset do not point at separators")

    # ---- the same output for any --jobs ----------------------------------------
    outs = {}
    for jobs in ("1", "2", "7"):
        for fmt in (["--json"], ["--csv", "-"], []):
            s = os.path.join(tmp, "sum-%s.json" % jobs)
            rc, out, err = scan("--jobs", jobs, "--summary-json", s, *fmt, "corpus", cwd=tmp)
            outs.setdefault(tuple(fmt), set()).add(out)
        outs.setdefault("summary", set()).add(open(s, "rb").read())
    check(all(len(v) == 1 for v in outs.values()), "output depends on --jobs")

    # ---- CSV and summary agree with the JSON -----------------------------------
    rc, out, err = scan("--csv", "-", "--summary-json", os.path.join(tmp, "s.json"), "corpus",
                        cwd=tmp)
    rows = list(csv.DictReader(io.StringIO(out.decode("utf-8"), newline="")))
    check(len(rows) == len(recs) and all(
        row["file"] == r["file"] and row["verdict"] == (r.get("verdict") or "")
        and row["index"] == ("" if r["index"] is None else str(r["index"]))
        for row, r in zip(rows, recs)), "CSV rows differ from JSON records")
    # The Date: in JSON unix seconds ("date", after "time"), in CSV RFC 3339; both the
    # Date field as Python's email package reads it from the message itself.
    def date_of(r):
        if r["index"] is not None:
            return None  # compared through the files below
        with open(os.path.join(tmp, r["file"]), "rb") as f:
            m = email.message_from_binary_file(f)
        return int(email.utils.parsedate_to_datetime(m["Date"]).timestamp()) if m["Date"] else None
    check(all(list(r)[list(r).index("time") + 1] == "date" for r in recs) and
          all(r["date"] == date_of(r) for r in recs if r["index"] is None) and
          all(isinstance(r["date"], int) for r in recs),
          "JSON date: %s" % [(r["file"], r["date"], date_of(r)) for r in recs][:4])
    check(all(row["date"] == (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(r["date"]))
                              if r["date"] is not None else "")
              for row, r in zip(rows, recs)),
          "CSV date differs from JSON date: %s" % [(row["date"], r["date"])
                                                    for row, r in zip(rows, recs)][:4])
    s = json.load(open(os.path.join(tmp, "s.json")))
    counts = {}
    for r in recs:
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    check(all(s["verdicts"][v]["count"] == counts.get(v, 0) for v in s["verdicts"]) and
          s["messages"] == len(recs) and s["exit_status"] == 1,
          "summary JSON disagrees: %s vs %s" % (s, counts))
    conf = {}
    for r in recs:
        if r["verdict"] in ("confirmed", "confirmed-third-party"):
            d = next(x["domain"] for x in r["signatures"] if x["result"] == "pass")
            conf[d] = conf.get(d, 0) + 1
    check({d["domain"]: d["confirmed"] + d["confirmed_third_party"]
           for d in s["signing_domains"]} == conf, "confirmed per domain %s" % s)
    check(b"summary:" in err and b"confirmed" in err,
          "summary table not on stderr with machine output on stdout")
    rc, out, err = scan("corpus", cwd=tmp)
    check(b"summary:" in out and b"\r" not in err and b"\x1b" not in err,
          "text mode: summary on stdout, nothing drawn on a non-terminal stderr")

    # ---- live DNS: every key the corpus needs asked once, before verifying -------
    log = os.path.join(tmp, "dns.log")
    dns = subprocess.Popen(["/usr/bin/python3", os.path.join(SRCDIR, "tests", "dns", "faultdns.py"),
                            "--log", log, "--lifetime", "120", "--keys",
                            os.path.join(SAMPLE, "keys.txt")],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        port = int(dns.stdout.readline())
        rc, out, err = scan("--json", "--jobs", "3", "--dns-server", "127.0.0.1:%d" % port,
                            "corpus", cwd=tmp, keys=False)
        live = records(out)
        same = [(r["file"], r["index"], r["verdict"],
                 [(x["result"], x["reason"]) for x in r["signatures"]]) for r in live]
        pinned = [(r["file"], r["index"], r["verdict"],
                   [(x["result"], x["reason"]) for x in r["signatures"]]) for r in recs]
        check(rc == 1 and same == pinned, "live DNS scan differs from the archive scan: %s"
              % err[-300:])
        check(all(x["key_source"].startswith("dns ") for r in live for x in r["signatures"]
                  if x["key_source"]), "live keys not shown as coming from DNS")
        with open(log) as f:
            asked = [l.split()[1].lower().rstrip(".") for l in f if l.split()[2] == "TXT"]
        needed = {"%s._domainkey.%s" % (x["selector"], x["domain"]) for r in recs
                  for x in r["signatures"]}
        check(sorted(asked) == sorted(needed),
              "each key must be asked once: asked %s, needed %s" % (asked, needed))
        # Keys from DNS: the header walk runs first, and the progress line says so.
        rc, out, err = scan("--json", "--dns-server", "127.0.0.1:%d" % port, "corpus",
                            cwd=tmp, keys=False, stderr_tty=True)
        check(b"(reading headers" in err and b"fetching keys" in err,
              "a DNS scan must gather the key names first: %r" % err[-300:])
    finally:
        dns.stdin.close()
        dns.wait(timeout=30)

    # ---- progress only on a terminal -------------------------------------------
    rc, out, err = scan("--json", "corpus", cwd=tmp, stderr_tty=True)
    check(b"\x1b[K" in err and b"verifying" in err and b"messages in" in err,
          "no progress line on a terminal: %r" % err[:200])
    # Keys from the archive alone: one walk, so no header phase and no total to count to.
    check(b"reading headers" not in err and b"ETA" not in err,
          "an archive scan must read the corpus once: %r" % err[-300:])
    rc, out, err = scan("--json", "--no-progress", "corpus", cwd=tmp, stderr_tty=True)
    check(b"verifying" not in err, "--no-progress still drew")
    rc, out, err = scan("--json", "--jobs", "1", "corpus/inbox/confirmed-rsa.eml", cwd=tmp,
                        stderr_tty=True)
    check(b"\n1 message in " in err and b" on 1 thread\r\n" in err,
          "one message on one thread, singular: %r" % err[-200:])

    # ---- symlinks, unreadable, empty, non-mail ---------------------------------
    p = os.path.join(tmp, "odd")
    os.makedirs(os.path.join(p, "sub"))
    outside = os.path.join(tmp, "outside.eml")
    shutil.copy(os.path.join(SAMPLE, "confirmed-rsa.eml"), outside)
    shutil.copy(os.path.join(SAMPLE, "confirmed-rsa.eml"), os.path.join(p, "sub", "in.eml"))
    os.symlink(outside, os.path.join(p, "a-out.eml"))
    os.symlink("sub/in.eml", os.path.join(p, "b-in.eml"))
    os.symlink("/nonexistent/x.eml", os.path.join(p, "c-dangling.eml"))
    os.mkfifo(os.path.join(p, "d-fifo.eml"))
    open(os.path.join(p, "e-empty.eml"), "wb").close()
    with open(os.path.join(p, "f-notes.txt"), "w") as f:
        f.write("shopping list\n")
    with open(os.path.join(p, "g-image.jpg"), "wb") as f:
        f.write(b"\xff\xd8\xff\xe0\x00\x10JFIF")
    with open(os.path.join(p, "h-image.eml"), "wb") as f:  # checked when read, not walked
        f.write(b"\x89PNG\r\n\x1a\n\0\0")
    rc, out, err = scan("--json", "odd", cwd=tmp)
    by = {r["file"]: r for r in records(out)}
    kinds = {os.path.basename(k): v.get("problem") or v.get("verdict") for k, v in by.items()}
    check(kinds == {"a-out.eml": "skipped", "b-in.eml": "confirmed",
                    "c-dangling.eml": "unreadable", "d-fifo.eml": "unreadable",
                    "e-empty.eml": "empty", "f-notes.txt": "not_mail",
                    "g-image.jpg": "not_mail", "h-image.eml": "not_mail",
                    "in.eml": "confirmed"},
          "odd files: %s" % kinds)
    check(rc == 3, "exit status %d with unreadable files, expected 3" % rc)
    rc, out, err = scan("--json", "--follow-symlinks", "odd", cwd=tmp)
    by = {os.path.basename(r["file"]): r for r in records(out)}
    check(by["a-out.eml"].get("verdict") == "confirmed", "--follow-symlinks")
    check(by["h-image.eml"].get("problem_text", "").startswith("does not begin like"),
          "problem text of a .eml that is not mail: %s" % by["h-image.eml"])
    rc, out, err = scan("--json", "odd/sub", "odd/e-empty.eml", "odd/f-notes.txt",
                        "odd/h-image.eml", cwd=tmp)
    check(rc == 0, "empty and non-mail files must not make the scan incomplete (exit %d)" % rc)

    # A file name with a newline stays on one text line.
    nl = os.path.join(tmp, "nl")
    os.makedirs(nl)
    shutil.copy(os.path.join(SAMPLE, "unsigned.eml"), os.path.join(nl, "a\nb.eml"))
    rc, out, err = scan("nl", cwd=tmp)
    first = out.split(b"\n")[0]
    check(first == b"nl/a\\x0Ab.eml: unsigned: the message has no DKIM-Signature",
          "control characters in text output: %r" % first)

    # chmod 000 does not stop root: drop privileges to read as nobody.
    priv = os.path.join(tmp, "priv")
    os.makedirs(priv)
    shutil.copy(os.path.join(SAMPLE, "confirmed-rsa.eml"), os.path.join(priv, "a.eml"))
    shutil.copy(os.path.join(SAMPLE, "confirmed-rsa.eml"), os.path.join(priv, "b.eml"))
    shutil.copy(os.path.join(SAMPLE, "confirmed-rsa.eml"), os.path.join(priv, "c.eml"))
    os.chmod(os.path.join(priv, "b.eml"), 0)
    os.chmod(tmp, 0o755)
    setpriv = shutil.which("setpriv")
    if os.geteuid() == 0 and setpriv:
        p = subprocess.run([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", CLI,
                            "scan", "--keys", KEYS, "--json", priv], capture_output=True,
                           timeout=60)
        rs = records(p.stdout)
        check([r.get("problem") or r.get("verdict") for r in rs] ==
              ["confirmed", "unreadable", "confirmed"] and p.returncode == 3 and
              "Permission denied" in rs[1]["problem_text"],
              "permission denied: %s exit %d %s" % (rs, p.returncode, p.stderr[-300:]))
    elif os.geteuid() != 0:
        rc, out, err = scan("--json", priv)
        rs = records(out)
        check([r.get("problem") or r.get("verdict") for r in rs] ==
              ["confirmed", "unreadable", "confirmed"] and rc == 3, "permission denied")
    else:
        print("note: setpriv missing; unreadable-by-permission case not run")

    # ---- mbox: malformed separators, quoting -----------------------------------
    base = (b"From: Alice <alice@example.com>\r\nTo: bob@example.org\r\n"
            b"Subject: minutes\r\nDate: Thu, 04 May 2017 10:00:00 +0000\r\n\r\n")
    m_from = sign(base + b"Hello\r\nFrom what I heard, all is well.\r\n")
    m_quoted = sign(base + b"Hello\r\n>From the minutes: agreed.\r\n")
    m_plain = sign(base + b"Hello\r\nNo quoting needed.\r\n")
    with open(os.path.join(tmp, "q.mbox"), "wb") as f:
        f.write(mboxrd([m_from, m_quoted, m_plain]))
    want = {"mboxrd": ["confirmed"] * 3, "mboxo": ["confirmed", "altered", "confirmed"],
            "none": ["altered", "altered", "confirmed"]}
    for q, w in want.items():
        rc, out, err = scan("--json", "--mbox-quoting=" + q, "q.mbox", cwd=tmp)
        check([r["verdict"] for r in records(out)] == w, "--mbox-quoting=%s" % q)
    rc, out, err = scan("--json", "q.mbox", cwd=tmp)
    check([r["verdict"] for r in records(out)] == want["mboxrd"], "default quoting is mboxrd")

    # A writer that did not quote "From " lines, and a separator without a date.
    with open(os.path.join(tmp, "bad.mbox"), "wb") as f:
        f.write(b"From a@example.com Thu May  4 10:00:00 2017\n" + m_from +
                b"\nFrom nobody\n" + m_plain + b"\n" +
                b"From b@example.com Thu May  4 11:00:00 2017\n" + m_plain)
    rc, out, err = scan("--json", "bad.mbox", cwd=tmp)
    rs = records(out)
    check(len(rs) == 2 and rs[0]["verdict"] == "altered" and rs[0]["note"] and
          "From " in rs[0]["note"] and rs[1]["verdict"] == "confirmed" and
          rs[1]["note"] is None and rc == 1,
          "malformed separators: %s" % [(r.get("verdict"), r.get("note")) for r in rs])

    # ---- size limit --------------------------------------------------------------
    big = sign(base + b"Hello\r\n" + b"x" * 70 + b"\r\n" * 30)
    os.makedirs(os.path.join(tmp, "sz"))
    with open(os.path.join(tmp, "sz", "big.eml"), "wb") as f:
        f.write(big)
    with open(os.path.join(tmp, "sz", "box"), "wb") as f:
        f.write(mboxrd([big, m_plain]))
    rc, out, err = scan("--json", "--max-size", str(len(big) - 1), "sz", cwd=tmp)
    rs = records(out)
    check([r.get("problem") or r.get("verdict") for r in rs] ==
          ["too_large", "too_large", "confirmed"] and rs[1]["index"] == 1 and
          str(len(big) - 1) in rs[0]["problem_text"] and rc == 3,
          "size limit: %s exit %d" % (rs, rc))
    rc, out, err = scan("--json", "--max-size", str(len(big)), "sz/big.eml", cwd=tmp)
    check(records(out)[0].get("verdict") == "confirmed" and rc == 0, "message at the limit")

    # ---- paths on standard input ---------------------------------------------------
    rc1, out1, _ = scan("--json", "sz/box", "q.mbox", cwd=tmp)
    rc2, out2, _ = scan("--json", "-", cwd=tmp, stdin=b"sz/box\nq.mbox\n")
    rc3, out3, _ = scan("--json", "--null", "-", cwd=tmp, stdin=b"sz/box\0q.mbox\0")
    check(out1 == out2 == out3 and rc1 == rc2 == rc3 and out1.count(b"\n") == 5,
          "paths on standard input")

    # ---- a file name that is not UTF-8: CSV writes what JSON writes (U+FFFD) ------------
    u8 = os.path.join(tmp, "u8").encode()
    os.makedirs(u8)
    with open(os.path.join(u8, b"caf\xe9 \xff\x1b.eml"), "wb") as f:
        f.write(raw[names[0]])
    rc, out, _ = scan("--csv", "-", u8.decode())
    try:
        rows = list(csv.DictReader(io.StringIO(out.decode("utf-8"), newline="")))
    except UnicodeDecodeError as e:
        rows = [{"file": "not UTF-8: %s" % e}]
    rc, jout, _ = scan("--json", u8.decode())
    check(len(rows) == 1 and rows[0]["file"] == records(jout)[0]["file"] and
          rows[0]["file"].endswith("/caf\ufffd \ufffd\x1b.eml"),
          "CSV file name not as in JSON: %r" % [r["file"] for r in rows])

    # ---- output options: both spellings; the scan's own files are never read ----------
    own = os.path.join(tmp, "own")
    shutil.copytree(c, own)
    rc, ref, _ = scan("--json", ".", cwd=own)
    check(rc == 1 and len(records(ref)) == len(recs), "own: the folder scanned alone")
    outs = ["--json", "out.jsonl", "--csv", "out.csv", "--html", "report.html",
            "--summary-json", "summary.json"]
    for run in (1, 2):  # the second run finds the first one's files in the folder
        with open(os.path.join(own, "stdout.txt"), "wb") as so:
            p = subprocess.run([CLI, "scan", "--keys", KEYS, "--at", AT, *outs, "."],
                               cwd=own, stdout=so, stderr=subprocess.PIPE, timeout=120)
        got = open(os.path.join(own, "out.jsonl"), "rb").read()
        summ = json.load(open(os.path.join(own, "summary.json")))
        check(p.returncode == 1 and got == ref,
              "own run %d: '--json FILE' wrote FILE, the same records as a scan without "
              "outputs (%d): %s" % (run, p.returncode, sorted(
                  set(r["file"] for r in records(got)) - set(r["file"] for r in records(ref)))))
        check(summ["items"] == len(recs) and summ["messages"] == len(recs),
              "own run %d: the summary counts only the corpus: %d items" % (run, summ["items"]))
        check(b"summary:" in open(os.path.join(own, "stdout.txt"), "rb").read(),
              "own run %d: the summary on standard output, not JSON" % run)
    own2 = os.path.join(tmp, "own2")  # a clean copy: only this run's files are left out
    shutil.copytree(c, own2)
    eq = ["--json=eq.jsonl", "--csv=eq.csv", "--html=eq.html", "--summary-json=eq.json"]
    rc, out, _ = scan(*eq, ".", cwd=own2)
    check(rc == 1 and open(os.path.join(own2, "eq.jsonl"), "rb").read() == ref and
          open(os.path.join(own2, "eq.csv"), "rb").read() ==
          open(os.path.join(own, "out.csv"), "rb").read() and
          json.load(open(os.path.join(own2, "eq.json")))["items"] == len(recs) and
          os.path.getsize(os.path.join(own2, "eq.html")) > 0,
          "--option=FILE writes the same as --option FILE")
    rc, out, _ = scan("--json", ".", cwd=own2)
    check(len(records(out)) == len(recs) + 4,
          "another run's files are read like any file: %d" % len(records(out)))
    # A bare --json before a PATH: JSON on standard output, the PATH scanned.
    rc, out, _ = scan("--json", "inbox", cwd=c)
    check(rc in (0, 1) and records(out) and all(r["file"].startswith("inbox/")
                                                for r in records(out)),
          "a bare --json before a PATH writes to standard output")
    rc, out, err = scan("--json=", ".", cwd=own)
    check(rc == 2 and b"needs a FILE" in err, "--json= with no FILE is a usage error")

    # ---- usage errors ------------------------------------------------------------------
    for bad in (["--jobs", "0", "x"], ["--mbox-quoting=bogus", "x"], ["--bogus", "x"], [],
                ["--max-size", "12Q", "x"]):
        rc, out, err = scan(*bad, cwd=tmp)
        check(rc == 2 and b"dkimarc:" in err and out == b"", "usage error %s: %d" % (bad, rc))
    rc, out, err = scan("--json", "no-such-dir", cwd=tmp)
    check(rc == 3 and records(out)[0]["problem"] == "unreadable", "missing path")


if __name__ == "__main__":
    sys.exit(main())
