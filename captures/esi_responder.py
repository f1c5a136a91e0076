# Answers ESI from isnsd on 127.0.0.1:5000 the way an iSNS client does: ESIRsp, status 0, attributes echoed.
import socket, struct, sys, threading, time
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(('127.0.0.1', int(sys.argv[1]))); srv.listen(8); srv.settimeout(float(sys.argv[2]))
end = time.time() + float(sys.argv[2])
def serve(c):
    buf = b''
    c.settimeout(3)
    try:
        while True:
            d = c.recv(65536)
            if not d: return
            buf += d
            while len(buf) >= 12:
                ver, fid, plen, flags, xid, seq = struct.unpack('>HHHHHH', buf[:12])
                if len(buf) < 12 + plen: break
                payload, buf = buf[12:12 + plen], buf[12 + plen:]
                if fid == 0x000d:
                    body = struct.pack('>I', 0) + payload
                    c.sendall(struct.pack('>HHHHHH', 1, 0x800d, len(body), 0x4c00, xid, 0) + body)
    except Exception:
        pass
    finally:
        c.close()
while time.time() < end:
    try:
        c, _ = srv.accept()
    except socket.timeout:
        break
    threading.Thread(target=serve, args=(c,), daemon=True).start()
