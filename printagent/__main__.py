"""`python -m printagent`: run the print agent with the settings in the environment."""
import logging
import signal
import sys

from printagent.agent import Agent
from printagent.config import from_env


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stdout)
    agent = Agent(from_env())

    def stop(*_):
        agent.running = False
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    agent.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
