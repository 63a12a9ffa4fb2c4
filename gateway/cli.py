"""Operator commands: `python -m gateway.cli admin USERNAME PASSWORD` creates or resets a province admin."""
import argparse
import sys

from gateway import accounts, audit
from gateway.db import init_engine
from services.common.errors import ServiceError
from services.common.settings import setting


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gateway.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    admin = sub.add_parser("admin", help="创建或重置省级管理员")
    admin.add_argument("username")
    admin.add_argument("password")
    args = parser.parse_args(argv)
    engine = init_engine(setting("DATABASE_URL"))
    try:
        with engine.begin() as conn:
            user = accounts.set_admin(conn, args.username, args.password)
            audit.record(conn, None, "user.admin_reset", user["username"], {"by": "command line"})
    except ServiceError as exc:
        print(f"失败：{exc.message}", file=sys.stderr)
        return 1
    print(f"省级管理员“{user['username']}”已就绪，可以登录。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
