"""Finds libdkimarc and declares, for ctypes, the C functions the binding calls.

ctypes.CDLL releases the GIL for the duration of every foreign call, so
verifications running in several Python threads run in parallel in C. The
library's context is immutable once set up and safe to share between threads;
reports are copied into Python objects and freed before a call returns.

The library is looked for, in order:

1. the file named by the environment variable DKIMARC_LIBRARY (and only there,
   when it is set);
2. the build directory of a source checkout (<repo>/build), when the package
   is imported from bindings/python;
3. the library directory of the prefix the package was installed into;
4. the system's search path (ldconfig, LD_LIBRARY_PATH).

The corpus reader (folders, maildirs, mbox: scan()) is a library of its own,
libdkimarc-corpus, loaded after the core: from DKIMARC_CORPUS_LIBRARY when it
is set, else beside the core library, else from the system's search path.
Without it the binding still verifies, and scan() walks folders in Python.
"""

import ctypes
import ctypes.util
import os

SONAME = "libdkimarc.so.0"
CORPUS_SONAME = "libdkimarc-corpus.so.0"
#: The ABI this binding was written for: the SONAME's number (docs/abi.md).
ABI_MAJOR = 0


class LibraryNotFound(ImportError):
    """libdkimarc could not be loaded, or is not the ABI this binding expects."""


def _candidates():
    env = os.environ.get("DKIMARC_LIBRARY")
    if env:
        yield env
        return
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.normpath(os.path.join(here, "..", "..", ".."))
    yield os.path.join(repo, "build", SONAME)
    try:
        from . import _installed  # written by cmake --install

        yield os.path.normpath(os.path.join(here, _installed.LIBDIR_FROM_PACKAGE, SONAME))
    except ImportError:
        pass
    yield SONAME
    found = ctypes.util.find_library("dkimarc")
    if found:
        yield found


def _corpus_candidates(core_path):
    env = os.environ.get("DKIMARC_CORPUS_LIBRARY")
    if env:
        yield env
        return
    if os.sep in core_path:
        yield os.path.join(os.path.dirname(core_path), CORPUS_SONAME)
    yield CORPUS_SONAME


def _load_corpus(core_path):
    """The corpus library, or (None, why not)."""
    tried = []
    for cand in _corpus_candidates(core_path):
        if os.sep in cand and not os.path.exists(cand):
            tried.append("%s (no such file)" % cand)
            continue
        try:
            return ctypes.CDLL(cand), None
        except OSError as e:
            tried.append("%s (%s)" % (cand, e))
    return None, "cannot load libdkimarc-corpus; tried: " + "; ".join(tried)


def _load():
    tried = []
    for cand in _candidates():
        if os.sep in cand and not os.path.exists(cand):
            tried.append("%s (no such file)" % cand)
            continue
        try:
            return ctypes.CDLL(cand)
        except OSError as e:
            tried.append("%s (%s)" % (cand, e))
    raise LibraryNotFound("cannot load libdkimarc; tried: " + "; ".join(tried)
                          + ". Set DKIMARC_LIBRARY to the path of " + SONAME + ".")


c_int, c_uint, c_int64, c_uint32, c_uint64 = (ctypes.c_int, ctypes.c_uint, ctypes.c_int64,
                                              ctypes.c_uint32, ctypes.c_uint64)
c_size_t, c_char_p, c_void_p = ctypes.c_size_t, ctypes.c_char_p, ctypes.c_void_p
c_ulong = ctypes.c_ulong
P = ctypes.POINTER


# The layouts of the versioned structures below (the header's *_VERSION macros):
# the library reads no more of a structure than its version holds.
KEYREC_VERSION = 1
KEYSRC_OPS_VERSION = 1
DNS_OPTIONS_VERSION = 1


class KeyRec(ctypes.Structure):
    """struct dkimarc_keyrec."""
    _fields_ = [
        ("version", c_uint),
        ("txt", P(ctypes.c_char)),
        ("txt_len", c_size_t),
        ("origin", c_char_p),
        ("file", c_char_p),
        ("line", c_ulong),
        ("source", c_char_p),
        ("first_seen", c_int64),
        ("last_seen", c_int64),
        ("fetched_at", c_int64),
        ("dnssec", c_int),
    ]


LOOKUP_FN = ctypes.CFUNCTYPE(c_int, c_void_p, c_char_p, c_void_p)
FREE_FN = ctypes.CFUNCTYPE(None, c_void_p)


class KeysrcOps(ctypes.Structure):
    """struct dkimarc_keysrc_ops."""
    _fields_ = [("version", c_uint), ("lookup", LOOKUP_FN), ("free", FREE_FN),
                ("kind", c_char_p)]


class DnsOptions(ctypes.Structure):
    """struct dkimarc_dns_options."""
    _fields_ = [
        ("version", c_uint),
        ("servers", P(c_char_p)),
        ("nservers", c_size_t),
        ("timeout_ms", c_uint),
        ("tries", c_uint),
        ("ttl_floor", ctypes.c_uint32),
        ("ttl_ceiling", ctypes.c_uint32),
        ("tempfail_ttl", ctypes.c_uint32),
        ("cache_max", c_size_t),
        ("max_txt_bytes", c_size_t),
        ("max_inflight", c_size_t),
        ("max_parallel", c_size_t),
    ]


# Opaque objects travel as c_void_p; out-parameters as POINTER(c_void_p).
_PROTOTYPES = {
    "dkimarc_version": (c_char_p, []),
    "dkimarc_strerror": (c_char_p, [c_int]),
    "dkimarc_last_error": (c_char_p, []),
    "dkimarc_free": (None, [c_void_p]),  # text the library hands over (report_json, ...)
    "dkimarc_parse_time": (c_int64, [c_char_p]),
    # key sources
    "dkimarc_answer_add": (c_int, [c_void_p, P(KeyRec)]),
    "dkimarc_answer_fail": (c_int, [c_void_p, c_int, c_char_p]),
    "dkimarc_keysrc_new_custom": (c_int, [P(c_void_p), P(KeysrcOps), c_void_p]),
    "dkimarc_keysrc_archive_new": (c_int, [P(c_void_p)]),
    "dkimarc_keysrc_archive_load": (c_int, [c_void_p, c_char_p]),
    "dkimarc_keysrc_archive_load_mem": (c_int, [c_void_p, c_char_p, c_char_p, c_size_t]),
    "dkimarc_keysrc_archive_count": (c_size_t, [c_void_p]),
    "dkimarc_keysrc_chain_new": (c_int, [P(c_void_p), P(c_void_p), c_size_t]),
    "dkimarc_keysrc_free": (None, [c_void_p]),
    # context
    "dkimarc_ctx_new": (c_int, [P(c_void_p)]),
    "dkimarc_ctx_set_strict": (c_int, [c_void_p, c_int]),
    "dkimarc_ctx_set_time": (c_int, [c_void_p, c_int64]),
    "dkimarc_ctx_set_limit": (c_int, [c_void_p, c_int, c_uint64]),
    "dkimarc_ctx_limit": (c_uint64, [c_void_p, c_int]),
    "dkimarc_ctx_set_keysrc": (c_int, [c_void_p, c_void_p]),
    "dkimarc_ctx_free": (None, [c_void_p]),
    # names of codes
    "dkimarc_result_str": (c_char_p, [c_int]),
    "dkimarc_reason_str": (c_char_p, [c_int]),
    "dkimarc_verdict_str": (c_char_p, [c_int]),
    "dkimarc_flag_str": (c_char_p, [c_uint32]),
    # reports
    "dkimarc_report_verdict": (c_int, [c_void_p]),
    "dkimarc_report_verdict_code": (c_int, [c_void_p]),
    "dkimarc_report_unsigned_count": (c_size_t, [c_void_p]),
    "dkimarc_report_unsigned_field": (c_char_p, [c_void_p, c_size_t]),
    "dkimarc_report_verdict_reason": (c_char_p, [c_void_p]),
    "dkimarc_report_flags": (c_uint32, [c_void_p]),
    "dkimarc_report_from_domain": (c_char_p, [c_void_p]),
    "dkimarc_report_sig_count": (c_size_t, [c_void_p]),
    "dkimarc_report_sig": (c_void_p, [c_void_p, c_size_t]),
    "dkimarc_report_time": (c_int64, [c_void_p]),
    "dkimarc_report_date": (c_int64, [c_void_p]),
    "dkimarc_report_json": (c_int, [c_void_p, c_char_p, P(c_void_p)]),
    "dkimarc_report_text": (c_int, [c_void_p, c_char_p, P(c_void_p)]),
    "dkimarc_report_free": (None, [c_void_p]),
    # signatures
    "dkimarc_sig_result": (c_int, [c_void_p]),
    "dkimarc_sig_reason": (c_int, [c_void_p]),
    "dkimarc_sig_reason_text": (c_char_p, [c_void_p]),
    "dkimarc_sig_flags": (c_uint32, [c_void_p]),
    "dkimarc_sig_domain": (c_char_p, [c_void_p]),
    "dkimarc_sig_selector": (c_char_p, [c_void_p]),
    "dkimarc_sig_algorithm": (c_char_p, [c_void_p]),
    "dkimarc_sig_auid": (c_char_p, [c_void_p]),
    "dkimarc_sig_canonicalization": (c_char_p, [c_void_p]),
    "dkimarc_sig_key_bits": (c_uint, [c_void_p]),
    "dkimarc_sig_key_source": (c_char_p, [c_void_p]),
    "dkimarc_sig_key_choice": (c_char_p, [c_void_p]),
    "dkimarc_sig_key_record": (P(KeyRec), [c_void_p]),
    "dkimarc_sig_header_count": (c_size_t, [c_void_p]),
    "dkimarc_sig_header": (c_char_p, [c_void_p, c_size_t]),
    "dkimarc_sig_body_length": (c_int64, [c_void_p]),
    "dkimarc_sig_timestamp": (c_int64, [c_void_p]),
    "dkimarc_sig_expiration": (c_int64, [c_void_p]),
    "dkimarc_sig_body_bytes": (c_uint64, [c_void_p]),
    "dkimarc_sig_aligned": (c_int, [c_void_p]),
    # verification
    "dkimarc_verify": (c_int, [c_void_p, c_char_p, c_size_t, P(c_void_p)]),
    "dkimarc_verifier_new": (c_int, [c_void_p, P(c_void_p)]),
    "dkimarc_verifier_write": (c_int, [c_void_p, c_char_p, c_size_t]),
    "dkimarc_verifier_finish": (c_int, [c_void_p, P(c_void_p)]),
    "dkimarc_verifier_free": (None, [c_void_p]),
}

# Parts of the API that a library may not have yet (or a newer one only):
# the binding checks with has() and degrades (arc=None, dns refused).
_OPTIONAL = {
    # ARC (RFC 8617)
    "dkimarc_arc_result_str": (c_char_p, [c_int]),
    "dkimarc_arc_reason_str": (c_char_p, [c_int]),
    "dkimarc_report_arc_result": (c_int, [c_void_p]),
    "dkimarc_report_arc_reason": (c_int, [c_void_p]),
    "dkimarc_report_arc_reason_text": (c_char_p, [c_void_p]),
    "dkimarc_report_arc_oldest_pass": (c_uint, [c_void_p]),
    "dkimarc_report_arc_failed_instance": (c_uint, [c_void_p]),
    "dkimarc_report_arc_count": (c_size_t, [c_void_p]),
    "dkimarc_report_arc_instance": (c_void_p, [c_void_p, c_size_t]),
    "dkimarc_arc_instance_number": (c_uint, [c_void_p]),
    "dkimarc_arc_instance_domain": (c_char_p, [c_void_p]),
    "dkimarc_arc_instance_selector": (c_char_p, [c_void_p]),
    "dkimarc_arc_instance_algorithm": (c_char_p, [c_void_p]),
    "dkimarc_arc_instance_cv": (c_char_p, [c_void_p]),
    "dkimarc_arc_instance_seal": (c_void_p, [c_void_p]),
    "dkimarc_arc_instance_ams": (c_void_p, [c_void_p]),
    "dkimarc_arc_instance_authserv_id": (c_char_p, [c_void_p]),
    "dkimarc_arc_instance_aar_count": (c_size_t, [c_void_p]),
    "dkimarc_arc_instance_aar_result": (c_char_p, [c_void_p, c_size_t]),
    # the test vectors' tab-separated format, read only when asked for
    "dkimarc_keysrc_archive_load_vector": (c_int, [c_void_p, c_char_p]),
    # live DNS
    "dkimarc_dns_options_init": (c_int, [P(DnsOptions), c_uint]),
    "dkimarc_keysrc_dns_new": (c_int, [P(c_void_p), P(DnsOptions)]),
}

# libdkimarc-corpus: corpus reading (folders, maildir, mbox); optional too.
_CORPUS = {
    "dkimarc_corpus_new": (c_int, [P(c_void_p)]),
    "dkimarc_corpus_add_path": (c_int, [c_void_p, c_char_p]),
    "dkimarc_corpus_set_mbox_quoting": (c_int, [c_void_p, c_int]),
    "dkimarc_corpus_set_follow_symlinks": (c_int, [c_void_p, c_int]),
    "dkimarc_corpus_set_max_message_bytes": (c_int, [c_void_p, c_uint64]),
    "dkimarc_corpus_next": (c_int, [c_void_p, P(c_void_p)]),
    "dkimarc_corpus_free": (None, [c_void_p]),
    "dkimarc_item_kind_str": (c_char_p, [c_int]),
    "dkimarc_corpus_item_kind": (c_int, [c_void_p]),
    "dkimarc_corpus_item_path": (c_char_p, [c_void_p]),
    "dkimarc_corpus_item_index": (c_int64, [c_void_p]),
    "dkimarc_corpus_item_offset": (c_int64, [c_void_p]),
    "dkimarc_corpus_item_size": (c_uint64, [c_void_p]),
    "dkimarc_corpus_item_problem": (c_char_p, [c_void_p]),
    "dkimarc_corpus_item_note": (c_char_p, [c_void_p]),
    "dkimarc_corpus_item_free": (None, [c_void_p]),
    "dkimarc_corpus_item_verify": (c_int, [c_void_p, c_void_p, P(c_void_p)]),
}


class _Lib:
    """The loaded library with typed functions as attributes."""

    def __init__(self, dll, corpus_dll=None, corpus_why=None):
        self.dll = dll
        self.path = getattr(dll, "_name", "?")
        self.corpus_path = getattr(corpus_dll, "_name", None)
        #: Why the corpus library is not loaded (None when it is).
        self.corpus_why = corpus_why
        self._missing = set()
        for name, (res, args) in _PROTOTYPES.items():
            try:
                fn = getattr(dll, name)
            except AttributeError:
                raise LibraryNotFound("%s lacks %s: not the libdkimarc this binding expects"
                                      % (self.path, name)) from None
            fn.restype, fn.argtypes = res, args
            setattr(self, name[len("dkimarc_"):], fn)
        for name, (res, args) in _OPTIONAL.items():
            fn = getattr(dll, name, None)
            if fn is None:
                self._missing.add(name)
                continue
            fn.restype, fn.argtypes = res, args
            setattr(self, name[len("dkimarc_"):], fn)
        for name, (res, args) in _CORPUS.items():
            fn = getattr(corpus_dll, name, None) if corpus_dll is not None else None
            if fn is None:
                self._missing.add(name)
                continue
            fn.restype, fn.argtypes = res, args
            setattr(self, name[len("dkimarc_"):], fn)

    def has(self, *names):
        """True when the library has every optional dkimarc_<name> given."""
        return all(hasattr(self, n) for n in names)


def _open():
    dll = _load()
    lib = _Lib(dll, *_load_corpus(getattr(dll, "_name", "")))
    ver = lib.version().decode()
    major = ver.split(".")[0]
    if major != str(ABI_MAJOR):
        raise LibraryNotFound("%s is libdkimarc %s; this binding needs ABI %d"
                              % (lib.path, ver, ABI_MAJOR))
    return lib


lib = _open()
