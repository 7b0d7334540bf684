# Peers of tests/e2e/trace_cmd.sh (pp-trace -- COMMAND, -p PID --children):
#   tcpserver PORTFILE HOLD   HTTP/1.0 server: each connection is answered
#                             HOLD s after its request, so that polling sees it
#   udpserver PORTFILE        echoes every datagram
#   acceptone PIDFILE PORTFILE
#                             answers one TCP connection, then exits
#   udpclient PIDFILE PORT HOLD
#                             a connected UDP socket: one datagram out, the
#                             echo in, held HOLD s
#   dnsquery PIDFILE NAME     one DNS query (A of NAME) from an unconnected
#                             UDP socket to 127.0.0.1:53, no answer awaited
#                             (pp-trace's kernel DNS reports queries leaving)
#   orphan PIDFILE PORT HOLD DONEFILE PARENT
#                             waits until its parent (pid PARENT) has exited, then
#                             connects to the TCP server (a grandchild of
#                             the traced script that outlives its parent)
import os, socket, sys, threading, time

def portfile(path, port):
    with open(path + ".tmp", "w") as f:
        f.write(str(port))
    os.rename(path + ".tmp", path)

def tcpserver(pf, hold):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    portfile(pf, s.getsockname()[1])
    def serve(c):
        try:
            c.recv(4096)
            time.sleep(hold)
            c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
        finally:
            c.close()
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()

def acceptone(pidf, pf):
    mypid(pidf)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    portfile(pf, s.getsockname()[1])
    c, _ = s.accept()
    c.recv(4096)
    c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
    c.close()

def udpserver(pf):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    portfile(pf, s.getsockname()[1])
    while True:
        d, a = s.recvfrom(2048)
        s.sendto(d, a)

def mypid(pf):
    with open(pf, "w") as f:
        f.write(str(os.getpid()))

def udpclient(pf, port, hold):
    mypid(pf)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    s.send(b"ping")
    s.recv(2048)
    time.sleep(hold)
    s.close()

def dnsquery(pf, name):
    mypid(pf)
    q = os.urandom(2) + b"\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
    q += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\x00\x00\x01\x00\x01"
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(q, ("127.0.0.1", 53))
    s.close()

def orphan(pf, port, hold, done, parent):
    for _ in range(1000):
        if os.getppid() != parent:
            break
        time.sleep(0.01)
    else:
        sys.exit("parent never exited")
    mypid(pf)
    c = socket.create_connection(("127.0.0.1", port), timeout=10)
    c.sendall(b"GET / HTTP/1.0\r\n\r\n")
    c.recv(4096)
    time.sleep(hold)
    c.close()
    open(done, "w").close()

cmd = sys.argv[1]
a = sys.argv[2:]
if cmd == "tcpserver":
    tcpserver(a[0], float(a[1]))
elif cmd == "acceptone":
    acceptone(a[0], a[1])
elif cmd == "udpserver":
    udpserver(a[0])
elif cmd == "udpclient":
    udpclient(a[0], int(a[1]), float(a[2]))
elif cmd == "dnsquery":
    dnsquery(a[0], a[1])
elif cmd == "orphan":
    orphan(a[0], int(a[1]), float(a[2]), a[3], int(a[4]))
else:
    sys.exit("unknown: " + cmd)
