#!/usr/bin/env python3
"""Checks the ground truth written by record-ike.sh / record-iscsi.sh against what tshark
itself decodes from each capture (tshark 4.0, no dissector of this project involved).

    python3 captures/verify-truth.py [captures/ike/NAME.truth.json ...]   (default: all)

Each claim prints PASS, FAIL, or INFO (a claim tshark cannot see, e.g. IKEv2 encrypted
payloads, checked against the daemons' own log instead). Exit status 1 if any claim fails.
"""
import glob
import json
import os
import re
import subprocess
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
failures = 0


def tshark(cap, fields, flt=None, opts=()):
    cmd = ['tshark', '-r', cap, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=|', '-E', 'separator=\t']
    for o in opts:
        cmd += ['-o', o]
    if flt:
        cmd += ['-Y', flt]
    for f in fields:
        cmd += ['-e', f]
    res = subprocess.run(cmd, capture_output=True, text=True)
    rows = []
    for line in res.stdout.splitlines():
        cols = line.split('\t')
        cols += [''] * (len(fields) - len(cols))
        row = dict(zip(fields, cols))
        # IP addresses and TCP ports: the innermost header (ESP tunnel mode in UDP has two IP headers)
        for k in ('ip.src', 'ip.dst', 'tcp.srcport', 'tcp.dstport'):
            if k in row and '|' in row[k]:
                row[k] = row[k].split('|')[-1]
        rows.append(row)
    return rows


_tmp = []


def tmpdir():
    if not _tmp:
        import tempfile
        _tmp.append(tempfile.mkdtemp(prefix='verify-truth.'))
    return _tmp[0]


def check(ok, what, detail=''):
    global failures
    if not ok:
        failures += 1
    print(f"  {'PASS' if ok else 'FAIL'} {what}{(' -- ' + detail) if detail else ''}")


def info(what):
    print(f'  INFO {what}')


def ints(v):
    return [int(x, 0) for x in v.split('|') if x != ''] if v else []


# ------------------------------------------------------------------------------------- IKE
PHASE1 = {'main': 2, 'aggressive': 4, 'ike_sa_init': 34}
ENC = {'aes': 7}
HASH = {'sha1': 2, 'sha256': 4, 'sha384': 5, 'sha512': 6, 'md5': 1}
GROUP = {'modp1024': 2, 'modp1536': 5, 'modp2048': 14, 'modp3072': 15, 'modp4096': 16}
# strongSwan's log abbreviations for the IKEv2 notifies claimed as encrypted
SWAN_ABBR = {16384: 'INIT_CONTACT', 16391: 'USE_TRANSP', 16404: 'MULT_AUTH', 16417: 'EAP_ONLY',
             16420: 'MSG_ID_SYN_SUP', 14: 'NO_PROP'}


def v1_transform(proposal):
    m = re.fullmatch(r'(aes)(\d+)-(\w+?)-(modp\d+)', proposal)
    enc, klen, h, g = m.groups()
    return (ENC[enc], int(klen), HASH[h], GROUP[g])


def key_opts(truth, which='initiator'):
    path = os.path.join(os.path.dirname(truth['_path']), truth.get('keys') or '')
    if not truth.get('keys') or not os.path.exists(path):
        return None
    text = open(path).read()
    m = re.search(r'^"([0-9a-f]{16})","([0-9a-f]+)"', text, re.M)
    icookie, key = m.group(1), m.group(2)
    if which == 'responder':
        r = re.search(r'^# responder Ka: ([0-9a-f]+)', text, re.M)
        if not r:
            return None
        key = r.group(1)
    return [f'uat:ikev1_decryption_table:{icookie},{key}']


def notify_multiset(rows, ini, keys_rows=None):
    out = Counter()
    for r in rows:
        role = 'initiator' if r['ip.src'] == ini else 'responder'
        for t in ints(r['isakmp.notify.msgtype']):
            out[(t, role, int(r['isakmp.exchangetype'].split('|')[0]))] += 1
    return out


def verify_ike(t, cap):
    ini, rsp = t['initiator']['address'], t['responder']['address']
    ike = t['ike']
    F = ['frame.number', 'frame.time_relative', 'ip.src', 'ip.dst', 'udp.srcport', 'udp.dstport', 'isakmp.version',
         'isakmp.exchangetype', 'isakmp.flags', 'isakmp.ispi', 'isakmp.rspi', 'isakmp.notify.msgtype',
         'isakmp.ike.attr.encryption_algorithm', 'isakmp.ike.attr.key_length', 'isakmp.ike.attr.hash_algorithm',
         'isakmp.ike.attr.group_description', 'isakmp.ike.attr.authentication_method', 'isakmp.id.type',
         'isakmp.id.data.fqdn', 'isakmp.id.data.ipv4_addr', 'isakmp.tf.id.encr', 'isakmp.tf.id.dh', 'isakmp.ike2.attr.key_length',
         'udp.payload']
    rows = tshark(cap, F, 'isakmp && !icmp')  # not the copies quoted in ICMP errors
    check(len(rows) > 0, 'tshark decodes ISAKMP', f'{len(rows)} frames')
    if not rows:
        return
    first = rows[0]
    check(first['ip.src'] == ini and first['ip.dst'] == rsp, f'initiator {ini} -> responder {rsp}',
          f"first ISAKMP frame {first['ip.src']} -> {first['ip.dst']}")
    want_v = '0x10' if ike['version'] == 1 else '0x20'
    vs = {r['isakmp.version'] for r in rows}
    check(vs == {want_v}, f"IKE version {ike['version']}", f'isakmp.version {sorted(vs)}')
    ex1 = int(first['isakmp.exchangetype'])
    check(ex1 == PHASE1[ike['phase1Exchange']], f"phase 1 exchange {ike['phase1Exchange']}", f'first exchange type {ex1}')
    ports = sorted({int(r['udp.dstport']) for r in rows} | {int(r['udp.srcport']) for r in rows})
    check(ports == sorted(ike['udpPorts']), f"UDP ports {ike['udpPorts']}", f'seen {ports}')

    # message counts per exchange type and direction
    seen = Counter()
    for r in rows:
        seen[(int(r['isakmp.exchangetype']), 'i2r' if r['ip.src'] == ini else 'r2i')] += 1
    want = Counter()
    for e in ike['exchanges']:
        if e['initiatorToResponder']:
            want[(e['type'], 'i2r')] = e['initiatorToResponder']
        if e['responderToInitiator']:
            want[(e['type'], 'r2i')] = e['responderToInitiator']
        if 'encrypted' in e:
            enc = {(int(r['isakmp.flags'], 16) & 1) == 1 for r in rows if int(r['isakmp.exchangetype']) == e['type']}
            # IKEv2 has no E flag: an Encrypted payload instead; only IKEv1 is checked by the flag
            if ike['version'] == 1:
                check(enc == {e['encrypted']}, f"exchange {e['type']} ({e['name']}) encrypted={e['encrypted']}", f'E flag {sorted(enc)}')
    desc = ', '.join(f"{e['name']} {e['initiatorToResponder']}/{e['responderToInitiator']}" for e in ike['exchanges'])
    check(seen == want, f'messages per exchange (initiator->responder/responder->initiator): {desc}',
          '' if seen == want else f'tshark {dict(seen)}')

    # phase 1 proposals (IKEv1: transform attributes of message 1 / selected one in message 2)
    if ike['version'] == 1 and ike['proposals'].get('initiator'):
        want_t = [v1_transform(p) for p in ike['proposals']['initiator']]
        got = (int(first['isakmp.ike.attr.encryption_algorithm'] or 0), int(first['isakmp.ike.attr.key_length'] or 0),
               int(first['isakmp.ike.attr.hash_algorithm'] or 0), int(first['isakmp.ike.attr.group_description'] or 0))
        check(got in want_t, f"initiator proposal {ike['proposals']['initiator']}", f'message 1 transform enc/keylen/hash/group {got}')
        check(first['isakmp.ike.attr.authentication_method'] == '1', 'auth method pre-shared key (1) in message 1',
              first['isakmp.ike.attr.authentication_method'])
        sa_resp = [r for r in rows if r['ip.src'] == rsp and r['isakmp.ike.attr.encryption_algorithm']]
        if (ike['outcome'] == 'complete' or ike.get('lastGoodMessage', 0) >= 2) and ike['proposals']['initiator'] == ike['proposals'].get('responder'):
            r = sa_resp[0] if sa_resp else None
            got = r and (int(r['isakmp.ike.attr.encryption_algorithm']), int(r['isakmp.ike.attr.key_length'] or 0),
                         int(r['isakmp.ike.attr.hash_algorithm']), int(r['isakmp.ike.attr.group_description']))
            check(bool(r) and got in want_t, 'responder selects that proposal', f'message 2 transform {got}')
        elif ike['proposals'].get('responder') is not None and ike['proposals']['initiator'] != ike['proposals']['responder']:
            check(not sa_resp, 'responder returns no SA (no common proposal)', f'{len(sa_resp)} responder frames with an SA')
    if ike['version'] == 2:
        check(first['isakmp.tf.id.encr'] == '12' and first['isakmp.ike2.attr.key_length'] == '128' and first['isakmp.tf.id.dh'] == '14',
              f"initiator proposal {ike['proposals']['initiator']} (ENCR_AES_CBC 128, DH 14)",
              f"encr {first['isakmp.tf.id.encr']} keylen {first['isakmp.ike2.attr.key_length']} dh {first['isakmp.tf.id.dh']}")

    # identities: in the clear only in Aggressive Mode
    if ike['phase1Exchange'] == 'aggressive':
        ids = [(r['ip.src'], r['isakmp.id.data.fqdn']) for r in rows if r['isakmp.id.data.fqdn']]
        check((ini, t['initiator']['ikeId']) in ids, f"initiator ID_FQDN {t['initiator']['ikeId']} in the clear", str(ids))
        if ike['outcome'] == 'complete':
            check((rsp, t['responder']['ikeId']) in ids, f"responder ID_FQDN {t['responder']['ikeId']} in the clear", str(ids))

    # retransmissions
    rt = ike.get('retransmissions')
    if rt:
        if rt['message'] == 1:
            m1 = [r for r in rows if r['ip.src'] == ini and int(r['isakmp.rspi'] or '0', 16) == 0]
            check(len(m1) == 1 + rt['count'] and len({r['udp.payload'] for r in m1}) == 1,
                  f"message 1 sent {1 + rt['count']} times, byte-identical", f'{len(m1)} copies')
            if 'intervalsSeconds' in rt:
                ts = [float(r['frame.time_relative']) for r in m1]
                gaps = [round(b - a, 2) for a, b in zip(ts, ts[1:])]
                check(all(abs(g - w) < 0.2 for g, w in zip(gaps, rt['intervalsSeconds'])) and len(gaps) == len(rt['intervalsSeconds']),
                      f"retransmission intervals {rt['intervalsSeconds']} s", f'{gaps}')
        if rt['message'] == 5:
            m5 = [r for r in rows if r['ip.src'] == ini and int(r['isakmp.exchangetype']) == 2 and int(r['isakmp.flags'], 16) & 1]
            check(len(m5) == 1 + rt['count'] and len({r['udp.payload'] for r in m5}) == 1,
                  f"message 5 sent {1 + rt['count']} times, byte-identical", f'{len(m5)} encrypted Main Mode frames from the initiator')

    # plaintext notifications (no keys)
    pn = notify_multiset(rows, ini)
    want_pn = Counter({(n['type'], n['from'], n['exchangeType']): n['count'] for n in t['plaintextNotifications']})
    check(pn == want_pn, 'plaintext notifications ' + (', '.join(f"{n['type']} {n['name']} from {n['from']}" for n in t['plaintextNotifications']) or 'none'),
          '' if pn == want_pn else f'tshark {dict(pn)}')

    # encrypted notifications: IKEv1 with the key file, IKEv2 from the charon log
    en = t.get('encryptedNotifications', [])
    if ike['version'] == 1 and en:
        def enc_frames(role):
            return [r for r in rows if (r['ip.src'] == ini) == (role == 'initiator') and int(r['isakmp.flags'], 16) & 1]
        for which in ('initiator', 'responder'):
            claims = [n for n in en if n.get('decryptsWith', 'initiator key') == f'{which} key']
            if not claims:
                continue
            opts = key_opts(t, which)
            if not opts:
                check(False, f'key file has the {which} key')
                continue
            src = cap
            if which == 'responder':
                # Wireshark chains the CBC IV through every encrypted message of the SA: with the
                # responder's key, the initiator's (differently keyed) messages must be left out
                keep = [r['frame.number'] for r in rows if not (r['ip.src'] == ini and int(r['isakmp.flags'], 16) & 1)]
                src = os.path.join(tmpdir(), 'responder-only.pcap')
                subprocess.run(['editcap', '-r', cap, src] + keep, check=True, capture_output=True)
            drows = tshark(src, F, 'isakmp && !icmp', opts)
            dn = notify_multiset(drows, ini) - pn
            for n in claims:
                k = (n['type'], n['from'], n['exchangeType'])
                frames = [r for r in enc_frames(n['from']) if int(r['isakmp.exchangetype']) == n['exchangeType']]
                copies = len(frames) // max(1, len({r['udp.payload'] for r in frames}))
                # byte-identical retransmissions: tshark decrypts only the first copy (its IV has moved on)
                want_n = n['count'] // copies if n['from'] == which else n['count']
                note = f' ({copies} byte-identical copies, tshark decrypts the first)' if copies > 1 and n['from'] == which else ''
                check(dn[k] == want_n, f"encrypted {n['type']} {n['name']} from {n['from']} x{n['count']} (decrypted with the {which} key){note}", f'tshark {dn[k]}')
    elif en:
        log = open(cap[:-len('.pcap')] + '.charon.log').read()
        for n in en:
            ab = SWAN_ABBR.get(n['type'])
            ok = ab is not None and re.search(rf"\[ENC\] generating IKE_AUTH (request|response) 1 \[.*N\({ab}\)", log) is not None
            check(ok, f"encrypted {n['type']} {n['name']} from {n['from']} (tshark cannot decrypt IKEv2 here: checked in the charon log as N({ab}))")

    # ESP
    esp = tshark(cap, ['frame.number', 'ip.src', 'udp.dstport', 'esp.spi'], 'esp')
    exp = t['esp']['expected']
    check((len(esp) > 0) == exp, f'ESP expected={exp}', f'{len(esp)} ESP frames')
    if exp:
        check(all(r['udp.dstport'] == str(t['esp']['udpPort']) for r in esp) == t['esp']['udpEncapsulated'],
              f"ESP in UDP {t['esp']['udpPort']}")
        dirs = {r['ip.src'] for r in esp}
        check(dirs == {ini, rsp}, 'ESP in both directions', str(sorted(dirs)))
        check(len({r['esp.spi'] for r in esp}) == 2, 'one SPI per direction', str(sorted({r['esp.spi'] for r in esp})))
    # ICMP
    icmp = tshark(cap, ['frame.number'], 'icmp.type == 3 && icmp.code == 3')
    check(len(icmp) == t.get('icmpUnreachable', 0), f"ICMP port unreachable x{t.get('icmpUnreachable', 0)}", f'{len(icmp)}')
    # TCP and iSCSI (through ESP NULL when claimed)
    opts = ['esp.enable_null_encryption_decode_heuristic:TRUE'] if t['esp'].get('encryption') == 'null' else []
    verify_tcp(t, cap, opts)
    if t.get('iscsi'):
        verify_iscsi_login(t, cap, opts)


# ------------------------------------------------------------------------------------- TCP
def verify_tcp(t, cap, opts=()):
    rows = tshark(cap, ['frame.number', 'ip.src', 'ip.dst', 'tcp.srcport', 'tcp.dstport', 'tcp.flags.syn', 'tcp.flags.ack', 'tcp.flags.reset'], 'tcp', opts)
    claims = t.get('tcp', [])
    if not claims:
        check(not rows, 'no TCP', f'{len(rows)} TCP frames')
        return
    for c in claims:
        addr, port = c['to'].rsplit(':', 1)
        syns = [r for r in rows if r['ip.src'] == c['from'] and r['ip.dst'] == addr and r['tcp.dstport'] == port
                and r['tcp.flags.syn'] in ('1', 'True') and r['tcp.flags.ack'] in ('0', 'False')]
        check(len(syns) == c.get('attempts', 1), f"TCP SYN {c['from']} -> {c['to']} x{c.get('attempts', 1)}", f'{len(syns)}')
        back = [r for r in rows if r['ip.src'] == addr and r['tcp.srcport'] == port]
        if c['outcome'] == 'rst':
            check(bool(back) and all(r['tcp.flags.reset'] in ('1', 'True') for r in back), f"answered by RST only", f'{len(back)} frames back')
        elif c['outcome'] == 'established':
            check(any(r['tcp.flags.syn'] in ('1', 'True') and r['tcp.flags.ack'] in ('1', 'True') for r in back), 'answered by SYN/ACK')


# ------------------------------------------------------------------------------------- iSCSI
def kv(s):
    """iscsi.keyvalue occurrences joined by '|' -> list of (key, value)."""
    return [tuple(x.split('=', 1)) for x in s.split('|') if '=' in x] if s else []


def verify_iscsi_login(t, cap, opts=()):
    sc = t['iscsi']
    F = ['frame.number', 'ip.src', 'tcp.srcport', 'tcp.dstport', 'iscsi.opcode', 'iscsi.login.T', 'iscsi.login.csg',
         'iscsi.login.nsg', 'iscsi.login.status', 'iscsi.keyvalue']
    rows = tshark(cap, F, 'iscsi', opts)
    port = str(t['portal']['port'])
    req = [r for r in rows if r['iscsi.opcode'] == '0x03']
    rsp = [r for r in rows if r['iscsi.opcode'] == '0x23']
    lp = sc.get('loginPdus')
    if lp:
        check((len(req), len(rsp)) == (lp['requests'], lp['responses']), f"Login PDUs {lp['requests']} requests / {lp['responses']} responses",
              f'{len(req)}/{len(rsp)}')
    if not req:
        check(sc['loginOutcome'] == 'no-response', 'no iSCSI PDU on the wire', f'{len(rows)} iSCSI PDUs')
        return
    check(all(r['tcp.dstport'] == port for r in req), f'Login to port {port}')
    first = dict(kv(req[0]['iscsi.keyvalue']))
    check(first.get('SessionType') == sc['sessionType'], f"SessionType={sc['sessionType']}", first.get('SessionType', ''))
    check(first.get('InitiatorName') == sc['initiatorName'], f"InitiatorName={sc['initiatorName']}", first.get('InitiatorName', ''))
    check(first.get('TargetName') == sc['targetName'], f"TargetName={sc['targetName']}", str(first.get('TargetName')))
    if 'authMethodOffered' in sc:
        check(first.get('AuthMethod') == sc['authMethodOffered'], f"AuthMethod offered {sc['authMethodOffered']}", str(first.get('AuthMethod')))
    rkeys = dict(k for r in rsp for k in kv(r['iscsi.keyvalue']))
    qkeys = dict(k for r in req for k in kv(r['iscsi.keyvalue']))
    chosen = rkeys.get('AuthMethod', 'None')
    check(chosen == sc['authMethod'], f"AuthMethod {sc['authMethod']}", f'target answered {rkeys.get("AuthMethod")}')
    if 'chapAlgorithm' in sc:
        check(qkeys.get('CHAP_A') == str(sc['chapAlgorithm']) and rkeys.get('CHAP_A') == str(sc['chapAlgorithm']), f"CHAP_A={sc['chapAlgorithm']}")
        check('CHAP_C' in rkeys and 'CHAP_I' in rkeys, 'target sends CHAP_I and CHAP_C')
    if 'chapUser' in sc:
        check(qkeys.get('CHAP_N') == sc['chapUser'] and 'CHAP_R' in qkeys, f"CHAP_N={sc['chapUser']} with CHAP_R")
    if sc.get('mutualChap') is False:
        check('CHAP_C' not in qkeys, 'no mutual CHAP (no CHAP_C from the initiator)')
    last = rsp[-1] if rsp else None
    st = int(last['iscsi.login.status'], 16) if last else None
    want = None if sc['statusClass'] is None else (sc['statusClass'] << 8) | sc['statusDetail']
    check(st == want, f"final Login response status class {sc['statusClass']} detail {sc['statusDetail']}", f'iscsi.login.status {last and last["iscsi.login.status"]}')
    success = last is not None and st == 0 and last['iscsi.login.T'] in ('1', 'True') and last['iscsi.login.nsg'] == '0x03'
    check(success == (sc['loginOutcome'] == 'success'), f"login outcome {sc['loginOutcome']}",
          f"T={last and last['iscsi.login.T']} NSG={last and last['iscsi.login.nsg']}")
    dg = sc.get('digests')
    if dg:
        check(rkeys.get('HeaderDigest') == dg['header'] and rkeys.get('DataDigest') == dg['data'],
              f"digests negotiated HeaderDigest={dg['header']} DataDigest={dg['data']}", f"{rkeys.get('HeaderDigest')}/{rkeys.get('DataDigest')}")
        if 'offeredHeader' in dg:
            check(qkeys.get('HeaderDigest') == dg['offeredHeader'] and qkeys.get('DataDigest') == dg['offeredData'],
                  f"initiator offered HeaderDigest={dg['offeredHeader']} DataDigest={dg['offeredData']}")
    if 'logout' in sc:
        lo = [r for r in rows if r['iscsi.opcode'] == '0x06']
        check(bool(lo) == sc['logout'], f"Logout {'present' if sc['logout'] else 'absent'}")
    if 'textRequest' in sc:
        tq = [r for r in rows if r['iscsi.opcode'] == '0x04']
        check(bool(tq) and tq[0]['iscsi.keyvalue'] == sc['textRequest'], f"Text request {sc['textRequest']}", tq and tq[0]['iscsi.keyvalue'])
        tr = [r for r in rows if r['iscsi.opcode'] == '0x24']
        pairs, cur = [], None
        for k, v in kv('|'.join(r['iscsi.keyvalue'] for r in tr)):
            if k == 'TargetName':
                cur = {'TargetName': v, 'TargetAddress': []}
                pairs.append(cur)
            elif k == 'TargetAddress' and cur is not None:
                cur['TargetAddress'].append(v)
        check(pairs == sc['sendTargets'], 'SendTargets answer ' + '; '.join(f"{p['TargetName']} @ {','.join(p['TargetAddress'])}" for p in sc['sendTargets']),
              '' if pairs == sc['sendTargets'] else str(pairs))
        for name in sc.get('targetsNotReported', []):
            check(all(p['TargetName'] != name for p in pairs), f'{name} not reported')
    if 'scsi' in sc:
        cmds = [r for r in rows if r['iscsi.opcode'] == '0x01']
        check(len(cmds) == len(sc['scsi']), f"{len(sc['scsi'])} SCSI commands", f'{len(cmds)}')


def verify_iscsi(t, cap):
    first = tshark(cap, ['ip.src', 'ip.dst', 'tcp.dstport'], 'tcp.flags.syn == 1 && tcp.flags.ack == 0')
    check(bool(first) and first[0]['ip.src'] == t['initiator']['address'], f"initiator address {t['initiator']['address']}")
    check(bool(first) and first[0]['ip.dst'] == t['portal']['address'] and first[0]['tcp.dstport'] == str(t['portal']['port']),
          f"portal {t['portal']['address']}:{t['portal']['port']}")
    esp = tshark(cap, ['frame.number'], 'esp || isakmp')
    check(not esp, 'no IKE/ESP')
    verify_tcp(t, cap)
    verify_iscsi_login(t, cap)


def main():
    files = sys.argv[1:] or sorted(glob.glob(os.path.join(HERE, 'ike', '*.truth.json')) + glob.glob(os.path.join(HERE, 'iscsi', '*.truth.json')))
    for f in files:
        t = json.load(open(f))
        t['_path'] = f
        cap = os.path.join(os.path.dirname(f), t['capture'])
        n = len(tshark(cap, ['frame.number']))
        print(f"{os.path.relpath(cap, os.path.dirname(HERE))} ({n} frames)")
        if t.get('ike'):
            verify_ike(t, cap)
        else:
            verify_iscsi(t, cap)
    if _tmp:
        import shutil
        shutil.rmtree(_tmp[0])
    print(f"{'all claims hold' if not failures else f'{failures} claims FAILED'}")
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
