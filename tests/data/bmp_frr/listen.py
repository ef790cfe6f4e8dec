import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.0.2.3", 11019)); s.listen(1)
c, addr = s.accept()
out = open(sys.argv[1], "wb"); c.settimeout(1.0)
end = time.time() + float(sys.argv[2])
while time.time() < end:
    try:
        d = c.recv(65536)
    except socket.timeout:
        continue
    if not d: break
    out.write(d); out.flush()
c.close()
