"""dkimarc: is this email authentic? DKIM (and ARC) verification for Python.

A binding, through ctypes, of libdkimarc: the same verifier, verdicts and
reasons as the ``dkimarc`` command. See docs/python.md.

    >>> import dkimarc
    >>> r = dkimarc.verify(open("mail.eml", "rb").read(), keys=["keys.zone"])
    >>> r.verdict, r.signatures[0].domain
    ('confirmed', 'example.com')

The GIL is released while the library verifies, so threads verify in
parallel; reports are plain, immutable Python objects.
"""

from ._errors import (CryptoError, DkimarcError, FormatError, InvalidArgument, LimitExceeded,
                      OutOfMemory, ReadError, ScanProblem, StateError)
from ._native import ABI_MAJOR, LibraryNotFound, lib as _lib
from ._report import (CONFIRMED, HAVE_ARC, VERDICTS, Arc, ArcAar, ArcInstance, KeyRecord,
                      Report, Signature)
from ._verifier import (HAVE_CORPUS, LIMITS, Verifier, VectorKeys, parse_time, scan, verify,
                        verify_file)

__version__ = "0.1.0"

__all__ = [
    "verify", "verify_file", "scan", "Verifier", "VectorKeys", "Report", "Signature",
    "KeyRecord", "Arc", "ArcInstance", "ArcAar", "VERDICTS", "CONFIRMED", "LIMITS", "HAVE_ARC",
    "DkimarcError", "OutOfMemory", "InvalidArgument", "ReadError", "FormatError",
    "LimitExceeded", "StateError", "CryptoError", "ScanProblem", "LibraryNotFound",
    "library_version", "library_path", "corpus_library_path", "parse_time", "HAVE_CORPUS",
    "ABI_MAJOR",
]


def library_version():
    """Version of the loaded libdkimarc (dkimarc_version())."""
    return _lib.version().decode()


def library_path():
    """The file libdkimarc was loaded from."""
    return _lib.path


def corpus_library_path():
    """The file libdkimarc-corpus (the corpus reader scan() uses) was loaded from, or None
    when it could not be loaded (scan() then walks folders in Python)."""
    return _lib.corpus_path
