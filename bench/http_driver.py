"""Load driver, run as its own process: ``python -m bench.http_driver`` reads
{"base", "token", "method", "codes", "threads", "max_requests", "max_seconds"} as
JSON on stdin and prints {"requests", "errors", "seconds", "per_second", "p50_ms",
"p99_ms"}. GET cycles over the codes; POST fires answer_on_site once per code."""

from __future__ import annotations

import http.client
import itertools
import json
import sys
import threading
import time
from urllib.parse import urlsplit

from .stats import percentiles


def main() -> None:
    job = json.load(sys.stdin)
    base = urlsplit(job["base"])
    headers = {"Authorization": f"Bearer {job['token']}", "Content-Type": "application/json"}
    body = json.dumps({"data": {"answer": "Đã trả lời tại chỗ"}}).encode() if job["method"] == "POST" else None
    codes = itertools.cycle(job["codes"]) if job["method"] == "GET" else iter(job["codes"])
    path = "/api/v1/cases/{}" if job["method"] == "GET" else "/api/v1/cases/{}/actions/answer_on_site"
    lock = threading.Lock()
    samples: list[float] = []
    errors: list[int] = []
    deadline = time.perf_counter() + job["max_seconds"]

    def next_code() -> str | None:
        with lock:
            if len(samples) + len(errors) >= job["max_requests"] or time.perf_counter() > deadline:
                return None
            return next(codes, None)

    def loop() -> None:
        conn = http.client.HTTPConnection(base.hostname, base.port, timeout=30)
        while (code := next_code()) is not None:
            start = time.perf_counter()
            conn.request(job["method"], path.format(code), body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            with lock:
                (samples.append((time.perf_counter() - start) * 1000) if response.status == 200
                 else errors.append(response.status))
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=loop) for _ in range(job["threads"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    p50, p99 = percentiles(samples) if samples else (0.0, 0.0)
    print(json.dumps({"requests": len(samples), "errors": len(errors), "error_statuses": sorted(set(errors)),
                      "seconds": elapsed, "per_second": len(samples) / elapsed, "p50_ms": p50, "p99_ms": p99}))


if __name__ == "__main__":
    main()
