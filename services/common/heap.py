"""The garbage collector set for a service that builds many short-lived objects.

An import reads 46,000 rows of cells, a graduate list arrives as thousands of dicts: each such burst
crosses CPython's default threshold (a young collection every 700 allocations) hundreds of times, and
every tenth young collection goes on to traverse older objects, up to the whole heap a started service
holds (modules, SQLAlchemy's tables, nameko's extensions: about 120,000 objects). That made a sixth of
a grade import's time. So once a process has started, what it holds is moved out of the collector's
reach (`gc.freeze`: those objects live as long as the process anyway) and young collections run every
YOUNG_THRESHOLD allocations; cycles are still found and freed, with the same older generations.
"""
import gc
import logging

from nameko.extensions import DependencyProvider

log = logging.getLogger(__name__)
YOUNG_THRESHOLD = 10_000


def settle() -> int:
    """Freeze what the started process holds and space out young collections; returns how many
    objects were frozen."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
    return gc.get_freeze_count()


class SettledHeap(DependencyProvider):
    """`settle()` once the service's modules and extensions are in place."""

    def setup(self) -> None:
        log.info("heap settled: %d objects frozen, young collections every %d allocations", settle(),
                 YOUNG_THRESHOLD)
