#!/usr/bin/env bash
# Records tshark's own output next to every capture, for tests on machines without tshark:
#   NAME.tshark-fields.tsv     tshark -r NAME -Y isns -T fields -E occurrence=a -e frame.number -e <all 103 isns.* fields>
#   NAME.tshark-malformed.txt  frames tshark could not decode fully (-Y "isns && _ws.malformed")
#   NAME.tshark-notisns.txt    frames with TCP/UDP payload off port 3205 that tshark does not show as
#                              iSNS (e.g. ESI after the first connection to an announced ESI port)
# The field list is test/fixtures/tshark-G-fields-isns.tsv (tshark -G fields, protocol isns).
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
