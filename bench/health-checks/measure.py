"""Polls Redis and two routers from one process (persistent connections, no process start per poll) for
bench/health-checks/run.sh. Usage: measure.py redis_port router1 router2 green_port green_dir rounds interval"""
import http.client, os, socket, sys, time

redis_port, r1, r2, green_port, green_dir, rounds, interval = sys.argv[1:8]
green = f"http://127.0.0.1:{green_port}"
redis = socket.create_connection(("127.0.0.1", int(redis_port)))
reader = redis.makefile("rb")
routers = {p: http.client.HTTPConnection("127.0.0.1", int(p), timeout=5) for p in (r1, r2)}


def zscore():
    redis.sendall(f"ZSCORE entrance:dead:app.example.com {green}\r\n".encode())
    line = reader.readline()
    if line.startswith(b"$-1"):
        return None
    return reader.readline().strip()


def get(port):
    conn = routers[port]
    try:
        conn.request("GET", "/index.html", headers={"Host": "app.example.com"})
        return conn.getresponse().read().decode()
    except (OSError, http.client.HTTPException):
        conn.close()
        return ""


def settled(colour, n):
    """n answers in a row of that colour from each router (round-robin: any n >= 2 would show the other colour)."""
    return all(all(get(p) == colour for _ in range(n)) for p in routers)


def seen(colour):
    return all(any(get(p) == colour for _ in range(4)) for p in routers)


def until(condition):
    while not condition():
        time.sleep(0.005)


health = os.path.join(green_dir, "health")
for i in range(1, int(rounds) + 1):
    os.remove(health)
    t0 = time.monotonic()
    until(lambda: zscore() is not None)
    marked = time.monotonic() - t0
    until(lambda: settled("blue", 6))
    off = time.monotonic() - t0
    with open(health, "w") as f:
        f.write("ok")
    t1 = time.monotonic()
    until(lambda: zscore() is None)
    cleared = time.monotonic() - t1
    until(lambda: seen("green"))
    back = time.monotonic() - t1
    print(f"round {i} (interval {interval}, fails 3, passes 2): marked after {marked * 1000:.0f} ms, both routers off it after {off * 1000:.0f} ms; "
          f"cleared after {cleared * 1000:.0f} ms, both routers using it after {back * 1000:.0f} ms", flush=True)
    time.sleep(1)
