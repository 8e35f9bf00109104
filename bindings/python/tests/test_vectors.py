"""The C tests' vectors (vectors/external, vectors/dkimpy-data), judged by the
same rules as tests/scripts/test_vectors.py (imported, not copied), and every
report field compared with the CLI's JSON for the same message."""

import importlib.util
import json
import os
import subprocess

import pytest

import dkimarc
from conftest import SRCDIR

_spec = importlib.util.spec_from_file_location(
    "c_vectors", os.path.join(SRCDIR, "tests", "scripts", "test_vectors.py"))
c_vectors = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(c_vectors)

CASES = c_vectors.find_cases(SRCDIR, [])
# A fixed time, so that the binding and the CLI judge x= and t= alike.
AT = "2024-06-01T00:00:00Z"


def test_vectors_are_there():
    sets = {c[0] for c in CASES}
    assert sets == set(c_vectors.SETS) and len(CASES) >= 50


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
@pytest.mark.parametrize("case", CASES, ids=[c[1] for c in CASES])
def test_vector_meets_its_expectations(case, strict):
    _, name, d, exp = case
    with open(os.path.join(d, "message.eml"), "rb") as f:
        data = f.read()
    r = dkimarc.verify(data, keys=[dkimarc.VectorKeys(os.path.join(d, "dns.txt"))],
                       strict=strict)
    problems = c_vectors.check_case(exp, r.to_dict(), strict)
    assert not problems, "\n".join("[%s] %s" % p for p in problems)


def _iso(t):
    return None if t is None else dkimarc.parse_time(t)


def _expected_from_json(j):
    """The CLI's JSON mapped onto the binding's field names and types."""
    sigs = []
    for s in j["signatures"]:
        s = dict(s)
        s.pop("body_hash")  # not among the C accessors
        s.pop("diagnosis")  # what changed: the CLI turns the diagnosis on, the binding not
        kr = s["key_record"]
        if kr is not None:
            kr = dict(kr)
            for k in ("first_seen", "last_seen", "fetched_at"):
                kr[k] = _iso(kr[k])
            s["key_record"] = kr
        sigs.append(s)
    return {k: j[k] for k in ("verdict", "verdict_reason", "flags", "from_domain", "time")}, sigs


@pytest.mark.parametrize("case", CASES, ids=[c[1] for c in CASES])
def test_binding_report_equals_the_cli_json(case, cli):
    _, name, d, exp = case
    keys, msg = os.path.join(d, "dns.txt"), os.path.join(d, "message.eml")
    p = subprocess.run([cli, "verify", "--json", "--at", AT, "--keys-vector", keys, msg],
                       capture_output=True, timeout=60)
    assert p.returncode in (0, 1), p.stderr.decode()
    want_report, want_sigs = _expected_from_json(json.loads(p.stdout))
    got = dkimarc.verify_file(msg, keys=[dkimarc.VectorKeys(keys)], at=AT).to_dict()
    assert {k: got[k] for k in want_report} == want_report
    assert len(got["signatures"]) == len(want_sigs)
    for g, w in zip(got["signatures"], want_sigs):
        if g["key_record"] is not None:
            g["key_record"].pop("txt")  # the JSON does not repeat the record text
        assert g == w
