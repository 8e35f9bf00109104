#!/usr/bin/python3
"""The pinned vector suite: one manifest, vectors/MANIFEST.jsonl, with the outcome
dkimarc gives every vector the project carries.

    scripts/vectors-manifest.py [--dkimarc PATH] [--check | --write] [-v] [FILTER...]

Vectors are found, not listed: every directory under vectors/ holding a
message.eml (keys: its dns.txt, loaded with --keys-vector), every
vectors/sample/*.eml (keys: vectors/sample/keys.zone), and every message of
vectors/leak-sample/leak/ (keys: its keys.zone, read with `dkimarc scan`). A
new set directory is picked up without changing this script.

Each vector is verified at a fixed time (AT below), in the default profile and
with --strict. Its manifest line holds what must not change silently: the
verdict and its code, the message flags, each DKIM signature's d=, s=, a=, result, reason,
body hash, key size and flags, the ARC result with each instance's seal and
AMS results, and the strict profile's verdict and results. Human sentences
and key provenance (file lines) are left out.

--check (the default) regenerates the outcomes and compares them with the
committed manifest: any vector whose outcome changed, that is new, or that
disappeared is printed with its differences, and the run fails. After a
change that is meant, run --write and commit the manifest with the change.
The last line is "N passed, M failed"; the exit status is 0 only when all
passed. DKIMARC (or --dkimarc) names the CLI.
"""

import concurrent.futures
import glob
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
VECTORS = os.path.join(ROOT, "vectors")
MANIFEST = os.path.join(VECTORS, "MANIFEST.jsonl")
AT = "2024-06-01T00:00:00Z"
FORMAT = 1


def discover():
    """[(set, id, kind, runner args)] for every vector, sorted by id."""
    found = []
    for msg in glob.glob(os.path.join(VECTORS, "**", "message.eml"), recursive=True):
        d = os.path.dirname(msg)
        rel = os.path.relpath(d, VECTORS)
        if rel.startswith("leak-sample" + os.sep):
            continue
        keys = os.path.join(d, "dns.txt")
        kind = None
        exp = os.path.join(d, "expect.txt")
        if os.path.exists(exp):
            with open(exp, encoding="utf-8") as f:
                for line in f:
                    if line.startswith("kind="):
                        kind = line.strip()[5:]
        found.append((rel.split(os.sep)[0], rel, kind,
                      ("verify", msg, keys if os.path.exists(keys) else None, True)))
    sample = os.path.join(VECTORS, "sample")
    for msg in glob.glob(os.path.join(sample, "*.eml")):
        found.append(("sample", os.path.relpath(msg, VECTORS), None,
                      ("verify", msg, os.path.join(sample, "keys.zone"), False)))
    found.sort(key=lambda v: v[1])
    return found


def run(cli, args, strict, empty_keys):
    what, path, keys, vector = args
    # A vector's dns.txt is in the tab-separated format, read only when asked for.
    cmd = [cli, what, "--at", AT, "--json"] + (["--keys-vector", keys] if keys and vector
                                               else ["--keys", keys or empty_keys])
    if strict:
        cmd.append("--strict")
    if what == "scan":
        cmd += ["--no-progress", "--jobs", "2"]
    cmd.append(os.path.basename(path) if what == "scan" else path)
    p = subprocess.run(cmd, capture_output=True, cwd=os.path.dirname(path) if what == "scan"
                       else None, timeout=300)
    lines = [json.loads(l) for l in p.stdout.decode("utf-8").splitlines()]
    # verify exits 2 on a file that is not mail (empty, no header): its outcome is that problem.
    not_mail = what == "verify" and p.returncode == 2 and lines and all("problem" in l
                                                                        for l in lines)
    if p.returncode not in (0, 1, 3) and not not_mail:
        raise RuntimeError("%s: exit status %d: %s" % (" ".join(cmd), p.returncode,
                                                      p.stderr.decode("utf-8", "replace")[-400:]))
    return lines


def sig_outcome(s):
    return {"d": s.get("domain"), "s": s.get("selector"), "a": s.get("algorithm"),
            "result": s["result"], "reason": s["reason"], "body_hash": s.get("body_hash"),
            "key_bits": s.get("key_bits"), "flags": s.get("flags") or []}


def arc_outcome(a):
    if not a:
        return None
    return {"result": a["result"], "reason": a["reason"],
            "failed_instance": a.get("failed_instance"), "oldest_pass": a.get("oldest_pass"),
            "instances": [[i["instance"], i["seal"]["result"] if i.get("seal") else None,
                           i["ams"]["result"] if i.get("ams") else None]
                          for i in a.get("instances") or []]}


def outcome(rep, strict_rep):
    """The manifest's view of one report (default) and its strict twin."""
    if "problem" in rep:
        return {"problem": rep["problem"]}
    o = {"verdict": rep["verdict"], "verdict_code": rep["verdict_code"], "flags": rep["flags"],
         "signatures": [sig_outcome(s) for s in rep["signatures"]],
         "arc": arc_outcome(rep.get("arc"))}
    o["strict"] = {"verdict": strict_rep["verdict"], "verdict_code": strict_rep["verdict_code"],
                   "results": ["%s/%s" % (s["result"], s["reason"])
                               for s in strict_rep["signatures"]],
                   "arc": (strict_rep.get("arc") or {}).get("result")}
    return o


def generate(cli, only, verbose):
    """{id: line object} for every vector (restricted to ids containing a FILTER)."""
    vecs = [v for v in discover() if not only or any(o in v[1] for o in only)]
    lines = {}
    with tempfile.NamedTemporaryFile(suffix=".zone") as empty:
        def one(v):
            vset, vid, kind, args = v
            d, s = run(cli, args, False, empty.name), run(cli, args, True, empty.name)
            if len(d) != 1 or len(s) != 1:
                raise RuntimeError("%s: expected one report, got %d" % (vid, len(d)))
            return vid, dict({"id": vid, "set": vset, "kind": kind}, **outcome(d[0], s[0]))

        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
            for vid, line in ex.map(one, vecs):
                lines[vid] = line
                if verbose:
                    print("ran", vid)
        # The leak sample: one corpus, read as dkimarc scan reads it.
        leak = os.path.join(VECTORS, "leak-sample")
        if os.path.isdir(os.path.join(leak, "leak")) and (
                not only or any(o in "leak-sample" for o in only)):
            args = ("scan", os.path.join(leak, "leak"), os.path.join(leak, "keys.zone"), False)
            d, s = run(cli, args, False, empty.name), run(cli, args, True, empty.name)
            if len(d) != len(s):
                raise RuntimeError("leak-sample: strict and default scans differ in length")
            for a, b in zip(d, s):
                vid = "leak-sample/" + a["file"] + ("" if a["index"] is None
                                                    else "#%d" % a["index"])
                line = {"id": vid, "set": "leak-sample", "kind": "corpus"}
                if a["offset"] is not None:
                    line["offset"] = a["offset"]
                line.update(outcome(a, b))
                lines[vid] = line
    return lines


def dump(lines):
    head = {"manifest": "dkimarc pinned vectors", "format": FORMAT, "at": AT,
            "vectors": len(lines),
            "regenerate": "/usr/bin/python3 scripts/vectors-manifest.py --write"}
    out = [json.dumps(head, sort_keys=True, separators=(",", ":"))]
    for vid in sorted(lines):
        out.append(json.dumps(lines[vid], sort_keys=True, separators=(",", ":"),
                              ensure_ascii=False))
    return "\n".join(out) + "\n"


def load():
    lines = {}
    head = None
    with open(MANIFEST, encoding="utf-8") as f:
        for n, text in enumerate(f):
            obj = json.loads(text)
            if n == 0:
                head = obj
            else:
                lines[obj["id"]] = obj
    return head, lines


def diff(old, new, path=""):
    """Human lines saying how new differs from old."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for k in sorted(set(old) | set(new)):
            out += diff(old.get(k), new.get(k), "%s.%s" % (path, k) if path else k)
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        out = []
        for i, (a, b) in enumerate(zip(old, new)):
            out += diff(a, b, "%s[%d]" % (path, i))
        return out
    if old != new:
        return ["%s: %s -> %s" % (path, json.dumps(old), json.dumps(new))]
    return []


def main():
    args = sys.argv[1:]
    cli = os.environ.get("DKIMARC")
    if "--dkimarc" in args:
        cli = args[args.index("--dkimarc") + 1]
        args.remove("--dkimarc")
        args.remove(cli)
    write = "--write" in args
    verbose = "-v" in args
    only = [a for a in args if not a.startswith("-")]
    if not cli:
        print("set DKIMARC or --dkimarc to the dkimarc CLI")
        return 2
    if write and only:
        print("--write regenerates the whole manifest; give no FILTER")
        return 2
    new = generate(cli, only, verbose)
    if write:
        with open(MANIFEST, "w", encoding="utf-8") as f:
            f.write(dump(new))
        print("wrote %s: %d vectors" % (os.path.relpath(MANIFEST, ROOT), len(new)))
        return 0

    passed = failed = 0
    try:
        head, old = load()
    except FileNotFoundError:
        print("FAIL: %s is missing; run scripts/vectors-manifest.py --write" % MANIFEST)
        return 1
    if head.get("at") != AT or head.get("format") != FORMAT:
        print("FAIL: manifest header %s does not match this script (at %s, format %d)"
              % (head, AT, FORMAT))
        failed += 1
    if only:
        old = {k: v for k, v in old.items() if any(o in k for o in only)}
    for vid in sorted(set(old) | set(new)):
        if vid not in new:
            print("FAIL %s: in the manifest but no longer found in vectors/" % vid)
            failed += 1
        elif vid not in old:
            print("FAIL %s: new vector, not in the manifest" % vid)
            failed += 1
        elif old[vid] != new[vid]:
            print("FAIL %s: outcome changed:" % vid)
            for d in diff(old[vid], new[vid]):
                print("    " + d)
            failed += 1
        else:
            passed += 1
            if verbose:
                print("ok", vid)
    sets = {}
    for v in new.values():
        sets[v["set"]] = sets.get(v["set"], 0) + 1
    print("vectors per set: " + ", ".join("%s %d" % kv for kv in sorted(sets.items())))
    if failed:
        print("if these changes are meant: /usr/bin/python3 scripts/vectors-manifest.py "
              "--write, then commit vectors/MANIFEST.jsonl with them")
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
