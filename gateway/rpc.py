"""Calls to the services: nameko's standalone RPC proxy, one per thread (they are not thread-safe).
Every call is timed by service and method (gateway.metrics)."""
import threading

from nameko.standalone.rpc import ClusterRpcProxy

from gateway.metrics import TimedCluster

SERVICES = ("roster", "grading", "review", "numbering", "printing")


class Rpc:
    def __init__(self, amqp_uri: str, timeout: float):
        self.config = {"AMQP_URI": amqp_uri}
        self.timeout = timeout
        self._local = threading.local()

    def _proxy(self, timeout: float):
        proxies = self._local.__dict__.setdefault("proxies", {})
        if timeout not in proxies:
            cluster = ClusterRpcProxy(self.config, timeout=timeout)
            proxies[timeout] = (cluster, cluster.start())
        return proxies[timeout][1]

    def __getattr__(self, service: str):
        if service.startswith("_"):
            raise AttributeError(service)
        return getattr(TimedCluster(self._proxy(self.timeout)), service)

    def with_timeout(self, timeout: float) -> TimedCluster:
        return TimedCluster(self._proxy(timeout))

    def reset(self) -> None:
        """Drop this thread's proxies (after a broker failure) so the next call reconnects."""
        for cluster, _ in self._local.__dict__.pop("proxies", {}).values():
            try:
                cluster.stop()
            except Exception:  # the connection is already gone
                pass

    def ping_all(self, timeout: float = 3.0) -> dict[str, str]:
        """Each service's reachability: 'ok' or why not."""
        proxy = self.with_timeout(timeout)
        replies = {}
        for name in SERVICES:
            try:
                replies[name] = getattr(proxy, name).ping.call_async()
            except Exception as exc:  # broker unreachable
                replies[name] = exc
        status = {}
        for name, reply in replies.items():
            if isinstance(reply, Exception):
                status[name] = "unreachable"
                continue
            try:
                reply.result()
                status[name] = "ok"
            except Exception:
                status[name] = "unreachable"
        if any(v != "ok" for v in status.values()):
            self.reset()
        return status
