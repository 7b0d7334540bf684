# slow_server.py PORT SECONDS [HOST]: accept one TCP connection, read what
# comes first, then send 64 KiB every 0.1 s for SECONDS and close: a
# transfer that is still running while a live view looks at it.
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1", int(sys.argv[1])))
s.listen(1)
c, _ = s.accept()
c.recv(4096)
end = time.time() + float(sys.argv[2])
while time.time() < end:
    c.sendall(b"x" * 65536)
    time.sleep(0.1)
c.close()
