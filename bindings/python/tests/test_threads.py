"""Threads: the GIL is released around library calls, and threads sharing one
Verifier get the same reports as one thread alone."""

import os
import subprocess
import sys
import threading

import dkimarc
from conftest import SAMPLE, SAMPLE_AT, sample_expected

HERE = os.path.dirname(os.path.abspath(__file__))


def test_two_threads_are_inside_the_library_at_once(tmp_path):
    try:
        p = subprocess.run([sys.executable, os.path.join(HERE, "gil_probe.py"), str(tmp_path),
                            SAMPLE], capture_output=True, timeout=120)
    except subprocess.TimeoutExpired as e:
        raise AssertionError("gil_probe.py hung: a library call held the GIL "
                             "(output so far: %r)" % (e.stdout,)) from None
    out = p.stdout.decode()
    assert p.returncode == 0, out + p.stderr.decode()
    assert "both threads inside the library at once" in out and out.rstrip().endswith("ok")


def test_threads_sharing_a_verifier_agree_with_one_thread():
    names = sorted(sample_expected())
    msgs = {}
    for n in names:
        with open(os.path.join(SAMPLE, n), "rb") as f:
            msgs[n] = f.read()
    with dkimarc.Verifier(keys=[os.path.join(SAMPLE, "keys.zone")], at=SAMPLE_AT) as v:
        alone = {n: v.verify(msgs[n]) for n in names}
        results, errors = [], []

        def work(k):
            try:
                for rnd in range(5):
                    for n in names[k % len(names):] + names[:k % len(names)]:
                        results.append((n, v.verify(msgs[n])))
            except BaseException as e:  # noqa: BLE001
                errors.append(e)

        threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors
    assert len(results) == 4 * 5 * len(names)
    for n, r in results:
        assert r == alone[n], n
    assert {n: alone[n].verdict for n in names} == sample_expected()
