"""Verification: a Verifier holds one configured context; verify() and scan()."""

import collections.abc
import ctypes
import datetime
import errno
import fnmatch
import os
import stat

from ._errors import EFORMAT, EIO, ELIMIT, DkimarcError, ScanProblem, check, error_for
from ._native import (DNS_OPTIONS_VERSION, FREE_FN, KEYREC_VERSION, KEYSRC_OPS_VERSION,
                      LOOKUP_FN, DnsOptions, KeyRec, KeysrcOps, lib)
from ._report import KeyRecord, Report

#: Read size for files: large enough to be quick, small enough to keep memory flat.
CHUNK = 64 * 1024

#: Names accepted in ``limits=``, mapped to dkimarc_limit (docs/limits.md).
LIMITS = {
    "signatures": 0,
    "header_fields": 1,
    "field_bytes": 2,
    "header_bytes": 3,
    "message_bytes": 4,
    "arc_sets": 5,
}

#: Options accepted in ``dns={...}`` besides "servers" (struct dkimarc_dns_options, docs/dns.md).
DNS_OPTIONS = ("timeout_ms", "tries", "ttl_floor", "ttl_ceiling", "tempfail_ttl", "cache_max",
               "max_txt_bytes", "max_inflight", "max_parallel")

_LOOKUP_NOT_FOUND, _LOOKUP_TEMPFAIL = 1, 2
_MBOX_QUOTING = {"mboxrd": 0, "mboxo": 1, "none": 2}
_ITEM_MESSAGE = 0
# A message item that turns out, when read, to be a problem of the walk's kinds.
_READ_PROBLEM = {EFORMAT: "not_mail", EIO: "unreadable", ELIMIT: "too_large"}
_CORPUS_API = ("corpus_new", "corpus_add_path", "corpus_set_mbox_quoting",
               "corpus_set_follow_symlinks", "corpus_set_max_message_bytes", "corpus_next",
               "corpus_free", "item_kind_str", "corpus_item_kind", "corpus_item_path",
               "corpus_item_index", "corpus_item_offset", "corpus_item_problem",
               "corpus_item_note", "corpus_item_free", "corpus_item_verify")
#: True when the loaded library reads corpora itself (maildir, mbox); scan() then uses it.
HAVE_CORPUS = lib.has(*_CORPUS_API)
# Tests turn this off to exercise the Python walk on a library that has the corpus reader.
_prefer_corpus = True


def _use_corpus():
    return HAVE_CORPUS and _prefer_corpus


def _opt_int(v):
    return None if v < 0 else v


def parse_time(at):
    """Unix seconds from None (now: -1), an int, a datetime/date (naive = UTC) or a string
    ("2017-05-05T12:00:00Z", "2017-05-05", unix seconds)."""
    if at is None:
        return -1
    if isinstance(at, bool):
        raise TypeError("at must be a time, not a bool")
    if isinstance(at, (int, float)):
        if at < 0:
            raise ValueError("at must not be negative: %r" % (at,))
        return int(at)
    if isinstance(at, datetime.datetime):
        if at.tzinfo is None:
            at = at.replace(tzinfo=datetime.timezone.utc)
        return int(at.timestamp())
    if isinstance(at, datetime.date):
        return int(datetime.datetime(at.year, at.month, at.day,
                                     tzinfo=datetime.timezone.utc).timestamp())
    if isinstance(at, str):
        t = lib.parse_time(at.encode())
        if t < 0:
            raise ValueError("cannot read %r as a time: use 2017-05-05T12:00:00Z, 2017-05-05 "
                             "or unix seconds" % at)
        return t
    raise TypeError("at must be None, unix seconds, a datetime, a date or a string")


class _PythonKeys:
    """A Python callable as a key source (dkimarc_keysrc_new_custom).

    The callable gets the query name ("sel._domainkey.example.com") and returns
    None (no such key), a record string, a KeyRecord, or a list of these. If it
    raises, the lookup is a temporary failure: the signature comes out
    temperror, never pass. ctypes takes the GIL for each call back.
    """

    def __init__(self, fn, origin):
        self.fn = fn
        self.origin = origin.encode("utf-8", "replace")
        self.cb = LOOKUP_FN(self._lookup)  # kept alive as long as the source
        self.ops = KeysrcOps(KEYSRC_OPS_VERSION, self.cb, FREE_FN(), b"python")

    def _lookup(self, impl, name, ans):
        try:
            got = self.fn(name.decode("ascii", "replace"))
            if got is None:
                return 0
            if isinstance(got, (str, bytes, KeyRecord)):
                got = [got]
            for rec in got:
                rc = lib.answer_add(ans, ctypes.byref(self._keyrec(rec)))
                if rc:
                    return rc
            return 0
        except Exception as e:  # noqa: BLE001 - any failure is a tempfail, reported
            why = "key lookup %s raised %s: %s" % (self.origin.decode(), type(e).__name__, e)
            lib.answer_fail(ans, _LOOKUP_TEMPFAIL, why.encode("utf-8", "replace"))
            return 0

    def _keyrec(self, rec):
        if isinstance(rec, bytes):
            rec = KeyRecord(txt=rec.decode("latin-1"))
        elif isinstance(rec, str):
            rec = KeyRecord(txt=rec)
        elif not isinstance(rec, KeyRecord):
            raise TypeError("a key lookup must return None, str, bytes, KeyRecord or a list "
                            "of them, not %s" % type(rec).__name__)
        txt = rec.txt.encode("latin-1") if isinstance(rec.txt, str) else bytes(rec.txt)
        k = KeyRec(version=KEYREC_VERSION)
        # The library copies the record during answer_add: these buffers may go after.
        k._buf = ctypes.create_string_buffer(txt, len(txt) + 1)
        k.txt = ctypes.cast(k._buf, ctypes.POINTER(ctypes.c_char))
        k.txt_len = len(txt)
        k.origin = rec.origin.encode() if rec.origin else self.origin
        k.file = rec.file.encode() if rec.file else None
        k.line = rec.line or 0
        k.source = rec.source.encode() if rec.source else None
        k.first_seen = -1 if rec.first_seen is None else int(rec.first_seen)
        k.last_seen = -1 if rec.last_seen is None else int(rec.last_seen)
        k.fetched_at = -1 if rec.fetched_at is None else int(rec.fetched_at)
        k.dnssec = -1 if rec.dnssec is None else int(bool(rec.dnssec))
        return k


def _out():
    return ctypes.c_void_p()


class VectorKeys:
    """A test vector's tab-separated dns.txt, to give in keys= (docs/keys.md).

    Its lines can make lookups answer NXDOMAIN, SERVFAIL or TIMEOUT as DNS
    would, so a plain path in keys= refuses such a file (FormatError): wrap
    the path in VectorKeys to load it as a test vector.
    """

    __slots__ = ("path",)

    def __init__(self, path):
        if not isinstance(path, (str, bytes, os.PathLike)):
            raise TypeError("VectorKeys takes a path, not %s" % type(path).__name__)
        self.path = path

    def __repr__(self):
        return "VectorKeys(%r)" % (self.path,)


class Verifier:
    """A configured verification context, to verify many messages with.

    keys: key archive paths (zone file, OpenDKIM key file, JSON Lines,
        zk-email JSON; a test vector's dns.txt as VectorKeys(path); all
        loaded into one archive), and/or Python key lookups: a
        callable ``lookup(name) -> None | str | KeyRecord | list`` or a
        mapping from name to record(s). Asked in the order given; the archive
        takes the place of the first path.
    dns: also ask live DNS, after the keys given: True (the resolvers of
        /etc/resolv.conf), a server "192.0.2.53" or "127.0.0.1:5353", a list
        of servers, or a dict with "servers" and DNS_OPTIONS (docs/dns.md).
    strict: RFC-strict policy (rsa-sha1 gives policy, an expired x= fails).
    at: judge x= and timestamps as of this time (see parse_time); None = now.
    limits: {name: value} for LIMITS (docs/limits.md).

    A Verifier is immutable once made, and any number of threads may verify
    with it at once: the GIL is released while the library works. close() it
    (or use ``with``) when done; not while another thread still uses it.
    """

    def __init__(self, keys=(), dns=False, strict=False, at=None, limits=None):
        self._ctx = None
        self._keep = []  # Python key sources, alive as long as the context
        if isinstance(keys, (str, bytes, os.PathLike, VectorKeys)) or callable(keys) or \
                isinstance(keys, collections.abc.Mapping):
            keys = [keys]
        at = parse_time(at)
        ctx = _out()
        check(lib.ctx_new(ctypes.byref(ctx)), "dkimarc_ctx_new")
        try:
            check(lib.ctx_set_strict(ctx, 1 if strict else 0), "dkimarc_ctx_set_strict")
            check(lib.ctx_set_time(ctx, at), "dkimarc_ctx_set_time")
            for name, value in (limits or {}).items():
                if name not in LIMITS:
                    raise ValueError("unknown limit %r; known: %s" % (name, ", ".join(LIMITS)))
                if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                    raise ValueError("limit %s must be a positive integer" % name)
                check(lib.ctx_set_limit(ctx, LIMITS[name], value), "dkimarc_ctx_set_limit")
            self._set_keys(ctx, list(keys), dns)
        except BaseException:
            lib.ctx_free(ctx)
            raise
        self._ctx = ctx
        self.strict, self.at, self.dns = bool(strict), at, dns is not False and dns is not None

    def _set_keys(self, ctx, keys, dns):
        srcs = []  # owned here until handed to the chain or the context
        try:
            archive = None
            for k in keys:
                if isinstance(k, collections.abc.Mapping):
                    k = _mapping_lookup(k)
                if callable(k):
                    py = _PythonKeys(k, getattr(k, "__qualname__", None) or repr(k))
                    src = _out()
                    check(lib.keysrc_new_custom(ctypes.byref(src), ctypes.byref(py.ops), None),
                          "dkimarc_keysrc_new_custom")
                    srcs.append(src)
                    self._keep.append(py)
                    continue
                if archive is None:
                    archive = _out()
                    check(lib.keysrc_archive_new(ctypes.byref(archive)),
                          "dkimarc_keysrc_archive_new")
                    srcs.append(archive)
                if isinstance(k, VectorKeys):
                    # A library older than the explicit call reads the format by itself.
                    if lib.has("keysrc_archive_load_vector"):
                        check(lib.keysrc_archive_load_vector(archive, os.fsencode(k.path)),
                              "dkimarc_keysrc_archive_load_vector")
                    else:
                        check(lib.keysrc_archive_load(archive, os.fsencode(k.path)),
                              "dkimarc_keysrc_archive_load")
                    continue
                check(lib.keysrc_archive_load(archive, os.fsencode(k)),
                      "dkimarc_keysrc_archive_load")
            if dns is not None and dns is not False:
                srcs.append(_dns_source(dns))
            if not srcs:
                return
            if len(srcs) == 1:
                src = srcs[0]
            else:
                arr = (ctypes.c_void_p * len(srcs))(*[s.value for s in srcs])
                src = _out()
                rc = lib.keysrc_chain_new(ctypes.byref(src), arr, len(srcs))
                srcs = []  # the chain took them, also on failure
                check(rc, "dkimarc_keysrc_chain_new")
                srcs = [src]
            rc = lib.ctx_set_keysrc(ctx, src)
            srcs = []  # the context took it, also on failure
            check(rc, "dkimarc_ctx_set_keysrc")
        finally:
            for s in srcs:
                lib.keysrc_free(s)

    def _need_ctx(self):
        if self._ctx is None:
            raise ValueError("this Verifier is closed")
        return self._ctx

    def verify(self, data, path=None):
        """Verifies one message given as bytes (exactly as stored) and returns its Report.

        The one-shot call: messages over the message_bytes limit (256 MiB by
        default) raise LimitExceeded; verify_file() streams instead.
        """
        if isinstance(data, str):
            raise TypeError("data must be the message's bytes, not str: encoding could change "
                            "the bytes that were signed")
        if not isinstance(data, bytes):
            data = bytes(data)
        out = _out()
        check(lib.verify(self._need_ctx(), data, len(data), ctypes.byref(out)),
              "dkimarc_verify")
        try:
            return Report._from_c(out, path)
        finally:
            lib.report_free(out)

    def verify_file(self, path, mbox_quoting="mboxrd"):
        """Verifies the message(s) stored in a file, read as scan() reads it (docs/scan.md).

        A message file gives its Report. An mbox gives a list of Reports, one per
        message in order, each with its ``index`` (0-based, as scan() numbers
        them) and ``offset``. A file that is not a message to verify (empty, no
        header on its first line, binary, a key archive), or a part of an mbox
        that is not a message, raises ScanProblem with scan()'s kind ("empty",
        "not_mail", "mbox_malformed", ...). Messages are streamed (memory stays
        flat); mbox_quoting as for scan().
        """
        ctx = self._need_ctx()
        fspath = os.fspath(path)
        if not _use_corpus():
            return self._verify_stream(ctx, fspath)
        if mbox_quoting not in _MBOX_QUOTING:
            raise ValueError("mbox_quoting must be one of %s" % ", ".join(_MBOX_QUOTING))
        # What cannot be opened raises OSError, as before; a FIFO or device is the
        # corpus reader's "unreadable" (it never reads one, so never hangs).
        st = os.stat(fspath)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, "a folder, not a message file: use scan()",
                                    fspath)
        if stat.S_ISREG(st.st_mode):
            os.close(os.open(fspath, os.O_RDONLY))
        # Streams need no size limit: the largest the library takes.
        items = self._scan_corpus([fspath], None, mbox_quoting, False, 2 ** 64 - 1)
        reports = []
        mbox = False
        for item in items:
            if isinstance(item, ScanProblem):
                items.close()
                raise item
            mbox = mbox or item.index is not None
            reports.append(item)
        if not mbox and len(reports) == 1:
            return reports[0]
        return reports

    def _verify_stream(self, ctx, fspath):
        """The whole file as one message (a library without the corpus reader)."""
        with open(fspath, "rb") as f:
            v = _out()
            check(lib.verifier_new(ctx, ctypes.byref(v)), "dkimarc_verifier_new")
            try:
                while True:
                    chunk = f.read(CHUNK)
                    if not chunk:
                        break
                    check(lib.verifier_write(v, chunk, len(chunk)), "dkimarc_verifier_write")
                out = _out()
                check(lib.verifier_finish(v, ctypes.byref(out)), "dkimarc_verifier_finish")
            finally:
                lib.verifier_free(v)
        try:
            return Report._from_c(out, os.fsdecode(fspath))
        finally:
            lib.report_free(out)

    def scan(self, paths, on_error="yield", pattern=None, mbox_quoting="mboxrd",
             follow_symlinks=False, max_message_bytes=None):
        """Yields a Report for every message under paths, in a stable order.

        paths: a file, folder, maildir or mbox, or a list of them. Folders are
        walked recursively, entries sorted by name; an mbox gives one report
        per message (``index``, ``offset``). With a library that has the
        corpus reader (docs/scan.md) the kind of each path is recognised from
        its content; otherwise every file is taken as one message.
        on_error: what to do with a file that cannot be verified (unreadable,
        too large, not mail, ...; see ScanProblem): "yield" (default: yield
        the ScanProblem among the reports and go on, as `dkimarc scan` does;
        tell them apart by ``item.problem``), "skip", "raise" (raise it,
        which ends the scan), or a callable on_error(path, problem) called
        before going on.
        pattern: only files whose name matches this glob ("*.eml").
        mbox_quoting: "mboxrd" (default), "mboxo" or "none".
        follow_symlinks: follow symlinks that lead out of a folder given.
        max_message_bytes: larger messages are problems (default 256 MiB).
        """
        if on_error not in ("raise", "skip", "yield") and not callable(on_error):
            raise ValueError('on_error must be "raise", "skip", "yield" or a callable')
        if mbox_quoting not in _MBOX_QUOTING:
            raise ValueError("mbox_quoting must be one of %s" % ", ".join(_MBOX_QUOTING))
        if isinstance(paths, (str, bytes, os.PathLike)):
            paths = [paths]
        paths = [os.fspath(p) for p in paths]
        if _use_corpus():
            items = self._scan_corpus(paths, pattern, mbox_quoting, follow_symlinks,
                                      max_message_bytes)
        else:
            items = self._scan_walk(paths, pattern, max_message_bytes)
        for item in items:
            if isinstance(item, Report):
                yield item
            elif on_error == "raise":
                raise item
            elif on_error == "yield":
                yield item
            elif on_error != "skip":
                on_error(item.path, item)

    def _scan_corpus(self, paths, pattern, quoting, follow, max_bytes):
        ctx = self._need_ctx()
        c = _out()
        check(lib.corpus_new(ctypes.byref(c)), "dkimarc_corpus_new")
        try:
            check(lib.corpus_set_mbox_quoting(c, _MBOX_QUOTING[quoting]),
                  "dkimarc_corpus_set_mbox_quoting")
            check(lib.corpus_set_follow_symlinks(c, 1 if follow else 0),
                  "dkimarc_corpus_set_follow_symlinks")
            if max_bytes is not None:
                check(lib.corpus_set_max_message_bytes(c, max_bytes),
                      "dkimarc_corpus_set_max_message_bytes")
            for p in paths:
                check(lib.corpus_add_path(c, os.fsencode(p)), "dkimarc_corpus_add_path")
            while True:
                it = _out()
                check(lib.corpus_next(c, ctypes.byref(it)), "dkimarc_corpus_next")
                if not it.value:
                    return
                try:
                    item = self._corpus_item(ctx, it, pattern)
                finally:
                    lib.corpus_item_free(it)
                if item is not None:
                    yield item
        finally:
            lib.corpus_free(c)

    @staticmethod
    def _corpus_item(ctx, it, pattern):
        path = os.fsdecode(lib.corpus_item_path(it) or b"")
        if pattern and not fnmatch.fnmatchcase(os.path.basename(path), pattern):
            return None
        index = _opt_int(lib.corpus_item_index(it))
        offset = _opt_int(lib.corpus_item_offset(it))
        note = lib.corpus_item_note(it)
        note = note.decode("utf-8", "replace") if note is not None else None
        kind = lib.corpus_item_kind(it)
        if kind != _ITEM_MESSAGE:
            text = (lib.corpus_item_problem(it) or b"").decode("utf-8", "replace")
            return ScanProblem(path, lib.item_kind_str(kind).decode(), text, index, offset)
        out = _out()
        rc = lib.corpus_item_verify(ctx, it, ctypes.byref(out))
        if rc:
            # What reading the message found, as the walk names it (docs/scan.md).
            e = error_for(rc, "dkimarc_corpus_item_verify")
            kind = _READ_PROBLEM.get(rc, "error")
            return ScanProblem(path, kind, e.message, index, offset, cause=e)
        try:
            return Report._from_c(out, path, index, offset, note)
        finally:
            lib.report_free(out)

    def _scan_walk(self, paths, pattern, max_bytes):
        problems = []

        def walk_error(e):
            problems.append(ScanProblem(e.filename, "unreadable", e.strerror or str(e)))

        for p in paths:
            if os.path.isdir(p):
                files = []
                for root, dirs, names in os.walk(p, onerror=walk_error):
                    dirs.sort()
                    files += [os.path.join(root, n) for n in sorted(names)]
            else:
                files = [p]
            yield from problems
            problems.clear()
            for f in files:
                if pattern and not fnmatch.fnmatchcase(os.path.basename(f), pattern):
                    continue
                try:
                    if max_bytes is not None and os.path.getsize(f) > max_bytes:
                        yield ScanProblem(f, "too_large", "larger than %d bytes" % max_bytes)
                        continue
                    yield self.verify_file(f)
                except OSError as e:
                    yield ScanProblem(f, "unreadable", e.strerror or str(e))
                except DkimarcError as e:
                    yield ScanProblem(f, "error", e.message, cause=e)

    def close(self):
        """Frees the context; the Verifier cannot verify afterwards."""
        if self._ctx is not None:
            lib.ctx_free(self._ctx)
            self._ctx = None
            self._keep = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown: the library may be gone
            pass

    def __repr__(self):
        return "<dkimarc.Verifier strict=%s at=%s dns=%s%s>" % (
            self.strict, self.at, self.dns, " closed" if self._ctx is None else "")


def _mapping_lookup(m):
    def lookup(name):
        return m.get(name)
    lookup.__qualname__ = "mapping"
    return lookup


def _dns_source(dns):
    if not lib.has("keysrc_dns_new", "dns_options_init"):
        raise NotImplementedError("the loaded libdkimarc (%s) has no live DNS key source"
                                  % lib.path)
    if isinstance(dns, str):
        dns = {"servers": [dns]}
    elif isinstance(dns, (list, tuple)):
        dns = {"servers": list(dns)}
    elif dns is True:
        dns = {}
    elif not isinstance(dns, collections.abc.Mapping):
        raise TypeError("dns must be True, a server, a list of servers or a dict of options")
    # The version says which layout this binding knows: a newer library fills no more,
    # and gives what the binding does not know its defaults.
    opts = DnsOptions()
    check(lib.dns_options_init(ctypes.byref(opts), DNS_OPTIONS_VERSION),
          "dkimarc_dns_options_init")
    keep = None
    for name, value in dns.items():
        if name == "servers":
            if isinstance(value, str):
                value = [value]
            keep = (ctypes.c_char_p * len(value))(*[v.encode() for v in value])
            opts.servers, opts.nservers = keep, len(value)
        elif name in DNS_OPTIONS:
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError("dns option %s must be a non-negative integer" % name)
            setattr(opts, name, value)
        else:
            raise ValueError("unknown dns option %r; known: servers, %s"
                             % (name, ", ".join(DNS_OPTIONS)))
    src = _out()
    check(lib.keysrc_dns_new(ctypes.byref(src), ctypes.byref(opts)), "dkimarc_keysrc_dns_new")
    del keep  # the library copied the server strings
    return src


def verify(data, keys=(), dns=False, strict=False, at=None, limits=None):
    """Verifies one message (bytes, exactly as stored) and returns its Report.

    Same options as Verifier; to verify many messages, make one Verifier
    (keys are loaded once) or use scan().
    """
    with Verifier(keys, dns=dns, strict=strict, at=at, limits=limits) as v:
        return v.verify(data)


def verify_file(path, keys=(), dns=False, strict=False, at=None, limits=None,
                mbox_quoting="mboxrd"):
    """Verifies the message(s) stored in a file: a Report, or a list of Reports for an
    mbox; see Verifier.verify_file() and verify()."""
    with Verifier(keys, dns=dns, strict=strict, at=at, limits=limits) as v:
        return v.verify_file(path, mbox_quoting)


def scan(paths, keys=(), dns=False, strict=False, at=None, limits=None, **scan_options):
    """Yields a Report per message under paths, with one Verifier for them all.

    scan_options: on_error, pattern, mbox_quoting, follow_symlinks,
    max_message_bytes; see Verifier.scan().
    """
    with Verifier(keys, dns=dns, strict=strict, at=at, limits=limits) as v:
        yield from v.scan(paths, **scan_options)
