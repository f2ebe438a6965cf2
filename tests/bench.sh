#!/usr/bin/env bash
# bench.sh BIN - every benchmark in one run on one machine, each figure
# beside its peer, as ratios: ingest (../shared/bench: the Node and Python
# peers and the GMime floor), then bench_poll.sh (poll vs mbsync),
# bench_send.sh (send vs msmtp), bench_latency.sh (intake to thank-you)
# and bench_scale.sh (the commands on a store of a million referrals,
# built once and kept in build/bench/).
#
#   corpus:  gen_corpus.py N --seed 1 (default N = 10000; BENCH_N overrides)
#   refagent ingest --quiet MAILDIR     (fresh database each run)
#   peer_node.js (mailparser + better-sqlite3), peer_python.py (email +
#   sqlite3), gmime_floor (GMime parsing alone, no database: the floor)
#
# Each contender runs BENCH_RUNS times (default 3); the median wall time
# counts.  Wall time includes process start, loading rules and the commit.
# Shorter runs: BENCH_N, BENCH_RUNS, BENCH_POLL_N, BENCH_LATENCY_N,
# BENCH_SCALE_N, and BENCH_POLL/SEND/LATENCY/SCALE=0 to leave one out.
set -euo pipefail
bin=$1
top=$(cd "$(dirname "$0")/.." && pwd)
shared=${REFAGENT_SHARED:-$top/../shared}
bench=$shared/bench
N=${BENCH_N:-10000}
RUNS=${BENCH_RUNS:-3}
if [ ! -f "$bench/gen_corpus.py" ]; then
	echo "bench: SKIPPED: no benchmark kit at $bench (set REFAGENT_SHARED)"; exit 1
fi
out=$top/build/bench
mkdir -p "$out"

if ! command -v python3 >/dev/null || ! command -v node >/dev/null || ! command -v mbsync >/dev/null; then
	sh "$top/tests/deps.sh" bench
fi

corpus=$out/corpus-$N
if [ ! -d "$corpus/Maildir" ]; then
	echo "bench: generating $N messages"
	python3 "$bench/gen_corpus.py" "$N" --seed 1 --out "$corpus" >/dev/null
fi
maildir=$corpus/Maildir

# the floor
cc -O2 -o "$out/gmime_floor" "$bench/gmime_floor.c" $(pkg-config --cflags --libs gmime-3.0)
# the Node peer, installed beside our build, not in ../shared
mkdir -p "$out/node"
cp "$bench/package.json" "$bench/peer_node.js" "$out/node/"
if [ ! -d "$out/node/node_modules/better-sqlite3" ]; then
	echo "bench: npm install (mailparser, better-sqlite3)"
	(cd "$out/node" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi

cat >"$out/refagent.conf" <<EOC
[agent]
address = agent@biz.test
domains = biz.test
database = $out/refagent-bench.db
filters = $top/filters
[reps]
rep@biz.test = Tom Rivera
rep2@biz.test = Ana Lopez
EOC

now() { date +%s.%N; }
calc() { awk "BEGIN { print $* }"; }
# time_run NAME CMD...: median wall seconds over RUNS runs
declare -A secs
time_run() {
	local name=$1; shift
	local t=()
	for ((r = 0; r < RUNS; r++)); do
		rm -f "$out"/*.db "$out"/*.db-wal "$out"/*.db-shm "$out"/peer-*.sqlite
		local t0 t1
		t0=$(now)
		"$@" >/dev/null 2>"$out/$name.err" || { cat "$out/$name.err" >&2; echo "bench: $name failed" >&2; exit 1; }
		t1=$(now)
		t+=("$(calc "$t1 - $t0")")
	done
	secs[$name]=$(printf '%s\n' "${t[@]}" | sort -g | sed -n "$(((RUNS + 1) / 2))p")
}

# Like for like: the peers parse and store; `ingest --no-mail` parses, runs
# the rules and intake, and stores (what importing an old mailbox does).
# The full path, which also schedules each referral's follow-up mail, is
# measured too and shown on its own line.
time_run refagent "$bin" -c "$out/refagent.conf" ingest --quiet --no-mail "$maildir"
time_run refagent_mail "$bin" -c "$out/refagent.conf" ingest --quiet "$maildir"
time_run node node "$out/node/peer_node.js" "$maildir" "$out/peer-node.sqlite" agent@biz.test
time_run python python3 "$bench/peer_python.py" "$maildir" "$out/peer-python.sqlite"
time_run gmime_floor "$out/gmime_floor" "$maildir"

# what refagent made of it (from the last run)
summary=$(grep '^refagent: ingested' "$out/refagent_mail.err" || true)

rate() { calc "$N / ${secs[$1]}"; }
printf '\ningest benchmark: %d messages (gen_corpus.py --seed 1), median of %d runs, %s\n' "$N" "$RUNS" "$(date -u +%Y-%m-%d)"
printf '%-30s %10s %10s %12s\n' contender seconds msgs/s "refagent is"
for c in refagent gmime_floor node python; do
	r=$(rate $c)
	ratio=$(calc "$(rate refagent) / $r")
	name=$c
	[ $c = refagent ] && name="refagent ingest --no-mail"
	printf '%-30s %10.3f %10.0f %11.2fx\n' "$name" "${secs[$c]}" "$r" "$ratio"
done
r=$(rate refagent_mail)
printf '%-30s %10.3f %10.0f %11s   (%.2fx the Node peer)\n' "refagent ingest (with mail)" \
	"${secs[refagent_mail]}" "$r" "" "$(calc "$r / $(rate node)")"
echo "${summary#refagent: }"
floor_ratio=$(calc "$(rate refagent_mail) / $(rate gmime_floor)")
if [ "$(calc "($floor_ratio >= 1) ? 1 : 0")" = 1 ]; then
	printf 'target (ingest with mail >= the GMime floor): met, %.2fx\n' "$floor_ratio"
else
	printf 'target (ingest with mail >= the GMime floor): NOT met, %.2fx\n' "$floor_ratio"
fi

# The other figures, each beside its peer; the ones that need the mail
# world take its lock (as make e2e does).  BENCH_POLL=0, BENCH_SEND=0,
# BENCH_LATENCY=0, BENCH_SCALE=0 leave one out.
lock="flock -o /tmp/refagent-e2e.lock"
if [ "${BENCH_POLL:-1}" != 0 ]; then
	$lock bash "$top/tests/bench_poll.sh" "$bin" "$maildir"
fi
if [ "${BENCH_SEND:-1}" != 0 ]; then
	$lock bash "$top/tests/bench_send.sh" "$bin"
fi
if [ "${BENCH_LATENCY:-1}" != 0 ]; then
	$lock bash "$top/tests/bench_latency.sh" "$bin"
fi
if [ "${BENCH_SCALE:-1}" != 0 ]; then
	bash "$top/tests/bench_scale.sh" "$bin"
fi
# the store on PostgreSQL beside SQLite, on a server of its own with
# PostgreSQL's default durability (tests/bench_pg.sh; BENCH_PG=0 skips it)
if [ "${BENCH_PG:-1}" != 0 ]; then
	PG_DURABLE=1 bash "$top/tests/pg.sh" bash "$top/tests/bench_pg.sh" "$bin"
fi
printf '\nmachine: %s CPUs, %s; %s\n' "$(nproc)" \
	"$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')" "$(uname -sr)"
