#!/usr/bin/env bash
# scripts/install-deps.sh in tiers: the README's first command (quickstart.sh)
# installs only what building and running need, the test command (test.sh)
# adds the test tools. Checks the tiers' contents against what CMake requires
# (the Debian package owning each required pkg-config file), that no test tool
# is in the build tier, which tier each script asks for, and, with fake dpkg-query
# and apt-get first on PATH, that an installed system is left alone quickly and a
# missing package is the only one installed. Ends with "N passed, M failed".
set -u
: "${SRCDIR:?set SRCDIR to the repository root}"
deps="$SRCDIR/scripts/install-deps.sh"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

bash "$deps" --list >"$tmp/build" && bash "$deps" --list --test >"$tmp/test" &&
	bash "$deps" --list --bench >"$tmp/bench" && ok || bad "--list failed"
in_tier() { grep -qxF "$1" "$tmp/$2"; }

# Tiers nest: what builds is needed to test, what tests to benchmark.
[ -z "$(comm -23 <(sort "$tmp/build") <(sort "$tmp/test"))" ] && ok || bad "build tier not in test tier"
[ -z "$(comm -23 <(sort "$tmp/test") <(sort "$tmp/bench"))" ] && ok || bad "test tier not in bench tier"

# No test tool in the build tier; each in the test tier.
for p in chromium valgrind python3-dkim libmail-dkim-perl libopendkim-dev opendkim-tools \
	clang doxygen python3-pytest gnuplot-nox linux-perf; do
	in_tier "$p" build && bad "$p is in the build tier"
	case "$p" in
	gnuplot-nox | linux-perf) in_tier "$p" test && bad "$p (benchmarks) is in the test tier" ;;
	*) in_tier "$p" test && ok || bad "$p is not in the test tier" ;;
	esac
done

# What CMake requires comes from the build tier: the package owning each pkg-config file
# the build asks for (independent truth: dpkg's own file lists), and cmake, pkg-config, cc.
mods=$(sed -n 's/.*pkg_check_modules([A-Z_]* REQUIRED IMPORTED_TARGET \([a-z0-9.-]*\)).*/\1/p' \
	"$SRCDIR/CMakeLists.txt" "$SRCDIR/tests/CMakeLists.txt")
[ "$(wc -w <<<"$mods")" -ge 6 ] && ok || bad "found only '$mods' in CMakeLists.txt"
for m in $mods openssl; do
	pc="$(pkg-config --variable=pcfiledir "$m" 2>/dev/null)/$m.pc"
	owner=$(dpkg -S "$pc" 2>/dev/null | head -1 | cut -d: -f1)
	if [ -z "$owner" ]; then
		bad "no Debian package owns $pc (is $m installed?)"
	elif in_tier "$owner" build; then
		ok
	else
		bad "$owner (provides $m.pc, which the build requires) is not in the build tier"
	fi
done
for p in cmake pkg-config build-essential; do in_tier "$p" build && ok || bad "$p not in the build tier"; done

# Which tier each command asks for.
grep -qE '^bash scripts/install-deps.sh$' "$SRCDIR/scripts/quickstart.sh" && ok ||
	bad "quickstart.sh does not install the build tier alone"
grep -qE '^bash scripts/install-deps.sh --test( |$)' "$SRCDIR/scripts/test.sh" && ok ||
	bad "test.sh does not install the test tier"

# Behaviour, with fakes first on PATH: dpkg-query answers from a list, apt-get and sudo log.
mkdir "$tmp/bin"
cat >"$tmp/bin/dpkg-query" <<'SH'
#!/bin/sh
# -W -f=FORMAT PKG...: the installed ones from $FAKE_INSTALLED, an error for the rest.
shift 2
st=0
for p in "$@"; do
	if grep -qxF "$p" "$FAKE_INSTALLED"; then echo "$p install ok installed"; else
		echo "dpkg-query: no packages found matching $p" >&2; st=1; fi
done
exit $st
SH
printf '#!/bin/sh\necho "apt-get $*" >>"$FAKE_LOG"\n' >"$tmp/bin/apt-get"
printf '#!/bin/sh\necho "sudo $*" >>"$FAKE_LOG"\n"$@"\n' >"$tmp/bin/sudo"
chmod +x "$tmp/bin/"*
fake() { PATH="$tmp/bin:$PATH" FAKE_INSTALLED="$tmp/installed" FAKE_LOG="$tmp/log" bash "$deps" "$@"; }

cp "$tmp/test" "$tmp/installed"
: >"$tmp/log"
start=$(date +%s%N)
fake --test && ok || bad "install-deps.sh --test failed with everything installed"
took=$((($(date +%s%N) - start) / 1000000))
[ ! -s "$tmp/log" ] && ok || bad "apt was run with everything installed: $(cat "$tmp/log")"
[ "$took" -lt 2000 ] && ok || bad "install-deps.sh --test took $took ms with everything installed"

grep -vxF chromium "$tmp/test" >"$tmp/installed"
: >"$tmp/log"
fake && ok || bad "install-deps.sh failed"
[ ! -s "$tmp/log" ] && ok || bad "the build tier asked apt for a test tool: $(cat "$tmp/log")"
fake --test >/dev/null 2>&1 && ok || bad "install-deps.sh --test failed"
grep -q 'apt-get install .* chromium$' "$tmp/log" && [ "$(grep -c 'apt-get install' "$tmp/log")" = 1 ] &&
	! grep 'apt-get install' "$tmp/log" | grep -q valgrind && ok ||
	bad "--test with chromium missing: $(cat "$tmp/log")"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
