"""Calls to the services: nameko's standalone RPC proxy, one per thread (they are not thread-safe).
Every call is timed by service and method (gateway.metrics) and carries the request's correlation id
as nameko context data (services.common.correlation), so the services log it with their work."""
import threading

from nameko.standalone.rpc import ClusterRpcProxy

from gateway.metrics import TimedCluster
from services.common import correlation, wire
from services.common.replies import StandaloneReplyListener

SERVICES = ("roster", "grading", "review", "numbering", "printing")
wire.install()  # the gateway's calls and their replies go through orjson, as the services' messages do


def carry_correlation(context: dict) -> None:
    """Put the current correlation id (the request's) into a proxy's context data, or none."""
    current = correlation.current()
    if current:
        context[correlation.KEY] = current
    else:
        context.pop(correlation.KEY, None)


class Rpc:
    def __init__(self, amqp_uri: str, timeout: float):
        self.config = {"AMQP_URI": amqp_uri}
        self.timeout = timeout
        self._local = threading.local()

    def _proxy(self, timeout: float):
        proxies = self._local.__dict__.setdefault("proxies", {})
        if timeout not in proxies:
            # the proxy sends this very dict (its worker context's data) as headers of every call
            context: dict = {}
            cluster = ClusterRpcProxy(self.config, context_data=context, timeout=timeout,
                                      reply_listener_cls=StandaloneReplyListener)  # survives a node's loss
            proxies[timeout] = (cluster, cluster.start(), context)
        _, proxy, context = proxies[timeout]
        carry_correlation(context)
        return proxy

    def __getattr__(self, service: str):
        if service.startswith("_"):
            raise AttributeError(service)
        return getattr(TimedCluster(self._proxy(self.timeout)), service)

    def with_timeout(self, timeout: float) -> TimedCluster:
        return TimedCluster(self._proxy(timeout))

    def reset(self) -> None:
        """Drop this thread's proxies (after a broker failure) so the next call reconnects."""
        for cluster, *_ in self._local.__dict__.pop("proxies", {}).values():
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
