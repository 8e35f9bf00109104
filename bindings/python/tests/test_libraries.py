"""The binding loads both libraries: libdkimarc (the core) and, beside it,
libdkimarc-corpus (the corpus reader, which alone links GMime)."""

import os

import pytest

import dkimarc
from dkimarc import _native


def test_corpus_library_is_loaded_beside_the_core():
    core = dkimarc.library_path()
    if os.sep not in core:
        pytest.skip("the core was found on the system's search path")
    assert dkimarc.corpus_library_path() == os.path.join(os.path.dirname(core),
                                                         _native.CORPUS_SONAME), \
        _native.lib.corpus_why
    assert dkimarc.HAVE_CORPUS


def test_corpus_functions_come_from_the_corpus_library():
    # The core does not have them: they are not looked up there by mistake.
    assert not hasattr(_native.lib.dll, "dkimarc_corpus_new")
    assert hasattr(_native.lib.dll, "dkimarc_verify")
    if dkimarc.HAVE_CORPUS:
        corpus = _native.ctypes.CDLL(dkimarc.corpus_library_path())
        assert hasattr(corpus, "dkimarc_corpus_new")


def test_text_the_library_hands_over_is_released_with_dkimarc_free():
    lib = _native.lib
    ctx, rep, text = _native.c_void_p(), _native.c_void_p(), _native.c_void_p()
    assert lib.ctx_new(_native.ctypes.byref(ctx)) == 0
    msg = b"From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n"
    assert lib.verify(ctx, msg, len(msg), _native.ctypes.byref(rep)) == 0
    assert lib.report_json(rep, b"m.eml", _native.ctypes.byref(text)) == 0
    assert b'"verdict":"unsigned"' in _native.ctypes.string_at(text)
    lib.free(text)
    lib.report_free(rep)
    lib.ctx_free(ctx)
