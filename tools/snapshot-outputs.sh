#!/usr/bin/env bash
# Snapshot every user-visible output of the CLI on every bundled capture (and,
# with BENCH=1, on small generated bench captures) into OUTDIR, so that two
# builds can be compared byte for byte:
#   tools/snapshot-outputs.sh /tmp/before   # on the old commit (after npm run build)
#   tools/snapshot-outputs.sh /tmp/after    # on the new one
#   diff -r /tmp/before /tmp/after && echo identical
# Each command's stdout, stderr and exit status are kept. The CLI is found
# through package.json's "bin", so the script works across layouts.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: snapshot-outputs.sh OUTDIR}
mkdir -p "$out"
cd "$top"
bin=$(node -p "require('./package.json').bin['isns-dissector']")
cli() { node "$bin" "$@"; }
fields=()
while IFS=$'\t' read -r _ _ abbrev _; do fields+=(-e "$abbrev"); done <test/fixtures/tshark-G-fields-isns.tsv
xfields=()
for f in $(node --input-type=module -e "const m = await import('./dist/dissector/index.js'); console.log(m.isns.fields.map(f => f.abbrev).filter(a => a.startsWith('isnsx.')).join(' '))"); do xfields+=(-e "$f"); done
run() { # name, then the command
  local name=$1; shift
  cli "$@" >"$out/$name.out" 2>"$out/$name.err"
  echo $? >"$out/$name.rc"
}
caps=$(find captures -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.pcap.gz' -o -name '*.pcapng.gz' \) | sort)
if [ "${BENCH:-0}" = 1 ]; then
  d=${BENCHDIR:-/tmp/isns-snapshot-bench}
  mkdir -p "$d"
  [ -f "$d/mixed.pcap" ] || node dist/bench/gen.js mixed "$d/mixed.pcap" $((48 << 20)) pcap >/dev/null
  [ -f "$d/dense.pcapng" ] || node dist/bench/gen.js dense "$d/dense.pcapng" $((16 << 20)) pcapng >/dev/null
  caps="$caps $d/mixed.pcap $d/dense.pcapng"
fi
for c in $caps; do
  n=$(echo "$c" | tr '/' '_')
  for fmt in table json ndjson csv; do run "$n.portals.$fmt" portals --format "$fmt" "$c"; done
  run "$n.portals.default" portals --format json --default-security-bitmap 0x47 "$c"
  run "$n.packets.text" packets "$c"
  run "$n.packets.json" packets --format json "$c"
  run "$n.packets.full" packets --full "$c"
  run "$n.packets.fulljson" packets --full --format json "$c"
  run "$n.packets.e" packets -e frame.number "${fields[@]}" "$c"
  run "$n.packets.efull" packets --full -e frame.number "${fields[@]}" "${xfields[@]}" "$c"
  b="$out/$n.baseline.json"
  run "$n.check.update" check "$c" --baseline "$b" --update
  run "$n.check.same" check "$c" --baseline "$b" --junit "$out/$n.junit.xml" --annotations
  run "$n.check.never" check "$c" --baseline "$b" --fail-on never
done
# several inputs as one timeline, stdin, an unreadable input
run timeline.portals portals --format json captures/crafted/timeline-a.pcap captures/crafted/timeline-b.pcap
run stdin.portals portals --format json - <captures/crafted/sample.pcapng
run missing.portals portals --format json /nonexistent.pcap captures/crafted/sample.pcapng
run usage.bad portals --format nope x
# what differs between two runs by nature: the output directory's name, JUnit's elapsed times
for f in "$out"/*; do sed -i -e "s#$out#OUTDIR#g" -e 's/time="[0-9.]*"/time="T"/g' "$f"; done
echo "snapshot: $(ls "$out" | wc -l) files in $out"
