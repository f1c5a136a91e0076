# An iSNS client that registers an initiator whose portal has an SCN port, registers
# for state change notifications (SCNReg), and answers every SCN on that port (SCNRsp).
import socket, struct, sys, threading, time
SERVER, SCN_PORT, SECS = ('127.0.0.1', 3205), int(sys.argv[1]), float(sys.argv[2])
NAME = b'iqn.2026-11.lab:scn.host1'
def tlv(tag, val):
    val += b'\0' * (-len(val) % 4)
    return struct.pack('>II', tag, len(val)) + val
def s(tag, text): return tlv(tag, text + b'\0')
def u32(tag, v): return tlv(tag, struct.pack('>I', v))
def pdu(fid, xid, payload, flags=0x8c00):
    return struct.pack('>HHHHHH', 1, fid, len(payload), flags, xid, 0) + payload
def rpc(sock, p):
    sock.sendall(p)
    h = sock.recv(12); n = struct.unpack('>H', h[4:6])[0]; body = b''
    while len(body) < n: body += sock.recv(n - len(body))
    return h + body
addr = b'\0' * 10 + b'\xff\xff' + bytes([127, 0, 0, 1])
lsn = socket.socket(); lsn.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lsn.bind(('127.0.0.1', SCN_PORT)); lsn.listen(8); lsn.settimeout(SECS)
c = socket.create_connection(SERVER)
reg = s(32, NAME) + s(1, b'lab.scn1') + tlv(0, b'') + s(1, b'lab.scn1') + tlv(16, addr) + u32(17, 3263) + u32(23, SCN_PORT) + s(32, NAME) + u32(33, 2)
rpc(c, pdu(1, 1, reg))
rpc(c, pdu(5, 2, s(32, NAME) + s(32, NAME) + tlv(0, b'') + u32(35, 0x1c)))
c.close()
def serve(k):
    k.settimeout(3); buf = b''
    try:
        while True:
            d = k.recv(65536)
            if not d: return
            buf += d
            while len(buf) >= 12:
                ver, fid, plen, flags, xid, seq = struct.unpack('>HHHHHH', buf[:12])
                if len(buf) < 12 + plen: break
                payload, buf = buf[12:12 + plen], buf[12 + plen:]
                if fid == 0x0008:   # SCN: answer with SCNRsp, status 0 and the destination attribute
                    tag, ln = struct.unpack('>II', payload[:8])
                    k.sendall(pdu(0x8008, xid, struct.pack('>I', 0) + payload[:8 + ln], 0x4c00))
    except Exception:
        pass
    finally:
        k.close()
end = time.time() + SECS
while time.time() < end:
    try: k, _ = lsn.accept()
    except socket.timeout: break
    threading.Thread(target=serve, args=(k,), daemon=True).start()
