"""RPC reply queues that survive the loss of a RabbitMQ node: the services' RpcProxy and the gateway's
standalone proxy use these instead of nameko's.

nameko declares a caller's reply queue (`rpc.reply-<service>-<uuid>`) durable, a classic queue on the
node the caller happened to be connected to. When that node goes down (a cluster member stopped,
upgraded or lost) the queue's definition stays in the cluster while its node is away, and every
redeclaration of it on another node is refused: NOT_FOUND, home node down. The caller reconnects to
a node that is up and is refused again, forever — and a service's reply queue shares its queue
consumer with its event handlers and RPC methods, so the whole service stops consuming.

A reply queue holds nothing worth keeping: a reply is for the one process that asked, within the
call's timeout. Here it is a transient, auto-deleted queue (with nameko's x-expires as before).
RabbitMQ removes a transient queue whose node went down, so the caller's reconnection, on any node,
declares it anew. A reply under way when the node went is lost with it, and its call times out, as it
would have; the caller's next calls work.
"""
import uuid

from kombu import Queue
from nameko.rpc import RPC_REPLY_QUEUE_TEMPLATE, RPC_REPLY_QUEUE_TTL, get_rpc_exchange
from nameko.rpc import ReplyListener as NamekoReplyListener
from nameko.rpc import RpcProxy as NamekoRpcProxy
from nameko.standalone.rpc import SingleThreadedReplyListener


def reply_queue(service_name: str, config: dict) -> tuple[Queue, str]:
    """A new reply queue of `service_name`'s and its routing key, as nameko makes it but transient."""
    routing_key = str(uuid.uuid4())
    queue = Queue(RPC_REPLY_QUEUE_TEMPLATE.format(service_name, routing_key), exchange=get_rpc_exchange(config),
                  routing_key=routing_key, durable=False, auto_delete=True,
                  queue_arguments={"x-expires": RPC_REPLY_QUEUE_TTL})
    return queue, routing_key


class ReplyListener(NamekoReplyListener):
    """nameko's reply listener of a service's RpcProxy, on a transient reply queue."""

    def setup(self) -> None:
        self.queue, self.routing_key = reply_queue(self.container.service_name, self.container.config)
        self.queue_consumer.register_provider(self)


class RpcProxy(NamekoRpcProxy):
    """nameko's RpcProxy, its replies on a transient queue: `roster = RpcProxy("roster")`."""

    rpc_reply_listener = ReplyListener()


class StandaloneReplyListener(SingleThreadedReplyListener):
    """The standalone ClusterRpcProxy's reply listener on a transient queue:
    `ClusterRpcProxy(config, reply_listener_cls=StandaloneReplyListener)`."""

    def setup(self) -> None:
        self.queue, self.routing_key = reply_queue(self.container.service_name, self.container.config)
        self.queue_consumer.register_provider(self)
