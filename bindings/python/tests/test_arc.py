"""ARC through the binding: every case of vectors/arc (ValiMail's suite) gives
the chain result the C test expects (tests/scripts/test_arc_vectors.py, whose
expectation rules are imported), and the binding's Arc equals the CLI's JSON
"arc" object field by field."""

import dataclasses
import glob
import importlib.util
import json
import os
import subprocess

import pytest

import dkimarc
from conftest import SRCDIR

pytestmark = pytest.mark.skipif(not dkimarc.HAVE_ARC,
                                reason="the library under test has no ARC support")

CASES = sorted(os.path.basename(os.path.dirname(p)) for p in
               glob.glob(os.path.join(SRCDIR, "vectors", "arc", "*", "expect.txt")))


def c_arc_test():
    spec = importlib.util.spec_from_file_location(
        "c_arc_vectors", os.path.join(SRCDIR, "tests", "scripts", "test_arc_vectors.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def case_files(name):
    d = os.path.join(SRCDIR, "vectors", "arc", name)
    return os.path.join(d, "message.eml"), dkimarc.VectorKeys(os.path.join(d, "dns.txt")), d


def test_arc_vectors_are_there():
    assert len(CASES) >= 100


@pytest.mark.parametrize("name", CASES)
def test_arc_chain_result_meets_the_expectation(name):
    c = c_arc_test()
    msg, keys, d = case_files(name)
    exp = c.parse_expect(os.path.join(d, "expect.txt"))
    want = c.RFC_DIVERGENCES.get(name, (exp["arc"],))[0]
    if name in c.NOT_MAIL:
        # No chain to judge: verify_file says what scan() says, as the CLI does.
        with pytest.raises(dkimarc.ScanProblem) as ei:
            dkimarc.verify_file(msg, keys=[keys])
        assert (ei.value.kind, want) == (c.NOT_MAIL[name], "none")
        return
    r = dkimarc.verify_file(msg, keys=[keys])
    assert r.arc.result == want, r.arc.reason_text
    if name in c.REASONS:
        assert r.arc.reason == c.REASONS[name]
    assert r.verdict == "unsigned"  # ARC never decides the DKIM verdict


def plain(v):
    """dataclasses.asdict() output with lists for tuples, as JSON has them."""
    if isinstance(v, tuple):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    return v


def _sig_matches(got, want):
    """The JSON's seal/ams object is a subset of a Signature."""
    if want is None or got is None:
        return got is None and want is None
    want = dict(want)
    want.pop("body_hash", None)
    g = plain(dataclasses.asdict(got))
    if want.get("key_record") is not None:
        kr = dict(want["key_record"])
        for k in ("first_seen", "last_seen", "fetched_at"):
            kr[k] = None if kr[k] is None else dkimarc.parse_time(kr[k])
        want["key_record"] = kr
        g["key_record"] = {k: v for k, v in g["key_record"].items() if k != "txt"}
    return {k: g[k] for k in want} == want


@pytest.mark.parametrize("name", CASES)
def test_binding_arc_equals_the_cli_json(name, cli):
    msg, keys, _ = case_files(name)
    p = subprocess.run([cli, "verify", "--json", "--at", "2024-06-01", "--keys-vector", keys.path,
                        msg], capture_output=True, timeout=60)
    if name in c_arc_test().NOT_MAIL:
        assert p.returncode == 2, p.stderr.decode()
        want = json.loads(p.stdout)
        with pytest.raises(dkimarc.ScanProblem) as ei:
            dkimarc.verify_file(msg, keys=[keys], at="2024-06-01")
        assert (ei.value.kind, ei.value.text) == (want["problem"], want["problem_text"])
        return
    assert p.returncode in (0, 1), p.stderr.decode()
    want = json.loads(p.stdout)["arc"]
    with open(msg, "rb") as f:
        got = dkimarc.verify(f.read(), keys=[keys], at="2024-06-01").arc
    d = dataclasses.asdict(got)
    for k in ("result", "reason", "reason_text", "oldest_pass", "failed_instance"):
        assert d[k] == want[k], k
    assert len(got.instances) == len(want["instances"])
    for g, w in zip(got.instances, want["instances"]):
        for k in ("instance", "domain", "selector", "algorithm", "cv"):
            assert getattr(g, k) == w[k], k
        for k in ("seal", "ams"):
            assert _sig_matches(getattr(g, k), w[k]), k
        if w["aar"] is None:
            assert g.aar is None
        else:
            assert (g.aar.authserv_id, list(g.aar.results)) == \
                (w["aar"]["authserv_id"], w["aar"]["results"])
