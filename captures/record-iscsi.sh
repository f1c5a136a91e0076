#!/usr/bin/env bash
# Records real iSCSI traffic between libiscsi's command-line tools (iscsi-ls, iscsi-inq) and the
# user-space target tgtd, on the loopback interface of a private network namespace (reciscsi),
# into captures/iscsi/. tgtd runs in its own mount namespace with a private /run (its control
# socket lives in /run/tgtd), so nothing clashes with a tgtd on the host; tgtadm reaches it
# through nsenter. Targets (all LUN 1 on an 8 MiB sparse file):
#   iqn.2026-11.lab:open    no authentication, ACL ALL
#   iqn.2026-11.lab:chap    CHAP, incoming account labuser / labsecret-12, ACL ALL
#   iqn.2026-11.lab:acl     no authentication, initiator-name ACL allowing only iqn.2026-11.lab:other
# Portals: 127.0.0.1:3260 (tgtd --iscsi portal=) and 127.0.0.2:3260 (added with tgtadm).
# Initiator name for every client: iqn.2026-11.lab:host1.
# Captures (each with NAME.truth.json):
#   iscsi-sendtargets      discovery session: Login (SessionType=Discovery), Text SendTargets=All, Logout
#   iscsi-login-ok         normal session to :open, then TEST UNIT READY / INQUIRY / Logout (iscsi-inq)
#   iscsi-chap-ok          :chap with the right CHAP secret
#   iscsi-chap-bad         :chap with a wrong secret          -> Login status 0x0201
#   iscsi-no-creds         :chap without credentials          -> Login status 0x0201
#   iscsi-unknown-target   a target name tgtd does not have   -> Login status 0x0203
#   iscsi-acl-denied       :acl as an initiator its ACL does not list
#   iscsi-no-listener      127.0.0.1:3261 where nothing listens: SYN answered by RST
# tcpdump on lo writes link type Ethernet (zero MAC addresses).
# Needs: tgt (tgtd, tgtadm), libiscsi-bin (iscsi-ls, iscsi-inq), tcpdump, iproute2, util-linux.
# Run as root:  bash captures/record-iscsi.sh [scenario...]     (default: all)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${RECORD_OUT:-$here}/iscsi   # RECORD_OUT: record elsewhere (the live tests do)
mkdir -p "$out"
work=$(mktemp -d /tmp/record-iscsi.XXXXXX)
NS=reciscsi
INI_NAME=iqn.2026-11.lab:host1
CHAP_USER=labuser CHAP_SECRET=labsecret-12 WRONG_SECRET=wrongsecret1
tcpdump_pid= tgtd_pid=

log() { printf '== %s\n' "$*" >&2; }

tgtadm_ns() { nsenter -t "$tgtd_pid" -m -n tgtadm --lld iscsi "$@"; }
tgtd_start() {
  truncate -s 8M "$work/lun1.img"
  ip netns exec "$NS" unshare -m --propagation private sh -c \
    "mount -t tmpfs tmpfs /run && exec tgtd -f --iscsi portal=127.0.0.1:3260" >"$work/tgtd.log" 2>&1 &
  tgtd_pid=$!
  # ready once the iSCSI portal listens (the control socket answers a little earlier)
  for _ in $(seq 50); do ip netns exec "$NS" ss -Hltn 'sport = :3260' | grep -q . && break; sleep 0.1; done
  sleep 0.2
  tgtadm_ns --op new --mode portal --param portal=127.0.0.2:3260
  tgtadm_ns --op new --mode target --tid 1 -T iqn.2026-11.lab:open
  tgtadm_ns --op new --mode logicalunit --tid 1 --lun 1 -b "$work/lun1.img"
  tgtadm_ns --op bind --mode target --tid 1 -I ALL
  tgtadm_ns --op new --mode target --tid 2 -T iqn.2026-11.lab:chap
  tgtadm_ns --op new --mode logicalunit --tid 2 --lun 1 -b "$work/lun1.img"
  tgtadm_ns --op bind --mode target --tid 2 -I ALL
  tgtadm_ns --op new --mode account --user "$CHAP_USER" --password "$CHAP_SECRET"
  tgtadm_ns --op bind --mode account --tid 2 --user "$CHAP_USER"
  tgtadm_ns --op new --mode target --tid 3 -T iqn.2026-11.lab:acl
  tgtadm_ns --op new --mode logicalunit --tid 3 --lun 1 -b "$work/lun1.img"
  tgtadm_ns --op bind --mode target --tid 3 -Q iqn.2026-11.lab:other
  tgtadm_ns --op show --mode portal >"$work/portals.txt"
}
tgtd_stop() {
  [ -n "$tgtd_pid" ] || return 0
  # tgtd ignores SIGTERM and runs as more than one process: kill every tgtd process inside
  # this script's own network namespace (by pid), then reap the one started here
  local p
  for p in $(ip netns pids "$NS" 2>/dev/null); do
    [ "$(cat "/proc/$p/comm" 2>/dev/null)" = tgtd ] && kill -KILL "$p" 2>/dev/null || true
  done
  wait "$tgtd_pid" 2>/dev/null || true
  tgtd_pid=
}
capture_start() { # FILE
  ip netns exec "$NS" tcpdump --immediate-mode -Z root -U -s 0 -i lo -w "$1" 'tcp port 3260 or tcp port 3261' >"$work/tcpdump.log" 2>&1 &
  tcpdump_pid=$!
  for _ in $(seq 50); do grep -q 'listening on' "$work/tcpdump.log" && break; sleep 0.1; done
  sleep 0.3
}
capture_stop() {
  sleep 0.5
  kill -TERM "$tcpdump_pid" 2>/dev/null || true
  wait "$tcpdump_pid" 2>/dev/null || true
  tcpdump_pid=
  grep -E 'packets captured' "$work/tcpdump.log" >&2 || true
}
cleanup() {
  [ -n "$tcpdump_pid" ] && { kill -TERM "$tcpdump_pid" 2>/dev/null || true; wait "$tcpdump_pid" 2>/dev/null || true; }
  tgtd_stop
  if [ -n "$(ip netns pids "$NS" 2>/dev/null)" ]; then echo "processes left in $NS: $(ip netns pids "$NS" | tr '\n' ' ')" >&2; fi
  ip netns del "$NS" 2>/dev/null || true
  [ -n "${KEEP_WORK:-}" ] && echo "work dir kept: $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT

ip netns del "$NS" 2>/dev/null || true
ip netns add "$NS"
ip -n "$NS" link set lo up
tgtd_start

client() { # tool args... (output to the work dir, exit code logged)
  local rc=0
  ip netns exec "$NS" timeout 20 "$@" >"$work/client.log" 2>&1 || rc=$?
  log "$1 exit $rc: $(grep -v -E '^(Peripheral|Removable|Version|NormACA|HiSup|ReponseDataFormat|SCCS|ACC|TPGS|3PC|Protect|EncServ|MultiP|SYNC|CmdQue|Revision)' "$work/client.log" | tr '\n' ' ' | cut -c1-200)"
}
record() { # NAME command...
  name=$1; shift
  log "recording $out/$name.pcap"
  capture_start "$out/$name.pcap"
  client "$@"
  capture_stop
  log "$(tshark -r "$out/$name.pcap" 2>/dev/null | wc -l) frames in $name.pcap"
}
truth() { # NAME then JSON body on stdin (inside the top-level object)
  {
    echo "{"
    cat <<JSON
  "capture": "$1.pcap",
  "recordedBy": "captures/record-iscsi.sh",
  "linkType": "ethernet",
  "capturedOn": "lo of network namespace $NS (both ends on 127.0.0.1)",
  "ike": null,
  "esp": { "expected": false },
JSON
    cat
    echo "}"
  } >"$out/$1.truth.json"
}
url() { echo "iscsi://${2:+$2@}$1/$3/1"; }

# ============================================================================= scenarios
scenario_iscsi_sendtargets() {
  record iscsi-sendtargets iscsi-ls -i "$INI_NAME" iscsi://127.0.0.1/
  truth iscsi-sendtargets <<JSON
  "scenario": "SendTargets discovery (iscsi-ls without -s: discovery only, no login to the targets)",
  "initiator": { "address": "127.0.0.1", "name": "$INI_NAME" },
  "portal": { "address": "127.0.0.1", "port": 3260 },
  "iscsi": {
    "sessionType": "Discovery",
    "initiatorName": "$INI_NAME",
    "targetName": null,
    "authMethod": "None",
    "loginOutcome": "success",
    "statusClass": 0,
    "statusDetail": 0,
    "digests": { "header": "None", "data": "None" },
    "textRequest": "SendTargets=All",
    "sendTargets": [
      { "TargetName": "iqn.2026-11.lab:open", "TargetAddress": ["127.0.0.1:3260,1"] },
      { "TargetName": "iqn.2026-11.lab:chap", "TargetAddress": ["127.0.0.1:3260,1"] }
    ],
    "targetsNotReported": ["iqn.2026-11.lab:acl"],
    "logout": true
  },
  "tcp": [ { "from": "127.0.0.1", "to": "127.0.0.1:3260", "outcome": "established" } ],
  "note": "tgtd has two portals (127.0.0.1:3260 from its command line, 127.0.0.2:3260 added with tgtadm) but answers SendTargets with only the portal the discovery connection arrived on (127.0.0.1:3260, portal group tag 1); a discovery sent to 127.0.0.2 gets 127.0.0.2:3260,1 instead (checked by hand, not recorded). iqn.2026-11.lab:acl, whose ACL does not name this initiator, is left out of the answer."
JSON
}

scenario_iscsi_login_ok() {
  record iscsi-login-ok iscsi-inq -i "$INI_NAME" "$(url 127.0.0.1 '' iqn.2026-11.lab:open)"
  truth iscsi-login-ok <<JSON
  "scenario": "Normal session login to a target without authentication (iscsi-inq: login, TEST UNIT READY, INQUIRY, Logout)",
  "initiator": { "address": "127.0.0.1", "name": "$INI_NAME" },
  "portal": { "address": "127.0.0.1", "port": 3260 },
  "iscsi": {
    "sessionType": "Normal",
    "initiatorName": "$INI_NAME",
    "targetName": "iqn.2026-11.lab:open",
    "authMethod": "None",
    "loginOutcome": "success",
    "statusClass": 0,
    "statusDetail": 0,
    "digests": { "header": "None", "data": "None", "offeredHeader": "None,CRC32C", "offeredData": "None" },
    "scsi": ["TEST UNIT READY (CHECK CONDITION: unit attention)", "TEST UNIT READY (GOOD)", "INQUIRY", "INQUIRY"],
    "logout": true
  },
  "tcp": [ { "from": "127.0.0.1", "to": "127.0.0.1:3260", "outcome": "established" } ],
  "note": "libiscsi sends no AuthMethod key when it has no credentials and goes straight to the operational stage: a single Login request/response pair with the Transit bit. It offers HeaderDigest=None,CRC32C and DataDigest=None; tgtd answers None for both."
JSON
}

scenario_iscsi_chap_ok() {
  record iscsi-chap-ok iscsi-inq -i "$INI_NAME" "$(url 127.0.0.1 "$CHAP_USER%$CHAP_SECRET" iqn.2026-11.lab:chap)"
  truth iscsi-chap-ok <<JSON
  "scenario": "Normal session login to the CHAP target with the right user and secret (one-way CHAP), then TEST UNIT READY / INQUIRY / Logout",
  "initiator": { "address": "127.0.0.1", "name": "$INI_NAME" },
  "portal": { "address": "127.0.0.1", "port": 3260 },
  "iscsi": {
    "sessionType": "Normal",
    "initiatorName": "$INI_NAME",
    "targetName": "iqn.2026-11.lab:chap",
    "authMethod": "CHAP",
    "authMethodOffered": "CHAP,None",
    "chapAlgorithm": 5,
    "chapUser": "$CHAP_USER",
    "mutualChap": false,
    "loginOutcome": "success",
    "statusClass": 0,
    "statusDetail": 0,
    "loginPdus": { "requests": 4, "responses": 4 },
    "digests": { "header": "None", "data": "None" },
    "logout": true
  },
  "tcp": [ { "from": "127.0.0.1", "to": "127.0.0.1:3260", "outcome": "established" } ],
  "note": "Security negotiation: AuthMethod=CHAP,None offered, CHAP chosen; CHAP_A=5 (MD5); CHAP_I/CHAP_C from the target; CHAP_N/CHAP_R from the initiator; then the operational stage."
JSON
}

scenario_iscsi_chap_bad() {
  record iscsi-chap-bad iscsi-inq -i "$INI_NAME" "$(url 127.0.0.1 "$CHAP_USER%$WRONG_SECRET" iqn.2026-11.lab:chap)"
  truth iscsi-chap-bad <<JSON
  "scenario": "Login to the CHAP target with the right user name and a wrong secret",
  "initiator": { "address": "127.0.0.1", "name": "$INI_NAME" },
  "portal": { "address": "127.0.0.1", "port": 3260 },
  "iscsi": {
    "sessionType": "Normal",
    "initiatorName": "$INI_NAME",
    "targetName": "iqn.2026-11.lab:chap",
    "authMethod": "CHAP",
    "authMethodOffered": "CHAP,None",
    "chapAlgorithm": 5,
    "chapUser": "$CHAP_USER",
    "loginOutcome": "failed",
    "statusClass": 2,
    "statusDetail": 1,
    "status": "0x0201",
    "statusName": "Authentication failure",
    "loginPdus": { "requests": 3, "responses": 3 },
    "logout": false
  },
  "tcp": [ { "from": "127.0.0.1", "to": "127.0.0.1:3260", "outcome": "established" } ],
  "note": "The third Login response (after CHAP_N/CHAP_R) carries status 0x0201; tgtd logs 'CHAP initiator auth.: authentication of iqn.2026-11.lab:host1 failed (wrong secret!?)' and closes the connection. iscsi-inq prints 'Authentication failure(513)'."
JSON
}

scenario_iscsi_no_creds() {
  record iscsi-no-creds iscsi-inq -i "$INI_NAME" "$(url 127.0.0.1 '' iqn.2026-11.lab:chap)"
  truth iscsi-no-creds <<JSON
  "scenario": "Login to the CHAP target without any credentials",
  "initiator": { "address": "127.0.0.1", "name": "$INI_NAME" },
  "portal": { "address": "127.0.0.1", "port": 3260 },
  "iscsi": {
    "sessionType": "Normal",
    "initiatorName": "$INI_NAME",
    "targetName": "iqn.2026-11.lab:chap",
    "authMethod": "None",
    "authMethodOffered": null,
    "loginOutcome": "failed",
    "statusClass": 2,
    "statusDetail": 1,
    "status": "0x0201",
    "statusName": "Authentication failure",
    "loginPdus": { "requests": 1, "responses": 1 },
    "logout": false
  },
  "tcp": [ { "from": "127.0.0.1", "to": "127.0.0.1:3260", "outcome": "established" } ],
  "note": "Without credentials libiscsi sends no AuthMethod key and asks to go straight to the operational stage; tgtd answers the first Login request with 0x0201 (Authentication failure), not 0x0202."
JSON
}

scenario_iscsi_unknown_target() {
  record iscsi-unknown-target iscsi-inq -i "$INI_NAME" "$(url 127.0.0.1 '' iqn.2026-11.lab:nosuch)"
  truth iscsi-unknown-target <<JSON
  "scenario": "Login to a target name that tgtd does not have",
  "initiator": { "address": "127.0.0.1", "name": "$INI_NAME" },
  "portal": { "address": "127.0.0.1", "port": 3260 },
  "iscsi": {
    "sessionType": "Normal",
    "initiatorName": "$INI_NAME",
    "targetName": "iqn.2026-11.lab:nosuch",
    "authMethod": "None",
    "loginOutcome": "failed",
    "statusClass": 2,
    "statusDetail": 3,
    "status": "0x0203",
    "statusName": "Not found",
    "loginPdus": { "requests": 1, "responses": 1 },
    "logout": false
  },
  "tcp": [ { "from": "127.0.0.1", "to": "127.0.0.1:3260", "outcome": "established" } ]
JSON
}

scenario_iscsi_acl_denied() {
  record iscsi-acl-denied iscsi-inq -i "$INI_NAME" "$(url 127.0.0.1 '' iqn.2026-11.lab:acl)"
  truth iscsi-acl-denied <<JSON
  "scenario": "Login to a target whose initiator-name ACL (tgtadm bind -Q) allows only iqn.2026-11.lab:other",
  "initiator": { "address": "127.0.0.1", "name": "$INI_NAME" },
  "portal": { "address": "127.0.0.1", "port": 3260 },
  "iscsi": {
    "sessionType": "Normal",
    "initiatorName": "$INI_NAME",
    "targetName": "iqn.2026-11.lab:acl",
    "authMethod": "None",
    "loginOutcome": "failed",
    "statusClass": 2,
    "statusDetail": 3,
    "status": "0x0203",
    "statusName": "Not found",
    "loginPdus": { "requests": 1, "responses": 1 },
    "logout": false
  },
  "tcp": [ { "from": "127.0.0.1", "to": "127.0.0.1:3260", "outcome": "established" } ],
  "note": "tgtd does not answer 0x0202 (Authorization failure) for an initiator its ACL does not list: it reports the target as not found (0x0203), the same as for a name it does not have."
JSON
}

scenario_iscsi_no_listener() {
  record iscsi-no-listener iscsi-inq -i "$INI_NAME" "iscsi://127.0.0.1:3261/iqn.2026-11.lab:open/1"
  truth iscsi-no-listener <<JSON
  "scenario": "iscsi-inq to 127.0.0.1:3261 where nothing listens",
  "initiator": { "address": "127.0.0.1", "name": "$INI_NAME" },
  "portal": { "address": "127.0.0.1", "port": 3261 },
  "iscsi": {
    "sessionType": "Normal",
    "initiatorName": "$INI_NAME",
    "targetName": "iqn.2026-11.lab:open",
    "loginOutcome": "no-response",
    "statusClass": null,
    "statusDetail": null,
    "loginPdus": { "requests": 0, "responses": 0 }
  },
  "tcp": [ { "from": "127.0.0.1", "to": "127.0.0.1:3261", "outcome": "rst", "attempts": 1 } ],
  "note": "The SYN is answered by RST/ACK; libiscsi does not retry ('iscsi_service_reconnect_if_loggedin. Can not reconnect right now.'). No iSCSI PDU is on the wire."
JSON
}

all=(iscsi_sendtargets iscsi_login_ok iscsi_chap_ok iscsi_chap_bad iscsi_no_creds iscsi_unknown_target iscsi_acl_denied iscsi_no_listener)
[ $# -gt 0 ] && all=("${@//-/_}")
for s in "${all[@]}"; do "scenario_$s"; done
log "tgtd log:"; grep -v -E 'RDMA|oom|nr_open|bs_thread_open|device_mgmt|work_timer|bs_init' "$work/tgtd.log" >&2 || true
ls -l "$out"
