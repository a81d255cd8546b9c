"""Queues in the SQLite file, with SQS's FIFO and dead-letter rules (as :class:`MemoryQueue`)."""

from __future__ import annotations

import sqlite3
import time
import uuid
from typing import Any

from durable._limits import check_message
from durable._local.memory import DEDUP_WINDOW_SECONDS, MAX_BATCH
from durable._local.sqlite.database import Database
from durable._runtime.ports import Message

__all__ = ["SqliteQueue", "known_queues", "queues_with_work"]

# SQS's group and dedup ids are printable ASCII: a control character cannot occur in either.
_SCOPE_SEPARATOR = "\x1f"


def _scoped(group_id: str | None, dedup_id: str | None) -> str:
    """The ``dedup`` row's id: the dedup id within its message group (DeduplicationScope
    messageGroup), in the column that held the bare id, so older files need no migration."""
    return f"{group_id}{_SCOPE_SEPARATOR}{dedup_id}"


def known_queues(db: Database) -> list[str]:
    """Names of the queues that hold messages, visible, in flight or dead."""
    return [name for (name,) in db.read("SELECT DISTINCT queue FROM messages")]


def queues_with_work(db: Database) -> list[str]:
    """Names of the queues holding visible messages (what a restarted dispatcher polls first)."""
    return [name for (name,) in db.read("SELECT DISTINCT queue FROM messages WHERE dead = 0 AND in_flight = 0")]


class SqliteQueue:
    """:class:`~durable._runtime.ports.Queue`: the rows of ``messages`` whose ``queue`` is this name.

    FIFO when the name ends in ``.fifo``: messages of a group come in order, a group with a
    message in flight delivers nothing more until it is deleted or released, and a dedup id
    seen in its group in the last 5 minutes (of wall time, across restarts) is dropped (the
    inbox's high-throughput mode deduplicates per message group). A received message
    stays in flight until deleted or released, or until the file is opened again. A message
    released after ``max_receive_count`` receives, or found with that many receives when it
    would be received again (it was in flight when the last process stopped), goes to the
    dead-letter queue.
    """

    def __init__(self, db: Database, name: str, max_receive_count: int = 5) -> None:
        """The queue ``name`` of ``db`` (it exists as soon as a message is sent to it)."""
        self._db = db
        self.name = name
        self.fifo = name.endswith(".fifo")
        self.max_receive_count = max_receive_count

    def send(self, body: str, *, group_id: str | None = None, dedup_id: str | None = None) -> None:
        """Enqueue ``body``; FIFO queues need ``group_id`` and ``dedup_id``; refuses what SQS refuses."""
        if self.fifo and (group_id is None or dedup_id is None):
            raise ValueError(f"FIFO queue {self.name!r} needs a group_id and a dedup_id")
        check_message(self.name, body, fifo=self.fifo, group_id=group_id, dedup_id=dedup_id)
        now = time.time()
        with self._db.transaction() as conn:
            if self.fifo:
                conn.execute(
                    "DELETE FROM dedup WHERE queue = ? AND sent_at <= ?", (self.name, now - DEDUP_WINDOW_SECONDS)
                )
                seen = conn.execute(
                    "INSERT OR IGNORE INTO dedup (queue, dedup_id, sent_at) VALUES (?, ?, ?)",
                    (self.name, _scoped(group_id, dedup_id), now),
                ).rowcount
                if not seen:
                    return  # SQS accepts the send and drops the duplicate
            conn.execute(
                "INSERT INTO messages (queue, message_id, body, group_id, sent_at) VALUES (?, ?, ?, ?, ?)",
                (self.name, str(uuid.uuid4()), body, group_id if self.fifo else None, now),
            )

    def receive(self, max_messages: int = 10) -> list[Message]:
        """Up to ``min(max_messages, 10)`` visible messages, in order."""
        wanted = max(1, min(max_messages, MAX_BATCH))
        out: list[Message] = []
        with self._db.transaction() as conn:
            # Like SQS: groups in flight *before* this call are blocked; one call may deliver
            # several messages of a free group, in order.
            blocked = (
                " AND (group_id IS NULL OR group_id NOT IN"
                " (SELECT group_id FROM messages WHERE queue = ?1 AND dead = 0 AND in_flight = 1))"
                if self.fifo
                else ""
            )
            while len(out) < wanted:
                rows = conn.execute(
                    "SELECT seq, message_id, body, group_id, receive_count, sent_at FROM messages"
                    f" WHERE queue = ?1 AND dead = 0 AND in_flight = 0{blocked} ORDER BY seq LIMIT ?2",
                    (self.name, wanted - len(out)),
                ).fetchall()
                if self._take(conn, rows, out) == len(rows):
                    break  # nothing was dead-lettered in the way: there is no more to see
        return out

    def _take(self, conn: sqlite3.Connection, rows: list[Any], out: list[Message]) -> int:
        """Put ``rows`` in flight into ``out`` (dead-lettering those out of receives); how many were taken."""
        taken = 0
        for seq, message_id, body, group_id, receive_count, sent_at in rows:
            if receive_count >= self.max_receive_count:
                # In flight at its last receive when the last process stopped: SQS moves it now.
                conn.execute("UPDATE messages SET dead = 1 WHERE seq = ?", (seq,))
                continue
            taken += 1
            conn.execute("UPDATE messages SET in_flight = 1, receive_count = ? WHERE seq = ?", (receive_count + 1, seq))
            receipt = f"{message_id}#{receive_count + 1}"
            out.append(Message(message_id, body, receipt, receive_count + 1, group_id, sent_at))
        return taken

    def delete(self, receipts: list[str]) -> None:
        """Acknowledge messages; receipts of gone messages are ignored."""
        with self._db.transaction() as conn:
            conn.executemany(
                "DELETE FROM messages WHERE message_id = ? AND dead = 0", [(r.split("#", 1)[0],) for r in receipts]
            )

    def release(self, receipt: str) -> None:
        """Make a received message visible again at once (or dead-letter it); no-op if gone."""
        message_id = receipt.split("#", 1)[0]
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT receive_count FROM messages WHERE message_id = ? AND dead = 0 AND in_flight = 1", (message_id,)
            ).fetchone()
            if row is None:
                return
            # SQS moves it when it would be received once more; here that is now.
            dead = int(row[0] >= self.max_receive_count)
            conn.execute("UPDATE messages SET in_flight = 0, dead = ? WHERE message_id = ?", (dead, message_id))

    def _dead(self, limit: int | None = None) -> list[Message]:
        rows = self._db.read(
            "SELECT message_id, body, receive_count, group_id FROM messages WHERE queue = ? AND dead = 1"
            " ORDER BY seq LIMIT ?",
            (self.name, -1 if limit is None else max(0, limit)),  # SQLite: LIMIT -1 is no limit
        )
        return [Message(message_id, body, "", count, group_id) for message_id, body, count, group_id in rows]

    def dead_letters(self) -> list[str]:
        """Bodies in this queue's dead-letter queue."""
        return [m.body for m in self._dead()]

    def dead_letter_messages(self, limit: int = 1000) -> list[Message]:
        """Up to ``limit`` messages of the dead-letter queue, left there."""
        return self._dead(limit)

    def dead_letter_count(self) -> int:
        """How many messages the dead-letter queue holds."""
        count: int = self._db.read("SELECT COUNT(*) FROM messages WHERE queue = ? AND dead = 1", (self.name,))[0][0]
        return count

    def redrive(self) -> int:
        """Move the dead letters back to this queue, as :meth:`SqsQueue.redrive` does (one transaction)."""
        with self._db.transaction() as conn:
            dead = self._dead()
            conn.execute("DELETE FROM messages WHERE queue = ? AND dead = 1", (self.name,))
            for m in dead:
                self.send(m.body, group_id=m.group_id, dedup_id=f"redrive-{m.message_id}" if self.fifo else None)
        return len(dead)
