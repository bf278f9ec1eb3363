#!/usr/bin/env python3
"""Hostile clients against a running animerec server (loopback only, bounded in time).

  edge.py trickle --port P --connections 3000 --interval 3 --head-timeout 10
      opens N connections that each send one header line every INTERVAL seconds and never finish
      the request head; probes GET /health twice a second meanwhile; reports how long /health
      took, how many connections were held, and when the server closed them.
  edge.py burst --port P --requests 2000 --users 300
      sends N concurrent GET /recommends/{random user}; every answer must be 200 or 503, none may
      hang or fail; then checks the service is healthy.
Prints the figures and exits 1 when a condition fails.
"""
import argparse
import asyncio
import random
import resource
import statistics
import sys
import time

HOST = "127.0.0.1"


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def get(port, path, timeout, phase=None):
    """One GET on a fresh connection: (status or None, seconds). `phase`, a one-item list, is
    set to where a failure happened: "connect", "answer" (no status line yet), "body", "closed
    without an answer" or the name of a connection error."""
    started = time.monotonic()
    try:
        if phase is not None:
            phase[:] = ["connect"]
        reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), timeout)
        if phase is not None:
            phase[:] = ["answer"]
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), timeout - (time.monotonic() - started))
        if phase is not None:
            phase[:] = ["body" if line else "closed without an answer"]
        await asyncio.wait_for(reader.read(), max(0.1, timeout - (time.monotonic() - started)))
        writer.close()
        parts = line.split()
        return (int(parts[1]) if len(parts) >= 2 else None), time.monotonic() - started
    except (OSError, asyncio.TimeoutError, ValueError) as error:
        if phase is not None and not isinstance(error, asyncio.TimeoutError):
            phase[:] = [type(error).__name__]
        return None, time.monotonic() - started


async def trickle(args):
    opened, refused, closed_after = 0, 0, []
    stop = asyncio.Event()

    async def slow_client(n):
        nonlocal opened, refused
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, args.port), 10)
        except (OSError, asyncio.TimeoutError):
            refused += 1
            return
        opened += 1
        start = time.monotonic()
        writer.write(b"GET /health HTTP/1.1\r\n")
        await writer.drain()
        line = 0
        try:
            while not stop.is_set():
                try:
                    data = await asyncio.wait_for(reader.read(1024), args.interval)
                    if not data:  # the server closed the connection
                        closed_after.append(time.monotonic() - start)
                        return
                except asyncio.TimeoutError:
                    line += 1
                    writer.write(f"X-Trickle-{line}: {n}\r\n".encode())
                    await writer.drain()
        except OSError:
            closed_after.append(time.monotonic() - start)
        finally:
            writer.close()

    latencies, failures = [], []

    async def probe():
        while not stop.is_set():
            at, phase = time.monotonic() - started, []
            status, seconds = await get(args.port, "/health", 1.0, phase)
            if status == 200 and seconds < 1.0:
                latencies.append(seconds)
            else:  # when, and where it stalled: a slow accept is not a slow answer
                failures.append(f"{at:.1f} s: {phase[0] if status is None else status} after {seconds * 1000:.0f} ms")
            await asyncio.sleep(0.5)

    started = time.monotonic()
    clients = []
    for n in range(args.connections):  # open them quickly, in waves, without overwhelming accept()
        clients.append(asyncio.create_task(slow_client(n)))
        if n % 200 == 199:
            await asyncio.sleep(0.05)
    prober = asyncio.create_task(probe())
    deadline = started + args.head_timeout * 2 + 20
    while time.monotonic() < deadline and len(closed_after) + refused < args.connections:
        await asyncio.sleep(0.5)
    held_seconds = time.monotonic() - started
    stop.set()
    await asyncio.gather(*clients, return_exceptions=True)
    prober.cancel()
    print(f"edge: trickle: {opened} connections opened ({refused} refused), each sending one header line every {args.interval:g} s")
    print(f"edge: trickle: server closed {len(closed_after)} of them, the last after {max(closed_after, default=float('nan')):.1f} s "
          f"(median {statistics.median(closed_after) if closed_after else float('nan'):.1f} s; head timeout {args.head_timeout} s)")
    print(f"edge: trickle: /health during the trickle: {len(latencies)} answered, p50 {pct(latencies, 50) * 1000:.1f} ms, "
          f"p99 {pct(latencies, 99) * 1000:.1f} ms, max {max(latencies, default=float('nan')) * 1000:.1f} ms, "
          f"{len(failures)} slower than 1 s or failed" + (f" ({'; '.join(failures)})" if failures else ""))
    ok = not failures and len(latencies) > 0 and len(closed_after) == opened and opened >= args.connections * 0.99 \
        and max(closed_after, default=0) <= args.head_timeout + args.interval + 5
    print(f"edge: trickle: {'PASS' if ok else 'FAIL'} (after {held_seconds:.0f} s)")
    return ok


async def burst(args):
    rng = random.Random(7)
    paths = [f"/recommends/{rng.randint(1, args.users)}" for _ in range(args.requests)]
    started = time.monotonic()
    phases = [[] for _ in paths]
    results = await asyncio.gather(*(get(args.port, path, args.timeout, phase) for path, phase in zip(paths, phases)))
    elapsed = time.monotonic() - started
    counts, unanswered = {}, {}
    for (status, seconds), phase in zip(results, phases):
        counts[status] = counts.get(status, 0) + 1
        if status is None:  # where it stalled, and the longest wait
            count, longest = unanswered.get(phase[0], (0, 0.0))
            unanswered[phase[0]] = (count + 1, max(longest, seconds))
    ok_latencies = [s for status, s in results if status == 200]
    print(f"edge: burst: {args.requests} concurrent GET /recommends in {elapsed:.1f} s: "
          + ", ".join(f"{'no answer' if k is None else k}: {v}" for k, v in sorted(counts.items(), key=lambda kv: str(kv[0]))))
    for phase, (count, longest) in sorted(unanswered.items()):
        print(f"edge: burst: no answer: {count} in phase '{phase}' (longest {longest:.1f} s)")
    print(f"edge: burst: 200s p50 {pct(ok_latencies, 50) * 1000:.0f} ms, p99 {pct(ok_latencies, 99) * 1000:.0f} ms")
    await asyncio.sleep(0.5)
    health, health_s = await get(args.port, "/health", 1.0)
    recommends, rec_s = await get(args.port, "/recommends/1", 2.0)
    print(f"edge: burst: right after: /health {health} in {health_s * 1000:.0f} ms, /recommends/1 {recommends} in {rec_s * 1000:.0f} ms")
    ok = set(counts) <= {200, 503} and counts.get(200, 0) > 0 and health == 200 and recommends == 200
    print(f"edge: burst: {'PASS' if ok else 'FAIL'}")
    return ok


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="mode", required=True)
    t = sub.add_parser("trickle")
    t.add_argument("--port", type=int, required=True)
    t.add_argument("--connections", type=int, default=3000)
    t.add_argument("--interval", type=float, default=3.0)
    t.add_argument("--head-timeout", type=float, default=10.0)
    b = sub.add_parser("burst")
    b.add_argument("--port", type=int, required=True)
    b.add_argument("--requests", type=int, default=2000)
    b.add_argument("--users", type=int, default=300)
    b.add_argument("--timeout", type=float, default=30.0)
    args = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 16384)), hard))
    ok = asyncio.run(trickle(args) if args.mode == "trickle" else burst(args))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
