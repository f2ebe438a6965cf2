#!/usr/bin/env bash
# pg.sh CMD [ARG...] - runs CMD beside a throw-away PostgreSQL server of its
# own, the way the end-to-end tests run beside their own Dovecot: initdb
# into a temporary folder, pg_ctl start on a free loopback port, CMD with
# the server in its environment, then the server stopped and the folder
# removed, whatever CMD did.  Exits with CMD's status.
#
# CMD finds the server in
#   REFAGENT_TEST_DB   host=127.0.0.1 port=P user=refagent dbname=refagent
#                      (the unit tests make a schema of their own in it)
#   REFAGENT_PG        the same without dbname: the end-to-end tests make a
#                      database of their own (tests/e2e/lib.sh: e2e_db)
#   REFAGENT_PG_BIN    the folder of initdb, pg_ctl, psql (Debian's
#                      postgresql package: /usr/lib/postgresql/N/bin)
#
# The server trusts loopback connections and runs without fsync: it holds
# test data for a few minutes (PG_DURABLE=1: with PostgreSQL's defaults,
# fsync at every commit, for the benchmark).  PostgreSQL refuses to run as
# root: as root it runs as the system user postgres (from the package),
# with runuser.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: pg.sh CMD [ARG...]" >&2; exit 2; }

bin=${REFAGENT_PG_BIN:-}
if [ -z "$bin" ]; then
	bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
fi
[ -x "$bin/initdb" ] || {
	echo "pg.sh: no initdb (apt-get install postgresql; or set REFAGENT_PG_BIN)" >&2
	exit 2
}

dir=$(mktemp -d /tmp/refagent-pg-XXXXXX)
as=()
if [ "$(id -u)" = 0 ]; then
	id postgres >/dev/null 2>&1 || { echo "pg.sh: as root, needs the user postgres" >&2; exit 2; }
	chown postgres: "$dir"
	as=(runuser -u postgres --)
fi
started=0
stop() {
	if [ $started = 1 ]; then
		"${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT TERM

"${as[@]}" "$bin/initdb" -D "$dir/data" -U refagent --auth=trust --no-sync -E UTF8 \
	--locale=C >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }

opts="-c max_connections=200"
[ "${PG_DURABLE:-0}" = 1 ] ||
	opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
# a free port: the first of a few tries from one this process picks
port=
for try in 1 2 3 4 5 6 7 8; do
	p=$((20000 + (RANDOM + $$ + try * 97) % 20000))
	(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
	if "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
		-o "-p $p -k $dir -c listen_addresses=127.0.0.1 $opts" \
		start >/dev/null 2>&1; then
		port=$p
		break
	fi
done
[ -n "$port" ] || { echo "pg.sh: the server did not start:" >&2; tail -20 "$dir/server.log" >&2; exit 1; }
started=1

export REFAGENT_PG="host=127.0.0.1 port=$port user=refagent"
export REFAGENT_TEST_DB="$REFAGENT_PG dbname=refagent"
export REFAGENT_PG_BIN=$bin
"$bin/psql" "$REFAGENT_PG dbname=postgres" -qXc "CREATE DATABASE refagent" >/dev/null

set +e
"$@"
rc=$?
set -e
exit $rc
