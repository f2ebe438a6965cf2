#!/usr/bin/env bash
# bench_pg.sh BIN - the store benchmark: the same ingest and the same send
# on SQLite and on PostgreSQL, on one machine in one run.  Run it under
# tests/pg.sh (make bench does, with PG_DURABLE=1: the server fsyncs every
# commit, as PostgreSQL does by default, where SQLite in WAL mode with
# synchronous=NORMAL fsyncs at its checkpoints).
#
#   ingest:  the corpus of tests/bench.sh (gen_corpus.py N --seed 1,
#            default N = 10000; BENCH_N) into a fresh database, with
#            --no-mail and with the follow-up mail scheduled
#   send:    1,000 due jobs (500 intros: a thank-you and a welcome each)
#            sent to the loopback Postfix of the test mail world (needs
#            root; BENCH_SEND=0 skips it)
#
# Median of BENCH_RUNS runs (default 3), wall time with process start.
set -euo pipefail
BIN=$1
top=$(cd "$(dirname "$0")/.." && pwd)
[ -n "${REFAGENT_PG:-}" ] || { echo "bench_pg: run it under tests/pg.sh" >&2; exit 2; }
N=${BENCH_N:-10000}
RUNS=${BENCH_RUNS:-3}
out=$top/build/bench
corpus=$out/corpus-$N/Maildir
psql() { "$REFAGENT_PG_BIN/psql" "$REFAGENT_PG dbname=postgres" -qXtA -c "$1" >/dev/null; }
now() { date +%s.%N; }
calc() { awk "BEGIN { print $* }"; }
median() { sort -g | sed -n "$(((RUNS + 1) / 2))p"; }
declare -A secs

# fresh DB: an empty database of backend DB (sqlite | pg), for [agent] database
fresh() {
	if [ "$1" = sqlite ]; then
		rm -f "$out"/store-bench.db*
		echo "$out/store-bench.db"
	else
		psql "DROP DATABASE IF EXISTS store_bench"
		psql "CREATE DATABASE store_bench"
		echo "$REFAGENT_PG dbname=store_bench"
	fi
}

# ---- ingest ----
if [ -d "$corpus" ]; then
	for db in sqlite pg; do
		for mode in no-mail mail; do
			t=()
			for ((r = 0; r < RUNS; r++)); do
				cat >"$out/store-bench.conf" <<EOC
[agent]
address = agent@biz.test
domains = biz.test
database = $(fresh $db)
filters = $top/filters
[reps]
rep@biz.test = Tom Rivera
rep2@biz.test = Ana Lopez
EOC
				flag=--no-mail
				[ $mode = mail ] && flag=--quiet
				t0=$(now)
				"$BIN" -c "$out/store-bench.conf" ingest --quiet $flag "$corpus" \
					>/dev/null 2>"$out/store-bench.err" || {
					cat "$out/store-bench.err" >&2
					exit 1
				}
				t1=$(now)
				t+=("$(calc "$t1 - $t0")")
			done
			secs[ingest-$mode-$db]=$(printf '%s\n' "${t[@]}" | median)
		done
	done
else
	echo "bench_pg: no corpus at $corpus (tests/bench.sh makes it): no ingest figures"
fi

# ---- send ----
if [ "${BENCH_SEND:-1}" != 0 ] && [ "$(id -u)" = 0 ]; then
	E2E_NAME=storebench
	E2E_PORT_BASE=17140
	export MW_CATCHALL=1
	. "$top/tests/e2e/lib.sh"
	trap world_stop EXIT
	world_start
	intros=$W/intros
	bench_intros "$intros" 500
	for db in sqlite pg; do
		t=()
		for ((r = 0; r < RUNS; r++)); do
			cat >"$W/send.conf" <<EOC
[agent]
address = agent@biz.test
domains = biz.test
name = Brightpath Renovations
database = $(fresh $db)
filters = $E2E_TOP/filters
templates = $E2E_TOP/templates
[smtp]
server = 127.0.0.1
port = $MW_SMTP_PORT
security = none
[schedule]
business_hours = 00:00-24:00
business_days = mon-sun
max_per_day = 1000
EOC
			"$BIN" -c "$W/send.conf" ingest --quiet "$intros" 2>/dev/null
			t0=$(now)
			"$BIN" -c "$W/send.conf" -q send 2>"$W/send.log" || { cat "$W/send.log" >&2; exit 1; }
			t1=$(now)
			grep -q 'sent 1000,' "$W/send.log" || { tail -1 "$W/send.log" >&2; exit 1; }
			t+=("$(calc "$t1 - $t0")")
		done
		secs[send-$db]=$(printf '%s\n' "${t[@]}" | median)
	done
fi

printf '\nstore benchmark: SQLite beside PostgreSQL %s on this machine, median of %d runs, %s\n' \
	"$("$REFAGENT_PG_BIN/postgres" --version | awk '{print $NF}')" "$RUNS" "$(date -u +%Y-%m-%d)"
printf '%-34s %12s %12s %12s\n' "" SQLite PostgreSQL "PG/SQLite"
row() { # NAME KEY COUNT UNIT
	[ -n "${secs[$2-sqlite]:-}" ] || return 0
	local a b
	a=$(calc "$3 / ${secs[$2-sqlite]}")
	b=$(calc "$3 / ${secs[$2-pg]}")
	printf '%-34s %12.0f %12.0f %11.2fx\n' "$1 ($4/s)" "$a" "$b" "$(calc "$b / $a")"
}
row "ingest --no-mail, $N msgs" ingest-no-mail "$N" msgs
row "ingest with mail, $N msgs" ingest-mail "$N" msgs
row "send, 1000 jobs" send 1000 mails
