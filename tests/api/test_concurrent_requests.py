"""Requests served at once (the dev server's threads) each get their own answer.

powertools' Event Handler keeps the request it resolves on a class, so two resolvers on two
threads read each other's request unless it is kept per thread (``durable._http.request_state``).
"""

from __future__ import annotations

import threading


def test_requests_on_many_threads_at_once_are_each_answered_for_themselves(call):
    wrong: list[tuple[str, str]] = []
    start = threading.Barrier(8)

    def ask(n: int) -> None:
        workflow_id = f"nobody-{n}"
        start.wait()
        for _ in range(300):
            reply = call("GET", f"/api/v1/workflows/{workflow_id}")
            message = reply.error["message"] if reply.status == 404 else f"{reply.status}: {reply.body}"
            if workflow_id not in message or any(f"nobody-{m}'" in message for m in range(8) if m != n):
                wrong.append((workflow_id, message))

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []
