#!/usr/bin/env bash
# bench_latency.sh BIN - intake to thank-you: `refagent run` watches the
# loopback Dovecot with IDLE; an intro is sent to the loopback Postfix
# (curl, SMTP) and the clock stops when the agent's thank-you to the
# referrer has been accepted by Postfix (its "thank-referrer sent to" log
# line).  BENCH_LATENCY_N intros one after the other (default 10), the
# median and the worst.  Most of it is Dovecot's own delay before it
# reports the new mail (EXISTS), which the agent cannot shorten.  Needs
# root (the mail world).
set -euo pipefail
BIN=$1
N=${BENCH_LATENCY_N:-10}
E2E_NAME=benchlat
E2E_PORT_BASE=17340
E2E_SMTP=1
export MW_CATCHALL=1
. "$(dirname "$0")/e2e/lib.sh"
rpid=
trap '[ -n "$rpid" ] && kill -KILL "$rpid" 2>/dev/null; world_stop' EXIT
world_start
conf=$W/refagent.conf
cat >>"$conf" <<EOC
[schedule]
business_hours = 00:00-24:00
business_days = mon-sun
max_per_day = 1000
EOC
"$BIN" -c "$conf" run 2>"$W/run.log" >/dev/null &
rpid=$!
for ((i = 0; i < 100; i++)); do grep -q 'watching INBOX' "$W/run.log" && break; sleep 0.1; done
grep -q 'watching INBOX (IDLE)' "$W/run.log" || { echo "bench: run did not start: $(tail -3 "$W/run.log")" >&2; exit 1; }

now_ms() { date +%s%3N; }
lat=()
for ((k = 1; k <= N; k++)); do
	cat >"$W/intro.eml" <<EOM
From: Referrer $k <lat$k@partner.test>
To: Lead $k <leadlat$k@client.test>
Cc: agent@biz.test
Subject: Intro: Lead $k <> Brightpath
Message-ID: <lat-$k@partner.test>
Date: $(date -R)

Lead $k, meet Brightpath. Happy to connect you two.
EOM
	t0=$(now_ms)
	send_mail "lat$k@partner.test" agent@biz.test "$W/intro.eml"
	for ((i = 0; i < 1000; i++)); do
		grep -q "thank-referrer sent to lat$k@partner.test" "$W/run.log" && break
		sleep 0.005
	done
	t1=$(now_ms)
	grep -q "thank-referrer sent to lat$k@partner.test" "$W/run.log" ||
		{ echo "bench: no thank-you for intro $k: $(tail -3 "$W/run.log")" >&2; exit 1; }
	lat+=($((t1 - t0)))
done
kill -TERM "$rpid"; wait "$rpid" || true; rpid=
med=$(printf '%s\n' "${lat[@]}" | sort -n | sed -n "$(((N + 1) / 2))p")
worst=$(printf '%s\n' "${lat[@]}" | sort -n | tail -1)
printf '\nlatency: intro sent to the thank-you accepted by SMTP, run with IDLE, %d intros\n' "$N"
printf '%-34s %10s %10s\n' "" "median ms" "worst ms"
printf '%-34s %10d %10d\n' "refagent run" "$med" "$worst"
