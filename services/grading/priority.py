"""A grading process runs at a lower CPU priority than the services people wait on.

Verification is batch work that keeps every core it gets busy; on a machine it shares with the
gateway and the review service, a reviewer's page would otherwise wait behind it. GRADING_NICE (the
service's config, default 10; 0 leaves the priority alone) is added to the process's niceness when
its container starts. In Kubernetes, where grading has pods of its own, CPU requests do this job.
"""
import logging
import os

from nameko.extensions import DependencyProvider

log = logging.getLogger(__name__)


class LowerPriority(DependencyProvider):
    def setup(self) -> None:
        increment = int(self.container.config.get("GRADING_NICE", 10))
        if increment > 0:
            log.info("verification yields the CPU: niceness now %d", os.nice(increment))
