#!/usr/bin/env bash
# Builds the libFuzzer targets and runs each briefly (CI): FUZZ_SECONDS per
# target (default 30), two at a time. Any crash, hang, leak or memory blow-up
# fails; its input is left in build-fuzz/artifacts/ and belongs in
# fuzz/regress/<target>/ once the bug is fixed (fuzz/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash fuzz/build.sh build-fuzz >/dev/null
targets=()
for f in build-fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	t=${f#build-fuzz/fuzz_}
	targets+=("$t")
done
bash fuzz/run.sh -t "${FUZZ_SECONDS:-30}" -j "${FUZZ_JOBS:-2}" -b build-fuzz "${targets[@]}"
