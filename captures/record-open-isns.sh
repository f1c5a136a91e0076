#!/usr/bin/env bash
# Records real iSNS traffic between the open-isns server (isnsd) and client
# (isnsadm) on loopback with tcpdump, into captures/:
#   open-isns-basic.pcap   Security = 0: targets with several portals (portal groups
#                          created by the server), an initiator, queries, a --list
#                          walk (DevGetNext), a portal and an entity deregistration,
#                          a discovery domain.
#   open-isns-auth.pcap    Security = 1: every PDU carries an authentication block
#                          (DSA/SHA-1); one client enrolled and allowed, one whose
#                          policy denies its source name (status 8 Source Unauthorized).
#   open-isns-esi.pcap     Security = 0: a portal registered with an ESI port; isnsd then
#                          sends real ESI requests to it every ESI interval (a new TCP
#                          connection each time). The ESIRsp answers come from
#                          captures/esi_responder.py (isnsdd, open-isns's client daemon,
#                          registers nothing without a local iSCSI configuration).
#   open-isns-scn.pcap     Security = 0: a client (captures/scn_client.py) registers an
#                          initiator whose portal has an SCN port and sends SCNReg; isnsd
#                          then sends real SCNs to that port when isnsadm registers and
#                          deregisters a target (the client answers with SCNRsp).
#   open-isns-basic.pcapng the basic capture written by tcpdump as pcapng is not possible
#                          (tcpdump writes pcap only); it is converted with editcap.
# Needs: isnsd isnsadm (open-isns-server, open-isns-utils), tcpdump, editcap (wireshark-common).
# Run as root:  bash captures/record-open-isns.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${RECORD_OUT:-$here}   # RECORD_OUT: record elsewhere (the live tests do)
mkdir -p "$out"
work=$(mktemp -d)
cleanup() {
  [ -f "$work/isnsd.pid" ] && kill "$(cat "$work/isnsd.pid")" 2>/dev/null || true
  pkill -TERM -f "tcpdump -i lo -w $work" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

start_capture() { # file [filter]
  tcpdump --immediate-mode -Z root -i lo -w "$1" -U -s 0 "${2:-port 3205}" >"$work/tcpdump.log" 2>&1 &
  tcpdump_pid=$!
  sleep 1
}
stop_capture() {
  sleep 1
  kill -TERM "$tcpdump_pid"; wait "$tcpdump_pid" 2>/dev/null || true; cat "$work/tcpdump.log" >&2
}
start_server() { # conf
  isnsd -c "$1" -f >"$work/isnsd.log" 2>&1 &
  echo $! >"$work/isnsd.pid"
  for _ in $(seq 50); do (: >/dev/tcp/127.0.0.1/3205) 2>/dev/null && return 0; sleep 0.1; done
  echo "isnsd did not start" >&2; cat "$work/isnsd.log" >&2; exit 1
}
stop_server() { kill "$(cat "$work/isnsd.pid")" 2>/dev/null || true; rm -f "$work/isnsd.pid"; sleep 0.3; }
adm() { timeout 10 isnsadm -c "$work/isnsadm.conf" "$@" || true; }
server_conf() { # name security [extra config lines...]
  local name=$1 security=$2; shift 2
  mkdir -p "$work/db-$name"
  { printf '%s\n' "Database = $work/db-$name" "SourceName = isns.server" "Security = $security" \
      "PIDFile = $work/isnsd.pid.real" "ControlSocket = $work/isnsctl-$name" "$@"; } >"$work/isnsd.conf"
}
admin_conf() {
  printf '%s\n' "ServerAddress = 127.0.0.1" "SourceName = iqn.2026-11.lab:admin" "Security = 0" >"$work/isnsadm.conf"
}

# ---------------------------------------------------------------- Security = 0
server_conf basic 0
admin_conf
start_capture "$work/basic.pcap"
start_server "$work/isnsd.conf"
adm --register entity=lab.array1 target=iqn.2026-11.lab:array1.t1 portal=10.0.0.11:3260 portal=10.0.0.12:3260 portal=10.0.0.13:3261
adm --register entity=lab.array2 target=iqn.2026-11.lab:array2.t1 target=iqn.2026-11.lab:array2.t2 portal=10.0.1.21:3260
adm --register entity=lab.host1 initiator=iqn.2026-11.lab:host1 portal=10.0.2.31:860
adm --query iscsi-name
adm --query portal-addr
adm --list portals
adm --list nodes
adm --list entities
adm --dd-register dd-name=lab.dd1 member-name=iqn.2026-11.lab:host1 member-name=iqn.2026-11.lab:array1.t1
adm --deregister portal=10.0.0.13:3261
adm --deregister entity-id=lab.array2
adm --query iscsi-name
stop_server
stop_capture
cp "$work/basic.pcap" "$out/open-isns-basic.pcap"
if command -v editcap >/dev/null; then editcap -F pcapng "$out/open-isns-basic.pcap" "$out/open-isns-basic.pcapng"; fi

# ---------------------------------------------------------------- ESI (Security = 0)
server_conf esi 0 "ESIMinInterval = 1s" "ESIMaxInterval = 2s"
admin_conf
start_capture "$work/esi.pcap" 'port 3205 or port 5000'
start_server "$work/isnsd.conf"
python3 "$here/esi_responder.py" 5000 7 &
responder=$!
sleep 0.3
adm --register entity=lab.esi1 target=iqn.2026-11.lab:esi.t1 portal,portal-addr=127.0.0.1,portal-port=3262,portal-esi-port=5000,portal-esi-interval=2
sleep 6.5
stop_server
wait "$responder" 2>/dev/null || true
stop_capture
cp "$work/esi.pcap" "$out/open-isns-esi.pcap"

# ---------------------------------------------------------------- SCN (Security = 0)
server_conf scn 0 "DefaultDiscoveryDomain = 1"
start_capture "$work/scn.pcap" 'port 3205 or port 5001'
start_server "$work/isnsd.conf"
python3 "$here/scn_client.py" 5001 6 &
client=$!
sleep 1
adm --register entity=lab.new target=iqn.2026-11.lab:new.t1 portal=10.9.0.1:3260
sleep 1
adm --deregister entity-id=lab.new
sleep 2
stop_server
wait "$client" 2>/dev/null || true
stop_capture
cp "$work/scn.pcap" "$out/open-isns-scn.pcap"

# ---------------------------------------------------------------- Security = 1
server_conf auth 1 "AuthKeyFile = $work/server_key" "ServerKeyFile = $work/server_key.pub" "ClientKeyStore = DB:"
isnsd -c "$work/isnsd.conf" --init >/dev/null 2>&1
start_server "$work/isnsd.conf"
# Enrol two clients through the local control socket (not on the wire).
timeout 10 isnsadm -c "$work/isnsd.conf" --local --enroll iqn.2026-11.lab:secure --keyfile="$work/key_ok" node-name=iqn.2026-11.lab:secure.t1 node-type=target >/dev/null 2>&1
timeout 10 isnsadm -c "$work/isnsd.conf" --local --enroll iqn.2026-11.lab:denied --keyfile="$work/key_denied" node-name=iqn.2026-11.lab:other node-type=target >/dev/null 2>&1
client_conf() { # name key file
  cat >"$3" <<CONF
ServerAddress = 127.0.0.1
SourceName = $1
AuthName = $1
Security = 1
AuthKeyFile = $2
ServerKeyFile = $work/server_key.pub
CONF
}
client_conf iqn.2026-11.lab:secure.t1 "$work/key_ok" "$work/isnsadm.conf"
sed -i 's/^AuthName = .*/AuthName = iqn.2026-11.lab:secure/' "$work/isnsadm.conf"
start_capture "$work/auth.pcap"
adm --register entity=lab.secure target=iqn.2026-11.lab:secure.t1 portal=10.0.3.41:3260 portal=10.0.3.42:3260
adm --query iscsi-name
adm --list portals
client_conf iqn.2026-11.lab:denied "$work/key_denied" "$work/isnsadm.conf"
adm --register target=iqn.2026-11.lab:denied portal=10.0.4.51:3260
stop_capture
stop_server
cp "$work/auth.pcap" "$out/open-isns-auth.pcap"
ls -l "$out"/open-isns-*
