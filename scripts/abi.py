#!/usr/bin/python3
"""The ABI of the shared libraries against the released one (docs/abi.md).

    /usr/bin/python3 scripts/abi.py check  [BUILDDIR]   compare; "N passed, M failed"
    /usr/bin/python3 scripts/abi.py accept [BUILDDIR]   record the build's ABI as the baseline

The baseline is abi/: for each library the abidw XML of its public ABI
(abi/libdkimarc.abi, abi/libdkimarc-corpus.abi), the versions of the versioned
structures (abi/versions) and what abidiff lets pass (abi/abidiff.supp). check
fails on an unannounced break: a function or variable removed or changed, a
public type changed, an enumerator renumbered, a member of a versioned
structure changed, moved or removed, or one appended without raising the
structure's _VERSION. Additions pass: new functions, enumerators before a
_COUNT_ sentinel, members appended to a versioned structure with its version
raised. A break is announced by a new SONAME (DKIMARC_VERSION_MAJOR and
SOVERSION raised): check then asks for a new baseline, and accept writes it.
accept refuses a break under the same SONAME. Libraries come from BUILDDIR
(default build/), or from DKIMARC_LIB and DKIMARC_CORPUS_LIB. Needs abigail-tools.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SRCDIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
ABIDIR = os.path.join(SRCDIR, "abi")
INCLUDE = os.path.join(SRCDIR, "include")
LIBS = [("libdkimarc", "DKIMARC_LIB"), ("libdkimarc-corpus", "DKIMARC_CORPUS_LIB")]
# The structures callers fill or read, and the macro that says their layout.
VERSIONED = {
    "dkimarc_keyrec": "DKIMARC_KEYREC_VERSION",
    "dkimarc_keysrc_ops": "DKIMARC_KEYSRC_OPS_VERSION",
    "dkimarc_dns_options": "DKIMARC_DNS_OPTIONS_VERSION",
    "dkimarc_dns_stats": "DKIMARC_DNS_STATS_VERSION",
    "dkimarc_dns_socket": "DKIMARC_DNS_SOCKET_VERSION",
}

passed = failed = 0


def check(ok, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)
        if detail:
            print("    " + detail.rstrip().replace("\n", "\n    "))
    return ok


def libraries(builddir):
    out = []
    for name, env in LIBS:
        # name.so links to the file of whatever major version the build has.
        path = os.environ.get(env) or os.path.join(builddir, name + ".so")
        out.append((name, os.path.realpath(path)))
    return out


def dump(lib, out):
    """The public ABI of lib as abidw XML: types of the public headers only, no paths."""
    subprocess.run(["abidw", "--headers-dir", os.path.join(INCLUDE, "dkimarc"),
                    "--header-file", os.path.join(INCLUDE, "dkimarc.h"),
                    "--drop-private-types", "--no-show-locs", "--no-corpus-path",
                    "--no-comp-dir-path", "--type-id-style", "hash", "--out-file", out, lib],
                   check=True)
    # The sources' paths say where this checkout is, not what the ABI is.
    with open(out, encoding="utf-8") as f:
        text = f.read()
    with open(out, "w", encoding="utf-8") as f:
        f.write(text.replace("path='%s/" % SRCDIR, "path='"))


def soname(abi):
    return ET.parse(abi).getroot().get("soname")


def header_versions():
    text = "".join(open(os.path.join(INCLUDE, "dkimarc", f), encoding="utf-8").read()
                   for f in sorted(os.listdir(os.path.join(INCLUDE, "dkimarc"))))
    out = {}
    for struct, macro in VERSIONED.items():
        m = re.search(r"#define %s (\d+)" % macro, text)
        out[struct] = int(m.group(1)) if m else None
    return out


def baseline_versions():
    out = {}
    path = os.path.join(ABIDIR, "versions")
    if os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            if line.strip() and not line.startswith("#"):
                name, v = line.split()
                out[name] = int(v)
    return out


class Types:
    """Type ids of an abidw file resolved to C spellings, to compare across files."""

    def __init__(self, abi):
        self.by_id = {e.get("id"): e for e in ET.parse(abi).iter() if e.get("id")}
        self.structs = {}
        for e in ET.parse(abi).iter("class-decl"):
            if e.get("name") in VERSIONED and e.findall("data-member"):
                self.structs[e.get("name")] = e

    def name(self, tid, depth=0):
        e = self.by_id.get(tid)
        if e is None or depth > 20:
            return tid or "void"
        tag, sub = e.tag, e.get("type-id")
        if tag in ("type-decl", "typedef-decl", "class-decl", "union-decl", "enum-decl"):
            return e.get("name") or "<anonymous %s>" % tag
        if tag == "pointer-type-def":
            return self.name(sub, depth + 1) + "*"
        if tag == "qualified-type-def":
            q = " ".join(k for k in ("const", "volatile", "restrict") if e.get(k) == "yes")
            return "%s %s" % (q, self.name(sub, depth + 1))
        if tag == "array-type-def":
            return "%s[%s]" % (self.name(e.get("element-type-id"), depth + 1),
                               e.get("size-in-bits"))
        if tag == "function-type":
            ret = e.find("return")
            params = [self.name(p.get("type-id"), depth + 1) for p in e.findall("parameter")]
            return "%s(%s)" % (self.name(ret.get("type-id") if ret is not None else None,
                                         depth + 1), ", ".join(params))
        return "%s %s" % (tag, e.get("name") or tid)

    def members(self, struct):
        e = self.structs.get(struct)
        if e is None:
            return None
        out = []
        for m in e.findall("data-member"):
            v = m.find("var-decl")
            out.append((v.get("name"), int(m.get("layout-offset-in-bits")),
                        self.name(v.get("type-id"))))
        return out


def compare(name, base, cur):
    """Checks of one library: abidiff, then the versioned structures member by member."""
    cmd = ["abidiff", "--no-added-syms", "--suppressions", os.path.join(ABIDIR, "abidiff.supp"),
           base, cur]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode & 3:
        check(False, "%s: abidiff could not compare (exit %d)" % (name, p.returncode), p.stderr)
    else:
        check(p.returncode == 0, "%s: the ABI changed against %s, under the same SONAME: an "
              "unannounced break (docs/abi.md)" % (name, os.path.relpath(base, SRCDIR)),
              p.stdout)
    # abidiff lets the versioned structures pass (abi/abidiff.supp): what they may do is
    # grow at the end with their version raised, which is checked here.
    bt, ct = Types(base), Types(cur)
    have, was = header_versions(), baseline_versions()
    for struct in VERSIONED:
        old, new = bt.members(struct), ct.members(struct)
        if old is None:
            continue
        if not check(new is not None, "%s: %s is gone" % (name, struct)):
            continue
        check(new[:len(old)] == old, "%s: %s changed its members: each version's stay as they "
              "were" % (name, struct), "was %s\nnow %s" % (old, new[:len(old)]))
        if len(new) > len(old):
            check(was.get(struct) is not None and have[struct] is not None
                  and have[struct] > was[struct],
                  "%s: %s has new members but %s is still %s: raise it (and add the "
                  "version's size in lib/abiver.c)" % (name, struct, VERSIONED[struct],
                                                      have[struct]))


def main():
    args = sys.argv[1:]
    if not args or args[0] not in ("check", "accept"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    builddir = args[1] if len(args) > 1 else os.path.join(SRCDIR, "build")
    for tool in ("abidw", "abidiff"):
        if not shutil.which(tool):
            print("FAIL: %s not found: install abigail-tools (bash scripts/install-deps.sh "
                  "--test)" % tool)
            print("0 passed, 1 failed")
            return 1
    tmp = tempfile.mkdtemp()
    try:
        current = []
        for name, lib in libraries(builddir):
            if not check(os.path.exists(lib), "%s: no library at %s" % (name, lib)):
                continue
            # Types come from DWARF: without it abidiff would compare symbols only.
            sections = subprocess.run(["readelf", "-S", "-W", lib], capture_output=True,
                                      text=True).stdout
            if not check(".debug_info" in sections, "%s: %s has no debug information: build "
                         "with -g (CMAKE_BUILD_TYPE RelWithDebInfo, the default, or Debug)"
                         % (name, lib)):
                continue
            cur = os.path.join(tmp, name + ".abi")
            dump(lib, cur)
            current.append((name, cur))
        for name, cur in current:
            base = os.path.join(ABIDIR, name + ".abi")
            if not os.path.exists(base):
                check(args[0] == "accept", "%s: no baseline %s: record one with "
                      "scripts/abi.py accept" % (name, os.path.relpath(base, SRCDIR)))
                continue
            if soname(base) != soname(cur):
                # A new major version: the break is announced; the baseline follows it.
                check(args[0] == "accept", "%s: the SONAME is %s, the baseline's %s: a new "
                      "major version, so record its ABI with scripts/abi.py accept"
                      % (name, soname(cur), soname(base)))
                continue
            compare(name, base, cur)
        if args[0] == "accept":
            if failed:
                print("abi: not recorded: an incompatible change needs a new SONAME; raise "
                      "DKIMARC_VERSION_MAJOR and SOVERSION (docs/abi.md), or undo it")
                return 1
            os.makedirs(ABIDIR, exist_ok=True)
            for name, cur in current:
                shutil.copyfile(cur, os.path.join(ABIDIR, name + ".abi"))
            with open(os.path.join(ABIDIR, "versions"), "w", encoding="utf-8") as f:
                f.write("# The versions of the versioned structures in this baseline "
                        "(scripts/abi.py).\n")
                for struct, v in header_versions().items():
                    f.write("%s %d\n" % (struct, v))
            print("abi: recorded %s" % ", ".join("abi/%s.abi" % n for n, _ in current))
            return 0
        print("%d passed, %d failed" % (passed, failed))
        return 1 if failed else 0
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    sys.exit(main())
