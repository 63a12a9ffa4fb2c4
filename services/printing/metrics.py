"""The printing service's own series: print jobs by state, read from its table at every scrape.

A gauge read at scrape time stays right whichever process (or restart) moved a job, and needs no
hook in the job code. Every known state is reported, 0 when no job is in it.
"""
from collections.abc import Iterator

import sqlalchemy as sa
from nameko.containers import ServiceContainer
from prometheus_client.core import GaugeMetricFamily, Metric

from services.common.metrics import SCRAPE_QUERY_TIMEOUT_MS, databases_of, scrape_engine
from services.printing.jobs import STATE_NAMES
from services.printing.tables import print_jobs


class PrintJobsCollector:
    def __init__(self, container: ServiceContainer) -> None:
        self.container = container

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily("biye_print_jobs", "Print jobs by state (queued, rendering, sent, printing, "
                                   "done, failed), counted in printing.print_jobs at scrape time.",
                                   labels=["state"])
        for db in databases_of(self.container):
            for state, count in jobs_by_state(scrape_engine(db)).items():
                family.add_metric([state], count)
        yield family


def jobs_by_state(engine: sa.Engine) -> dict[str, int]:
    counts = dict.fromkeys(STATE_NAMES, 0)
    with engine.begin() as conn:
        conn.execute(sa.text(f"SET LOCAL statement_timeout = {SCRAPE_QUERY_TIMEOUT_MS}"))
        for state, count in conn.execute(
                sa.select(print_jobs.c.state, sa.func.count()).group_by(print_jobs.c.state)):
            counts[state] = count
    return counts


def collectors(container: ServiceContainer) -> list:
    """Picked up by services.common.metrics.Metrics for the printing service."""
    return [PrintJobsCollector(container)]
