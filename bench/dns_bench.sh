#!/usr/bin/env bash
# The DNS figure of docs/performance.md: 1,000 distinct keys looked up against
# dnsmasq on 127.0.0.1 (started here, stopped at the end), blocking one after
# another versus asynchronous with the cache and in-flight dedup.
#
#   bash bench/dns_bench.sh [BUILDDIR] [RUNS] [DELAY_MS]   (default build/, 5 runs, 20 ms)
#
# A second table repeats it against tests/dns/faultdns.py answering each
# query after DELAY_MS, as a resolver across a network would: there the
# asynchronous path pays the delay once per window instead of once per key.
#
# BUILDDIR must hold a built libdkimarc.so (cmake --build). Needs dnsmasq
# (Debian package dnsmasq-base, in scripts/install-deps.sh --test).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
runs=${2:-5}
delay=${3:-20}
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -I"$src/include" "$src/bench/dns_bench.c" \
	-L"$build" -ldkimarc -Wl,-rpath,"$build" -lpthread -o "$tmp/dns_bench"

# 1,000 keys the size of a 2048-bit RSA record (392 bytes of p=), in two strings.
p=$(head -c 294 /dev/zero | tr '\0' 'A')
for i in $(seq -f '%04g' 0 999); do
	echo "txt-record=k$i._domainkey.bench.test,\"v=DKIM1; k=rsa; p=$p\",\"${p:0:98}==\""
done >"$tmp/dnsmasq.conf"
echo "local=/bench.test/" >>"$tmp/dnsmasq.conf"

user=nobody
[ "$(id -u)" -eq 0 ] && user=root
for try in $(seq 20); do
	port=$((20000 + RANDOM % 40000))
	timeout 900 dnsmasq --keep-in-foreground --conf-file="$tmp/dnsmasq.conf" --port="$port" \
		--listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts \
		--pid-file= --user="$user" --local-ttl=300 2>"$tmp/dnsmasq.err" &
	pid=$!
	sleep 0.5
	kill -0 "$pid" 2>/dev/null && break
	pid=
done
[ -n "$pid" ] || { cat "$tmp/dnsmasq.err" >&2; exit 1; }

echo "# $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -srm), c-ares $(dpkg-query -W -f='${Version}' libc-ares2 2>/dev/null), dnsmasq $(dnsmasq --version | head -1 | awk '{print $3}'), median of $runs runs"
echo "## dnsmasq, 127.0.0.1"
"$tmp/dns_bench" "$port" "$runs"
kill "$pid"
wait "$pid" 2>/dev/null || true
pid=

# The same lookups against a server that answers after $delay ms.
coproc FAULT { exec /usr/bin/python3 "$src/tests/dns/faultdns.py" --delay "$delay" --lifetime 600; }
pid=$FAULT_PID
read -r fport <&"${FAULT[0]}"
echo
echo "## faultdns.py --delay $delay, 127.0.0.1 (one run)"
"$tmp/dns_bench" "$fport" 1 far
