#!/usr/bin/env bash
# Records tshark's own output next to every capture, for tests on machines without tshark:
#   NAME.tshark-fields.tsv     tshark -r NAME -Y isns -T fields -E occurrence=a -e frame.number -e <all 103 isns.* fields>
#   NAME.tshark-malformed.txt  frames tshark could not decode fully (-Y "isns && _ws.malformed")
#   NAME.tshark-notisns.txt    frames with TCP/UDP payload off port 3205 that tshark does not show as
#                              iSNS (e.g. ESI after the first connection to an announced ESI port)
# The field list is test/fixtures/tshark-G-fields-isns.tsv (tshark -G fields, protocol isns).
# For the IKE/ESP/iSCSI captures, where tshark finds the protocol (otherwise no file):
#   NAME.tshark-isakmp.tsv     tshark -r NAME -Y isakmp -T fields -E occurrence=a -e frame.number -e <all 357 isakmp.* fields>
#   NAME.tshark-esp.tsv        the same for esp (15 fields)
#   NAME.tshark-udpencap.tsv   the same for udpencap (2 fields)
#   NAME.tshark-iscsi.tsv      the same for iscsi (100 fields)
#   NAME.tshark-iscsi-espnull.tsv  iscsi again with -o esp.enable_null_encryption_decode_heuristic:TRUE, only
#                              where that finds iSCSI the default settings do not (iSCSI inside ESP NULL)
# Field lists: test/fixtures/tshark-G-fields-PROTO.tsv (third column). tshark's default preferences
# otherwise; no IKE decryption keys are given.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
fields=()
while IFS=$'\t' read -r _ _ abbrev _; do fields+=(-e "$abbrev"); done <"$top/test/fixtures/tshark-G-fields-isns.tsv"
NOTISNS='!isns && (tcp.len > 0 || udp.length > 8) && !(tcp.port == 3205 || udp.port == 3205)'
tshark --version | head -1
find "$top/captures" -type f \( -name '*.pcap' -o -name '*.pcapng' \) | sort | while read -r f; do
  tshark -r "$f" -Y isns -T fields -E occurrence=a -e frame.number "${fields[@]}" >"$f.tshark-fields.tsv" 2>/dev/null || true
  tshark -r "$f" -Y 'isns && _ws.malformed' -T fields -e frame.number >"$f.tshark-malformed.txt" 2>/dev/null || true
  tshark -r "$f" -Y "$NOTISNS" -T fields -e frame.number >"$f.tshark-notisns.txt" 2>/dev/null || true
done

proto_fields() { # PROTO -> -e arguments
  local abbrev
  while IFS=$'\t' read -r _ _ abbrev _; do printf '%s\n' -e "$abbrev"; done <"$top/test/fixtures/tshark-G-fields-$1.tsv"
}
ESPNULL=esp.enable_null_encryption_decode_heuristic:TRUE
find "$top/captures" -type f \( -name '*.pcap' -o -name '*.pcapng' \) | sort | while read -r f; do
  for proto in isakmp esp udpencap iscsi; do
    mapfile -t pf < <(proto_fields "$proto")
    out=$(tshark -r "$f" -Y "$proto" -T fields -E occurrence=a -e frame.number "${pf[@]}" 2>/dev/null || true)
    if [ -n "$out" ]; then printf '%s\n' "$out" >"$f.tshark-$proto.tsv"; else rm -f "$f.tshark-$proto.tsv"; fi
  done
  mapfile -t pf < <(proto_fields iscsi)
  out=$(tshark -r "$f" -o "$ESPNULL" -Y 'iscsi && esp' -T fields -E occurrence=a -e frame.number "${pf[@]}" 2>/dev/null || true)
  if [ -n "$out" ]; then printf '%s\n' "$out" >"$f.tshark-iscsi-espnull.tsv"; else rm -f "$f.tshark-iscsi-espnull.tsv"; fi
done
