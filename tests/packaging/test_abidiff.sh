#!/usr/bin/env bash
# The libraries' ABI against the released one, with abigail-tools (abidw,
# abidiff): scripts/abi.py check, whose baseline is abi/ (docs/abi.md). An
# unannounced break fails; additions pass.
set -u
: "${DKIMARC_LIB:?}" "${DKIMARC_CORPUS_LIB:?}" "${SRCDIR:?}"
exec /usr/bin/python3 "$SRCDIR/scripts/abi.py" check
