"""The bundled sample (vectors/sample/): verdicts from expected.txt, with each
key archive format, one-shot and streaming, single messages and scan()."""

import json
import os
import shutil
import subprocess

import pytest

import dkimarc
from conftest import SAMPLE, SAMPLE_AT, sample_expected

EXPECTED = sample_expected()


def read(name):
    with open(os.path.join(SAMPLE, name), "rb") as f:
        return f.read()


@pytest.mark.parametrize("keys", ["keys.zone", "keys.txt", "keys.jsonl"])
def test_sample_verdicts_match_expected_with_each_archive_format(keys):
    with dkimarc.Verifier(keys=[os.path.join(SAMPLE, keys)], at=SAMPLE_AT) as v:
        got = {name: v.verify(read(name)).verdict for name in EXPECTED}
    assert got == EXPECTED


def test_module_verify_gives_the_expected_verdict():
    r = dkimarc.verify(read("confirmed-rsa.eml"), keys=os.path.join(SAMPLE, "keys.zone"),
                       at=SAMPLE_AT)
    assert r.verdict == "confirmed" and r.confirmed
    s = r.signatures[0]
    assert (s.result, s.reason, s.domain, s.selector) == ("pass", "ok", "example.com",
                                                          "mail2024")
    assert s.key_bits == 2048 and s.aligned
    assert s.key_source.startswith("archive ") and s.key_record.line > 0
    assert r.time == dkimarc.parse_time(SAMPLE_AT)


def test_streaming_and_one_shot_reports_are_identical():
    with dkimarc.Verifier(keys=[os.path.join(SAMPLE, "keys.zone")], at=SAMPLE_AT) as v:
        for name in EXPECTED:
            a = v.verify(read(name)).to_dict()
            b = v.verify_file(os.path.join(SAMPLE, name)).to_dict()
            assert b.pop("path") == os.path.join(SAMPLE, name)
            a.pop("path")
            assert a == b, name


def test_bytearray_and_memoryview_are_accepted_and_str_is_refused():
    data = read("confirmed-ed25519.eml")
    keys = os.path.join(SAMPLE, "keys.zone")
    with dkimarc.Verifier(keys=keys, at=SAMPLE_AT) as v:
        assert v.verify(bytearray(data)).verdict == "confirmed"
        assert v.verify(memoryview(data)).verdict == "confirmed"
        with pytest.raises(TypeError):
            v.verify(data.decode("latin-1"))


def test_altered_body_names_the_reason():
    r = dkimarc.verify(read("altered-body.eml"), keys=os.path.join(SAMPLE, "keys.zone"),
                       at=SAMPLE_AT)
    assert r.verdict == "altered"
    assert r.signatures[0].result == "fail"
    assert r.signatures[0].reason == "body_hash_mismatch"


def test_lf_stored_message_is_flagged():
    r = dkimarc.verify(read("confirmed-lf.eml"), keys=os.path.join(SAMPLE, "keys.zone"),
                       at=SAMPLE_AT)
    assert r.verdict == "confirmed" and "lf_line_endings" in r.flags


@pytest.fixture(params=["walk", "corpus"])
def scan_mode(request, monkeypatch):
    """scan() through the Python walk, and through the library's corpus reader."""
    if request.param == "corpus" and not dkimarc.HAVE_CORPUS:
        pytest.skip("the library under test has no corpus reader")
    monkeypatch.setattr(dkimarc._verifier, "_prefer_corpus", request.param == "corpus")
    return request.param


def test_scan_walks_a_directory_tree_in_sorted_order(tmp_path, scan_mode):
    names = sorted(EXPECTED)
    half = len(names) // 2
    (tmp_path / "b").mkdir()
    (tmp_path / "a").mkdir()
    for n in names[:half]:
        shutil.copy(os.path.join(SAMPLE, n), tmp_path / "b" / n)
    for n in names[half:]:
        shutil.copy(os.path.join(SAMPLE, n), tmp_path / "a" / n)
    reports = list(dkimarc.scan(str(tmp_path), keys=[os.path.join(SAMPLE, "keys.zone")],
                                at=SAMPLE_AT))
    want = [str(tmp_path / "a" / n) for n in names[half:]] + \
        [str(tmp_path / "b" / n) for n in names[:half]]
    assert [r.path for r in reports] == want
    assert {os.path.basename(r.path): r.verdict for r in reports} == EXPECTED


def test_scan_pattern_picks_the_messages_of_a_folder(scan_mode):
    reports = list(dkimarc.scan(SAMPLE, keys=[os.path.join(SAMPLE, "keys.zone")],
                                at=SAMPLE_AT, pattern="*.eml"))
    assert {os.path.basename(r.path): r.verdict for r in reports} == EXPECTED


def test_scan_on_error_callable_collects_and_goes_on(tmp_path, scan_mode):
    missing = str(tmp_path / "missing.eml")
    good = os.path.join(SAMPLE, "confirmed-rsa.eml")
    errors = []
    reports = list(dkimarc.scan([missing, good], keys=os.path.join(SAMPLE, "keys.zone"),
                                at=SAMPLE_AT, on_error=lambda p, e: errors.append((p, e))))
    assert [r.path for r in reports] == [good]
    assert len(errors) == 1 and errors[0][0] == missing
    e = errors[0][1]
    assert isinstance(e, dkimarc.ScanProblem)
    assert (e.path, e.kind) == (missing, "unreadable") and e.text


def test_scan_yields_problems_by_default_raises_or_skips_on_request(tmp_path, scan_mode):
    missing = str(tmp_path / "missing.eml")
    good = os.path.join(SAMPLE, "unsigned.eml")
    got = list(dkimarc.scan([missing, good]))  # as the CLI: reported, and the scan goes on
    assert isinstance(got[0], dkimarc.ScanProblem) and got[1].verdict == "unsigned"
    assert [g.problem for g in got] == ["unreadable", None]
    assert (got[0].verdict, got[0].confirmed) == (None, False)
    assert got[0].to_dict() == {"file": missing, "index": None, "offset": None,
                                "problem": "unreadable", "problem_text": got[0].text}
    with pytest.raises(dkimarc.ScanProblem):
        list(dkimarc.scan([missing, good], on_error="raise"))
    assert [r.verdict for r in dkimarc.scan([missing, good], on_error="skip")] == ["unsigned"]


def test_scan_goes_on_after_a_file_that_is_not_mail(tmp_path):
    # A mailbox folder with notes beside the mail: the notes are an item, the mail after
    # them is still verified (the CLI gives the same items, by its JSON).
    if not dkimarc.HAVE_CORPUS:
        pytest.skip("the library under test has no corpus reader")
    (tmp_path / "a-notes.txt").write_bytes(b"call the lawyer on monday\n")
    for n in ("b.eml", "c.eml"):
        (tmp_path / n).write_bytes(read("confirmed-rsa.eml"))
    got = list(dkimarc.scan(str(tmp_path), keys=os.path.join(SAMPLE, "keys.zone"),
                            at=SAMPLE_AT))
    assert [(os.path.basename(g.path), g.problem, g.verdict) for g in got] == [
        ("a-notes.txt", "not_mail", None), ("b.eml", None, "confirmed"),
        ("c.eml", None, "confirmed")]
    cli = os.environ.get("DKIMARC")
    if cli:
        out = subprocess.run([cli, "scan", "--keys", os.path.join(SAMPLE, "keys.zone"),
                              "--at", "2024-06-01", "--json", str(tmp_path)],
                             capture_output=True, check=False).stdout
        lines = [json.loads(l) for l in out.splitlines()]
        assert [g.to_dict()["problem"] if g.problem else g.to_dict()["verdict"]
                for g in got] == [j.get("problem") or j["verdict"] for j in lines]


def test_report_has_the_date_field(tmp_path):
    # Independent truth: Python's email package reads the same Date.
    import email
    import email.utils
    for name in EXPECTED:
        m = email.message_from_bytes(read(name))
        want = int(email.utils.parsedate_to_datetime(m["Date"]).timestamp()) if m["Date"] \
            else None
        r = dkimarc.verify(read(name), keys=os.path.join(SAMPLE, "keys.zone"), at=SAMPLE_AT)
        assert r.date == want, name
        d = r.to_dict()
        assert list(d)[list(d).index("time") + 1] == "date" and d["date"] == want
    undated = b"From: a@example.org\r\nSubject: x\r\n\r\nHi.\r\n"
    assert dkimarc.verify(undated).date is None


def test_scan_names_files_that_are_not_mail(tmp_path, monkeypatch):
    # A .eml is checked when read, a .txt when walked: both are not_mail.
    if not dkimarc.HAVE_CORPUS:
        pytest.skip("the library under test has no corpus reader")
    monkeypatch.setattr(dkimarc._verifier, "_prefer_corpus", True)
    (tmp_path / "a.eml").write_bytes(b"\x89PNG\r\n\x1a\n\0\0")
    (tmp_path / "b.txt").write_bytes(b"shopping list\n")
    with open(os.path.join(SAMPLE, "unsigned.eml"), "rb") as f:
        (tmp_path / "c.eml").write_bytes(f.read())
    got = list(dkimarc.scan(str(tmp_path), on_error="yield"))
    kinds = [(os.path.basename(g.path), getattr(g, "kind", None) or g.verdict) for g in got]
    assert kinds == [("a.eml", "not_mail"), ("b.txt", "not_mail"), ("c.eml", "unsigned")]
    assert "does not begin like a mail message" in got[0].text


def test_scan_max_message_bytes_makes_large_messages_problems(scan_mode):
    big = os.path.join(SAMPLE, "confirmed-rsa.eml")
    got = list(dkimarc.scan([big], max_message_bytes=100, on_error="yield"))
    assert len(got) == 1 and isinstance(got[0], dkimarc.ScanProblem)
    assert got[0].kind == "too_large"


def test_to_dict_is_plain_data():
    r = dkimarc.verify(read("third-party.eml"), keys=os.path.join(SAMPLE, "keys.zone"),
                       at=SAMPLE_AT)
    d = r.to_dict()
    assert d["verdict"] == "confirmed-third-party"
    assert isinstance(d["signatures"], list) and isinstance(d["signatures"][0]["headers"], list)
    assert d["signatures"][0]["aligned"] is False


def test_scan_reads_an_mbox_message_by_message(tmp_path):
    if not dkimarc.HAVE_CORPUS:
        pytest.skip("the library under test has no corpus reader")
    sep = b"From someone@example.com Mon Jan  1 00:00:00 2024\n"
    names = ["confirmed-rsa.eml", "altered-body.eml", "confirmed-lf.eml"]
    parts = [sep + read(n) + b"\n" for n in names]
    box = tmp_path / "box.mbox"
    box.write_bytes(b"".join(parts))
    reports = list(dkimarc.scan(str(box), keys=os.path.join(SAMPLE, "keys.zone"),
                                at=SAMPLE_AT))
    assert [r.index for r in reports] == [1, 2, 3]  # numbered from 1, as the CLI does
    assert [r.offset for r in reports] == [0, len(parts[0]), len(parts[0]) + len(parts[1])]
    assert {r.path for r in reports} == {str(box)}
    assert [r.verdict for r in reports] == [EXPECTED[n] for n in names]


def test_scan_reports_files_that_are_not_mail(scan_mode):
    got = list(dkimarc.scan([os.path.join(SAMPLE, "keys.zone"),
                             os.path.join(SAMPLE, "unsigned.eml")], on_error="yield"))
    if scan_mode == "corpus":
        assert isinstance(got[0], dkimarc.ScanProblem) and got[0].kind == "not_mail"
    else:  # the Python walk takes every file as a message
        assert got[0].verdict == "unsigned"
    assert got[1].verdict == "unsigned"
