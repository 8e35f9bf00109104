#!/usr/bin/python3
"""Interop: what `dkimarc sign` writes must verify as pass with dkimpy,
Mail::DKIM, libopendkim and dkimarc itself.

Keys come from `dkimarc keygen` (RSA-2048, Ed25519 as PEM and as a bare
seed). Every message is signed over all four canonicalizations, with both
algorithms, with and without l=, with and without --oversign; then with the
other options (an exact h= list, i=, x=, rsa-sha1, LF and mbox input, --crlf).
Each file is given to every verifier; a verifier that cannot do Ed25519
(Mail::DKIM in Debian 12) is not asked about those files, and that is
printed. A tampered copy of each kind of file must fail everywhere, so a
verifier that says pass to anything would be caught.

Usage: sign_interop.py --dkimarc PATH --opendkim PATH [--workdir DIR]
Prints one line per failed check and ends with "N passed, M failed".
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, "/usr/lib/python3/dist-packages")
import dkim  # noqa: E402  (dkimpy, python3-dkim)

HERE = os.path.dirname(os.path.abspath(__file__))
MAILDKIM = os.path.join(HERE, "maildkim.pl")
T = "1700000000"

MESSAGES = {
    # Folding, runs of whitespace, trailing blanks, empty lines at the end.
    "basic": (
        "Received: from mail.example.org by mx.example.com; Mon, 13 Nov 2023 10:00:00 +0000\r\n"
        "From: Joe SixPack <joe@example.com>\r\n"
        "To: Suzie Q <suzie@shopping.example.net>,\r\n"
        "\tOther Person <other@example.net>\r\n"
        "Cc:   team@example.com  \r\n"
        "Subject:  Is dinner   ready? \r\n"
        "Date: Mon, 13 Nov 2023 10:00:00 +0000\r\n"
        "Message-ID: <20231113100000.1@example.com>\r\n"
        "X-Mailer: test\r\n"
        "\r\n"
        "Hi.\r\n"
        "\r\n"
        "We lost the game.  Are you   hungry yet?\t \r\n"
        " indented line\r\n"
        "\r\n"
        "Joe.\r\n"
        "\r\n"
        "\r\n"
    ),
    # No body at all after the empty line.
    "empty-body": (
        "From: joe@example.com\r\n"
        "To: suzie@example.net\r\n"
        "Subject: nothing\r\n"
        "Date: Mon, 13 Nov 2023 10:00:00 +0000\r\n"
        "\r\n"
    ),
    # MIME, 8-bit header text, repeated fields, a long body line.
    "mime": (
        "MIME-Version: 1.0\r\n"
        "From: =?UTF-8?Q?J=C3=B6rg?= <joerg@example.com>\r\n"
        "To: a@example.net\r\n"
        "To: b@example.net\r\n"
        "Subject: Gr\xc3\xbc\xc3\x9fe aus K\xc3\xb6ln\r\n"
        "Date: Mon, 13 Nov 2023 10:00:00 +0100\r\n"
        "Content-Type: multipart/alternative; boundary=\"b1\"\r\n"
        "List-Id: <list.example.com>\r\n"
        "\r\n"
        "--b1\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
        "K\xc3\xb6ln " + "x" * 900 + "\r\n"
        "--b1--\r\n"
    ),
}


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL - " + what)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, **kw)


def keygen(args, work):
    """Makes the keys; returns [(selector, keyfile, algorithm)], archive lines."""
    keys, archive = [], []
    for sel, alg, extra in (("rsa", "rsa", []), ("ed", "ed25519", []),
                            ("seed", "ed25519", ["--format", "seed"])):
        path = os.path.join(work, sel + ".private")
        p = run([args.dkimarc, "keygen", "--algorithm", alg, "--selector", sel,
                 "--domain", "example.com", "-o", path, "--force"] + extra)
        if p.returncode != 0:
            sys.exit("keygen failed: " + p.stderr.decode())
        zone, jl = p.stdout.decode().splitlines()
        archive.append(jl)
        keys.append((sel, path, "rsa-sha256" if alg == "rsa" else "ed25519-sha256"))
    return keys, archive


def sign(args, key, src, out, opts):
    sel, path, _ = key
    p = run([args.dkimarc, "sign", "--domain", "example.com", "--selector", sel, "--key", path,
             "--timestamp", T, "-o", out] + opts + [src])
    return p.returncode, p.stderr.decode()


def to_crlf(b):
    """SMTP form, as dkimpy takes it: CRLF line ends, no mbox "From " line."""
    if b.startswith(b"From "):
        b = b[b.index(b"\n") + 1:]
    return b.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def verify_dkimpy(paths, records):
    def dnsfunc(name, timeout=5):
        return records.get(name.decode().rstrip(".").lower(), "").encode() or None

    res = {}
    for p in paths:
        with open(p, "rb") as f:
            msg = to_crlf(f.read())
        try:
            res[p] = "pass" if dkim.DKIM(msg).verify(idx=0, dnsfunc=dnsfunc) else "fail"
        except Exception as e:  # noqa: BLE001  (dkimpy raises on what it rejects)
            res[p] = "error: %s" % e
    return res


def verify_tool(cmd, paths):
    """Runs a per-line verifier; returns {path: result of signature 0}."""
    p = run(cmd + paths)
    res = {}
    for line in p.stdout.decode().splitlines():
        f = line.split("\t")
        if line.startswith("#") or len(f) < 5:
            continue
        if f[1] in ("0", "-"):
            res[f[0]] = f[4] if f[1] == "0" else "none: " + f[-1]
    for path in paths:
        res.setdefault(path, "no output: " + p.stderr.decode()[-200:])
    return res


def verify_dkimarc(args, paths, keyfile):
    p = run([args.dkimarc, "verify", "--json", "--keys", keyfile] + paths)
    res = {}
    for line in p.stdout.decode().splitlines():
        j = json.loads(line)
        sigs = j["signatures"]
        res[j["file"]] = sigs[0]["result"] if sigs else "none"
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dkimarc", required=True)
    ap.add_argument("--opendkim", default="")
    ap.add_argument("--workdir")
    args = ap.parse_args()
    c = Checks()
    if not args.opendkim or not os.access(args.opendkim, os.X_OK):
        c.check(False, "the libopendkim harness (tests/diff/opendkim_verify) is not built")
    work = args.workdir or tempfile.mkdtemp(prefix="sign-interop-")
    os.makedirs(work, exist_ok=True)
    keys, archive = keygen(args, work)
    keyfile = os.path.join(work, "keys.jsonl")
    with open(keyfile, "w") as f:
        f.write("\n".join(archive) + "\n")
    records = {json.loads(l)["name"]: json.loads(l)["txt"] for l in archive}
    odkeys = os.path.join(work, "keys.opendkim")
    with open(odkeys, "w") as f:
        for name, txt in records.items():
            f.write("%s %s\n" % (name, txt))

    srcs = {}
    for name, text in MESSAGES.items():
        srcs[name] = os.path.join(work, name + ".eml")
        with open(srcs[name], "wb") as f:
            f.write(text.encode("latin-1"))
    # The same mail stored with bare LF, and in an mbox with its "From " line.
    lf = os.path.join(work, "basic-lf.eml")
    with open(lf, "wb") as f:
        f.write(MESSAGES["basic"].encode().replace(b"\r\n", b"\n"))
    mbox = os.path.join(work, "basic-mbox.eml")
    with open(mbox, "wb") as f:
        f.write(b"From joe@example.com Mon Nov 13 10:00:00 2023\n" +
                MESSAGES["basic"].encode().replace(b"\r\n", b"\n"))

    jobs = []  # (output file, key algorithm, description)
    for mname, src in srcs.items():
        for key in keys[:2]:
            for canon in ("simple/simple", "simple/relaxed", "relaxed/simple",
                          "relaxed/relaxed"):
                for l in (False, True):
                    for over in (False, True):
                        opts = ["--canon", canon] + (["--body-length"] if l else []) + \
                            (["--oversign"] if over else [])
                        out = os.path.join(work, "%s.%s.%s.%s%s.eml" % (
                            mname, key[0], canon.replace("/", "-"), "l" if l else "nol",
                            ".over" if over else ""))
                        jobs.append((key, src, out, opts))
    base = srcs["basic"]
    extra = [
        (keys[2], base, "seed-key", []),
        (keys[0], base, "exact-h", ["--exact-headers", "From:To:Subject:X-Mailer:Reply-To"]),
        (keys[1], base, "identity", ["--identity", "joe+x@mail.example.com",
                                     "--expire", "2099-12-31"]),
        (keys[0], base, "expire-relative", ["--timestamp", "now", "--expire", "+1d"]),
        (keys[0], base, "sha1", ["--algorithm", "rsa-sha1", "--allow-sha1"]),
        (keys[0], base, "no-t", ["--timestamp", "none", "--headers", "from:subject:date"]),
        (keys[0], lf, "lf", ["--canon", "simple/simple"]),
        (keys[1], lf, "lf-relaxed", []),
        (keys[0], lf, "lf-crlf", ["--crlf", "--canon", "simple/simple"]),
        (keys[1], mbox, "mbox", ["--canon", "simple/simple"]),
        (keys[0], mbox, "mbox-rsa", []),
    ]
    for key, src, tag, opts in extra:
        jobs.append((key, src, os.path.join(work, "extra.%s.eml" % tag), opts))

    outputs = []
    for key, src, out, opts in jobs:
        rc, err = sign(args, key, src, out, opts)
        c.check(rc == 0, "dkimarc sign %s %s: exit %d %s" % (os.path.basename(out),
                                                             " ".join(opts), rc, err))
        if rc == 0:
            outputs.append((out, key[2]))
    # The signer's own output must keep the input's line ends.
    for out, _ in outputs:
        data = open(out, "rb").read()
        if "extra.lf." in out or "extra.lf-relaxed" in out or "extra.mbox" in out:
            c.check(data.startswith(b"From ") == ("mbox" in out),
                    "%s: the mbox From line is not first" % out)
            c.check(b"\r" not in data, "%s: LF input written back with CR" % out)
        else:
            c.check(b"\n" not in data.replace(b"\r\n", b""), "%s: bare LF in output" % out)

    # A tampered copy of one file per algorithm and canonicalization must fail.
    tampered = []
    for out, alg in outputs:
        if ".nol.eml" in out and out.startswith(os.path.join(work, "basic.")):
            t = out[:-4] + ".tampered.eml"
            data = open(out, "rb").read().replace(b"hungry", b"Hungry")
            open(t, "wb").write(data)
            tampered.append((t, alg))

    paths = [o for o, _ in outputs]
    tpaths = [t for t, _ in tampered]
    ed = {o for o, a in outputs + tampered if a.startswith("ed25519")}
    results = {
        "dkimarc": verify_dkimarc(args, paths + tpaths, keyfile),
        "dkimpy": verify_dkimpy(paths + tpaths, records),
        "Mail::DKIM": verify_tool(["perl", MAILDKIM, "dkim", keyfile],
                                  [p for p in paths + tpaths if p not in ed]),
    }
    if args.opendkim:
        results["libopendkim"] = verify_tool([args.opendkim, "--keys", odkeys], paths + tpaths)
    for verifier, res in results.items():
        n = 0
        for p in paths:
            if p in res:
                n += 1
                c.check(res[p] == "pass", "%s: %s says %s" % (os.path.basename(p), verifier,
                                                             res[p]))
        for t in tpaths:
            if t in res:
                c.check(res[t] != "pass", "%s: %s passes a tampered copy" % (
                    os.path.basename(t), verifier))
        print("%-11s verified %d signed files as pass%s" % (
            verifier, n, " (no Ed25519 support: %d files not asked)" % len(
                [p for p in paths if p in ed]) if verifier == "Mail::DKIM" else ""))
    print("%d passed, %d failed" % (c.passed, c.failed))
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
