"""Container health probe: `python -m deploy.healthcheck roster` exits 0 when the service answers."""
import sys

from nameko.standalone.rpc import ClusterRpcProxy

from services.common.settings import setting


def main(service: str) -> int:
    try:
        with ClusterRpcProxy({"AMQP_URI": setting("AMQP_URI")}, timeout=5) as proxy:
            getattr(proxy, service).ping()
    except Exception as exc:
        print(f"{service}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
