"""Backup and restore of the one database (deploy/BACKUP.md says when and why):

    python -m deploy.backup dump [--out DIR|FILE]        pg_dump -Fc of the whole database, one snapshot
    python -m deploy.backup restore FILE --into URL      pg_restore into a new, empty database, then republish
    python -m deploy.backup purge-queues                 empty the services' queues of a broker kept from before
    python -m deploy.backup republish [--database-url]   only the republish step (after a point-in-time recovery)
    python -m deploy.backup check [--database-url]       certificate numbers gap-free; what waits in the outboxes

DATABASE_URL and AMQP_URI are read from the environment as everywhere else (services.common.settings);
the management API of RabbitMQ from RABBIT_API, RABBIT_ADMIN_USER, RABBIT_ADMIN_PASSWORD, as the printing
service reads them.
"""
import argparse
import datetime as dt
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import psycopg2
import requests
from psycopg2 import sql

from deploy import databases
from deploy.processes import SERVICE_CLASSES
from services.common.settings import setting

SCHEMAS = tuple(SERVICE_CLASSES)  # each service keeps its outbox in the schema of its name
SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")
# The services' own queues: event handlers (`evt-…`) and RPC (`rpc-<service>`). Print sites' queues
# (`print-site.…`) and the site status queue are left alone (see BACKUP.md).
SERVICE_QUEUE_PREFIXES = ("evt-", "rpc-")


@contextmanager
def quietly() -> Iterator[None]:
    """Imports that bring in nameko, without eventlet's deprecation warning in every cron mail."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="(?s).*Eventlet is deprecated")
        yield


def subscriptions() -> list:
    """Every event listener (services.common.events.SUBSCRIPTIONS)."""
    with quietly():
        from services.common.events import SUBSCRIPTIONS
    return SUBSCRIPTIONS


def handler_name(service: str, method: str) -> str:
    """The name a listener records its events under in processed_events (its @handle_once)."""
    return f"{service}.{method}"


def dump(database_url: str, out: str) -> str:
    """pg_dump -Fc of the whole database into `out` (a file, or a directory for a timestamped file).

    One pg_dump is one snapshot (a repeatable-read transaction) of every schema at once, so each
    outbox row is in it exactly when the state change it was committed with is. Written to a `.part`
    file, read back with pg_restore --list, then renamed: a file without `.part` is a complete dump.
    """
    if os.path.isdir(out) or out.endswith("/"):
        os.makedirs(out, exist_ok=True)
        name = database_url.rpartition("/")[2].split("?")[0]
        out = os.path.join(out, f"{name}-{dt.datetime.now():%Y%m%d-%H%M%S}.dump")
    part = out + ".part"
    try:
        subprocess.run(["pg_dump", "--format=custom", "--no-password", f"--file={part}",
                        f"--dbname={database_url}"], check=True)
        subprocess.run(["pg_restore", "--list", part], check=True, stdout=subprocess.DEVNULL)
    except BaseException:
        if os.path.exists(part):
            os.remove(part)
        raise
    os.replace(part, out)
    return out


def user_tables(database_url: str) -> int:
    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_tables WHERE schemaname <> ALL(%s)", (list(SYSTEM_SCHEMAS),))
            return cur.fetchone()[0]
    finally:
        conn.close()


def restore(dump_path: str, database_url: str) -> dict[str, int]:
    """Restore a dump into a new database (created if missing; refused unless empty), all or nothing,
    then republish the events no listener had handled at the snapshot. Returns republish's counts."""
    databases.create(database_url)
    if user_tables(database_url):
        raise SystemExit(f"目标数据库 {database_url.rpartition('/')[2]} 不是空的：请恢复到一个新建的空数据库")
    subprocess.run(["pg_restore", "--no-password", "--no-owner", "--exit-on-error", "--single-transaction",
                    f"--dbname={database_url}", dump_path], check=True)
    return republish(database_url)


def republish(database_url: str) -> dict[str, int]:
    """Mark unpublished again every outbox event that some listener had not handled at the snapshot.

    The restored database and the broker do not belong together: a message published before the
    snapshot but not yet handled was in RabbitMQ, not in the database. The outbox still holds it
    (published rows are kept 7 days) and the listener's processed_events says it was not handled,
    so the relay sends it again once the services start. A listener that had handled it, or has it
    twice, drops the repeat by its event id. Run before the services start. Returns {event_type: rows}.
    """
    counts: dict[str, int] = {}
    conn = psycopg2.connect(database_url)
    try:
        with conn, conn.cursor() as cur:
            for s in subscriptions():
                cur.execute(sql.SQL("""
                    UPDATE {outbox} o SET published_at = NULL
                    WHERE o.published_at IS NOT NULL AND o.event_type = %s
                      AND NOT EXISTS (SELECT 1 FROM {processed} p WHERE p.event_id = o.event_id AND p.handler = %s)
                """).format(outbox=sql.Identifier(s.source, "outbox"),
                            processed=sql.Identifier(s.service, "processed_events")),
                    (s.event_type, handler_name(s.service, s.method)))
                counts[s.event_type] = counts.get(s.event_type, 0) + cur.rowcount
    finally:
        conn.close()
    return counts


def rabbit_admin() -> tuple[str, tuple[str, str]]:
    return (os.environ.get("RABBIT_API", "http://127.0.0.1:15672/api").rstrip("/"),
            (os.environ.get("RABBIT_ADMIN_USER", "guest"), os.environ.get("RABBIT_ADMIN_PASSWORD", "guest")))


def purge_queues(amqp_uri: str) -> dict[str, int]:
    """Empty the services' queues on the virtual host of `amqp_uri`: after a restore their messages may
    refer to state after the backup (the outbox republishes what the restored state needs). Returns
    {queue: messages it held}."""
    with quietly():
        from services.printing.broker import vhost_of
    api, auth = rabbit_admin()
    vhost = quote(vhost_of(amqp_uri), safe="")
    r = requests.get(f"{api}/queues/{vhost}", auth=auth, params={"columns": "name,messages"}, timeout=10)
    if r.status_code == 404:
        raise SystemExit(f"消息服务器上没有虚拟主机 {vhost_of(amqp_uri)}：请检查 AMQP_URI")
    r.raise_for_status()
    purged = {}
    for queue in r.json():
        if queue["name"].startswith(SERVICE_QUEUE_PREFIXES):
            requests.delete(f"{api}/queues/{vhost}/{quote(queue['name'], safe='')}/contents", auth=auth,
                            timeout=10).raise_for_status()
            purged[queue["name"]] = queue.get("messages", 0)
    return purged


def check(database_url: str) -> list[str]:
    """What a restore drill looks at: the problems with certificate numbers (empty: each stamping unit and
    year numbered 1..last without a gap, a repeat, or a number beyond its sequence), and a line per
    outbox with events waiting. Returns the problems; prints everything."""
    problems = []
    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cur:
            cur.execute("""
                SELECT coalesce(s.unit_code, c.unit_code), coalesce(s.year, c.year), s.last,
                       coalesce(c.n, 0), coalesce(c.distinct_n, 0), c.low, c.high
                FROM numbering.sequences s
                FULL JOIN (SELECT unit_code, year, count(*) n, count(DISTINCT sequence) distinct_n,
                                  min(sequence) low, max(sequence) high
                           FROM numbering.certificates GROUP BY unit_code, year) c
                  ON c.unit_code = s.unit_code AND c.year = s.year
                ORDER BY 2, 1""")
            for unit, year, last, n, distinct_n, low, high in cur.fetchall():
                line = f"验印单位{unit} {year}年：序号已用到{last}，证书{n}张"
                broken = last is None or n != distinct_n or n != last or bool(n and (low != 1 or high != last))
                if broken:
                    problems.append(line)
                print(("有问题 " if broken else "正常 ") + line)
            for schema in SCHEMAS:
                cur.execute(sql.SQL("SELECT count(*), min(created_at) FROM {} WHERE published_at IS NULL")
                            .format(sql.Identifier(schema, "outbox")))
                waiting, oldest = cur.fetchone()
                if waiting:
                    print(f"{schema}：发件箱有{waiting}条事件待发送，最早的写于{oldest:%Y-%m-%d %H:%M:%S}")
    finally:
        conn.close()
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.backup", description="备份与恢复（见 deploy/BACKUP.md）")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("dump", help="pg_dump -Fc 整个数据库")
    p.add_argument("--database-url", default=setting("DATABASE_URL"))
    p.add_argument("--out", default="var/backups/", help="目录（自动命名）或文件名")
    p = commands.add_parser("restore", help="恢复到一个新的空数据库，并重新发布未处理的事件")
    p.add_argument("dump_file")
    p.add_argument("--into", required=True, help="目标库的 DATABASE_URL（须不存在或为空）")
    p = commands.add_parser("purge-queues", help="清空消息服务器上各服务的队列")
    p.add_argument("--amqp-uri", default=setting("AMQP_URI"))
    for name, text in (("republish", "重新发布恢复点时尚未处理的事件"), ("check", "检查证书编号连续、发件箱积压")):
        p = commands.add_parser(name, help=text)
        p.add_argument("--database-url", default=setting("DATABASE_URL"))
    args = parser.parse_args(argv)

    if args.command == "dump":
        print(dump(args.database_url, args.out))
    elif args.command == "restore":
        counts = restore(args.dump_file, args.into)
        print(f"已恢复到 {args.into.rpartition('/')[2]}；重新发布的事件：{counts}")
    elif args.command == "republish":
        print(f"重新发布的事件：{republish(args.database_url)}")
    elif args.command == "purge-queues":
        print(f"已清空的队列：{purge_queues(args.amqp_uri)}")
    elif args.command == "check":
        return 1 if check(args.database_url) else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
