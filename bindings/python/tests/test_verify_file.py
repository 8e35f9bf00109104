"""verify_file() reads a file as scan() does: an mbox gives one Report per message,
numbered as scan() numbers them, and bytes that are not mail raise the ScanProblem
scan() gives them (issue 15). Truth: vectors/leak-sample/truth.tsv, written by the
generator of the corpus, and Python's own mailbox reader."""

import mailbox
import os

import pytest

import dkimarc
from conftest import SAMPLE, SRCDIR

LEAK = os.path.join(SRCDIR, "vectors", "leak-sample")
LEAK_AT = "2017-05-06T00:00:00Z"  # as tests/leak/check_leak.py


def leak_truth():
    """{mbox path relative to LEAK: [(index, offset, verdict, reason), ...]}."""
    out = {}
    with open(os.path.join(LEAK, "truth.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            file, index, offset, verdict, reason = line.rstrip("\n").split("\t")[:5]
            if index != "-":
                out.setdefault(file, []).append((int(index), int(offset), verdict, reason))
    return {k: sorted(v) for k, v in out.items()}


TRUTH = leak_truth()


def test_the_leak_sample_has_mbox_files_of_several_messages():
    assert len(TRUTH) >= 10 and max(len(v) for v in TRUTH.values()) >= 4


@pytest.mark.parametrize("rel", sorted(TRUTH))
def test_an_mbox_gives_one_report_per_message(rel):
    path = os.path.join(LEAK, rel)
    got = dkimarc.verify_file(path, keys=os.path.join(LEAK, "keys.zone"), at=LEAK_AT)
    assert isinstance(got, list)
    assert [(r.index, r.offset, r.verdict, r.verdict_code) for r in got] == TRUTH[rel]
    assert all(r.path == path for r in got)
    # As many as Python's own mbox reader finds.
    assert len(got) == len(mailbox.mbox(path, create=False))


def test_a_message_file_gives_one_report():
    r = dkimarc.verify_file(os.path.join(SAMPLE, "confirmed-rsa.eml"),
                            keys=os.path.join(SAMPLE, "keys.zone"), at="2024-06-01")
    assert isinstance(r, dkimarc.Report)
    assert (r.verdict, r.index, r.offset) == ("confirmed", None, None)


def not_mail_files(tmp_path):
    files = {"empty": b"", "random.bin": bytes(range(256)) * 8,
             "notes.txt": b"meeting notes\nno header here\n",
             "no-header.eml": b"\r\nHey gang,\r\nThis is a test message.\r\n"}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    paths = [str(tmp_path / n) for n in files]
    # Every key archive format of the sample is a file a user may pass by mistake.
    paths += [os.path.join(SAMPLE, n) for n in ("keys.zone", "keys.txt", "keys.jsonl")]
    return paths


def test_bytes_that_are_not_mail_raise_what_scan_says(tmp_path):
    with dkimarc.Verifier() as v:
        for path in not_mail_files(tmp_path):
            [want] = list(v.scan(path, on_error="yield"))
            assert isinstance(want, dkimarc.ScanProblem), path
            with pytest.raises(dkimarc.ScanProblem) as ei:
                v.verify_file(path)
            assert (ei.value.kind, ei.value.text) == (want.kind, want.text), path
            assert ei.value.kind in ("empty", "not_mail"), path


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(IsADirectoryError):
        dkimarc.verify_file(str(tmp_path))


def test_a_missing_file_raises_oserror(tmp_path):
    with pytest.raises(FileNotFoundError):
        dkimarc.verify_file(str(tmp_path / "nope.eml"))
