"""Shared fixtures. ctest runs these tests with DKIMARC_LIBRARY (the library
under test), DKIMARC (the CLI) and SRCDIR set; by hand, from a checkout with
build/ built:  /usr/bin/python3 -m pytest bindings/python/tests
"""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("SRCDIR") or os.path.normpath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(SRCDIR, "bindings", "python"))

SAMPLE = os.path.join(SRCDIR, "vectors", "sample")
# After every t= in the sample: results do not depend on the day the tests run.
SAMPLE_AT = "2024-06-01T00:00:00Z"


def sample_expected():
    """{file name: verdict} from vectors/sample/expected.txt."""
    out = {}
    with open(os.path.join(SAMPLE, "expected.txt")) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                name, verdict = line.split()
                out[name] = verdict
    return out


@pytest.fixture
def cli():
    path = os.environ.get("DKIMARC")
    if not path:
        pytest.skip("DKIMARC (the CLI) is not set; ctest sets it")
    return path


_counts = {"passed": 0, "failed": 0}


def pytest_runtest_logreport(report):
    if report.when == "call" and report.passed:
        _counts["passed"] += 1
    elif report.failed:
        _counts["failed"] += 1


def pytest_unconfigure(config):
    # The project's closing line for every test program.
    print("%d passed, %d failed" % (_counts["passed"], _counts["failed"]))
