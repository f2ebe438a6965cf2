#!/usr/bin/env bash
# bench_send.sh BIN - the send benchmark: 1,000 due jobs sent by
# `refagent send` to the loopback Postfix on reused connections, beside
# msmtp sending the same 1,000 messages one process per mail, in one run.
#
# The jobs: 500 intros (each its own referrer and lead, no reps) make a
# thank-you and a welcome each.  msmtp sends the very messages refagent
# sent (taken from the mailboxes they landed in, without the receiving
# server's trace headers).  Median of BENCH_RUNS runs (default 3); wall
# time from the first connection to the last acceptance, process starts
# included.  Needs root (Postfix).
set -euo pipefail
BIN=$1
RUNS=${BENCH_RUNS:-3}
E2E_NAME=bench
E2E_PORT_BASE=17140
export MW_CATCHALL=1
. "$(dirname "$0")/e2e/lib.sh"
trap world_stop EXIT
world_start
conf=$W/refagent.conf
cat >"$conf" <<EOC
[agent]
address = agent@biz.test
domains = biz.test
name = Brightpath Renovations
database = $W/refagent.db
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

intros=$W/intros
bench_intros "$intros" 500

now() { date +%s.%N; }
calc() { awk "BEGIN { print $* }"; }
median() { sort -g | sed -n "$(((RUNS + 1) / 2))p"; }

ra_times=()
for ((r = 0; r < RUNS; r++)); do
	rm -f "$W"/refagent.db*
	"$BIN" -c "$conf" ingest --quiet "$intros" 2>/dev/null
	jobs=$("$BIN" -c "$conf" outbox --json | jq '[.[] | select(.state == "pending")] | length')
	[ "$jobs" = 1000 ] || { echo "bench: $jobs jobs due, want 1000" >&2; exit 1; }
	t0=$(now)
	"$BIN" -c "$conf" -q send 2>"$W/send.log" || { cat "$W/send.log" >&2; exit 1; }
	t1=$(now)
	grep -q 'sent 1000,' "$W/send.log" || { tail -1 "$W/send.log" >&2; exit 1; }
	ra_times+=("$(calc "$t1 - $t0")")
done

# the same messages for msmtp: what refagent sent, as it left
msgs=$W/msgs
mkdir -p "$msgs"
wait_count lead@client.test $((500 * RUNS)) || true
n=0
for f in $(find "$MAILWORLD_DIR/mail/client.test/lead/Maildir" \
	"$MAILWORLD_DIR/mail/partner.test/referrer/Maildir" -type f \( -path '*/new/*' -o -path '*/cur/*' \) |
	sort | head -1000); do
	n=$((n + 1))
	rcpt=$(grep -m1 -i '^Delivered-To:' "$f" | awk '{print $2}')
	sed '1,/^Date: /{/^Date: /!d}' "$f" >"$msgs/$n.eml"
	echo "$rcpt" >"$msgs/$n.rcpt"
done
[ "$n" = 1000 ] || { echo "bench: found $n sent messages, want 1000" >&2; exit 1; }
ms_times=()
for ((r = 0; r < RUNS; r++)); do
	t0=$(now)
	for ((i = 1; i <= 1000; i++)); do
		msmtp --host=127.0.0.1 --port="$MW_SMTP_PORT" --auth=off --tls=off \
			--domain=biz.test --from=agent@biz.test "$(cat "$msgs/$i.rcpt")" <"$msgs/$i.eml"
	done
	t1=$(now)
	ms_times+=("$(calc "$t1 - $t0")")
done
ra=$(printf '%s\n' "${ra_times[@]}" | median)
ms=$(printf '%s\n' "${ms_times[@]}" | median)
printf '\nsend benchmark: 1000 due jobs to the loopback Postfix, median of %d runs, %s\n' "$RUNS" "$(date -u +%Y-%m-%d)"
printf '%-26s %10s %10s\n' contender seconds mails/s
printf '%-26s %10.3f %10.0f\n' "refagent send" "$ra" "$(calc "1000 / $ra")"
printf '%-26s %10.3f %10.0f\n' "msmtp (a process per mail)" "$ms" "$(calc "1000 / $ms")"
ratio=$(calc "$ms / $ra")
if [ "$(calc "($ratio >= 10) ? 1 : 0")" = 1 ]; then
	printf 'target (>= 10x msmtp): met, %.1fx\n' "$ratio"
else
	printf 'target (>= 10x msmtp): NOT met, %.1fx\n' "$ratio"
fi
