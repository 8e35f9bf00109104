"""The binding's ctypes mirrors agree with include/dkimarc.h and its parts: struct members
in order, enum values the binding hard-codes, and every function it declares
is one the header declares."""

import os
import re

import pytest

import dkimarc
from dkimarc import _native, _verifier
from conftest import SRCDIR

# dkimarc.h and the parts it includes (include/dkimarc/*.h).
HEADER = "\n".join(
    open(os.path.join(SRCDIR, "include", *p), encoding="utf-8").read()
    for p in [("dkimarc.h",)] + [("dkimarc", f) for f in
                                  sorted(os.listdir(os.path.join(SRCDIR, "include", "dkimarc")))])


def struct_members(name):
    m = re.search(r"typedef struct %s \{(.*?)\} %s;" % (name, name), HEADER, re.S)
    assert m, name
    body = re.sub(r"/\*.*?\*/", "", m.group(1), flags=re.S)
    out = []
    for decl in body.split(";"):
        decl = decl.strip()
        if not decl:
            continue
        fn = re.search(r"\(\s*\*\s*(\w+)\s*\)", decl)  # function pointer
        out.append(fn.group(1) if fn else re.findall(r"\w+", decl)[-1])
    return out


@pytest.mark.parametrize("cname,mirror", [
    ("dkimarc_keyrec", _native.KeyRec),
    ("dkimarc_keysrc_ops", _native.KeysrcOps),
    ("dkimarc_dns_options", _native.DnsOptions),
])
def test_struct_mirrors_match_the_header(cname, mirror):
    if cname not in HEADER:
        pytest.skip("%s not in this header" % cname)
    assert [f[0] for f in mirror._fields_] == struct_members(cname)


def test_struct_versions_match_the_header():
    # The binding's mirrors are the layouts of these versions (docs/abi.md).
    for macro, value in [("DKIMARC_KEYREC_VERSION", _native.KEYREC_VERSION),
                         ("DKIMARC_KEYSRC_OPS_VERSION", _native.KEYSRC_OPS_VERSION),
                         ("DKIMARC_DNS_OPTIONS_VERSION", _native.DNS_OPTIONS_VERSION)]:
        m = re.search(r"#define %s (\d+)" % macro, HEADER)
        assert m and int(m.group(1)) == value, macro


def enum_values(prefix):
    """{NAME: value} of enumerators starting with prefix (implicit values counted)."""
    out = {}
    for body in re.findall(r"typedef enum \{(.*?)\}", HEADER, re.S):
        body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
        n = -1
        for item in body.split(","):
            item = item.strip()
            if not item:
                continue
            name, _, val = item.partition("=")
            n = int(val.strip()) if val.strip() else n + 1
            if name.strip().startswith(prefix):
                out[name.strip()] = n
    return out


def test_hard_coded_enum_values_match_the_header():
    limits = enum_values("DKIMARC_LIMIT_")
    for name, value in _verifier.LIMITS.items():
        assert limits["DKIMARC_LIMIT_" + name.upper()] == value
    lookup = enum_values("DKIMARC_LOOKUP_")
    assert (lookup["DKIMARC_LOOKUP_NOT_FOUND"], lookup["DKIMARC_LOOKUP_TEMPFAIL"]) == \
        (_verifier._LOOKUP_NOT_FOUND, _verifier._LOOKUP_TEMPFAIL)
    status = enum_values("DKIMARC_E")
    for cls_status, name in dkimarc._errors._NAMES.items():
        assert status["DKIMARC_" + name] == cls_status
    if dkimarc.HAVE_CORPUS:
        quoting = enum_values("DKIMARC_MBOX_")
        for name, value in _verifier._MBOX_QUOTING.items():
            assert quoting["DKIMARC_MBOX_" + name.upper()] == value
        assert enum_values("DKIMARC_ITEM_")["DKIMARC_ITEM_MESSAGE"] == _verifier._ITEM_MESSAGE


def test_declared_functions_exist_in_the_header():
    declared = set(re.findall(r"DKIMARC_API[^;(]*\b(dkimarc_\w+)\s*\(", HEADER))
    used = set(_native._PROTOTYPES) | set(_native._OPTIONAL)
    assert used - declared == set()
