"""Reports as plain Python objects, read through the library's accessors.

Everything is copied out of the C report, which is then freed: the objects
here hold no C memory, pickle, compare, and turn into dicts with to_dict()
(the same keys as the JSON output, docs/json.md).
"""

import ctypes
import dataclasses
from dataclasses import dataclass
from typing import Optional, Tuple

from ._native import lib

#: Every verdict, best first (docs/verdicts.md).
VERDICTS = ("confirmed", "confirmed-third-party", "consistent", "weak", "altered",
            "unverifiable", "unsigned")
CONFIRMED = frozenset(("confirmed", "confirmed-third-party"))


def _s(b):
    return None if b is None else b.decode("utf-8", "replace")


def _opt(v):
    """-1 means absent in the C API."""
    return None if v == -1 else v


def flag_names(bits):
    """The names of the DKIMARC_FLAG_* bits set in bits, lowest bit first."""
    out = []
    for i in range(32):
        bit = 1 << i
        if bits & bit:
            name = lib.flag_str(bit)
            out.append(_s(name) if name is not None else "flag_%d" % i)
    return tuple(out)


@dataclass(frozen=True)
class KeyRecord:
    """A key record and its provenance (struct dkimarc_keyrec).

    Also accepted from a Python key lookup (see Verifier), where only ``txt``
    is required.
    """
    txt: str
    origin: Optional[str] = None
    file: Optional[str] = None
    line: Optional[int] = None
    source: Optional[str] = None
    first_seen: Optional[int] = None
    last_seen: Optional[int] = None
    fetched_at: Optional[int] = None
    dnssec: Optional[bool] = None

    @classmethod
    def _from_c(cls, p):
        if not p:
            return None
        k = p.contents
        return cls(
            txt=ctypes.string_at(k.txt, k.txt_len).decode("utf-8", "replace") if k.txt else "",
            origin=_s(k.origin), file=_s(k.file), line=k.line or None, source=_s(k.source),
            first_seen=_opt(k.first_seen), last_seen=_opt(k.last_seen),
            fetched_at=_opt(k.fetched_at),
            dnssec=None if k.dnssec < 0 else bool(k.dnssec))


@dataclass(frozen=True)
class Signature:
    """One signature's result and the facts behind it."""
    index: int
    result: str                 # RFC 8601 word: pass, fail, policy, permerror, ...
    reason: Optional[str]       # stable code: ok, body_hash_mismatch, ...; None if unchecked
    reason_text: Optional[str]  # the reason for people
    domain: Optional[str]       # d=
    selector: Optional[str]     # s=
    algorithm: Optional[str]    # a=
    canonicalization: Optional[str]
    auid: Optional[str]         # i=, decoded (=40 is @)
    key_bits: int               # 0 when no key was used
    key_source: Optional[str]   # where the key came from
    key_choice: Optional[str]   # why that record, among several
    key_record: Optional[KeyRecord]
    headers: Tuple[str, ...]    # h=, in order
    body_length: Optional[int]  # l=
    timestamp: Optional[int]    # t=, unix seconds
    expiration: Optional[int]   # x=, unix seconds
    body_bytes: int             # canonical body length seen by the hash
    aligned: bool               # d= aligned with the From domain
    flags: Tuple[str, ...]

    @property
    def passed(self):
        return self.result == "pass"

    @classmethod
    def _from_c(cls, s, index):
        result = _s(lib.result_str(lib.sig_result(s)))
        return cls(
            index=index,
            result=result,
            # An ARC signature left unchecked (result none) has no reason, as in the JSON.
            reason=None if result == "none" else _s(lib.reason_str(lib.sig_reason(s))),
            reason_text=_s(lib.sig_reason_text(s)),
            domain=_s(lib.sig_domain(s)),
            selector=_s(lib.sig_selector(s)),
            algorithm=_s(lib.sig_algorithm(s)),
            canonicalization=_s(lib.sig_canonicalization(s)),
            auid=_s(lib.sig_auid(s)),
            key_bits=lib.sig_key_bits(s),
            key_source=_s(lib.sig_key_source(s)),
            key_choice=_s(lib.sig_key_choice(s)),
            key_record=KeyRecord._from_c(lib.sig_key_record(s)),
            headers=tuple(_s(lib.sig_header(s, i)) for i in range(lib.sig_header_count(s))),
            body_length=_opt(lib.sig_body_length(s)),
            timestamp=_opt(lib.sig_timestamp(s)),
            expiration=_opt(lib.sig_expiration(s)),
            body_bytes=lib.sig_body_bytes(s),
            aligned=bool(lib.sig_aligned(s)),
            flags=flag_names(lib.sig_flags(s)))


@dataclass(frozen=True)
class ArcAar:
    """An ARC-Authentication-Results: who judged, and each method's result."""
    authserv_id: str
    results: Tuple[str, ...]    # "dkim=pass header.d=example.com", comments removed


@dataclass(frozen=True)
class ArcInstance:
    """One ARC set: the ARC-Seal, ARC-Message-Signature and ARC-Authentication-Results of an i=."""
    instance: int
    domain: Optional[str]       # the sealer (the seal's d=)
    selector: Optional[str]
    algorithm: Optional[str]
    cv: Optional[str]           # the seal's cv= as written
    seal: Optional[Signature]   # None when the set has no (or several) ARC-Seal
    ams: Optional[Signature]    # the ARC-Message-Signature, likewise
    aar: Optional[ArcAar]       # None when the set has no single readable AAR

    @classmethod
    def _from_c(cls, a):
        seal, ams = lib.arc_instance_seal(a), lib.arc_instance_ams(a)
        n = lib.arc_instance_number(a)
        authserv = _s(lib.arc_instance_authserv_id(a))
        return cls(
            instance=n,
            domain=_s(lib.arc_instance_domain(a)),
            selector=_s(lib.arc_instance_selector(a)),
            algorithm=_s(lib.arc_instance_algorithm(a)),
            cv=_s(lib.arc_instance_cv(a)),
            seal=Signature._from_c(seal, n) if seal else None,
            ams=Signature._from_c(ams, n) if ams else None,
            aar=None if authserv is None else ArcAar(
                authserv, tuple(_s(lib.arc_instance_aar_result(a, i))
                                for i in range(lib.arc_instance_aar_count(a)))))


@dataclass(frozen=True)
class Arc:
    """The message's Authenticated Received Chain (RFC 8617)."""
    result: str                 # none, pass, fail
    reason: str
    reason_text: Optional[str]
    oldest_pass: Optional[int]  # on a pass: lowest instance whose AMS still validates
    failed_instance: Optional[int]
    instances: Tuple[ArcInstance, ...]

    @classmethod
    def _from_c(cls, r):
        return cls(
            result=_s(lib.arc_result_str(lib.report_arc_result(r))),
            reason=_s(lib.arc_reason_str(lib.report_arc_reason(r))),
            reason_text=_s(lib.report_arc_reason_text(r)),
            oldest_pass=lib.report_arc_oldest_pass(r) or None,
            failed_instance=lib.report_arc_failed_instance(r) or None,
            instances=tuple(ArcInstance._from_c(lib.report_arc_instance(r, i))
                            for i in range(lib.report_arc_count(r))))


_ARC_API = ("arc_result_str", "arc_reason_str", "report_arc_result", "report_arc_reason",
            "report_arc_reason_text", "report_arc_oldest_pass", "report_arc_failed_instance",
            "report_arc_count", "report_arc_instance", "arc_instance_number",
            "arc_instance_domain", "arc_instance_selector", "arc_instance_algorithm",
            "arc_instance_cv", "arc_instance_seal", "arc_instance_ams",
            "arc_instance_authserv_id", "arc_instance_aar_count", "arc_instance_aar_result")
HAVE_ARC = lib.has(*_ARC_API)


@dataclass(frozen=True)
class Report:
    """What one message amounts to.

    ``verdict`` is one of VERDICTS; ``signatures`` lists the DKIM-Signature
    fields top first; ``arc`` is the ARC chain (None when the loaded library
    has no ARC support); ``path`` is the file it was read from, if any, and
    ``index``/``offset`` its place in an mbox (``index`` counts from 1, as
    ``dkimarc scan`` and mail readers number mbox messages).
    """
    verdict: str
    verdict_code: str             # stable code: "ok", a signature's reason, or a message-level one
    verdict_reason: Optional[str]
    flags: Tuple[str, ...]
    unsigned_fields: Tuple[str, ...]  # display fields present once that no signature covers
    from_domain: Optional[str]
    time: int                   # unix time the message was judged at
    date: Optional[int]         # the Date field, unix time; None when absent or unreadable
    signatures: Tuple[Signature, ...]
    arc: Optional[Arc] = None
    path: Optional[str] = None
    index: Optional[int] = None   # number in its mbox, from 1 (scan), else None
    offset: Optional[int] = None  # byte offset of its "From " line in the mbox
    note: Optional[str] = None    # a remark from the corpus reader, e.g. on mbox quoting

    @property
    def confirmed(self):
        """True for confirmed and confirmed-third-party (the CLI's exit status 0)."""
        return self.verdict in CONFIRMED

    @property
    def problem(self):
        """None: a report is a message verified (a ScanProblem has the problem's code)."""
        return None

    def to_dict(self):
        """A plain dict (lists, not tuples), keyed as in docs/json.md."""
        def conv(v):
            if isinstance(v, tuple):
                return [conv(x) for x in v]
            if isinstance(v, dict):
                return {k: conv(x) for k, x in v.items()}
            return v
        return conv(dataclasses.asdict(self))

    @classmethod
    def _from_c(cls, r, path=None, index=None, offset=None, note=None):
        return cls(
            verdict=_s(lib.verdict_str(lib.report_verdict(r))),
            verdict_code=_s(lib.reason_str(lib.report_verdict_code(r))),
            verdict_reason=_s(lib.report_verdict_reason(r)),
            flags=flag_names(lib.report_flags(r)),
            unsigned_fields=tuple(_s(lib.report_unsigned_field(r, i))
                                  for i in range(lib.report_unsigned_count(r))),
            from_domain=_s(lib.report_from_domain(r)),
            time=lib.report_time(r),
            date=_opt(lib.report_date(r)),
            signatures=tuple(Signature._from_c(lib.report_sig(r, i), i)
                             for i in range(lib.report_sig_count(r))),
            arc=Arc._from_c(r) if HAVE_ARC else None,
            path=path, index=index, offset=offset, note=note)
