"""Exceptions carrying the library's status and its per-thread message."""

from ._native import lib

OK = 0
ENOMEM, EINVAL, EIO, EFORMAT, ELIMIT, ESTATE, ECRYPTO = -1, -2, -3, -4, -5, -6, -7


class DkimarcError(Exception):
    """A library call failed (a failing *signature* is a result, never this).

    ``status`` is the negative DKIMARC_E* code, ``code`` its name ("EIO") and
    ``message`` the library's message for the call (dkimarc_last_error()),
    which names the file, line or limit at fault.
    """

    def __init__(self, status, message, call=None):
        self.status = status
        self.code = _NAMES.get(status, "E?")
        self.message = message
        self.call = call
        super().__init__(message)

    def __reduce__(self):  # picklable, e.g. across a process pool
        return (self.__class__, (self.status, self.message, self.call))


class OutOfMemory(DkimarcError, MemoryError):
    """DKIMARC_ENOMEM."""


class InvalidArgument(DkimarcError, ValueError):
    """DKIMARC_EINVAL."""


class ReadError(DkimarcError, OSError):
    """DKIMARC_EIO: a file (key archive, message) could not be read."""


class FormatError(DkimarcError, ValueError):
    """DKIMARC_EFORMAT: a malformed key archive line (the message names file and line),
    or a file named as a message (.eml, maildir) that does not begin like one."""


class LimitExceeded(DkimarcError):
    """DKIMARC_ELIMIT: a configured limit was exceeded (see docs/limits.md)."""


class StateError(DkimarcError):
    """DKIMARC_ESTATE: a call not valid in the object's state."""


class CryptoError(DkimarcError):
    """DKIMARC_ECRYPTO: the crypto library failed unexpectedly."""


_NAMES = {ENOMEM: "ENOMEM", EINVAL: "EINVAL", EIO: "EIO", EFORMAT: "EFORMAT",
          ELIMIT: "ELIMIT", ESTATE: "ESTATE", ECRYPTO: "ECRYPTO"}
_CLASSES = {ENOMEM: OutOfMemory, EINVAL: InvalidArgument, EIO: ReadError,
            EFORMAT: FormatError, ELIMIT: LimitExceeded, ESTATE: StateError,
            ECRYPTO: CryptoError}


def error_for(status, call=None):
    """The exception for a failed call; read at once, on the calling thread."""
    msg = (lib.last_error() or b"").decode("utf-8", "replace")
    if not msg:
        msg = lib.strerror(status).decode()
    return _CLASSES.get(status, DkimarcError)(status, msg, call)


def check(status, call=None):
    """Raises the matching DkimarcError unless status is DKIMARC_OK."""
    if status != OK:
        raise error_for(status, call)


class ScanProblem(Exception):
    """A file or mbox part that scan() found but could not verify.

    ``kind`` is a stable name: "unreadable", "too_large", "mbox_malformed",
    "empty", "not_mail", "skipped" (docs/scan.md), or "error" when the
    library failed on a message (``cause`` is then the DkimarcError);
    ``text`` says what and why; ``path``, and for an mbox message ``index``
    and ``offset``, say where.

    scan() yields it among the reports and goes on, as ``dkimarc scan``
    does, so it reads like a report where both meet: ``problem`` is its
    kind (None on a Report), ``verdict`` is None, ``confirmed`` False,
    and to_dict() has the keys of the scan's JSON line for a problem.
    """

    verdict = None
    confirmed = False

    @property
    def problem(self):
        return self.kind

    def to_dict(self):
        """A plain dict keyed as `dkimarc scan --json` writes a problem (docs/scan.md)."""
        return {"file": self.path, "index": self.index, "offset": self.offset,
                "problem": self.kind, "problem_text": self.text}

    def __init__(self, path, kind, text, index=None, offset=None, cause=None):
        self.path, self.kind, self.text = path, kind, text
        self.index, self.offset, self.cause = index, offset, cause
        where = path if index is None else "%s#%d" % (path, index)  # as dkimarc scan names it
        super().__init__("%s: %s: %s" % (where, kind, text))

    def __reduce__(self):
        return (self.__class__,
                (self.path, self.kind, self.text, self.index, self.offset, self.cause))
