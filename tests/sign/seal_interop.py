#!/usr/bin/python3
"""Interop of `dkimarc seal`: chains of 1 to 5 hops, each sealed by dkimarc,
must validate with dkimpy's and Mail::DKIM's ARC verifiers and with dkimarc.

Each hop is a separate ADMD with its own key (from `dkimarc keygen`): it adds
its Authentication-Results (arc= what dkimarc's validation of the chain so far
says), then seals with `dkimarc seal`, which validates the chain itself to
choose cv=. Hop 3 acts as a mailing list and changes Subject and body before
sealing, which breaks the earlier AMS but not the chain. Also: an RSA chain
broken by tampering must be sealed with cv=fail and then left alone; an
Ed25519 chain (which neither dkimpy 1.1.4 nor Mail::DKIM in Debian 12 can
validate: dkimarc only); a bare-LF message; the 50-set limit.

Usage: seal_interop.py --dkimarc PATH [--workdir DIR]
Ends with "N passed, M failed".
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, "/usr/lib/python3/dist-packages")
import dkim  # noqa: E402  (dkimpy)

HERE = os.path.dirname(os.path.abspath(__file__))
MAILDKIM = os.path.join(HERE, "maildkim.pl")

MESSAGE = (
    b"From: Joe SixPack <joe@origin.example>\r\n"
    b"To: list@hop3.example\r\n"
    b"Subject: Is dinner ready?\r\n"
    b"Date: Mon, 13 Nov 2023 10:00:00 +0000\r\n"
    b"Message-ID: <20231113100000.1@origin.example>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain\r\n"
    b"\r\n"
    b"Hi.\r\n"
    b"\r\n"
    b"We lost the game.  Are you hungry yet?\r\n"
)


class Run:
    def __init__(self, args):
        self.args = args
        self.passed = self.failed = 0
        self.work = args.workdir or tempfile.mkdtemp(prefix="seal-interop-")
        os.makedirs(self.work, exist_ok=True)
        self.keys = {}  # selector-domain -> key file
        self.archive = os.path.join(self.work, "keys.jsonl")
        self.records = {}
        open(self.archive, "w").close()
        self.n = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL - " + what)
        return ok

    def keygen(self, domain, alg):
        path = os.path.join(self.work, "%s.%s.private" % (domain, alg))
        p = subprocess.run([self.args.dkimarc, "keygen", "--algorithm", alg, "--selector", "s",
                            "--domain", domain, "-o", path, "--force"], capture_output=True)
        if p.returncode != 0:
            sys.exit("keygen: " + p.stderr.decode())
        line = p.stdout.decode().splitlines()[1]
        with open(self.archive, "a") as f:
            f.write(line + "\n")
        j = json.loads(line)
        self.records[j["name"]] = j["txt"]
        return path

    def file(self, data, tag):
        self.n += 1
        path = os.path.join(self.work, "%02d-%s.eml" % (self.n, tag))
        with open(path, "wb") as f:
            f.write(data)
        return path

    def dkimarc_arc(self, path):
        p = subprocess.run([self.args.dkimarc, "verify", "--json", "--arc-sets", "50", "--keys",
                            self.archive, path],
                           capture_output=True)
        j = json.loads(p.stdout.decode().splitlines()[0])
        return j["arc"]["result"], len(j["arc"].get("instances", [])), j["arc"]

    def dkimpy_arc(self, path):
        def dnsfunc(name, timeout=5):
            v = self.records.get(name.decode().rstrip(".").lower())
            return v.encode() if v else None
        msg = open(path, "rb").read()
        if not msg.startswith(b"From "):
            msg = msg.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        cv, _, why = dkim.arc_verify(msg, dnsfunc=dnsfunc)
        # dkimpy gives no cv when the last seal says cv=fail: the chain failed.
        return cv.decode() if cv else "fail" if "reported failure" in why else "none", why

    def maildkim_arc(self, path):
        p = subprocess.run(["perl", MAILDKIM, "arc", self.archive, path], capture_output=True)
        f = p.stdout.decode().rstrip("\n").split("\t")
        return (f[1], f[2] if len(f) > 2 else "") if len(f) > 1 else ("?", p.stderr.decode())

    def hop(self, data, domain, alg, t, extra=(), modify=None):
        """One ADMD: validates the chain on receipt into its Authentication-Results,
        changes the message (modify), then seals with dkimarc. Returns (rc, out, err)."""
        if (domain, alg) not in self.keys:
            self.keys[(domain, alg)] = self.keygen(domain, alg)
        key = self.keys[(domain, alg)]
        arc = self.dkimarc_arc(self.file(data, "before-" + domain))[0]
        if modify:
            data = modify(data)
        lf = b"\r\n" not in data
        eol = b"\n" if lf else b"\r\n"
        ar = (b"Authentication-Results: " + domain.encode() + b"; arc=" + arc.encode() +
              b";" + eol + b"\tspf=pass smtp.mailfrom=origin.example" + eol)
        src = self.file(ar + data, "in-" + domain)
        p = subprocess.run([self.args.dkimarc, "seal", "--domain", domain, "--selector", "s",
                            "--key", key, "--authserv-id", domain, "--keys", self.archive,
                            "--timestamp", str(t)] + list(extra) + [src], capture_output=True)
        return p.returncode, p.stdout, p.stderr.decode()

    def validate(self, path, want, sets, refs=True):
        name = os.path.basename(path)
        res, n, report = self.dkimarc_arc(path)
        self.check(res == want and n == sets, "%s: dkimarc arc=%s with %d sets, want %s with %d"
                   " (%s)" % (name, res, n, want, sets, report.get("reason_text")))
        if refs:
            cv, why = self.dkimpy_arc(path)
            self.check(cv == want, "%s: dkimpy cv=%s (%s), want %s" % (name, cv, why, want))
            r, why = self.maildkim_arc(path)
            self.check(r == want, "%s: Mail::DKIM %s (%s), want %s" % (name, r, why, want))


def list_rewrite(data):
    """What a mailing list does: a Subject tag and a footer."""
    return data.replace(b"Subject: ", b"Subject: [list] ") + b"-- \r\nlist footer\r\n"


def seal_cvs(data):
    text = re.sub(rb"\r?\n[ \t]", b" ", data).decode("latin-1")
    return [re.search(r"cv=(\w+)", line).group(1) for line in text.splitlines()
            if line.startswith("ARC-Seal:")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dkimarc", required=True)
    ap.add_argument("--workdir")
    r = Run(ap.parse_args())

    # 1..5 hops, RSA; hop 3 is a mailing list that rewrites Subject and body.
    data = MESSAGE
    after = {}
    for k in range(1, 6):
        # The list changes the message after validating it, so the chain no
        # longer validates when it seals: cv= comes from its AR (--cv ar).
        lst = k == 3
        rc, out, err = r.hop(data, "hop%d.example" % k, "rsa", 1700000000 + k,
                             ["--cv", "ar"] if lst else [], list_rewrite if lst else None)
        if not r.check(rc == 0, "hop %d: exit %d: %s" % (k, rc, err)):
            break
        if lst:
            data = list_rewrite(data)
        r.check(out.endswith(data), "hop %d: the message below the new set changed" % k)
        data = out
        r.check(seal_cvs(data) == ["pass"] * (k - 1) + ["none"],
                "hop %d: seals say cv=%s" % (k, seal_cvs(data)))
        r.validate(r.file(data, "rsa-hops-%d" % k), "pass", k)
        after[k] = data

    # A chain broken after hop 2 is sealed with cv=fail; later hops add nothing.
    tampered = after[2].replace(b"hungry", b"Hungry")
    r.validate(r.file(tampered, "tampered"), "fail", 2)
    rc, out, err = r.hop(tampered, "hop3.example", "rsa", 1700000103)
    r.check(rc == 0, "sealing a broken chain: exit %d: %s" % (rc, err))
    r.check(seal_cvs(out)[0] == "fail", "a broken chain sealed with cv=%s" % seal_cvs(out)[:1])
    r.validate(r.file(out, "sealed-fail"), "fail", 3)
    rc, out2, err = r.hop(out, "hop4.example", "rsa", 1700000104)
    r.check(rc == 0 and seal_cvs(out2) == seal_cvs(out) and "cv=fail" in err,
            "after a cv=fail seal no set may be added (exit %d, %s)" % (rc, err))

    # Ed25519 chain of 3 hops. Neither dkimpy 1.1.4 ("unknown signature
    # algorithm") nor Mail::DKIM in Debian 12 validates Ed25519 ARC sets, so
    # only dkimarc is asked; docs/signing.md says so.
    data = MESSAGE
    for k in range(1, 4):
        rc, out, err = r.hop(data, "ed%d.example" % k, "ed25519", 1700000010 + k)
        if not r.check(rc == 0, "ed25519 hop %d: exit %d: %s" % (k, rc, err)):
            break
        data = out
        r.validate(r.file(data, "ed-hops-%d" % k), "pass", k, refs=False)

    # Bare LF in, bare LF out, validating once read as CRLF.
    lf = MESSAGE.replace(b"\r\n", b"\n")
    rc, out, err = r.hop(lf, "hop1.example", "rsa", 1700000020)
    r.check(rc == 0 and b"\r" not in out, "LF message: exit %d, CR in output: %s" % (
        rc, b"\r" in out))
    r.validate(r.file(out, "lf"), "pass", 1)
    crlf = out.replace(b"\n", b"\r\n")
    r.validate(r.file(crlf, "lf-as-crlf"), "pass", 1)

    # Up to 50 sets (RFC 8617 §4.2.1), then no more.
    data = MESSAGE
    for k in range(1, 51):
        rc, data_next, err = r.hop(data, "many.example", "ed25519", 1700001000 + k)
        if not r.check(rc == 0, "set %d of 50: exit %d: %s" % (k, rc, err)):
            break
        data = data_next
    res, n, _ = r.dkimarc_arc(r.file(data, "fifty"))
    r.check(res == "pass" and n == 50, "50 sets: arc=%s with %d sets" % (res, n))
    rc, out, err = r.hop(data, "many.example", "ed25519", 1700001051)
    r.check(rc == 1 and "50" in err, "a 51st set: exit %d: %s" % (rc, err))

    print("%d passed, %d failed" % (r.passed, r.failed))
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
