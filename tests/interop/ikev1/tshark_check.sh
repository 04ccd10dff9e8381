#!/usr/bin/env bash
# tshark_check.sh PROGRAM CASE WORKDIR: writes the case's IKEv1 messages to a
# pcap with PROGRAM, then has tshark dissect every packet (decrypting with
# the printed ikev1_decryption_table records) and fails unless every frame
# is ISAKMP, none is marked malformed, and the encrypted messages decrypt to
# their payloads. Exit 77 (skip) if tshark is missing.
set -euo pipefail
prog=$1
case=$2
work=$3
command -v tshark >/dev/null || { echo "tshark not installed"; exit 77; }
mkdir -p "$work"
pcap=$work/$case.pcap
mapfile -t records < <("$prog" "$case" "$pcap")
opts=()
for r in "${records[@]}"; do opts+=(-o "uat:ikev1_decryption_table:$r"); done
out=$work/$case.txt
tshark -r "$pcap" -V "${opts[@]}" >"$out" 2>"$work/$case.err"
frames=$(tshark -r "$pcap" -T fields -e frame.number 2>/dev/null | wc -l)
isakmp=$(tshark -r "$pcap" -Y isakmp -T fields -e frame.number "${opts[@]}" 2>/dev/null | wc -l)
echo "case $case: $frames frames, $isakmp ISAKMP, ${#records[@]} key record(s)"
fail=0
[ "$frames" -gt 0 ] || { echo "no frames"; fail=1; }
[ "$frames" -eq "$isakmp" ] || { echo "not every frame dissected as ISAKMP"; fail=1; }
if grep -n -i "malformed" "$out"; then echo "tshark reports a malformed packet"; fail=1; fi
# tshark's only expected stderr line is its warning about running as root.
if grep -v -e "Running as user" -e '^$' "$work/$case.err"; then echo "tshark wrote errors"; fail=1; fi
if [ "$case" != refusals ]; then
  # Decrypted main mode 5/6 and quick mode show their hashes and IDs.
  grep -q "Identity Protection (Main Mode)" "$out" || { echo "no main mode"; fail=1; }
  grep -q "Quick Mode" "$out" || { echo "no quick mode"; fail=1; }
  n_hash=$(grep -c "Payload: Hash (8)" "$out" || true)
  [ "$n_hash" -ge 5 ] || { echo "only $n_hash decrypted HASH payloads"; fail=1; }
  grep -q "Payload: Delete (12)" "$out" || { echo "no decrypted DELETE"; fail=1; }
  grep -q "R-U-THERE" "$out" || { echo "no decrypted R-U-THERE"; fail=1; }
  if [ "$case" = signature ]; then
    # RFC 2409 §5.1: CERTREQ in the clear (MM3/MM4), CERT and SIG decrypted (MM5/MM6).
    for p in "Certificate Request (7)" "Certificate (6)" "Signature (9)"; do
      n=$(grep -c "Payload: $p" "$out" || true)
      [ "$n" -ge 2 ] || { echo "only $n '$p' payloads"; fail=1; }
    done
  fi
else
  grep -q "UNSUPPORTED-EXCHANGE-TYPE" "$out" || { echo "no UNSUPPORTED-EXCHANGE-TYPE notify"; fail=1; }
  grep -q "NO-PROPOSAL-CHOSEN" "$out" || { echo "no NO-PROPOSAL-CHOSEN notify"; fail=1; }
fi
exit $fail
