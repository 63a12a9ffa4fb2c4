"""Settings for code that runs outside a nameko container (gateway, tools, tests).

Services read the same names from their config.yml; the defaults here match the local servers.
"""
import os

DEFAULTS = {
    "AMQP_URI": "amqp://guest:guest@127.0.0.1:5672/",
    "DATABASE_URL": "postgresql://root@127.0.0.1:5432/biye",
    "RPC_TIMEOUT": "30",
    "TOKEN_TTL_SECONDS": "28800",
    "LOGIN_MAX_FAILURES": "5",
    "LOGIN_LOCK_SECONDS": "900",
    "UPLOAD_DIR": "var/uploads",
    "SECRET_KEY": "",  # empty: the gateway uses the random key stored in its database
}


def setting(name: str) -> str:
    """The value of a setting: the environment first, then the local default."""
    return os.environ.get(name, DEFAULTS[name])
