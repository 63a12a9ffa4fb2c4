"""Prometheus text, as a scrape reads it."""
from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, tuple], float]


def parse(text: str) -> Samples:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def get(samples: Samples, name: str, /, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)
