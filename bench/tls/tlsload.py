#!/usr/bin/env python3
"""TLS load for bench/tls/run.sh (stdlib only).

  handshakes PORT CA SECONDS PROCS NAMES  new TLS connection per request, SNI rotating over app1..appNAMES.bench.local;
                                          one GET / each; full handshakes (no session is offered for resumption, though
                                          both servers issue TLS 1.3 tickets); prints connections/s
  warm PORT CA NAMES                      one handshake per name, so every name is in the router's certificate cache
  rotation PORTS CA REDIS_PORT NAME ROUNDS CERTDIR
                                          rotates NAME's certificate in Redis (HSET + PUBLISH), polls handshakes on every
                                          router (PORTS comma-separated) until each serves the new one; prints
                                          p50/p99/max ms of "written -> served by every router"
"""
import hashlib, multiprocessing as mp, socket, ssl, sys, time


def one(port, ctx, name):
    with socket.create_connection(("127.0.0.1", port)) as raw:
        with ctx.wrap_socket(raw, server_hostname=name) as tls:
            tls.sendall(f"GET / HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n".encode())
            while tls.recv(65536):
                pass


def worker(port, ca, seconds, names, offset, out):
    ctx = ssl.create_default_context(cafile=ca)
    ctx.set_alpn_protocols(["http/1.1"])
    done, i, end = 0, offset, time.monotonic() + seconds
    while time.monotonic() < end:
        i = i % names + 1
        try:
            one(port, ctx, f"app{i}.bench.local")
            done += 1
        except OSError:
            pass
    out.put(done)


def handshakes(port, ca, seconds, procs, names):
    q = mp.Queue()
    ps = [mp.Process(target=worker, args=(port, ca, seconds, names, k * 997, q)) for k in range(procs)]
    for p in ps: p.start()
    total = sum(q.get() for _ in ps)
    for p in ps: p.join()
    print(f"{total / seconds:.0f}")


def warm(port, ca, names):
    ctx = ssl.create_default_context(cafile=ca)
    ctx.set_alpn_protocols(["http/1.1"])
    for i in range(1, names + 1):
        one(port, ctx, f"app{i}.bench.local")


def command(sock, *args):
    data = f"*{len(args)}\r\n".encode()
    for a in args:
        b = a if isinstance(a, bytes) else str(a).encode()
        data += f"${len(b)}\r\n".encode() + b + b"\r\n"
    sock.sendall(data)
    return sock.recv(4096)


def served(port, name):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port)) as raw:
        with ctx.wrap_socket(raw, server_hostname=name) as tls:
            return hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest()


def rotation(ports, ca, redis_port, name, rounds, certdir):
    pairs = []
    for k in ("a", "b"):
        chain = open(f"{certdir}/rot-{k}.pem").read()
        key = open(f"{certdir}/rot-{k}.key").read()
        der = ssl.PEM_cert_to_DER_cert(chain.split("-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n")
        pairs.append((chain, key, hashlib.sha256(der).hexdigest()))
    r = socket.create_connection(("127.0.0.1", redis_port))
    times = []
    for i in range(rounds):
        chain, key, fp = pairs[i % 2]
        start = time.monotonic()
        command(r, "HSET", f"entrance:cert:{name}", "chain", chain, "key", key)
        command(r, "PUBLISH", "entrance:changed", f"cert:{name}")
        waiting = list(ports)
        while waiting and time.monotonic() - start < 30:
            waiting = [p for p in waiting if served(p, name) != fp]
        times.append((time.monotonic() - start) * 1000)
    times.sort()
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    print(f"p50={p(0.5):.1f} p99={p(0.99):.1f} max={times[-1]:.1f}")


if __name__ == "__main__":
    mode, a = sys.argv[1], sys.argv[2:]
    if mode == "handshakes":
        handshakes(int(a[0]), a[1], float(a[2]), int(a[3]), int(a[4]))
    elif mode == "warm":
        warm(int(a[0]), a[1], int(a[2]))
    else:
        rotation([int(p) for p in a[0].split(",")], a[1], int(a[2]), a[3], int(a[4]), a[5])
