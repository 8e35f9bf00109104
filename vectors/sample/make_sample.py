#!/usr/bin/python3
"""Regenerates dkimarc's bundled sample: messages, key archives, expected.txt.

    /usr/bin/python3 vectors/sample/make_sample.py           # rewrite the files
    /usr/bin/python3 vectors/sample/make_sample.py --check   # compare only

The committed files are the reference. This script records how they were
made. It signs with dkimpy (Debian python3-dkim) using the test keys in
private/. Those keys were generated once with
    openssl genrsa -out private/<domain>.<selector>.pem 2048   (512 for weak512)
    openssl genpkey -algorithm ed25519 -out private/example.net.ed2024.pem
and are committed. They are test keys and must never be used for real mail.
Every signature has a fixed t= that matches the message's Date, and RSA
PKCS#1 v1.5 and Ed25519 signatures are deterministic, so a rerun gives the
same bytes. Public keys are derived with the openssl command.
"""

import base64
import contextlib
import os
import re
import subprocess
import sys
import time

import dkim

HERE = os.path.dirname(os.path.abspath(__file__))
PRIV = os.path.join(HERE, "private")

# (domain, selector, key file, kind, in archive as)
KEYS = [
    ("example.com", "mail2024", "example.com.mail2024.pem", "rsa", "key"),
    ("example.com", "old2019", "example.com.old2019.pem", "rsa", "revoked"),
    ("example.com", "weak512", "example.com.weak512.pem", "rsa", "key"),
    ("example.com", "missing2023", "example.com.missing2023.pem", "rsa", "absent"),
    ("example.net", "ed2024", "example.net.ed2024.pem", "ed25519", "key"),
    ("mailer.example.net", "esp1", "mailer.example.net.esp1.pem", "rsa", "key"),
]
ARCHIVE_SOURCE = "dkimarc sample (test keys, vectors/sample/private)"
FIRST_SEEN = "2024-01-01T00:00:00Z"
LAST_SEEN = "2024-12-31T23:59:59Z"

SIGNED_HEADERS = [b"from", b"to", b"subject", b"date", b"message-id", b"mime-version",
                  b"content-type",
                  # oversigned: no further From/To/Subject/Date/Cc can be added
                  b"from", b"to", b"subject", b"date", b"cc"]


def key_path(domain, selector):
    for d, s, f, _, _ in KEYS:
        if (d, s) == (domain, selector):
            return os.path.join(PRIV, f)
    raise KeyError((domain, selector))


def public_der(path):
    der = subprocess.run(["openssl", "pkey", "-in", path, "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    return der


def key_record(domain, selector, kind, state):
    if state == "revoked":
        return "v=DKIM1; p="
    der = public_der(key_path(domain, selector))
    if kind == "ed25519":
        return "v=DKIM1; k=ed25519; p=" + base64.b64encode(der[-32:]).decode()
    return "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()


def ed25519_seed_b64(path):
    der = subprocess.run(["openssl", "pkey", "-in", path, "-outform", "DER"],
                         check=True, capture_output=True).stdout
    return base64.b64encode(der[-32:])


@contextlib.contextmanager
def fixed_time(t):
    saved = time.time
    time.time = lambda: float(t)
    try:
        yield
    finally:
        time.time = saved


def message(headers, body):
    """CRLF message from a list of (name, value) and body lines."""
    head = "".join("%s: %s\r\n" % hv for hv in headers)
    return (head + "\r\n" + "".join(line + "\r\n" for line in body)).encode("ascii")


def sign(msg, domain, selector, t, kind="rsa", length=False):
    path = key_path(domain, selector)
    if kind == "ed25519":
        key, alg = ed25519_seed_b64(path), b"ed25519-sha256"
    else:
        with open(path, "rb") as f:
            key = f.read()
        alg = b"rsa-sha256"
    with fixed_time(t):
        d = dkim.DKIM(msg, signature_algorithm=alg)
        sig = d.sign(selector.encode(), domain.encode(), key,
                     canonicalize=(b"relaxed", b"relaxed"),
                     include_headers=SIGNED_HEADERS, length=length)
    return sig + msg


def date_of(t):
    return time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(t))


def build():
    out = {}   # file name -> (bytes, expected verdict)

    t = 1714557600  # 2024-05-01T10:00:00Z
    m = message([("From", "Alice Example <alice@example.com>"),
                 ("To", "Bob Example <bob@example.net>"),
                 ("Subject", "Quarterly report"),
                 ("Date", date_of(t)),
                 ("Message-ID", "<q1-report.1@example.com>"),
                 ("MIME-Version", "1.0"),
                 ("Content-Type", "text/plain; charset=us-ascii")],
                ["Hi Bob,", "", "The Q1 figures are final: revenue 1.2M, costs 0.9M.",
                 "I will send the slides tomorrow.", "", "Alice"])
    out["confirmed-rsa.eml"] = (sign(m, "example.com", "mail2024", t), "confirmed")

    t = 1714561200  # 11:00
    m = message([("From", "Bob Example <bob@example.net>"),
                 ("To", "Alice Example <alice@example.com>"),
                 ("Subject", "Re: Quarterly report"),
                 ("Date", date_of(t)),
                 ("Message-ID", "<re-q1-report.7@example.net>"),
                 ("In-Reply-To", "<q1-report.1@example.com>"),
                 ("MIME-Version", "1.0"),
                 ("Content-Type", "text/plain; charset=us-ascii")],
                ["Thanks Alice, the numbers look good.", "", "Bob"])
    out["confirmed-ed25519.eml"] = (sign(m, "example.net", "ed2024", t, kind="ed25519"),
                                    "confirmed")

    t = 1714564800  # 12:00
    m = message([("From", "Example Org News <news@example.org>"),
                 ("To", "alice@example.com"),
                 ("Subject", "Example Org newsletter, May 2024"),
                 ("Date", date_of(t)),
                 ("Message-ID", "<may2024.alice@mailer.example.net>"),
                 ("MIME-Version", "1.0"),
                 ("Content-Type", "text/plain; charset=us-ascii")],
                ["This month at Example Org:", "", "* the new office opens on 3 June",
                 "* the annual meeting is on 20 June", "",
                 "You receive this because you subscribed at example.org."])
    out["third-party.eml"] = (sign(m, "mailer.example.net", "esp1", t),
                              "confirmed-third-party")

    t = 1714568400  # 13:00
    m = message([("From", "Alice Example <alice@example.com>"),
                 ("To", "Bob Example <bob@example.net>"),
                 ("Subject", "Invoice 1042"),
                 ("Date", date_of(t)),
                 ("Message-ID", "<invoice-1042@example.com>"),
                 ("MIME-Version", "1.0"),
                 ("Content-Type", "text/plain; charset=us-ascii")],
                ["Hello Bob,", "", "Invoice 1042 is due on 31 May: EUR 100.00.",
                 "Account: EX00 1234 5678", "", "Alice"])
    signed = sign(m, "example.com", "mail2024", t)
    altered = signed.replace(b"EUR 100.00", b"EUR 900.00")
    assert altered != signed
    out["altered-body.eml"] = (altered, "altered")

    t = 1714572000  # 14:00
    m = message([("From", "Alice Example <alice@example.com>"),
                 ("To", "Bob Example <bob@example.net>"),
                 ("Subject", "Meeting moved to Thursday"),
                 ("Date", date_of(t)),
                 ("Message-ID", "<meeting-thu@example.com>"),
                 ("MIME-Version", "1.0"),
                 ("Content-Type", "text/plain; charset=us-ascii")],
                ["Bob,", "", "Our meeting moves to Thursday 10:00, same room.", "", "Alice"])
    signed = sign(m, "example.com", "mail2024", t)
    altered = signed.replace(b"Subject: Meeting moved to Thursday",
                             b"Subject: Meeting cancelled")
    assert altered != signed
    out["altered-subject.eml"] = (altered, "altered")

    t = 1714575600  # 15:00
    m = message([("From", "Carol Example <carol@example.org>"),
                 ("To", "alice@example.com"),
                 ("Subject", "Lunch?"),
                 ("Date", date_of(t)),
                 ("Message-ID", "<lunch.3@example.org>"),
                 ("MIME-Version", "1.0"),
                 ("Content-Type", "text/plain; charset=us-ascii")],
                ["Lunch on Friday?", "", "Carol"])
    out["unsigned.eml"] = (m, "unsigned")

    t = 1714579200  # 16:00
    m = message([("From", "Alice Example <alice@example.com>"),
                 ("To", "Bob Example <bob@example.net>"),
                 ("Subject", "Old thread"),
                 ("Date", date_of(t)),
                 ("Message-ID", "<old-thread@example.com>"),
                 ("MIME-Version", "1.0"),
                 ("Content-Type", "text/plain; charset=us-ascii")],
                ["Signed with selector missing2023, which no archive holds.", "", "Alice"])
    out["unverifiable-no-key.eml"] = (sign(m, "example.com", "missing2023", t),
                                      "unverifiable")

    t = 1714582800  # 17:00
    m = message([("From", "Alice Example <alice@example.com>"),
                 ("To", "Bob Example <bob@example.net>"),
                 ("Subject", "Sent from the old server"),
                 ("Date", date_of(t)),
                 ("Message-ID", "<old-server@example.com>"),
                 ("MIME-Version", "1.0"),
                 ("Content-Type", "text/plain; charset=us-ascii")],
                ["Signed with selector old2019, whose key has been revoked (p= empty).", "",
                 "Alice"])
    out["unverifiable-revoked.eml"] = (sign(m, "example.com", "old2019", t), "unverifiable")

    t = 1714586400  # 18:00
    m = message([("From", "Alice Example <alice@example.com>"),
                 ("To", "Bob Example <bob@example.net>"),
                 ("Subject", "From the legacy gateway"),
                 ("Date", date_of(t)),
                 ("Message-ID", "<legacy-gw@example.com>"),
                 ("MIME-Version", "1.0"),
                 ("Content-Type", "text/plain; charset=us-ascii")],
                ["Signed with a 512-bit RSA key (selector weak512).", "", "Alice"])
    out["weak-512.eml"] = (sign(m, "example.com", "weak512", t), "weak")

    t = 1714590000  # 19:00
    m = message([("From", "Alice Example <alice@example.com>"),
                 ("To", "Bob Example <bob@example.net>"),
                 ("Subject", "Saved by a Unix mail client"),
                 ("Date", date_of(t)),
                 ("Message-ID", "<unix-lf@example.com>"),
                 ("MIME-Version", "1.0"),
                 ("Content-Type", "text/plain; charset=us-ascii")],
                ["This file has bare LF line ends, as mbox and Maildir tools store mail.",
                 "The signature was made over the CRLF form and still verifies.", "", "Alice"])
    out["confirmed-lf.eml"] = (sign(m, "example.com", "mail2024", t).replace(b"\r\n", b"\n"),
                               "confirmed")

    t = 1714593600  # 20:00
    m = message([("From", "Alice Example <alice@example.com>"),
                 ("To", "team@lists.example.com"),
                 ("Subject", "Release 2.0 is out"),
                 ("Date", date_of(t)),
                 ("Message-ID", "<release-2.0@example.com>"),
                 ("MIME-Version", "1.0"),
                 ("Content-Type", "text/plain; charset=us-ascii")],
                ["Release 2.0 is out. Download it from the usual place.", "", "Alice"])
    signed = sign(m, "example.com", "mail2024", t, length=True)
    footer = (b"-- \r\nteam mailing list\r\n"
              b"Also: ignore the link above, get 2.0 from http://downloads.example/\r\n")
    out["body-length-footer.eml"] = (signed + footer, "altered")
    return out


def archives():
    recs = []
    for domain, selector, _, kind, state in KEYS:
        if state == "absent":
            continue
        recs.append(("%s._domainkey.%s" % (selector, domain), domain, selector,
                     key_record(domain, selector, kind, state), state))

    zone = ["; dkimarc sample key archive, DNS zone file format.",
            "; Test keys only (private halves in private/, see private/README.md).",
            "; The same records are in keys.txt (OpenDKIM key file) and keys.jsonl.",
            "$TTL 3600"]
    origin = None
    for name, domain, selector, txt, state in recs:
        if domain != origin:
            zone.append("$ORIGIN %s." % domain)
            origin = domain
        owner = "%s._domainkey" % selector
        comment = "   ; revoked" if state == "revoked" else ""
        if len(txt) <= 200:
            zone.append('%-22s IN TXT "%s"%s' % (owner, txt, comment))
        else:
            head, p = txt.split("p=", 1)
            parts = ['"%sp="' % head] + ['"%s"' % p[i:i + 200] for i in range(0, len(p), 200)]
            zone.append("%-22s IN TXT ( %s" % (owner, parts[0]))
            for part in parts[1:-1]:
                zone.append("%-29s %s" % ("", part))
            zone.append("%-29s %s )%s" % ("", parts[-1], comment))
    keys_txt = ["%s %s" % (name, txt) for name, _, _, txt, _ in recs]
    import json
    jsonl = [json.dumps({"name": name, "txt": txt, "source": ARCHIVE_SOURCE,
                         "first_seen": FIRST_SEEN, "last_seen": LAST_SEEN})
             for name, _, _, txt, _ in recs]
    return {"keys.zone": zone, "keys.txt": keys_txt, "keys.jsonl": jsonl}


def main():
    check = "--check" in sys.argv[1:]
    files = {}
    msgs = build()
    for name, (data, _) in msgs.items():
        files[name] = data
    for name, lines in archives().items():
        files[name] = ("\n".join(lines) + "\n").encode()
    files["expected.txt"] = "".join("%s %s\n" % (n, v) for n, (_, v) in
                                    sorted(msgs.items())).encode()
    bad = 0
    for name, data in files.items():
        p = os.path.join(HERE, name)
        if check:
            old = open(p, "rb").read() if os.path.exists(p) else None
            if old != data:
                print("DIFFERS:", name)
                bad += 1
        else:
            with open(p, "wb") as f:
                f.write(data)
    print("%d files %s" % (len(files), "checked, %d differ" % bad if check else "written"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
