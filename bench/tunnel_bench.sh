#!/usr/bin/env bash
# tunnel_bench.sh [STRATA]: iperf3 TCP throughput from A to B, 10 s each,
# through (a) two Strata gateways (manual keying, AES-GCM-128, ESP in UDP
# 4500), (b) two strongSwan gateways with kernel-libipsec (IKEv2 PSK,
# AES-GCM-128, ESP in UDP 4500: ../shared/interop/conf/ikev2-psk-tunnel), and
# (c) plain routing with no IPsec, in the namespaces of
# ../shared/interop/topology.sh. Prints the three figures and the ratios; the
# last line is exactly `strata/strongswan = <ratio>`.
#
# Needs root, iperf3, strongSwan (scripts/install-deps.sh) and a built
# strata (default: build/release/strata). Every run is on the same machine,
# so the gateways, iperf3 and the kernel share its cores.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$(cd "$here/.." && pwd)"
shared="${STRATA_SHARED_DIR:-$src/../shared}"
strata="$(readlink -f "${1:-$src/build/release/strata}")"
secs="${BENCH_SECONDS:-10}"
P=tbench
work="$(mktemp -d /tmp/tunnel-bench.XXXXXX)"
topo() { bash "$shared/interop/topology.sh" "$1" "$P" >/dev/null; }
swan() { bash "$shared/interop/strongswan-peer.sh" "$@"; }
[ -x "$strata" ] || { echo "no strata binary at $strata" >&2; exit 2; }
command -v iperf3 >/dev/null || { echo "iperf3 is not installed (scripts/install-deps.sh)" >&2; exit 2; }

gw_pids=()
cleanup() {
    for p in "${gw_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    swan stop "$P-c" >/dev/null 2>&1 || true
    swan stop "$P-d" >/dev/null 2>&1 || true
    topo down || true
    rm -rf "$work"
}
trap cleanup EXIT

# iperf_run prints the receiver's throughput in Mbit/s for a TCP stream A -> B.
iperf_run() {
    ip netns exec "$P-b" iperf3 -s -1 -B 203.0.113.10 >/dev/null 2>&1 &
    local srv=$!
    sleep 0.3
    local json
    json=$(ip netns exec "$P-a" iperf3 -c 203.0.113.10 -t "$secs" -J)
    wait "$srv" || true
    /usr/bin/python3 -c 'import json,sys; print("%.1f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e6))' <<<"$json"
}

# (a) Strata: the shipped site-to-site example, each gateway with its own control socket.
topo up
for gw in c d; do
    sed -e "s|^control_socket = .*|control_socket = \"$work/$gw.sock\"|" \
        -e "s|^manual = .*|manual = \"$src/examples/gateway/site-$gw-sas.toml\"|" \
        -e "s|^log_level = .*|log_level = \"warn\"|" \
        "$src/examples/gateway/site-to-site-$gw.toml" >"$work/$gw.toml"
    ip netns exec "$P-$gw" "$strata" gateway --config "$work/$gw.toml" 2>"$work/$gw.log" &
    gw_pids+=($!)
done
for gw in c d; do
    for _ in $(seq 100); do [ -S "$work/$gw.sock" ] && break; sleep 0.05; done
done
ip netns exec "$P-a" ping -c 2 -W 2 203.0.113.10 >/dev/null || { cat "$work"/*.log >&2; echo "no Strata tunnel" >&2; exit 1; }
strata_mbps=$(iperf_run)
"$strata" ctl --socket "$work/c.sock" counters | grep -E "tun_rx_packets|net_tx_packets|SendBufferFull|drops total" >&2 || true
for p in "${gw_pids[@]}"; do kill -TERM "$p"; wait "$p" || true; done
gw_pids=()
topo down

# (b) strongSwan with kernel-libipsec.
topo up
swan start "$P-c" "$shared/interop/conf/ikev2-psk-tunnel/gw-c" >/dev/null
swan start "$P-d" "$shared/interop/conf/ikev2-psk-tunnel/gw-d" >/dev/null
swan swanctl "$P-c" --initiate --child net >/dev/null
ip netns exec "$P-a" ping -c 2 -W 2 203.0.113.10 >/dev/null || { echo "no strongSwan tunnel" >&2; exit 1; }
swan_mbps=$(iperf_run)
swan stop "$P-c" >/dev/null
swan stop "$P-d" >/dev/null
topo down

# (c) plain routing.
topo up
ip -n "$P-c" route add 203.0.113.0/24 via 198.51.100.2
ip -n "$P-d" route add 192.0.2.0/24 via 198.51.100.1
plain_mbps=$(iperf_run)
topo down

ratio() { /usr/bin/python3 -c "import sys; print('%.2f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r)"
echo "iperf3 TCP A->B, ${secs} s each (Mbit/s):"
echo "  strata     (2 Strata gateways, AES-GCM-128, ESP in UDP 4500)  $strata_mbps"
echo "  strongswan (2 charons, kernel-libipsec, AES-GCM-128, UDP 4500) $swan_mbps"
echo "  plain      (routing, no IPsec)                                 $plain_mbps"
echo "strata/plain = $(ratio "$strata_mbps" "$plain_mbps")"
echo "strongswan/plain = $(ratio "$swan_mbps" "$plain_mbps")"
echo "strata/strongswan = $(ratio "$strata_mbps" "$swan_mbps")"
