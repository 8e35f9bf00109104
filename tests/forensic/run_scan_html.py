"""`dkimarc scan --html`, rendered by headless Chromium (Debian's chromium).

The page must show the figures of `--summary-json` for the same scan (the
verdicts, the items not verified, confirmed mail by signing domain, the
reasons, one table row per item), carry the run facts (version, archive
SHA-256 from hashlib), fetch nothing from the network (no external resource
in the page; Chromium's network log shows no request but the file), escape
hostile file names, and its table filter must work (run by Chromium from the
address's #q=/#v=). The page stands alone for an editor without docs/: mbox
messages numbered as in the JSON of the same scan (from 1), a plain-language
meaning for every verdict, and a legend of exactly the codes and flags that
appear in its table, the signing domain marked as claimed where it was not
verified, counts with thousands separators (a corpus of over a thousand
messages), a timeline axis whose counts cannot be read as years, and the run's
lines as lines (no \x0a). Exits 77 (skipped, said loudly) only when chromium is not
installed. Ends with "N passed, M failed".

Usage: run_scan_html.py --dkimarc PATH [--srcdir DIR] [--screenshot PNG]
"""
import argparse
import hashlib
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ap = argparse.ArgumentParser()
ap.add_argument("--dkimarc", required=True)
ap.add_argument("--srcdir", default=os.path.join(os.path.dirname(__file__), "..", ".."))
ap.add_argument("--screenshot", help="also write a screenshot of the leak sample's page here")
args = ap.parse_args()

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if not CHROMIUM:
    print("SKIPPED: chromium is not installed; the HTML report is not tested. "
          "Install it: apt-get install chromium (scripts/install-deps.sh --test installs it)")
    sys.exit(77)

tmp = tempfile.mkdtemp(prefix="dkimarc-html.")
passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: %s%s" % (name, (": " + str(detail)[:3000]) if detail else ""))


def chromium(url, *extra):
    """Runs headless Chromium on url; returns its standard output."""
    profile = tempfile.mkdtemp(dir=tmp)
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--user-data-dir=" + profile, *extra, url]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return r.stdout


class Dom(html.parser.HTMLParser):
    """What the tests read from a rendered page: text by id, table rows, tags."""

    def __init__(self):
        super().__init__()
        self.ids, self.stack, self.tags = {}, [], []
        self.rows, self.row, self.cell, self.table = [], None, None, None
        self.domains, self.reasons = {}, {}
        self.classed = []  # (class, text) of every element with a class
        self.legend, self.dl, self.dt = {}, None, None  # dl id -> [(dt, dd)]

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "table":
            self.table = a.get("id")
        if tag == "tr":
            self.row = {"attrs": a, "cells": [], "table": self.table}
        if tag == "td" and self.row is not None:
            self.cell = []
        if tag == "dl":
            self.dl = a.get("id")
            self.legend.setdefault(self.dl, [])
        self.stack.append((tag, a.get("id"), [], a.get("class")))

    def handle_endtag(self, tag):
        while self.stack:
            t, i, text, cls = self.stack.pop()
            if i:
                self.ids[i] = "".join(text).strip()
            if cls:
                self.classed.append((cls, "".join(text).strip()))
            if t == "dt" and self.dl:
                self.dt = "".join(text).strip()
            if t == "dd" and self.dl and self.dt is not None:
                self.legend[self.dl].append((self.dt, "".join(text).strip()))
                self.dt = None
            if self.stack:
                self.stack[-1][2].extend(text)
            if t == tag:
                break
        if tag == "td" and self.cell is not None and self.row is not None:
            self.row["cells"].append("".join(self.cell).strip())
            self.cell = None
        if tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.stack:
            self.stack[-1][2].append(data)
        if self.cell is not None:
            self.cell.append(data)


def render(page, fragment=""):
    d = Dom()
    d.feed(chromium("file://" + page + fragment, "--dump-dom"))
    return d


def scan(name, corpus, keys, *extra):
    page, summary = os.path.join(tmp, name + ".html"), os.path.join(tmp, name + ".json")
    items = os.path.join(tmp, name + ".jsonl")
    r = subprocess.run([args.dkimarc, "scan", "--keys", keys, "--summary-json", summary,
                        "--html", page, "--json", items, *extra, corpus],
                       capture_output=True, text=True)
    check("%s: scan ran" % name, r.returncode in (0, 1, 3), r.stderr)
    s = json.load(open(summary))
    s["items_json"] = [json.loads(l) for l in open(items, encoding="utf-8")]
    return page, s


def num(s):
    return int(s.replace(",", "")) if s and re.fullmatch(r"[\d,]+", s) else None


def same_figures(name, d, s):
    check("%s: messages and items" % name,
          (num(d.ids.get("n-messages")), num(d.ids.get("n-items"))) == (s["messages"], s["items"]),
          (d.ids.get("n-messages"), d.ids.get("n-items"), s["messages"], s["items"]))
    for v, o in s["verdicts"].items():
        check("%s: verdict %s" % (name, v),
              num(d.ids.get("v-" + v)) == o["count"] == num(d.ids.get("bar-" + v)),
              (d.ids.get("v-" + v), d.ids.get("bar-" + v), o))
    for k, n in s["not_verified"].items():  # a problem that did not occur is not listed
        check("%s: not verified %s" % (name, k), num(d.ids.get("nv-" + k)) == n or
              (n == 0 and "nv-" + k not in d.ids), (d.ids.get("nv-" + k), n))
    doms = [(r["attrs"]["data-domain"], num(r["cells"][1]), num(r["cells"][2]))
            for r in d.rows if "data-domain" in r["attrs"]]
    check("%s: confirmed mail by signing domain, in order" % name,
          doms == [(x["domain"], x["confirmed"], x["confirmed_third_party"])
                   for x in s["signing_domains"]], (doms, s["signing_domains"]))
    reasons = [(r["attrs"]["data-reason"], num(r["cells"][1]))
               for r in d.rows if "data-reason" in r["attrs"]]
    check("%s: reasons, in order" % name,
          reasons == [(x["reason"], x["messages"]) for x in s["reasons"]], (reasons, s["reasons"]))
    mails = [r for r in d.rows if r["table"] == "mails" and "data-v" in r["attrs"]]
    check("%s: one table row per item" % name, len(mails) == s["items"], len(mails))
    by_v = {}
    for r in mails:
        by_v[r["attrs"]["data-v"]] = by_v.get(r["attrs"]["data-v"], 0) + 1
    check("%s: table rows agree with the verdicts" % name,
          all(by_v.get(v, 0) == o["count"] for v, o in s["verdicts"].items()), by_v)
    confirmed = s["verdicts"]["confirmed"]["count"] + \
        s["verdicts"]["confirmed-third-party"]["count"]
    dated = [num(d.ids.get(k)) for k in ("dated", "undated", "out-of-range")]
    check("%s: the timeline accounts for every confirmed message" % name,
          None not in dated and sum(dated) == confirmed or
          (confirmed == 0 and "dated" not in d.ids), (dated, confirmed))
    stands_alone(name, d, s, mails)
    return mails


GROUPED = re.compile(r"\d{1,3}(,\d{3})*")
VERIFIED = ("confirmed", "confirmed-third-party")


def stands_alone(name, d, s, mails):
    """What an editor without docs/ needs, checked on the rendered page."""
    # One numbering: each row names the item as the scan's JSON does (mbox: FILE#index).
    want = [j["file"] + ("" if j["index"] is None else "#%d" % j["index"])
            for j in s["items_json"]]
    check("%s: rows name the items as the JSON does (FILE#N)" % name,
          [r["cells"][1] for r in mails] == want,
          [(r["cells"][1], w) for r, w in zip(mails, want) if r["cells"][1] != w][:5])
    mbox = [j for j in s["items_json"] if j["index"] is not None]
    check("%s: mbox messages numbered from 1" % name,
          not mbox or min(j["index"] for j in mbox) == 1, [j["index"] for j in mbox][:5])
    # Every verdict explained in words in the verdict table.
    for v in s["verdicts"]:
        check("%s: the meaning of %s is on the page" % (name, v),
              len(d.ids.get("means-" + v, "")) > 40, d.ids.get("means-" + v))
    # A legend of exactly the reasons and flags of the table, each with a sentence.
    reasons = {r["cells"][3].split("not signed:")[0].strip() for r in mails}
    # A confirmation names the display fields it does not cover, as the JSON does.
    want_u = ["not signed: " + ", ".join(j["unsigned_fields"]) if j.get("unsigned_fields")
              else "" for j in s["items_json"]]
    got_u = ["not signed:" + r["cells"][3].split("not signed:")[1] if "not signed:" in
             r["cells"][3] else "" for r in mails]
    check("%s: rows name the unsigned display fields as the JSON does" % name,
          got_u == want_u, [(g, w) for g, w in zip(got_u, want_u) if g != w][:5])
    flags = {f for r in mails for f in r["cells"][5].split()}
    got_r = dict(d.legend.get("legend-reasons", []))
    got_f = dict(d.legend.get("legend-flags", []))
    check("%s: the legend explains exactly the reasons in the table" % name,
          set(got_r) == reasons, (sorted(set(got_r) ^ reasons)))
    check("%s: the legend explains exactly the flags in the table" % name,
          set(got_f) == flags, (sorted(set(got_f) ^ flags)))
    check("%s: every legend entry is a sentence" % name,
          all(len(t) > 10 and t.rstrip().endswith((".", "...")) for t in
              list(got_r.values()) + list(got_f.values())),
          [k for k, t in list(got_r.items()) + list(got_f.items()) if len(t) <= 10])
    # The signing domain is a claim unless the verdict verified it.
    claimed = [(r["attrs"]["data-v"], r["cells"][4]) for r in mails if r["cells"][4]]
    check("%s: the signing domain is marked as claimed exactly where not verified" % name,
          claimed and all(("claimed, not verified" in c) == (v not in VERIFIED)
                          for v, c in claimed),
          [x for x in claimed if ("claimed, not verified" in x[1]) == (x[0] not in VERIFIED)][:5])
    # Counts with thousands separators; the timeline's axis counts say what they count.
    for i in ("n-messages", "n-items", "shown", "dated"):
        check("%s: %s grouped by thousands" % (name, i),
              i not in d.ids or GROUPED.fullmatch(d.ids[i]), d.ids.get(i))
    check("%s: row numbers grouped by thousands" % name,
          all(GROUPED.fullmatch(r["cells"][0]) for r in mails),
          [r["cells"][0] for r in mails if not GROUPED.fullmatch(r["cells"][0])][:3])
    axis = [t for c, t in d.classed if c == "axis"]
    check("%s: the timeline's axis labels are counts of messages, not years" % name,
          (axis or "dated" not in d.ids) and
          all(re.fullmatch(r"\d{1,3}(,\d{3})* messages?", t) for t in axis), axis)
    # The run block's lines are lines; nothing points to files the reader lacks.
    run = d.ids.get("run", "")
    check("%s: the run block has no \\x0a and keeps its lines" % name,
          "\\x0a" not in run and run.count("\n") >= 5, run[:300])
    text = open(os.path.join(tmp, name + ".html"), encoding="utf-8").read()
    check("%s: the page does not send the reader to docs/" % name, "docs/" not in text)


def page_requests(url):
    """URLs the page itself asked for, from Chromium's network log. Chromium's own
    background requests (updates, time) have no initiating origin and are left out."""
    log = os.path.join(tmp, "netlog-%d.json" % len(os.listdir(tmp)))
    chromium(url, "--dump-dom", "--log-net-log=" + log)
    text = open(log, encoding="utf-8", errors="replace").read().rstrip()
    try:
        j = json.loads(text)
    except ValueError:  # the log of a browser that did not get to close it
        j = json.loads(text.rstrip(",") + "]}")
    names = {v: k for k, v in j["constants"]["logEventTypes"].items()}
    return [e["params"]["url"] for e in j["events"]
            if names.get(e["type"]) == "URL_REQUEST_START_JOB" and
            "url" in e.get("params", {}) and e["params"].get("initiator") != "not an origin"]


def no_network(name, page, dom):
    text = open(page, encoding="utf-8").read()
    check("%s: a Content-Security-Policy forbids fetches" % name,
          "default-src 'none'" in text)
    refs = [(t, a) for t, a in dom.tags
            if t in ("link", "img", "iframe", "object", "embed", "audio", "video", "source") or
            "src" in a or (a.get("href") or "#").split("#")[0]]
    check("%s: no element refers to anything outside the page" % name, not refs, refs)
    styles = re.findall(r"<style>(.*?)</style>", text, re.S)
    check("%s: no url() or @import in its style" % name,
          styles and not any(re.search(r"url\(|@import", x) for x in styles))
    got = page_requests("file://" + page)
    check("%s: Chromium fetched nothing for the page" % name, got == [], got)


# The network check can fail: a page with a remote image is caught.
control = os.path.join(tmp, "control.html")
open(control, "w").write('<!DOCTYPE html><img src="http://127.0.0.1:9/x.png"><p>x</p>')
check("control: a page's remote image shows in the network log",
      page_requests("file://" + control) == ["http://127.0.0.1:9/x.png"])

# ---- the leak sample: 150 messages of every kind ------------------------------------------

leak = os.path.join(args.srcdir, "vectors", "leak-sample")
keys = os.path.join(leak, "keys.zone")
page, summary = scan("leak", os.path.join(leak, "leak"), keys)
d = render(page)
mails = same_figures("leak", d, summary)
check("leak: the summary JSON carries the run",
      summary["run"]["keys"][0]["files"][0]["sha256"] ==
      hashlib.sha256(open(keys, "rb").read()).hexdigest(), summary.get("run"))
run = d.ids.get("run", "")
version = subprocess.run([args.dkimarc, "--version"], capture_output=True, text=True).stdout.split()[1]
check("leak: the page carries the run facts",
      "dkimarc " + version in run and hashlib.sha256(open(keys, "rb").read()).hexdigest() in run
      and "policy:" in run, run)
no_network("leak", page, d)

# The keys in use over time: one row per key, as `keys audit` gives them for the same corpus
# (first and last t=, else Date; signatures; findings), in its order (domain, first use).
r = subprocess.run([args.dkimarc, "keys", "audit", "--keys", keys, "--json",
                    os.path.join(leak, "leak")], capture_output=True, text=True)
want = []
for k in map(json.loads, r.stdout.splitlines()):
    if k["signatures"]:
        first = k["first_signed"] or k["first_date"]
        last = k["last_signed"] or k["last_date"]
        want.append([k["domain"], k["selector"], k["fingerprint"][:16], first[:10], last[:10],
                     str(k["signatures"]), " ".join(k["findings"])])
got = [r["cells"] for r in d.rows if r["table"] == "keys" and r["cells"]]
check("leak: the key timeline's table is what keys audit says of the corpus",
      got == want and len(got) > 3, (got, want))
check("leak: a bar per key in use, a weak key in the weak colour",
      [a.get("class") for t, a in d.tags if t == "rect" and "key-bar" in a.get("class", "")] ==
      ["key-bar weak" if w[6] else "key-bar" for w in want] and "weak" in str(want), want)

# The filter, run by Chromium: by verdict, then by text.
for frag, want in (("#v=altered", lambda r: r["attrs"]["data-v"] == "altered"),
                   ("#q=lists.example", lambda r: "lists.example" in " ".join(r["cells"]).lower()),
                   ("#v=confirmed&q=campaign",
                    lambda r: r["attrs"]["data-v"] == "confirmed" and
                    "campaign" in " ".join(r["cells"]).lower())):
    f = render(page, frag)
    rows = [r for r in f.rows if r["table"] == "mails" and "data-v" in r["attrs"]]
    shown = [r for r in rows if "display: none" not in r["attrs"].get("style", "")]
    expect = [r for r in mails if want(r)]
    check("filter %s: the rows shown are those that match" % frag,
          [r["cells"][0] for r in shown] == [r["cells"][0] for r in expect] and expect,
          (len(shown), len(expect)))
    check("filter %s: the count says so" % frag, num(f.ids.get("shown")) == len(expect),
          f.ids.get("shown"))

# ---- strict, --at, and a hostile file name --------------------------------------------------

corpus = os.path.join(tmp, "corpus")
os.makedirs(corpus)
sample = os.path.join(args.srcdir, "vectors", "sample")
for f in ("confirmed-rsa.eml", "altered-subject.eml", "unsigned.eml"):
    shutil.copy(os.path.join(sample, f), corpus)
hostile = '<img src=x onerror="alert(1)">&"\'.eml'
shutil.copy(os.path.join(sample, "confirmed-ed25519.eml"), os.path.join(corpus, hostile))
# A confirmation whose signature leaves Subject out: the row must say so.
adv = os.path.join(args.srcdir, "vectors", "adversarial", "unsigned-subject-named")
shutil.copy(os.path.join(adv, "message.eml"), os.path.join(corpus, "unsigned-subject.eml"))
page, summary = scan("hostile", corpus, os.path.join(sample, "keys.zone"), "--strict", "--at",
                     "2024-06-01", "--keys-vector", os.path.join(adv, "dns.txt"))
d = render(page)
mails = same_figures("hostile", d, summary)
check("hostile: a confirmation names the field it does not cover",
      any("not signed: Subject" in r["cells"][3] and r["attrs"]["data-v"] == "confirmed"
          for r in mails), [r["cells"][3] for r in mails])
check("hostile: no element made from a file name",
      not any(t == "img" for t, _ in d.tags), [t for t in d.tags if t[0] == "img"])
check("hostile: the name is shown as text",
      any(hostile in r["cells"][1] for r in d.rows if r["table"] == "mails" and r["cells"]),
      [r["cells"][1] for r in d.rows if r["table"] == "mails" and r["cells"]])
check("hostile: --strict and --at in the run",
      "policy: --strict" in d.ids.get("run", "") and
      "as of 2024-06-01T00:00:00Z" in d.ids.get("run", ""), d.ids.get("run"))
check("hostile: summary run says strict and at",
      summary["run"]["strict"] is True and summary["run"]["at"] == "2024-06-01T00:00:00Z")
no_network("hostile", page, d)

# ---- over a thousand messages: thousands separators everywhere ------------------------------

big = os.path.join(tmp, "big")
os.makedirs(big)
msg = open(os.path.join(sample, "confirmed-rsa.eml"), "rb").read()
for i in range(1017):  # one Date: the timeline has one bar of 1,017 messages
    with open(os.path.join(big, "m%04d.eml" % i), "wb") as f:
        f.write(msg)
sep = b"From alice@example.com Thu May  4 10:00:00 2017\n"
with open(os.path.join(big, "box.mbox"), "wb") as f:
    for n in ("unsigned.eml", "altered-body.eml", "third-party.eml"):
        f.write(sep + open(os.path.join(sample, n), "rb").read().replace(b"\r\n", b"\n") + b"\n")
page, summary = scan("big", big, os.path.join(sample, "keys.zone"), "--at", "2024-06-01")
d = render(page)
same_figures("big", d, summary)
got = tuple(d.ids.get(i) for i in ("n-messages", "n-items", "v-confirmed", "bar-confirmed",
                                   "shown", "dated"))
check("big: counts over a thousand carry a separator",
      got == ("1,020", "1,020", "1,017", "1,017", "1,020", "1,018"), got)
check("big: the timeline's top label is a count with its unit",
      [t for c, t in d.classed if c == "axis"] == ["1,018 messages", "0 messages"],
      [t for c, t in d.classed if c == "axis"])
f = render(page, "#v=confirmed")
check("big: the filter's count keeps the separator", f.ids.get("shown") == "1,017",
      f.ids.get("shown"))
check("big: the mbox's messages are #1 to #3 in the page",
      [r["cells"][1].rsplit("/", 1)[1] for r in d.rows if r["table"] == "mails" and
       r["cells"] and "box.mbox" in r["cells"][1]] == ["box.mbox#1", "box.mbox#2", "box.mbox#3"])

if args.screenshot:
    chromium("file://" + os.path.join(tmp, "leak.html"), "--hide-scrollbars",
             "--window-size=1000,1900", "--screenshot=" + args.screenshot)
    png = open(args.screenshot, "rb").read(8) if os.path.exists(args.screenshot) else b""
    check("screenshot written", png == b"\x89PNG\r\n\x1a\n")

shutil.rmtree(tmp, ignore_errors=True)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
