#!/usr/bin/env bash
# bench_scale.sh BIN - the commands on a large store: BENCH_SCALE_N
# referrals (default 1,000,000) with their jobs, made through the command
# line and kept in build/bench/scale-N/ for the next run (remove the folder
# to build it again).
#
# The store: N introductions (each its own referrer and lead) ingested
# with their follow-up mail scheduled (thank-you, welcome, the rep's
# assignment and reminder: four jobs each), then a reply from the rep to
# each, vouched for by the receiving server: 30 % "#won", 30 % "#lost",
# 30 % "#status contacted", 10 % a plain reply that leaves the referral
# new.  The clock starts at $T0 for every command (faketime), and
# `send` runs an hour before that, so it finds nothing due in any run.
#
# Then, each measured on the same store (median of BENCH_RUNS, default 3;
# wall time and peak memory from /usr/bin/time): report, list --status
# new --json, outbox --state cancelled --json, send with nothing due, show,
# a one-message ingest (into a copy).  Targets: report <= 0.3 s, send
# <= 0.05 s, list and outbox <= 64 MB.
set -euo pipefail
BIN=$1
top=$(cd "$(dirname "$0")/.." && pwd)
N=${BENCH_SCALE_N:-1000000}
RUNS=${BENCH_RUNS:-3}
T0='2030-01-07 10:00:00'
T_SEND='2030-01-07 09:00:00'
dir=$top/build/bench/scale-$N
mkdir -p "$dir"
ft() { faketime "$T0" "$@"; }
conf=$dir/refagent.conf
cat >"$conf" <<EOC
[agent]
address = agent@biz.test
domains = biz.test
database = $dir/refagent.db
filters = $top/filters
templates = $top/templates
[security]
authserv_id = mx.biz.test
[smtp]
server = 127.0.0.1
port = 1
security = none
[schedule]
business_hours = 00:00-24:00
business_days = mon-sun
rep_deadline = 30
expire_days = 3650
weekly_summary = no
delay.thank-referrer = 30d
delay.welcome-lead = 30d
delay.assign-rep = 30d
delay.nudge-lead = 30d
delay.update-referrer = 30d
delay.reward-referrer = 30d
delay.checkin-referrer = 30d
delay.ask-client = 30d
delay.confirm-status = 30d
delay.notify-rep = 30d
delay.review-admin = 30d
delay.refused-rep = 30d
[reps]
rep@biz.test = Tom Rivera
EOC

# gen_intros A B / gen_replies A B: mboxes, one awk each
gen_intros() { awk -v a="$1" -v b="$2" -v tag=intro -f "$top/tests/gen_intros.awk"; }
gen_replies() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		for (i = a; i <= b; i++) {
			k = i % 10
			line = k < 3 ? "#won 5000" : k < 6 ? "#lost" : k < 9 ? "#status contacted" : ""
			printf "From rep@biz.test Mon Jan  7 09:30:00 2030\n"
			printf "Authentication-Results: mx.biz.test; spf=pass smtp.mailfrom=rep@biz.test; dkim=pass header.d=biz.test; dmarc=pass header.from=biz.test\n"
			printf "From: Tom Rivera <rep@biz.test>\nTo: agent+r%d@biz.test\n", i
			printf "Subject: Re: Intro: Lead %d <> Brightpath\n", i
			printf "Message-ID: <reply-%d@biz.test>\nIn-Reply-To: <intro-%d@partner.test>\n", i, i
			printf "Date: Mon, 07 Jan 2030 09:30:00 +0000\n\n%s\n\nTom\n\n", line
		}
	}'
}

if [ ! -f "$dir/built" ]; then
	echo "bench: building the store of $N referrals in $dir (once; kept for later runs)"
	rm -f "$dir"/refagent.db*
	step=100000
	t0=$(date +%s)
	for ((a = 1; a <= N; a += step)); do
		b=$((a + step - 1)); [ $b -gt $N ] && b=$N
		gen_intros $a $b >"$dir/part.mbox"
		ft "$BIN" -c "$conf" ingest --quiet "$dir/part.mbox" 2>>"$dir/build.log"
		gen_replies $a $b >"$dir/part.mbox"
		ft "$BIN" -c "$conf" ingest --quiet "$dir/part.mbox" 2>>"$dir/build.log"
		echo "bench:   $b of $N referrals ($(($(date +%s) - t0)) s)"
	done
	rm -f "$dir/part.mbox"
	touch "$dir/built"
fi
# a store kept from an older build is migrated by a read-write open
faketime "$T_SEND" "$BIN" -c "$conf" -q send 2>/dev/null
n_ref=$(sqlite3 "$dir/refagent.db" 'SELECT count(*) FROM referrals')
n_jobs=$(sqlite3 "$dir/refagent.db" 'SELECT count(*) FROM jobs')
n_new=$(sqlite3 "$dir/refagent.db" "SELECT count(*) FROM referrals WHERE status = 'new'")
n_pending=$(sqlite3 "$dir/refagent.db" "SELECT count(*) FROM jobs WHERE state = 'pending'")

calc() { awk "BEGIN { print $* }"; }
median() { sort -g | sed -n "$(((RUNS + 1) / 2))p"; }
# measure NAME CMD...: median wall seconds and the peak memory (KB) of CMD
declare -A secs mem
measure() {
	local name=$1; shift
	local t=() m=()
	for ((r = 0; r < RUNS; r++)); do
		/usr/bin/time -f '%e %M' -o "$dir/time" "$@" >"$dir/out" 2>"$dir/err" || {
			echo "bench: $name failed: $(tail -2 "$dir/err")" >&2; exit 1; }
		t+=("$(cut -d' ' -f1 "$dir/time")")
		m+=("$(cut -d' ' -f2 "$dir/time")")
	done
	secs[$name]=$(printf '%s\n' "${t[@]}" | median)
	mem[$name]=$(printf '%s\n' "${m[@]}" | sort -g | tail -1)
}
measure report faketime "$T0" "$BIN" -c "$conf" report
measure list faketime "$T0" "$BIN" -c "$conf" list --status new --json
rows=$(jq length "$dir/out")
# the cancelled jobs: the pending ones here are all of them that wait (a
# real store has sent most), and a streamed list is a streamed list
measure outbox faketime "$T0" "$BIN" -c "$conf" outbox --state cancelled --json
jobs_out=$(jq length "$dir/out")
# an hour before the store was made: every job is in the future
measure send faketime "$T_SEND" "$BIN" -c "$conf" -q send
measure show faketime "$T0" "$BIN" -c "$conf" show $((N / 2))
# what any command costs before it does anything: loading the libraries
measure start faketime "$T0" "$BIN" --version
cp "$dir"/refagent.db "$dir/copy.db"
# the copy's pages on disk first: else the first commit's fsync writes
# back the whole copy, and the figure is cp's, not ingest's
sync "$dir/copy.db"
sed "s|^database = .*|database = $dir/copy.db|" "$conf" >"$dir/copy.conf"
# a new intro each run (the same one again would be a duplicate)
t=()
for ((r = 0; r < RUNS; r++)); do
	gen_intros $((N + 1 + r)) $((N + 1 + r)) >"$dir/one.eml"
	/usr/bin/time -f '%e %M' -o "$dir/time" faketime "$T0" "$BIN" -c "$dir/copy.conf" \
		ingest --quiet "$dir/one.eml" 2>"$dir/err" || { cat "$dir/err" >&2; exit 1; }
	t+=("$(cut -d' ' -f1 "$dir/time")")
done
secs[ingest1]=$(printf '%s\n' "${t[@]}" | median)
mem[ingest1]=$(cut -d' ' -f2 "$dir/time")
rm -f "$dir"/copy.db* "$dir/one.eml"

printf '\nscale: %d referrals (%d new), %d jobs (%d pending), median of %d runs\n' \
	"$n_ref" "$n_new" "$n_jobs" "$n_pending" "$RUNS"
printf '%-36s %10s %10s   %s\n' command seconds "peak MB" target
row() { # row NAME LABEL TARGET_S TARGET_MB
	local ok=met
	[ -n "$3" ] && [ "$(calc "(${secs[$1]} <= $3) ? 1 : 0")" = 0 ] && ok="NOT met"
	[ -n "$4" ] && [ "$(calc "(${mem[$1]} <= $4 * 1024) ? 1 : 0")" = 0 ] && ok="NOT met"
	local what=""
	[ -n "$3" ] && what="<= $3 s"
	[ -n "$4" ] && what="${what:+$what, }<= $4 MB"
	printf '%-36s %10.3f %10.1f   %s\n' "$2" "${secs[$1]}" "$(calc "${mem[$1]} / 1024")" \
		"${what:+$what: $ok}"
}
row report "report" 0.3 ""
row list "list --status new --json ($rows rows)" "" 64
row outbox "outbox --state cancelled --json ($jobs_out)" "" 64
row send "send (nothing due)" 0.05 ""
row show "show" "" ""
row ingest1 "ingest of one mail" "" ""
row start "(process start: --version)" "" ""
