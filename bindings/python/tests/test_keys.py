"""Python key lookups (callables and mappings) as a key source, and chains."""

import json
import os

import pytest

import dkimarc
from conftest import SAMPLE, SAMPLE_AT


def jsonl_records():
    """{name: record text} from the sample's JSON Lines archive."""
    out = {}
    with open(os.path.join(SAMPLE, "keys.jsonl")) as f:
        for line in f:
            if line.strip():
                o = json.loads(line)
                out[o["name"]] = o["txt"]
    return out


def read(name):
    with open(os.path.join(SAMPLE, name), "rb") as f:
        return f.read()


def test_mapping_of_records_verifies_and_says_where_the_key_came_from():
    r = dkimarc.verify(read("confirmed-rsa.eml"), keys=jsonl_records(), at=SAMPLE_AT)
    assert r.verdict == "confirmed"
    assert r.signatures[0].key_source.startswith("python ")


def test_callable_gets_the_lower_case_query_name_and_keyrecord_provenance():
    recs = jsonl_records()
    asked = []

    def lookup(name):
        asked.append(name)
        return dkimarc.KeyRecord(txt=recs[name], source="newsroom key archive",
                                 first_seen=1700000000, dnssec=True)

    r = dkimarc.verify(read("confirmed-ed25519.eml"), keys=[lookup], at=SAMPLE_AT)
    assert r.verdict == "confirmed"
    assert asked == ["%s._domainkey.%s" % (r.signatures[0].selector, r.signatures[0].domain)]
    k = r.signatures[0].key_record
    assert (k.source, k.first_seen, k.dnssec) == ("newsroom key archive", 1700000000, True)
    assert k.last_seen is None


def test_lookup_that_finds_nothing_gives_unverifiable():
    r = dkimarc.verify(read("confirmed-rsa.eml"), keys=[lambda name: None], at=SAMPLE_AT)
    assert r.verdict == "unverifiable"
    assert r.signatures[0].reason == "key_not_found"


def test_lookup_that_raises_is_a_temporary_failure_never_a_pass():
    def broken(name):
        raise RuntimeError("database is down")

    r = dkimarc.verify(read("confirmed-rsa.eml"), keys=[broken], at=SAMPLE_AT)
    assert r.verdict == "unverifiable"
    s = r.signatures[0]
    assert (s.result, s.reason) == ("temperror", "dns_tempfail")
    assert "database is down" in s.reason_text


def test_chain_asks_sources_in_order():
    zone = os.path.join(SAMPLE, "keys.zone")
    revoked = {name: "v=DKIM1; p=" for name in jsonl_records()}
    # The mapping comes first and says every key is revoked: it wins.
    r = dkimarc.verify(read("confirmed-rsa.eml"), keys=[revoked, zone], at=SAMPLE_AT)
    assert r.signatures[0].reason == "key_revoked"
    # Archive first: the real key wins.
    r = dkimarc.verify(read("confirmed-rsa.eml"), keys=[zone, revoked], at=SAMPLE_AT)
    assert r.verdict == "confirmed"


def test_bad_return_type_is_a_tempfail():
    r = dkimarc.verify(read("confirmed-rsa.eml"), keys=[lambda name: 42], at=SAMPLE_AT)
    assert r.signatures[0].result == "temperror"
    assert "TypeError" in r.signatures[0].reason_text


def test_no_keys_at_all_is_unverifiable():
    assert dkimarc.verify(read("confirmed-rsa.eml"), at=SAMPLE_AT).verdict == "unverifiable"


def test_a_key_recovered_from_the_corpus_gives_consistent_never_confirmed(tmp_path):
    """docs/verdicts.md: a record "source":"recovered" alone is not the domain's word."""
    recs = jsonl_records()
    name = "mail2024._domainkey.example.com"
    rec = tmp_path / "recovered.jsonl"
    rec.write_text(json.dumps({"name": name, "txt": recs[name], "source": "recovered",
                               "signatures": 4}) + "\n")
    r = dkimarc.verify(read("confirmed-rsa.eml"), keys=[str(rec)], at=SAMPLE_AT)
    assert r.verdict == "consistent" and not r.confirmed
    assert "consistent" in dkimarc.VERDICTS and "consistent" not in dkimarc.CONFIRMED
    s = r.signatures[0]
    assert (s.result, s.reason, r.verdict_code) == ("neutral", "key_recovered", "key_recovered")
    assert s.key_record.source == "recovered"
    assert ("the signature verifies with a key recovered from 4 other signatures in this "
            "corpus; no archive or DNS record ties that key to example.com") in r.verdict_reason
    # A source of the domain's own holding the same key, asked after the archive, anchors it.
    r = dkimarc.verify(read("confirmed-rsa.eml"), keys=[str(rec), {name: recs[name]}],
                       at=SAMPLE_AT)
    assert r.verdict == "confirmed"
    assert r.signatures[0].key_source.startswith("python ")
    assert "recovered.jsonl:1" in r.signatures[0].key_choice


def test_vector_dns_txt_is_read_only_when_given_as_vector_keys(tmp_path):
    recs = jsonl_records()
    path = tmp_path / "dns.txt"
    path.write_text("".join("%s\tTXT\t%s\n" % (n, t) for n, t in recs.items()) +
                    "gone._domainkey.example.com\tSERVFAIL\n")
    # A plain path: refused, never misread as another format.
    with pytest.raises(dkimarc.FormatError) as ei:
        dkimarc.Verifier(keys=[str(path)])
    assert "test-vector" in str(ei.value) and "--keys-vector" in str(ei.value)
    r = dkimarc.verify(read("confirmed-rsa.eml"), keys=dkimarc.VectorKeys(str(path)),
                       at=SAMPLE_AT)
    assert r.verdict == "confirmed"
    assert r.signatures[0].key_record.file == str(path)
    # Its SERVFAIL lines play out a DNS failure: a temporary error, never a pass.
    path.write_text("".join("%s\tSERVFAIL\n" % n for n in recs))
    r = dkimarc.verify(read("confirmed-rsa.eml"), keys=[dkimarc.VectorKeys(path)],
                       at=SAMPLE_AT)
    assert (r.signatures[0].result, r.signatures[0].reason) == ("temperror", "dns_tempfail")
    assert "SERVFAIL (from archive %s:" % path in r.signatures[0].reason_text
