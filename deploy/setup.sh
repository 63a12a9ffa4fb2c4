#!/usr/bin/env bash
# Make this machine ready for `make demo` or `make test`; idempotent, quick when all is there.
#   deploy/setup.sh demo   the font every certificate and form embeds; PostgreSQL and RabbitMQ running, with
#                          the management API (print sites get broker users through it); CUPS with a PDF
#                          printer for the demo's print site
#   deploy/setup.sh test   also Chromium for the browser tests, poppler, LibreOffice (saves the import tests'
#                          .xls/.ods/GBK CSV files), and the tests' PDF printers
#   deploy/setup.sh bench  as test, and PostgreSQL loads pg_stat_statements (restarted once for it), so the
#                          bench can say which statements the database spends its time on
# Where something is missing and cannot be installed here (not root, no apt-get), it stops at once
# with one line naming what is missing and the command that installs it.
set -euo pipefail
MODE=${1:-test}
case "$MODE" in demo|test|bench) ;; *) echo "用法: deploy/setup.sh demo|test|bench" >&2; exit 2 ;; esac

DEMO_PACKAGES="fonts-wqy-zenhei cups cups-client cups-bsd cups-ipp-utils printer-driver-cups-pdf"
TEST_PACKAGES="$DEMO_PACKAGES chromium chromium-driver poppler-utils libreoffice-calc-nogui"
DEMO_QUEUES="biye-demo-pdf"  # the demo's print site prints here (PDFs in ~/PDF)
TEST_QUEUES="biye-test-pdf biye-agent-pdf"  # the printing service's own CUPS; a print site's, for the agent
if [ "$MODE" = demo ]; then PACKAGES=$DEMO_PACKAGES; QUEUES=$DEMO_QUEUES; else PACKAGES=$TEST_PACKAGES; QUEUES=$TEST_QUEUES; fi

say() { echo "setup: $*"; }
fail() { echo "setup: $*" >&2; exit 1; }

# One set-up at a time: two at once (make demo beside make test) would start two CUPS schedulers.
# Only root starts servers, so only root needs to wait its turn.
if [ "$(id -u)" = 0 ]; then
  exec 9>"${TMPDIR:-/tmp}/biye-setup.lock"
  flock 9
fi

# --- Debian packages --------------------------------------------------------------------------
missing=$(for p in $PACKAGES; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || echo "$p"; done | xargs)
if [ -n "$missing" ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    fail "缺少系统软件包: $missing —— 请以 root 运行: apt-get update && apt-get install -y --no-install-recommends $missing"
  fi
  say "installing $missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# --- PostgreSQL and RabbitMQ ------------------------------------------------------------------
wait_for() {  # wait_for SECONDS COMMAND...
  local seconds=$1; shift
  for _ in $(seq "$seconds"); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  return 1
}

if ! pg_isready -h 127.0.0.1 -q 2>/dev/null; then
  cluster=$(ls /etc/postgresql 2>/dev/null | head -1)
  [ -n "$cluster" ] && [ "$(id -u)" = 0 ] || fail "PostgreSQL 未在 127.0.0.1:5432 运行 —— 请启动它: pg_ctlcluster <版本> main start"
  say "starting PostgreSQL $cluster"
  pg_ctlcluster --skip-systemctl-redirect "$cluster" main start 9>&-  # the server must not hold the set-up lock
  wait_for 30 pg_isready -h 127.0.0.1 -q || fail "PostgreSQL 启动失败，见 /var/log/postgresql/"
fi

rabbitmq_up() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }
if ! rabbitmq_up; then
  command -v rabbitmq-server >/dev/null && [ "$(id -u)" = 0 ] \
    || fail "RabbitMQ 未在 127.0.0.1:5672 运行 —— 请启动它: rabbitmq-server -detached"
  say "starting RabbitMQ"
  rabbitmq-server -detached 9>&-
  wait_for 60 rabbitmq_up || fail "RabbitMQ 启动失败，见 /var/log/rabbitmq/"
fi

# --- pg_stat_statements for the bench (a library PostgreSQL loads only at its start) -------------
psql_admin() { psql -h 127.0.0.1 -U postgres -d postgres -Atc "$1"; }
if [ "$MODE" = bench ] && ! psql_admin "SHOW shared_preload_libraries" | grep -q pg_stat_statements; then
  cluster=$(ls /etc/postgresql 2>/dev/null | head -1)
  [ -n "$cluster" ] && [ "$(id -u)" = 0 ] \
    || fail "PostgreSQL 未加载 pg_stat_statements —— 请在 postgresql.conf 中设置 shared_preload_libraries = 'pg_stat_statements' 并重启"
  loaded=$(psql_admin "SHOW shared_preload_libraries")
  say "PostgreSQL $cluster: loading pg_stat_statements (a restart)"
  echo "shared_preload_libraries = '${loaded:+$loaded,}pg_stat_statements'" \
    > "/etc/postgresql/$cluster/main/conf.d/95-biye-bench.conf"
  pg_ctlcluster --skip-systemctl-redirect "$cluster" main restart 9>&-
  wait_for 30 pg_isready -h 127.0.0.1 -q || fail "PostgreSQL 重启失败，见 /var/log/postgresql/"
fi

# --- RabbitMQ's management API ----------------------------------------------------------------
management_up() { curl -sf -u guest:guest http://127.0.0.1:15672/api/overview; }
if ! management_up >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || fail "RabbitMQ 管理插件未启用 —— 请以 root 运行: rabbitmq-plugins enable rabbitmq_management"
  say "enabling rabbitmq_management"
  rabbitmq-plugins -q enable rabbitmq_management >/dev/null \
    || fail "无法启用 RabbitMQ 管理插件 —— 请运行: rabbitmq-plugins enable rabbitmq_management"
  wait_for 60 management_up || fail "RabbitMQ 管理接口 127.0.0.1:15672 未就绪"
fi

# --- RabbitMQ's Prometheus endpoint: queue depth and consumers per queue (port 15692) --------------
# Scraped at /metrics/detailed?family=queue_coarse_metrics&family=queue_consumer_count (deploy/k8s/README.md).
prometheus_up() { curl -sf -o /dev/null http://127.0.0.1:15692/metrics; }
if ! prometheus_up; then
  [ "$(id -u)" = 0 ] || fail "RabbitMQ Prometheus 插件未启用 —— 请以 root 运行: rabbitmq-plugins enable rabbitmq_prometheus"
  say "enabling rabbitmq_prometheus"
  rabbitmq-plugins -q enable rabbitmq_prometheus >/dev/null \
    || fail "无法启用 RabbitMQ Prometheus 插件 —— 请运行: rabbitmq-plugins enable rabbitmq_prometheus"
  wait_for 60 prometheus_up || fail "RabbitMQ Prometheus 接口 127.0.0.1:15692 未就绪"
fi

# --- CUPS with the PDF queue the printing tests send real jobs to -----------------------------
cups_up() { lpstat -r 2>/dev/null | grep -q "scheduler is running"; }
if ! cups_up; then
  [ "$(id -u)" = 0 ] || fail "CUPS 未运行 —— 请以 root 运行: /usr/sbin/cupsd"
  say "starting CUPS"
  /usr/sbin/cupsd 9>&-
  wait_for 30 cups_up || fail "CUPS 启动失败，见 /var/log/cups/error_log"
fi
for queue in $QUEUES; do
  if ! lpstat -p "$queue" >/dev/null 2>&1; then
    [ "$(id -u)" = 0 ] || fail "缺少 CUPS 测试打印队列 $queue —— 请以 root 运行: deploy/setup.sh test"
    say "adding the CUPS queue $queue"
    lpadmin -p "$queue" -E -v cups-pdf:/ -m lsb/usr/cups-pdf/CUPS-PDF_opt.ppd 2>/dev/null
  fi
  if [ "$(id -u)" = 0 ]; then
    cupsenable "$queue"
    cupsaccept "$queue"
  fi
done
