"""The forensic report (issue 7), checked against independent truth.

Messages are signed by dkimpy (and, for z= copied header fields, by
libopendkim through opendkim_zsign), then put through the transit steps that
break signatures in real life: a mailing list's Subject tag and footer, a
relay's re-folding, re-encoding, line-end and dot-stuffing damage, a rotated
key. For each, dkimpy (the reference verifier) must say that the transformed
message fails and that the message with the step undone by this script
verifies; dkimarc must then name the step and say that undoing it verifies.
Also checked: key_mismatch versus signature_mismatch (item 2), `--explain`
and `--explain-dir` by running the printed openssl commands (item 3), `--ar`
read back by python3-authres (item 4), and the run facts (item 6): version,
archive SHA-256 (hashlib), policy, time, DNS fetch time from a local dnslib
server. Ends with "N passed, M failed".

Usage: run_forensic.py --dkimarc PATH [--zsign PATH]
"""
import argparse
import base64
import email.policy
import hashlib
import json
import os
import quopri
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import authres
import dkim

ap = argparse.ArgumentParser()
ap.add_argument("--dkimarc", required=True)
ap.add_argument("--zsign")
ap.add_argument("--srcdir", default=os.path.join(os.path.dirname(__file__), "..", ".."))
args = ap.parse_args()
DKIMARC = args.dkimarc
SAMPLE = os.path.join(args.srcdir, "vectors", "sample")
KEYS = os.path.join(SAMPLE, "keys.zone")
KEY_A = os.path.join(SAMPLE, "private", "example.com.mail2024.pem")
KEY_B = os.path.join(SAMPLE, "private", "example.com.missing2023.pem")
KEY_ED = os.path.join(SAMPLE, "private", "example.net.ed2024.pem")
tmp = tempfile.mkdtemp(prefix="dkimarc-forensic.")
passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: %s%s" % (name, (": " + str(detail)[:3000]) if detail else ""))


def sample_keys():
    """name -> TXT record, from the sample's OpenDKIM key file (the same keys as keys.zone)."""
    keys = {}
    for line in open(os.path.join(SAMPLE, "keys.txt")):
        line = line.strip()
        if line and not line.startswith("#"):
            name, txt = line.split(None, 1)
            keys[name.lower()] = txt
    return keys


TXT = sample_keys()


def dnsfunc(name, timeout=5):
    name = name.decode() if isinstance(name, bytes) else name
    return TXT.get(name.rstrip(".").lower(), "").encode()


def ref_verifies(msg):
    """dkimpy's verdict on the first signature, with the sample's keys."""
    try:
        return bool(dkim.verify(msg, dnsfunc=dnsfunc))
    except Exception:
        return False


def pem_key(path):
    return open(path, "rb").read()


def sign(msg, key=KEY_A, selector=b"mail2024", domain=b"example.com",
         canon=(b"relaxed", b"relaxed"), headers=None, length=False):
    """msg with a dkimpy DKIM-Signature on top."""
    if key == KEY_ED:
        # dkimpy reads an Ed25519 key as the base64 seed; the PEM's last 32 bytes are it.
        der = base64.b64decode(b"".join(pem_key(key).splitlines()[1:-1]))
        priv = base64.b64encode(der[-32:])
        alg = b"ed25519-sha256"
    else:
        priv, alg = pem_key(key), b"rsa-sha256"
    sig = dkim.sign(msg, selector, domain, priv, canonicalize=canon, include_headers=headers,
                    length=length, signature_algorithm=alg)
    return sig + msg


def write(name, data):
    path = os.path.join(tmp, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def verify_json(path, *extra):
    r = subprocess.run([DKIMARC, "verify", "--json", "--keys", KEYS, *extra, path],
                       capture_output=True, text=True)
    if r.returncode not in (0, 1) or not r.stdout.strip():
        raise RuntimeError("dkimarc verify %s: rc %d, %s" % (path, r.returncode, r.stderr))
    return json.loads(r.stdout.splitlines()[0])


def findings(report, index=0):
    return report["signatures"][index]["diagnosis"] or []


def header(name, value):
    return b"%s: %s\r\n" % (name, value)


BASE_HDR = (b"From: Alice Example <alice@example.com>\r\n"
            b"To: team@lists.example.org\r\n"
            b"Subject: Quarterly figures for the board\r\n"
            b"Date: Wed, 01 May 2024 10:00:00 +0000\r\n"
            b"Message-ID: <q1-figures.42@example.com>\r\n"
            b"MIME-Version: 1.0\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\n")
BODY = (b"Hello team,\r\n\r\nThe figures are attached to the minutes.\r\n"
        b"Revenue rose by 4% over the quarter.\r\n.hidden line starting with a dot\r\n"
        b"\r\nAlice\r\n")
SIGNED_H = [b"from", b"to", b"subject", b"date", b"message-id", b"mime-version",
            b"content-type"]


def transit_case(name, original, transform, undo, finding, field=None, extra_check=None):
    """original verifies (dkimpy); transform(original) does not; undo(transformed) does;
    dkimarc names `finding` on the transformed message and says that undoing it verifies."""
    bad = transform(original)
    fixed = undo(bad)
    check("%s: dkimpy verifies the original" % name, ref_verifies(original))
    check("%s: dkimpy fails the transformed message" % name, not ref_verifies(bad))
    check("%s: dkimpy verifies it with the step undone" % name, ref_verifies(fixed))
    rep = verify_json(write(name + ".eml", bad))
    fs = findings(rep)
    hits = [f for f in fs if f["finding"] == finding and (field is None or f["field"] == field)]
    check("%s: dkimarc names %s" % (name, finding), hits, json.dumps(fs, indent=1))
    check("%s: undoing it verifies" % name, hits and hits[0]["undo_verifies"] is True,
          json.dumps(hits, indent=1))
    check("%s: the verdict itself is unchanged (altered)" % name, rep["verdict"] == "altered",
          rep["verdict"])
    if extra_check:
        extra_check(rep, fs)
    return rep, fs


# ---- item 2: this key did not make this signature, versus headers changed ----------------

def openssl_bits(path):
    out = subprocess.run(["openssl", "pkey", "-in", path, "-noout", "-text"],
                         capture_output=True, text=True).stdout
    return int(re.search(r"\((\d+) bit", out).group(1))


check("keys A and B are both RSA of one size", openssl_bits(KEY_A) == openssl_bits(KEY_B) == 2048)
msg = BASE_HDR + b"\r\n" + BODY
by_b = sign(msg, key=KEY_B)  # key B, but under the selector whose record holds key A
check("key B's signature fails with key A (dkimpy)", not ref_verifies(by_b))
rep = verify_json(write("key-b.eml", by_b))
s = rep["signatures"][0]
check("key B's signature: key_mismatch", (s["result"], s["reason"]) == ("fail", "key_mismatch"), s)
check("key_mismatch: body hash still matches", s["body_hash"] == "match", s)
check("key_mismatch: verdict unverifiable", rep["verdict"] == "unverifiable", rep["verdict"])
check("key_mismatch: diagnosis says so",
      [f["finding"] for f in findings(rep)] == ["key_mismatch"], findings(rep))
by_a = sign(msg, key=KEY_A)
changed = by_a.replace(b"Subject: Quarterly figures", b"Subject: Annual figures")
check("changed Subject fails (dkimpy)", ref_verifies(by_a) and not ref_verifies(changed))
rep = verify_json(write("key-a-changed.eml", changed))
s = rep["signatures"][0]
check("changed Subject: signature_mismatch",
      (s["result"], s["reason"]) == ("fail", "signature_mismatch"), s)
check("signature_mismatch: verdict altered", rep["verdict"] == "altered", rep["verdict"])
check("signature_mismatch: the key made it",
      any(f["finding"] == "headers_changed" and "this key made the signature" in f["text"]
          for f in findings(rep)), findings(rep))
# The same message with key B and a changed Subject is still key_mismatch: nothing is vouched for.
rep = verify_json(write("key-b-changed.eml",
                        by_b.replace(b"Subject: Quarterly figures", b"Subject: Annual figures")))
check("key B and a changed Subject: key_mismatch", rep["signatures"][0]["reason"] == "key_mismatch")
# Ed25519 cannot recover the digest: it stays signature_mismatch, and says why.
ed = sign(BASE_HDR.replace(b"alice@example.com", b"bob@example.net") + b"\r\n" + BODY,
          key=KEY_ED, selector=b"ed2024", domain=b"example.net")
ed_changed = ed.replace(b"Subject: Quarterly", b"Subject: Yearly")
check("Ed25519: original verifies, changed fails (dkimpy)",
      ref_verifies(ed) and not ref_verifies(ed_changed))
rep = verify_json(write("ed-changed.eml", ed_changed))
check("Ed25519 changed: signature_mismatch", rep["signatures"][0]["reason"] == "signature_mismatch")
check("Ed25519 changed: cannot tell key from headers",
      any("cannot tell these apart" in f["text"] for f in findings(rep)), findings(rep))

# ---- item 1: what changed ----------------------------------------------------------------

signed = sign(msg, headers=SIGNED_H)

# The body changed, the header did not: only the body is blamed.
edited = signed.replace(b"rose by 4%", b"rose by 9%")
check("edited body fails (dkimpy)", not ref_verifies(edited))
rep = verify_json(write("edited-body.eml", edited))
fs = findings(rep)
kinds = [f["finding"] for f in fs]
check("edited body: body_changed and headers_intact",
      kinds[:2] == ["body_changed", "headers_intact"], fs)
check("edited body: no transit step claims to explain it",
      not any(f["undo_verifies"] for f in fs), fs)
check("edited body: the length now present is given",
      "%d canonical bytes" % rep["signatures"][0]["body_bytes"] in fs[0]["text"], fs[0])

# A list tags the Subject.
transit_case("subject-tag", signed,
             lambda m: m.replace(b"Subject: Quarterly", b"Subject: [team] Quarterly"),
             lambda m: m.replace(b"Subject: [team] Quarterly", b"Subject: Quarterly"),
             "subject_tag", "Subject")

# A list appends a footer (no l=).
FOOTER = (b"-- \r\nteam mailing list\r\nteam@lists.example.org\r\n"
          b"https://lists.example.org/mailman/listinfo/team\r\n")
transit_case("footer", signed, lambda m: m + FOOTER, lambda m: m[:-len(FOOTER)],
             "footer_appended",
             extra_check=lambda rep, fs: check(
                 "footer: quotes the appended text",
                 any("team mailing list" in f["text"] for f in fs), fs))
MAILMAN = (b"_______________________________________________\r\n"
           b"team mailing list -- team@lists.example.org\r\n")
transit_case("mailman-footer", signed, lambda m: m + b"\r\n" + MAILMAN,
             lambda m: m[:-len(MAILMAN) - 2], "footer_appended")

# A footer after l=: the signature passes, the message is altered, the signed part verifies.
with_l = sign(msg, headers=SIGNED_H, length=True)
rep = verify_json(write("footer-l.eml", with_l + FOOTER))
check("footer after l=: dkimpy still verifies (l= covers the signed part)",
      ref_verifies(with_l + FOOTER))
s = rep["signatures"][0]
check("footer after l=: pass, verdict altered",
      (s["result"], rep["verdict"]) == ("pass", "altered"), (s["result"], rep["verdict"]))
fs = findings(rep)
check("footer after l=: footer_beyond_length, signed part verifies",
      fs and fs[0]["finding"] == "footer_beyond_length" and fs[0]["undo_verifies"] is True and
      "team mailing list" in fs[0]["text"], fs)

# A relay re-folds a long Subject under simple header canonicalization.
LONG = (b"Subject: Minutes of the quarterly board meeting, with the revised figures for "
        b"the northern region and the budget\r\n")
long_msg = re.sub(rb"Subject: [^\r]*\r\n", lambda m: LONG, BASE_HDR) + b"\r\n" + BODY
simple = sign(long_msg, canon=(b"simple", b"simple"), headers=SIGNED_H)
folded_value = email.policy.SMTP.fold("Subject", LONG[9:-2].decode()).encode()
check("Python's email policy folds the long Subject", b"\r\n " in folded_value, folded_value)
transit_case("refold", simple, lambda m: m.replace(LONG, folded_value),
             lambda m: m.replace(folded_value, LONG), "header_refolded", "Subject")
# ... and the reverse: signed folded (as Python folds), unfolded by a relay.
folded_msg = long_msg.replace(LONG, folded_value)
simple_folded = sign(folded_msg, canon=(b"simple", b"simple"), headers=SIGNED_H)
transit_case("unfold", simple_folded, lambda m: m.replace(folded_value, LONG),
             lambda m: m.replace(LONG, folded_value), "header_refolded", "Subject")
# Relaxed canonicalization does not see folding: re-folding breaks nothing there.
relaxed_long = sign(long_msg, headers=SIGNED_H)
check("relaxed: re-folding breaks nothing (dkimpy)",
      ref_verifies(relaxed_long.replace(LONG, folded_value)))

# A relay re-encodes an 8bit body as quoted-printable (Content-Transfer-Encoding not signed).
U_BODY = "Grüße an das Team,\r\ndie Zahlen für das Quartal: Umsatz +4 %.\r\n".encode()
u_msg = BASE_HDR + b"Content-Transfer-Encoding: 8bit\r\n\r\n" + U_BODY
u_signed = sign(u_msg, headers=SIGNED_H)


def to_qp(m):
    h, b = m.split(b"\r\n\r\n", 1)
    enc = quopri.encodestring(b.replace(b"\r\n", b"\n")).replace(b"\n", b"\r\n")
    return h.replace(b"8bit", b"quoted-printable") + b"\r\n\r\n" + enc


def from_qp(m):
    h, b = m.split(b"\r\n\r\n", 1)
    dec = quopri.decodestring(b.replace(b"\r\n", b"\n")).replace(b"\n", b"\r\n")
    return h.replace(b"quoted-printable", b"8bit") + b"\r\n\r\n" + dec


check("quopri re-encodes the body", b"=C3=BC" in to_qp(u_signed))
transit_case("to-qp", u_signed, to_qp, from_qp, "body_reencoded")
# ... and the reverse: signed as quopri encodes (soft line breaks included), decoded by a relay.
LONG_U = ("Grüße an das Team, die Zahlen für das Quartal sind da: Umsatz +4 %, Kosten gleich, "
          "Gewinn höher als erwartet = gut.\r\nZweite Zeile.\r\n").encode()
qp_signed = sign(to_qp(BASE_HDR + b"Content-Transfer-Encoding: 8bit\r\n\r\n" + LONG_U),
                 headers=SIGNED_H)
check("quopri breaks the long line softly", b"=\r\n" in qp_signed)
transit_case("from-qp", qp_signed, from_qp, to_qp, "body_reencoded")

# CRLF conversion applied twice.
transit_case("crcrlf", signed,
             lambda m: m.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n" +
             m.split(b"\r\n\r\n", 1)[1].replace(b"\r\n", b"\r\r\n"),
             lambda m: m.replace(b"\r\r\n", b"\r\n"), "line_endings")

# SMTP dot-stuffing left in place.
transit_case("dot-stuffing", signed, lambda m: m.replace(b"\r\n.hidden", b"\r\n..hidden"),
             lambda m: m.replace(b"\r\n..hidden", b"\r\n.hidden"), "dot_stuffing")

# Two steps at once: a Subject tag and a footer; each alone is not enough.
both = signed.replace(b"Subject: Quarterly", b"Subject: [team] Quarterly") + FOOTER
check("tag and footer: dkimpy fails", not ref_verifies(both))
check("tag and footer: both undone, dkimpy verifies", ref_verifies(signed))
rep = verify_json(write("tag-and-footer.eml", both))
fs = findings(rep)
got = {f["finding"]: f["undo_verifies"] for f in fs}
check("tag and footer: both named, each verifying with the other",
      got.get("subject_tag") is True and got.get("footer_appended") is True, fs)

# z=: libopendkim copies the header fields; dkimarc lists those that differ.
if args.zsign:
    for canon in ("relaxed", "simple"):
        plain = write("z-%s-plain.eml" % canon, msg)
        sig = subprocess.run([args.zsign, KEY_A, "mail2024", "example.com", canon, plain],
                             capture_output=True, check=True).stdout
        zmsg = sig + msg
        check("z= %s: libopendkim wrote z=" % canon, b"z=" in sig, sig)
        check("z= %s: dkimpy verifies libopendkim's signature" % canon, ref_verifies(zmsg))
        bad = zmsg.replace(b"Subject: Quarterly figures for the board",
                           b"Subject: Quarterly figures for the staff").replace(
            b"To: team@lists.example.org", b"To: everyone@lists.example.org")
        check("z= %s: dkimpy fails the changed copy" % canon, not ref_verifies(bad))
        rep = verify_json(write("z-%s.eml" % canon, bad))
        fs = [f for f in findings(rep) if f["finding"] == "copied_header_differs"]
        check("z= %s: lists exactly To and Subject" % canon,
              sorted(f["field"] for f in fs) == ["Subject", "To"], findings(rep))
        check("z= %s: quotes both values" % canon,
              any("for the board" in f["text"] and "for the staff" in f["text"] for f in fs),
              fs)
        check("z= %s: copies put back, the signature verifies" % canon,
              fs and all(f["undo_verifies"] is True for f in fs), fs)
        good = verify_json(write("z-%s-good.eml" % canon, zmsg))
        check("z= %s: an intact message passes, no diagnosis" % canon,
              good["verdict"] == "confirmed" and good["signatures"][0]["diagnosis"] is None,
              good["signatures"][0])
else:
    print("skip - z= cases: opendkim_zsign was not built (libopendkim missing)")

# The diagnosis never changes the verdict: the same messages without it.
for name in ("subject-tag", "footer", "edited-body", "key-b"):
    path = os.path.join(tmp, name + ".eml")
    a, b = verify_json(path), verify_json(path, "--no-diagnose")
    check("%s: same verdict without the diagnosis" % name,
          (a["verdict"], a["signatures"][0]["reason"]) ==
          (b["verdict"], b["signatures"][0]["reason"]) and
          b["signatures"][0]["diagnosis"] is None)

# ---- item 3: --explain, checked by openssl ------------------------------------------------

def explain_blocks(text):
    return re.findall(r"^# --- dkimarc explain.*?^# --- end ---$", text, re.M | re.S)


def run_block(block):
    r = subprocess.run(["bash", "-c", block], capture_output=True, text=True, cwd=tmp)
    return (r.stdout + r.stderr)


cases = [("confirmed-rsa.eml", True), ("confirmed-ed25519.eml", True),
         ("altered-subject.eml", False), ("confirmed-lf.eml", True)]
for name, good in cases:
    r = subprocess.run([DKIMARC, "verify", "--explain", "--keys", KEYS, "--at", "2024-06-01",
                        os.path.join(SAMPLE, name)], capture_output=True, text=True)
    blocks = explain_blocks(r.stdout)
    check("explain %s: one command block" % name, len(blocks) == 1, r.stdout + r.stderr)
    out = run_block(blocks[0]) if blocks else ""
    check("explain %s: openssl %s" % (name, "verifies" if good else "refuses"),
          ("Signature Verified Successfully" in out) == good and
          ("Signature Verification Failure" in out) != good, out)
# The key mismatch: openssl refuses too, with the key of the archive.
r = subprocess.run([DKIMARC, "verify", "--explain", "--keys", KEYS,
                    os.path.join(tmp, "key-b.eml")], capture_output=True, text=True)
blocks = explain_blocks(r.stdout)
check("explain key_mismatch: openssl refuses",
      blocks and "Signature Verification Failure" in run_block(blocks[0]), r.stdout)
# The hashed bytes are the ones the signer hashed: openssl accepts dkimpy's signature over them.
for name, good in (("subject-tag.eml", False), ("confirmed-rsa.eml", True)):
    d = os.path.join(tmp, "xdir-" + name)
    src = os.path.join(tmp if name.startswith("subject") else SAMPLE, name)
    r = subprocess.run([DKIMARC, "verify", "--json", "--explain-dir", d, "--keys", KEYS,
                        "--at", "2024-06-01", src], capture_output=True, text=True)
    check("explain-dir %s: JSON untouched" % name, json.loads(r.stdout)["file"] == src)
    script = os.path.join(d, "m1-s1", "verify.sh")
    out = subprocess.run(["sh", script], capture_output=True, text=True)
    check("explain-dir %s: verify.sh %s" % (name, "verifies" if good else "refuses"),
          ("Signature Verified Successfully" in out.stdout) == good and
          (out.returncode == 0) == good, out.stdout + out.stderr)
    # headers.canon is what the verifier hashed; its digest is the one reported.
    canon = open(os.path.join(d, "m1-s1", "headers.canon"), "rb").read()
    check("explain-dir %s: ends with the emptied b=" % name,
          canon.endswith(b"b=") and b"\r\ndkim-signature:" in canon.lower(), canon[-80:])
check("--explain refuses --json",
      subprocess.run([DKIMARC, "verify", "--explain", "--json", os.path.join(SAMPLE,
                      "unsigned.eml")], capture_output=True).returncode == 2)

# ---- item 4: Authentication-Results, read back by python3-authres ---------------------------

def ar_of(path, *extra):
    r = subprocess.run([DKIMARC, "verify", "--ar", "mx.example.org", "--keys", KEYS, *extra,
                        path], capture_output=True)
    return r.stdout.decode()


for name in ("confirmed-rsa.eml", "altered-body.eml", "altered-subject.eml", "unsigned.eml",
             "unverifiable-revoked.eml", "body-length-footer.eml", "confirmed-lf.eml"):
    path = os.path.join(SAMPLE, name)
    field = ar_of(path, "--at", "2024-06-01")
    check("AR %s: one field, folded, ending in a line end" % name,
          field.startswith("Authentication-Results: mx.example.org;") and
          field.endswith("\n") and not re.search(r"\n[^\t]", field[:-1]), repr(field))
    hdr = authres.AuthenticationResultsHeader.parse(field.rstrip("\r\n"))
    check("AR %s: authserv-id" % name, hdr.authserv_id == "mx.example.org")
    data = open(path, "rb").read()
    ours = json.loads(subprocess.run([DKIMARC, "verify", "--json", "--keys", KEYS, "--at",
                                      "2024-06-01", path], capture_output=True).stdout)
    dk = [r for r in hdr.results if r.method == "dkim"]
    if not ours["signatures"]:
        check("AR %s: dkim=none" % name, [r.result for r in dk] == ["none"], field)
        continue
    sigs = ours["signatures"]
    check("AR %s: one dkim result per signature" % name, len(dk) == len(sigs), field)
    m = re.search(rb"^DKIM-Signature:(.*?)\r?\n(?![ \t])", data, re.M | re.S | re.I)
    tags = dkim.util.parse_tag_value(re.sub(rb"\s+", b"", m.group(1)))
    props = {p.type + "." + p.name: p.value for p in dk[0].properties}
    check("AR %s: header.d, .s, .a, .b from the signature (dkimpy's parser)" % name,
          (props.get("header.d"), props.get("header.s"), props.get("header.a"),
           props.get("header.b")) ==
          (tags[b"d"].decode(), tags[b"s"].decode(), tags[b"a"].decode(),
           tags[b"b"][:8].decode()), (props, tags))
    want = "pass" if sigs[0]["result"] == "pass" else sigs[0]["result"]
    check("AR %s: dkim=%s" % (name, want), dk[0].result == want, field)
    if sigs[0]["result"] != "pass":
        check("AR %s: a reason" % name, dk[0].reason, field)
    # Independent truth for the result: dkimpy on the same bytes (archive keys).
    check("AR %s: pass exactly when dkimpy verifies" % name,
          (dk[0].result == "pass") == ref_verifies(data), field)
    check("AR %s: arc=none" % name,
          [r.result for r in hdr.results if r.method == "arc"] == ["none"], field)
# arc= with header.oldest-pass, on an ARC vector that passes.
arc_dir = os.path.join(args.srcdir, "vectors", "arc")
arc_pass = None
for root, _, files in os.walk(arc_dir):
    for f in sorted(files):
        if f.endswith(".eml") and arc_pass is None:
            p = os.path.join(root, f)
            keys = os.path.join(root, "dns.txt")
            if not os.path.exists(keys):
                continue
            j = json.loads(subprocess.run([DKIMARC, "verify", "--json", "--keys-vector", keys, p],
                                          capture_output=True).stdout or b"{}")
            if j.get("arc", {}).get("result") == "pass":
                arc_pass = (p, keys, j["arc"]["oldest_pass"])
check("an ARC vector that passes was found", arc_pass, arc_dir)
if arc_pass:
    r = subprocess.run([DKIMARC, "verify", "--ar", "mx.example.org", "--keys-vector", arc_pass[1],
                        arc_pass[0]], capture_output=True, text=True)
    hdr = authres.AuthenticationResultsHeader.parse(r.stdout.rstrip("\r\n"))
    arc = [x for x in hdr.results if x.method == "arc"]
    check("AR: arc=pass with header.oldest-pass",
          arc and arc[0].result == "pass" and
          {p.name: p.value for p in arc[0].properties}.get("oldest-pass") == str(arc_pass[2]),
          r.stdout)
check("AR: an authserv-id with a space is refused",
      subprocess.run([DKIMARC, "verify", "--ar", "mx example", os.path.join(
          SAMPLE, "unsigned.eml")], capture_output=True).returncode == 2)

# ---- item 6: what a rerun needs -----------------------------------------------------------

version = subprocess.run([DKIMARC, "--version"], capture_output=True, text=True).stdout.split()[1]
sha = hashlib.sha256(open(KEYS, "rb").read()).hexdigest()
j = verify_json(os.path.join(SAMPLE, "confirmed-rsa.eml"), "--at", "2024-06-01", "--strict")
run = j["run"]
check("run: version", run["dkimarc"] == version, run)
check("run: policy", run["strict"] is True and run["at"] == "2024-06-01T00:00:00Z", run)
check("run: archive SHA-256 (hashlib)",
      run["keys"] == [{"kind": "archive", "records": 5,
                       "files": [{"file": KEYS, "sha256": sha}]}], run["keys"])
check("run: last key of the object", list(j)[-1] == "run", list(j))
t = subprocess.run([DKIMARC, "verify", "--keys", KEYS, "--keys", os.path.join(SAMPLE, "keys.jsonl"),
                    "--at", "2024-06-01", os.path.join(SAMPLE, "confirmed-rsa.eml")],
                   capture_output=True, text=True).stdout
check("run: text names version, time and both archives with their SHA-256",
      "run: dkimarc %s" % version in t and "time: as of 2024-06-01T00:00:00Z" in t and
      sha in t and hashlib.sha256(open(os.path.join(SAMPLE, "keys.jsonl"), "rb").read())
      .hexdigest() in t, t)

# DNS keys: the time each was fetched, in JSON and text (a dnslib server on 127.0.0.1).
try:
    from dnslib import QTYPE, RR, TXT as DTXT
    from dnslib.server import BaseResolver, DNSServer

    class Keys(BaseResolver):
        def resolve(self, request, handler):
            reply = request.reply()
            name = str(request.q.qname).rstrip(".").lower()
            if request.q.qtype == QTYPE.TXT and name in TXT:
                t = TXT[name].encode()
                reply.add_answer(RR(request.q.qname, QTYPE.TXT, ttl=60,
                                    rdata=DTXT([t[i:i + 255] for i in range(0, len(t), 255)])))
            return reply

    from dnslib.server import DNSLogger
    server = DNSServer(Keys(), port=0, address="127.0.0.1",
                       logger=DNSLogger(log="-request,-reply,-truncated,-error", prefix=False))
    server.start_thread()
    port = server.server.server_address[1]
    before = int(time.time())
    out = subprocess.run([DKIMARC, "verify", "--dns-server", "127.0.0.1:%d" % port,
                          os.path.join(SAMPLE, "confirmed-rsa.eml")], capture_output=True,
                         text=True).stdout
    js = subprocess.run([DKIMARC, "verify", "--json", "--dns-server", "127.0.0.1:%d" % port,
                         os.path.join(SAMPLE, "confirmed-rsa.eml")], capture_output=True,
                        text=True).stdout
    after = int(time.time())
    server.stop()
    m = re.search(r"key fetched at (\S+)", out)
    check("DNS: text says when the key was fetched", m, out)
    fetched = json.loads(js)["signatures"][0]["key_record"]["fetched_at"]
    to_unix = lambda s: int(time.mktime(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))) - time.timezone
    check("DNS: fetch times within the run",
          m and before - 1 <= to_unix(m.group(1)) <= after + 1 and
          before - 1 <= to_unix(fetched) <= after + 1, (m and m.group(1), fetched))
    check("DNS: run lists the resolver",
          json.loads(js)["run"]["keys"] == [{"kind": "dns", "servers": "127.0.0.1:%d" % port}],
          json.loads(js)["run"])
except ImportError as e:
    check("python3-dnslib is installed (scripts/install-deps.sh --test)", False, e)

if not os.environ.get("KEEP"):
    shutil.rmtree(tmp, ignore_errors=True)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
