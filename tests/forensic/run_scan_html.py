"""`dkimarc scan --html`, rendered by headless Chromium (Debian's chromium).

The page must show the figures of `--summary-json` for the same scan (the
verdicts, the items not verified, confirmed mail by signing domain, the
reasons, one table row per item), carry the run facts (version, archive
SHA-256 from hashlib), fetch nothing from the network (no external resource
in the page; Chromium's network log shows no request but the file), escape
hostile file names, and its table filter must work (run by Chromium from the
address's #q=/#v=). Exits 77 (skipped, said loudly) only when chromium is not
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
          "Install it: apt-get install chromium (scripts/install-deps.sh lists it)")
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

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "table":
            self.table = a.get("id")
        if tag == "tr":
            self.row = {"attrs": a, "cells": [], "table": self.table}
        if tag == "td" and self.row is not None:
            self.cell = []
        self.stack.append((tag, a.get("id"), []))

    def handle_endtag(self, tag):
        while self.stack:
            t, i, text = self.stack.pop()
            if i:
                self.ids[i] = "".join(text).strip()
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
    r = subprocess.run([args.dkimarc, "scan", "--keys", keys, "--summary-json", summary,
                        "--html", page, "-q", *extra, corpus], capture_output=True, text=True)
    check("%s: scan ran" % name, r.returncode in (0, 1, 3), r.stderr)
    return page, json.load(open(summary))


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
    for k, n in s["not_verified"].items():
        check("%s: not verified %s" % (name, k), num(d.ids.get("nv-" + k)) == n,
              (d.ids.get("nv-" + k), n))
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
    return mails


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
page, summary = scan("hostile", corpus, os.path.join(sample, "keys.zone"), "--strict", "--at",
                     "2024-06-01")
d = render(page)
same_figures("hostile", d, summary)
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

if args.screenshot:
    chromium("file://" + os.path.join(tmp, "leak.html"), "--hide-scrollbars",
             "--window-size=1000,1900", "--screenshot=" + args.screenshot)
    png = open(args.screenshot, "rb").read(8) if os.path.exists(args.screenshot) else b""
    check("screenshot written", png == b"\x89PNG\r\n\x1a\n")

shutil.rmtree(tmp, ignore_errors=True)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
