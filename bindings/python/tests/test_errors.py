"""Failures of calls raise exceptions that carry the library's own message."""

import os

import pytest

import dkimarc
from conftest import SAMPLE


def test_missing_key_archive_raises_read_error_naming_the_file(tmp_path):
    path = str(tmp_path / "nope.zone")
    with pytest.raises(dkimarc.ReadError) as ei:
        dkimarc.Verifier(keys=[path])
    e = ei.value
    assert isinstance(e, OSError) and isinstance(e, dkimarc.DkimarcError)
    assert e.status == -3 and e.code == "EIO"
    assert path in str(e) and path in e.message


def test_malformed_archive_raises_format_error_naming_file_and_line(tmp_path):
    path = tmp_path / "bad.zone"
    path.write_text("$ORIGIN example.com.\n"
                    "sel._domainkey IN TXT \"v=DKIM1; p=abc\"\n"
                    "sel2._domainkey IN TXT \"unterminated\n")
    with pytest.raises(dkimarc.FormatError) as ei:
        dkimarc.Verifier(keys=[str(path)])
    assert ei.value.code == "EFORMAT"
    assert "bad.zone" in str(ei.value) and "3" in str(ei.value)


def test_message_over_the_one_shot_limit_raises_limit_exceeded():
    data = open(os.path.join(SAMPLE, "confirmed-rsa.eml"), "rb").read()
    with dkimarc.Verifier(limits={"message_bytes": 100}) as v:
        with pytest.raises(dkimarc.LimitExceeded) as ei:
            v.verify(data)
    assert "100" in str(ei.value)


def test_streaming_is_not_bound_by_the_one_shot_limit():
    with dkimarc.Verifier(keys=os.path.join(SAMPLE, "keys.zone"),
                          limits={"message_bytes": 100}, at="2024-06-01") as v:
        assert v.verify_file(os.path.join(SAMPLE, "confirmed-rsa.eml")).verdict == "confirmed"


def test_header_over_its_limit_is_a_result_not_an_error():
    with dkimarc.Verifier(keys=os.path.join(SAMPLE, "keys.zone"), at="2024-06-01",
                          limits={"header_bytes": 64}) as v:
        r = v.verify_file(os.path.join(SAMPLE, "confirmed-rsa.eml"))
    assert r.verdict == "unverifiable" and "header bytes" in r.verdict_reason


def test_bad_options_raise_value_errors():
    with pytest.raises(ValueError):
        dkimarc.Verifier(limits={"no_such_limit": 1})
    with pytest.raises(ValueError):
        dkimarc.Verifier(limits={"signatures": 0})
    with pytest.raises(ValueError):
        dkimarc.Verifier(at="yesterday-ish")
    with pytest.raises(TypeError):
        dkimarc.Verifier(at=object())


def test_closed_verifier_refuses_to_verify():
    v = dkimarc.Verifier()
    v.close()
    v.close()  # twice is fine
    with pytest.raises(ValueError):
        v.verify(b"From: a@b\r\n\r\n")


def test_times_are_read_like_the_cli_reads_them():
    import datetime
    assert dkimarc.parse_time("2017-05-05T12:00:00Z") == 1493985600
    assert dkimarc.parse_time("2017-05-05") == 1493942400
    assert dkimarc.parse_time(datetime.date(2017, 5, 5)) == 1493942400
    assert dkimarc.parse_time(datetime.datetime(2017, 5, 5, 12)) == 1493985600
    assert dkimarc.parse_time(1493985600) == 1493985600
    assert dkimarc.parse_time(None) == -1


def test_reports_and_errors_pickle_for_process_pools(tmp_path):
    import pickle
    r = dkimarc.verify_file(os.path.join(SAMPLE, "confirmed-rsa.eml"),
                            keys=os.path.join(SAMPLE, "keys.zone"), at="2024-06-01")
    assert pickle.loads(pickle.dumps(r)) == r
    try:
        dkimarc.Verifier(keys=[str(tmp_path / "nope")])
    except dkimarc.ReadError as e:
        e2 = pickle.loads(pickle.dumps(e))
        assert (type(e2), e2.status, e2.message) == (type(e), e.status, e.message)
    p = dkimarc.ScanProblem("/x", "not_mail", "why", 1, 2)
    p2 = pickle.loads(pickle.dumps(p))
    assert (p2.path, p2.kind, p2.text, p2.index, p2.offset, str(p2)) == \
        ("/x", "not_mail", "why", 1, 2, str(p))
