#!/usr/bin/env python3
"""Load driver of scripts/faults.sh (Python 3 standard library only).

    faultload.py wait   --port P [--host H] [--pid PID] [--timeout S]
        Waits until GET /health and GET /ready both answer 200 (exit 1 when the time is up or
        the server process PID has exited).
    faultload.py load   --port P --seconds S --state FILE [--started FILE] [--workers N] ...
        Runs a bounded mixed load (GET /recommends/{u}, GET /sim/{a}, POST /clicks, one event in
        four a POST /dislikes) from a few threads, each request with a timeout, and writes every
        outcome and every acknowledged event (200 answer) to FILE as JSON. Writes the wall time of the load start to --started
        as soon as the workers run, so the caller can schedule faults relative to it.
    faultload.py verify --port P --state FILE [--events FILE]
        POSTs every acknowledged event again with its event_id, to its own route: a stored event
        answers 200 with "duplicate": true; "duplicate": false (or no 200 after retries) means the
        event was lost.
        Prints latency per route, a timeline with the events of --events ("<epoch> <label>" per
        line) marked in it, and the summary lines; exits 0 only when nothing failed and nothing
        was lost.
"""
import argparse
import http.client
import csv
import json
import math
import os
import random
import socket
import sys
import threading
import time
import uuid

ROUTES = ("recommends", "sim", "clicks")
LABELS = {"recommends": "GET /recommends/{u}", "sim": "GET /sim/{a}", "clicks": "POST /clicks, /dislikes"}


def log(message):
    print(f"faultload: {message}", file=sys.stderr, flush=True)


def loopback(host):
    if not host.startswith("127."):
        sys.exit(f"faultload: refusing non-loopback host {host!r}")
    return host


# ---------------------------------------------------------------- one request


class Client:
    """One keep-alive connection; any transport error drops it, the next request reconnects."""

    def __init__(self, host, port, timeout):
        self.host, self.port, self.timeout = host, port, timeout
        self.conn = None

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except OSError:
                pass
            self.conn = None

    def request(self, method, path, body=None):
        """Returns (status, body bytes, None) or (None, None, failure kind 'timeout'/'connection')."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
            if response.will_close:
                self.close()
            return response.status, data, None
        except (TimeoutError, socket.timeout):  # the same class on 3.10+
            self.close()
            return None, None, "timeout"
        except (OSError, http.client.HTTPException) as error:
            self.close()
            return None, None, f"connection ({type(error).__name__})"


def check_click(status, data, event_id):
    """Classifies a POST /clicks answer: ('acked', duplicate) or (failure kind, None)."""
    if status != 200:
        return None, None
    try:
        payload = json.loads(data)
    except ValueError:
        return "bad body (not JSON)", None
    if not isinstance(payload, dict) or payload.get("status") != "recorded":
        return "bad body (status is not 'recorded')", None
    if str(payload.get("event_id", "")).lower() != event_id:
        return "bad body (other event_id)", None
    if not isinstance(payload.get("duplicate"), bool):
        return "bad body (no boolean duplicate)", None
    return "acked", payload["duplicate"]


# ---------------------------------------------------------------- wait


def cmd_wait(args):
    deadline = time.monotonic() + args.timeout
    client = Client(args.host, args.port, 2)
    last = "no answer"
    while time.monotonic() < deadline:
        if args.pid:
            try:
                os.kill(args.pid, 0)
            except ProcessLookupError:
                log(f"the server (pid {args.pid}) exited before it was ready")
                return 1
            except PermissionError:
                pass
        ok = True
        for path in ("/health", "/ready"):
            status, _, failure = client.request("GET", path)
            if status != 200:
                last = f"{path}: {status if status is not None else failure}"
                ok = False
                break
        if ok:
            return 0
        time.sleep(0.25)
    log(f"the server was not ready within {args.timeout:.0f} s (last: {last})")
    return 1


# ---------------------------------------------------------------- load


def cmd_load(args):
    weights = [args.mix_recommends, args.mix_sim, args.mix_clicks]
    if min(weights) < 0 or sum(weights) <= 0:
        sys.exit("faultload: the mix weights must be >= 0 and not all 0")
    stop_at = [0.0]
    results = []  # per worker: list of records
    acked = []  # per worker: list of clicks
    failures = []  # first few failure descriptions
    # The catalogue's ids (the generator's ids are not 1..N): every /sim and click names a real anime.
    if args.anime_file:
        with open(args.anime_file, newline="") as f:
            anime_ids = [int(row["anime_id"]) for row in csv.DictReader(f)]
    else:
        anime_ids = list(range(1, args.anime + 1))
    lock = threading.Lock()
    t0 = time.time()

    def worker(n, records, clicks):
        rng = random.Random(args.seed * 1000 + n)
        client = Client(args.host, args.port, args.timeout)
        try:
            while time.monotonic() < stop_at[0]:
                route = rng.choices(ROUTES, weights)[0]
                body = event_id = None
                if route == "recommends":
                    method, path = "GET", f"/recommends/{rng.randint(1, args.users)}"
                elif route == "sim":
                    method, path = "GET", f"/sim/{rng.choice(anime_ids)}"
                else:
                    event_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                    user, anime = rng.randint(1, args.users), rng.choice(anime_ids)
                    method, path = "POST", "/dislikes" if rng.random() < 0.25 else "/clicks"
                    body = json.dumps({"user_id": user, "anime_id": anime, "event_id": event_id})
                started_wall = time.time()
                started = time.monotonic()
                status, data, failure = client.request(method, path, body)
                latency_ms = (time.monotonic() - started) * 1000
                outcome = "ok"
                if status is None:
                    outcome = failure
                elif status >= 500:
                    outcome = "5xx"
                elif status != 200:
                    outcome = f"status {status}"
                elif route == "clicks":
                    kind, duplicate = check_click(status, data, event_id)
                    if kind == "acked":
                        clicks.append([user, anime, event_id, path])
                        if duplicate:  # a brand-new random event id must not be a duplicate
                            outcome = "unexpected duplicate:true on a first post"
                    else:
                        outcome = kind
                else:
                    try:
                        json.loads(data)
                    except ValueError:
                        outcome = "bad body (not JSON)"
                # [start wall time, route, HTTP status or null, outcome, latency ms]
                records.append([round(started_wall, 4), route, status, outcome, round(latency_ms, 2)])
                if outcome != "ok":
                    with lock:
                        if len(failures) < 20:
                            detail = data[:200].decode("utf-8", "replace") if data else ""
                            failures.append(f"t={started_wall - t0:.1f}s {method} {path}: {outcome} {detail}".rstrip())
                if args.sleep > 0:
                    time.sleep(rng.uniform(0.5, 1.5) * args.sleep)
        finally:
            client.close()

    threads = []
    stop_at[0] = time.monotonic() + args.seconds
    for n in range(args.workers):
        records, clicks = [], []
        results.append(records)
        acked.append(clicks)
        thread = threading.Thread(target=worker, args=(n, records, clicks), daemon=True)
        threads.append(thread)
        thread.start()
    if args.started:
        with open(args.started + ".tmp", "w") as out:
            out.write(f"{t0:.4f}\n")
        os.replace(args.started + ".tmp", args.started)
    log(f"load: {args.workers} workers for {args.seconds:.0f} s against http://{args.host}:{args.port}")
    # Every worker stops at stop_at; one request in flight can still take up to the timeout.
    join_deadline = time.monotonic() + args.seconds + args.timeout + 5
    for thread in threads:
        thread.join(max(0.0, join_deadline - time.monotonic()))
    hung = sum(thread.is_alive() for thread in threads)
    if hung:
        log(f"{hung} worker(s) did not finish in time; their in-flight request is not counted")
    state = {
        "t0": t0,
        "seconds": args.seconds,
        "workers": args.workers,
        "timeout": args.timeout,
        "mix_clicks": args.mix_clicks,
        "host": args.host,
        "port": args.port,
        "records": [r for records in results for r in list(records)],
        "acked": [c for clicks in acked for c in list(clicks)],
        "failures": failures,
        "hung_workers": hung,
    }
    with open(args.state + ".tmp", "w") as out:
        json.dump(state, out)
    os.replace(args.state + ".tmp", args.state)
    log(f"load: {len(state['records'])} requests, {len(state['acked'])} acknowledged events (clicks and dislikes)")
    return 0


# ---------------------------------------------------------------- verify


def verify_clicks(args, clicks):
    """Re-posts each click; returns (duplicate true, duplicate false, failed) lists of event ids."""
    verdicts = [None] * len(clicks)  # ("confirmed" | "lost" | "failed", detail)
    lock = threading.Lock()
    next_index = [0]
    deadline = time.monotonic() + args.deadline

    def worker():
        client = Client(args.host, args.port, args.timeout)
        try:
            while True:
                with lock:
                    index = next_index[0]
                    if index >= len(clicks):
                        return
                    next_index[0] += 1
                user, anime, event_id, path = clicks[index]
                body = json.dumps({"user_id": user, "anime_id": anime, "event_id": event_id})
                verdict = ("failed", f"{event_id}: verification deadline passed")
                for attempt in range(args.attempts):
                    if time.monotonic() >= deadline:
                        break
                    status, data, failure = client.request("POST", path, body)
                    kind, duplicate = check_click(status, data, event_id) if status == 200 else (None, None)
                    if kind == "acked":
                        verdict = ("confirmed", event_id) if duplicate else ("lost", f"{event_id}: duplicate:false")
                        break
                    reason = failure if status is None else (kind or f"status {status}")
                    verdict = ("failed", f"{event_id}: {reason} after {attempt + 1} tries")
                    if attempt + 1 < args.attempts:
                        time.sleep(0.5 * (attempt + 1))
                verdicts[index] = verdict
        finally:
            client.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(max(1, args.workers))]
    for thread in threads:
        thread.start()
    join_deadline = deadline + args.timeout + 5  # a request in flight at the deadline may still finish
    for thread in threads:
        thread.join(max(0.0, join_deadline - time.monotonic()))
    confirmed, lost, failed = [], [], []
    for (_, _, event_id, _), verdict in zip(clicks, list(verdicts)):
        kind, detail = verdict or ("failed", f"{event_id}: not re-posted before the deadline")
        {"confirmed": confirmed, "lost": lost, "failed": failed}[kind].append(detail)
    return confirmed, lost, failed


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def read_events(path, t0):
    events = []
    if path and os.path.exists(path):
        with open(path) as source:
            for line in source:
                parts = line.strip().split(None, 1)
                if len(parts) == 2:
                    try:
                        events.append((float(parts[0]) - t0, parts[1]))
                    except ValueError:
                        pass
    return sorted(events)


def cmd_verify(args):
    with open(args.state) as source:
        state = json.load(source)
    args.host, args.port = loopback(state["host"]), state["port"]
    records, clicks, t0 = state["records"], state["acked"], state["t0"]

    log(f"verify: re-posting {len(clicks)} acknowledged events with their event ids")
    started = time.monotonic()
    confirmed, lost, failed = verify_clicks(args, clicks)
    log(f"verify: done in {time.monotonic() - started:.1f} s")

    total = len(records)
    fivexx = sum(1 for r in records if r[3] == "5xx")
    other = sum(1 for r in records if r[3] not in ("ok", "5xx"))
    missing = len(lost) + len(failed)

    print(f"faults: load {state['seconds']:.0f} s, {state['workers']} workers, "
          f"http://{state['host']}:{state['port']}, request timeout {state.get('timeout', args.timeout):.0f} s")
    print("faults: latency per route (ms; every request that got an HTTP answer)")
    print(f"  {'route':<22}{'sent':>7}{'answered':>10}{'p50':>9}{'p99':>9}{'max':>9}{'5xx':>6}{'other':>7}")
    for route in ROUTES:
        mine = [r for r in records if r[1] == route]
        latencies = sorted(r[4] for r in mine if r[2] is not None)
        print(f"  {LABELS[route]:<22}{len(mine):>7}{len(latencies):>10}"
              f"{percentile(latencies, 50):>9.1f}{percentile(latencies, 99):>9.1f}"
              f"{(latencies[-1] if latencies else float('nan')):>9.1f}"
              f"{sum(1 for r in mine if r[3] == '5xx'):>6}"
              f"{sum(1 for r in mine if r[3] not in ('ok', '5xx')):>7}")

    bucket = args.bucket
    events = read_events(args.events, t0)
    last = max([r[0] - t0 for r in records] + [e[0] for e in events] + [state["seconds"] - 1e-9, 0])
    buckets = int(last // bucket) + 1
    print(f"faults: timeline ({bucket:.0f} s buckets by request start, t=0 at load start)")
    print(f"  {'t (s)':<10}{'requests':>9}{'5xx':>6}{'other':>7}{'clicks ok':>10}{'p99 ms':>9}  events")
    for b in range(buckets):
        lo, hi = b * bucket, (b + 1) * bucket
        mine = [r for r in records if lo <= r[0] - t0 < hi]
        latencies = sorted(r[4] for r in mine if r[2] is not None)
        marks = ", ".join(f"{label} @{at:.1f}s" for at, label in events if lo <= at < hi or (b == 0 and at < 0))
        clicks_ok = sum(1 for r in mine if r[1] == "clicks" and r[2] == 200)
        p99 = f"{percentile(latencies, 99):.1f}" if latencies else "-"
        print(f"  {f'{lo:.0f}-{hi:.0f}':<10}{len(mine):>9}{sum(1 for r in mine if r[3] == '5xx'):>6}"
              f"{sum(1 for r in mine if r[3] not in ('ok', '5xx')):>7}{clicks_ok:>10}{p99:>9}  {marks}")

    kinds = {}
    for r in records:
        if r[3] != "ok":
            key = f"{r[3]} {r[2]}" if r[3] == "5xx" else r[3]
            kinds[key] = kinds.get(key, 0) + 1
    if kinds:
        print("faults: failures by kind: " + ", ".join(f"{k}: {v}" for k, v in sorted(kinds.items())))
        for line in state["failures"][:10]:
            print(f"  {line}")
    if state.get("hung_workers"):
        print(f"faults: {state['hung_workers']} load worker(s) still had a request in flight at the end")
    print(f"faults: verify: {len(confirmed)} duplicate:true, {len(lost)} duplicate:false (lost), "
          f"{len(failed)} re-posts failed")
    for line in (lost[:5] + failed[:5]):
        print(f"  missing {line}")

    print(f"faults: requests sent {total}")
    print(f"faults: 5xx responses {fivexx}")
    print(f"faults: other failures {other}")
    print(f"faults: acknowledged events {len(clicks)}")
    print(f"faults: acknowledged events missing {missing}")
    vacuous = total == 0 or (state.get("mix_clicks", 1) > 0 and not clicks)
    if vacuous:
        print("faults: no requests or no acknowledged events: nothing was proven")
    ok = fivexx == 0 and other == 0 and missing == 0 and not vacuous and not state.get("hung_workers")
    print(f"faults: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


# ---------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p):
        p.add_argument("--host", default="127.0.0.1", type=loopback)
        p.add_argument("--port", type=int, required=True)
        # The service's own bound on a store call is the store's request-path retry budget (15 s)
        # plus one attempt (5 s): a request still unanswered 5 s past that is a hang.
        p.add_argument("--timeout", type=float, default=25.0, help="per-request timeout, s")

    p = sub.add_parser("wait")
    p.add_argument("--host", default="127.0.0.1", type=loopback)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--pid", type=int, default=0, help="fail early when this process exits")
    p.add_argument("--timeout", type=float, default=60.0, help="overall wait, s")
    p.set_defaults(func=cmd_wait)

    p = sub.add_parser("load")
    common(p)
    p.add_argument("--seconds", type=float, default=75.0)
    p.add_argument("--workers", type=int, default=8)
    p.add_argument("--sleep", type=float, default=0.05, help="mean pause between a worker's requests, s")
    p.add_argument("--users", type=int, default=300)
    p.add_argument("--anime", type=int, default=400, help="anime ids 1..N when --anime-file is not given")
    p.add_argument("--anime-file", help="anime.csv whose anime_id column lists the ids to use")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--mix-recommends", type=float, default=45)
    p.add_argument("--mix-sim", type=float, default=25)
    p.add_argument("--mix-clicks", type=float, default=30)
    p.add_argument("--state", required=True)
    p.add_argument("--started", default="")
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("verify")
    p.add_argument("--timeout", type=float, default=10.0, help="per-request timeout, s")
    p.add_argument("--state", required=True)
    p.add_argument("--events", default="")
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--attempts", type=int, default=3, help="tries per re-post before it counts as failed")
    p.add_argument("--deadline", type=float, default=180.0, help="overall verification budget, s")
    p.add_argument("--bucket", type=float, default=5.0, help="timeline bucket, s")
    p.set_defaults(func=cmd_verify)

    args = parser.parse_args()
    if getattr(args, "seconds", 1) <= 0 or getattr(args, "workers", 1) <= 0:
        sys.exit("faultload: --seconds and --workers must be positive")
    sys.exit(args.func(args))


if __name__ == "__main__":
    main()
