"""dns=: the library's live DNS key source, against tests/dns/faultdns.py
serving the sample's keys on 127.0.0.1."""

import os
import subprocess
import sys

import pytest

import dkimarc
from conftest import SAMPLE, SAMPLE_AT, SRCDIR

HAVE_DNS = dkimarc._native.lib.has("keysrc_dns_new", "dns_options_init")
needs_dns = pytest.mark.skipif(not HAVE_DNS, reason="the library under test has no DNS source")


def read(name):
    with open(os.path.join(SAMPLE, name), "rb") as f:
        return f.read()


@pytest.fixture
def server():
    """127.0.0.1:PORT of a DNS server answering with vectors/sample/keys.txt."""
    p = subprocess.Popen([sys.executable, os.path.join(SRCDIR, "tests", "dns", "faultdns.py"),
                          "--keys", os.path.join(SAMPLE, "keys.txt"), "--lifetime", "120"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        port = int(p.stdout.readline())
        yield "127.0.0.1:%d" % port
    finally:
        p.stdin.close()  # the server exits when its standard input closes
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def test_without_dns_support_dns_is_refused():
    if HAVE_DNS:
        pytest.skip("the library under test has a DNS source")
    with pytest.raises(NotImplementedError):
        dkimarc.Verifier(dns=True)


@needs_dns
def test_keys_from_dns_verify_and_say_which_server_answered(server):
    with dkimarc.Verifier(dns=server, at=SAMPLE_AT) as v:
        r = v.verify(read("confirmed-rsa.eml"))
        assert r.verdict == "confirmed"
        s = r.signatures[0]
        assert s.key_source.startswith("dns ") and server in s.key_source
        assert s.key_record.fetched_at is not None and s.key_record.dnssec is False
        assert v.verify(read("unverifiable-revoked.eml")).signatures[0].reason == "key_revoked"


@needs_dns
def test_python_keys_are_asked_before_dns(server):
    revoked = {"mail2024._domainkey.example.com": "v=DKIM1; p="}
    with dkimarc.Verifier(keys=[revoked], dns={"servers": [server], "tries": 1},
                          at=SAMPLE_AT) as v:
        assert v.verify(read("confirmed-rsa.eml")).signatures[0].reason == "key_revoked"
        assert v.verify(read("confirmed-ed25519.eml")).verdict == "confirmed"


@needs_dns
def test_dns_options_are_checked():
    with pytest.raises(ValueError):
        dkimarc.Verifier(dns={"no_such_option": 1})
    with pytest.raises(dkimarc.InvalidArgument) as ei:
        dkimarc.Verifier(dns="not an address")
    assert "not an address" in str(ei.value)
