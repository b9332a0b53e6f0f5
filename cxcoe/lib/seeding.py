"""Helpers for the commands that load sample data in bulk (seed_scale and each app's part of it)."""

import time

BATCH = 5000


class Progress:
    """One line per stage: what was written and how long it took."""

    def __init__(self, stdout):
        self.stdout = stdout
        self.started = time.perf_counter()
        self.last = self.started

    def __call__(self, what: str, count: int) -> None:
        now = time.perf_counter()
        self.stdout.write(f"  {what}: {count:,} in {now - self.last:.1f} s")
        self.stdout.flush()
        self.last = now

    def total(self) -> float:
        return time.perf_counter() - self.started


def bulk(model, rows, batch: int = BATCH) -> list:
    """Insert `rows` (an iterable of unsaved instances) in batches; returns them with their keys."""
    saved, chunk = [], []
    for row in rows:
        chunk.append(row)
        if len(chunk) == batch:
            saved += model.objects.bulk_create(chunk)
            chunk = []
    if chunk:
        saved += model.objects.bulk_create(chunk)
    return saved
