#!/usr/bin/python3
"""The Python oracle of the differential reader test: what a reader built on
Python's email package (email.message_from_bytes, policy=email.policy.default)
displays of each message, in the JSON layout of gmime_view.c:

  {"path", "ok", "from": [addr-spec...], "from_names": [...], "to": [...],
   "cc": [...], "subject": str|null, "date": UTC seconds|null,
   "ctype": "type/subtype", "body_type": str|null, "body": str|null,
   "headers": ["Name:raw value", ...]}

The reader shows the first instance of a header field (Message.get), the
mailboxes of its address list (groups flattened), the decoded Subject, the
Date as UTC seconds (a zone-less date read as UTC), and the body: the decoded
text (CTE and charset, get_content()) of the top-level part when it is text,
else of the first text leaf of a multipart, depth first.

  /usr/bin/python3 py_view.py FILE...     or one path per line on stdin

view(raw) is also imported by run_reader_diff.py.
"""

import datetime
import email
import email.policy
import json
import sys


def _addrs(header):
    """(addr-specs, display names) of an address header, or ([], [])."""
    if header is None:
        return [], []
    addrs, names = [], []
    try:
        for a in header.addresses:
            addrs.append(a.addr_spec)
            names.append(a.display_name or "")
    except Exception:  # a header the policy could not parse: nothing shown
        return [], []
    return addrs, names


def _header(msg, name):
    try:
        return msg[name]
    except Exception:
        return None


def _text_part(part, depth=0):
    if depth > 32:
        return None
    if part.is_multipart():
        try:
            subparts = part.get_payload()
        except Exception:
            return None
        if not isinstance(subparts, list):
            return None
        for sub in subparts:
            t = _text_part(sub, depth + 1)
            if t is not None:
                return t
        return None
    return part if part.get_content_maintype() == "text" else None


def _text(part):
    try:
        return part.get_content()
    except LookupError:  # an unknown charset: the bytes as ASCII, as the reader falls back
        data = part.get_payload(decode=True) or b""
        return data.decode("ascii", "replace")
    except Exception:
        data = part.get_payload(decode=True) or b""
        return data.decode("utf-8", "replace")


def _clean(s):
    """A str JSON can carry (lone surrogates from undecodable bytes replaced)."""
    if s is None:
        return None
    return s.encode("utf-8", "surrogateescape").decode("utf-8", "replace") \
        if any(0xdc80 <= ord(c) <= 0xdcff for c in s) else s


def view(raw):
    try:
        return _view(raw)
    except Exception as e:  # the reader itself fails: it shows no message
        return {"ok": False, "error": repr(e)}


def _view(raw):
    out = {"ok": False}
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception as e:
        out["error"] = repr(e)
        return out
    out["ok"] = True
    out["from"], out["from_names"] = _addrs(_header(msg, "From"))
    out["to"], _ = _addrs(_header(msg, "To"))
    out["cc"], _ = _addrs(_header(msg, "Cc"))
    subj = _header(msg, "Subject")
    out["subject"] = None if subj is None else str(subj)
    out["date"] = None
    d = _header(msg, "Date")
    dt = getattr(d, "datetime", None) if d is not None else None
    if dt is not None:
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=datetime.timezone.utc)
        out["date"] = int(dt.timestamp())
    out["ctype"] = msg.get_content_type()
    tp = _text_part(msg)
    out["body_type"] = tp.get_content_type() if tp is not None else None
    out["body"] = _text(tp) if tp is not None else None
    headers = []
    for k, v in msg.raw_items():
        headers.append("%s:%s" % (k, v))
    out["headers"] = headers
    for k in ("from", "from_names", "to", "cc", "headers"):
        out[k] = [_clean(x) for x in out[k]]
    for k in ("subject", "body"):
        out[k] = _clean(out[k])
    return out


def show(path):
    try:
        with open(path, "rb") as f:
            raw = f.read()
        v = view(raw)
    except OSError as e:
        v = {"ok": False, "error": str(e)}
    v["path"] = path
    sys.stdout.write(json.dumps(v, ensure_ascii=True) + "\n")


def main():
    paths = sys.argv[1:]
    if paths:
        for p in paths:
            show(p)
    else:
        for line in sys.stdin:
            p = line.rstrip("\n")
            if p:
                show(p)
                sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
