"""Child process of test_threads.py: shows that two threads are inside
libdkimarc at once while a third runs Python, i.e. the GIL is released.

Each worker thread makes a Verifier whose key archive is a FIFO: the library
opens and reads it in C, and blocks there. The main thread can open a FIFO's
writing end without blocking only once a reader has it open, and the reader
then waits in read() for data that only the main thread will write. So once
both writing ends are open, both workers are blocked inside the library while
the main thread is running Python code. If a library call held the GIL, the
main thread could not run and this process would hang (the parent's timeout
then fails the test). The workers then verify a message each; a Python key
lookup that waits on a barrier shows that both verifications are in progress
at once. Prints "both threads inside the library at once" and "ok" on success.

usage: gil_probe.py TMPDIR SAMPLEDIR
"""

import errno
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import dkimarc  # noqa: E402

WAIT = 30  # seconds before giving up on the other thread (a failure, not a measurement)


def open_writer(path):
    deadline = time.monotonic() + WAIT
    while True:
        try:
            return os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as e:
            if e.errno != errno.ENXIO or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def main():
    tmp, sample = sys.argv[1], sys.argv[2]
    fifos = [os.path.join(tmp, "keys%d.zone" % i) for i in range(2)]
    for f in fifos:
        os.mkfifo(f)
    with open(os.path.join(sample, "keys.zone"), "rb") as f:
        zone = f.read()
    with open(os.path.join(sample, "confirmed-rsa.eml"), "rb") as f:
        msg = f.read()

    barrier = threading.Barrier(2, timeout=WAIT)
    met, errors, verdicts = [], [], [None, None]

    def meet(name):
        try:
            barrier.wait()
            met.append(name)
        except threading.BrokenBarrierError as e:
            errors.append("barrier: %r" % e)
        return None  # not found here: the archive answers next

    def work(i):
        try:
            with dkimarc.Verifier(keys=[meet, fifos[i]], at="2024-06-01") as v:
                verdicts[i] = v.verify(msg).verdict
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append("thread %d: %r" % (i, e))

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(2)]
    for t in threads:
        t.start()
    writers = [open_writer(f) for f in fifos]
    print("both threads inside the library at once", flush=True)
    for w in writers:
        os.set_blocking(w, True)
        os.write(w, zone)
        os.close(w)
    for t in threads:
        t.join(WAIT)
    if any(t.is_alive() for t in threads):
        errors.append("a worker did not finish")
    if len(met) != 2:
        errors.append("the two verifications did not overlap (met=%r)" % met)
    if verdicts != ["confirmed", "confirmed"]:
        errors.append("verdicts %r" % verdicts)
    if errors:
        print("FAIL: " + "; ".join(errors))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
