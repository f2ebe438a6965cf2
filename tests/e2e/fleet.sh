#!/usr/bin/env bash
# fleet.sh BIN - a fleet of agents on one PostgreSQL database and one mail
# world, serving three businesses, killed and restarted at random.
#
# Three agents (as on three machines) each run `refagent run` for each of
# the three businesses (alpha, beta, gamma: agent1..3@biz.test), nine
# processes in all, with [agent] lease = 6s.  Intros for all three arrive
# while agents are killed with SIGKILL (one process, or a whole agent at
# once, as a machine dies) and restarted at random.  Then:
#   1. every intro is exactly one referral, of the right business
#   2. every referrer got their thank-you, and every lead their welcome,
#      once: at most the mail in flight when its sender was killed came
#      twice, with the same Message-ID (the claims of the killed agents
#      run out after OUTBOX_LEASE; a last `send` ten minutes later by the
#      agents' clock (faketime) sends what they held)
#   3. each mailbox was polled by one agent at a time: the tenures in
#      lease_history never overlap, and agents did take over from others
#
# It needs the server of tests/pg.sh (REFAGENT_PG); without it, it says so
# and passes.  FLEET_INTROS (default 60) intros, FLEET_SECONDS (default 40)
# of killing.
set -euo pipefail
BIN=$1
E2E_NAME=fleet
E2E_PORT_BASE=15140
if [ -z "${REFAGENT_PG:-}" ]; then
	echo "fleet: skipped (a fleet needs PostgreSQL: run it under tests/pg.sh)"
	exit 0
fi
export MW_EXTRA_USERS="agent1@biz.test agent2@biz.test agent3@biz.test admin@biz.test"
export MW_CATCHALL=1
E2E_SMTP=1
. "$(dirname "$0")/lib.sh"
INTROS=${FLEET_INTROS:-60}
SECONDS_OF_CHAOS=${FLEET_SECONDS:-40}
BUSINESSES=(alpha beta gamma)
declare -A pid=()
kills=0
cleanup() {
	local k
	for k in "${!pid[@]}"; do kill -KILL "${pid[$k]}" 2>/dev/null || true; done
	world_stop
}
trap cleanup EXIT
world_start
db=$(e2e_db fleet)
psql_db() { "$REFAGENT_PG_BIN/psql" "$db" -qXtA -c "$1"; }

# ---- three businesses, one database ----
for i in 1 2 3; do
	biz=${BUSINESSES[$((i - 1))]}
	c=$W/$biz.conf
	sed -e "s|agent@biz.test|agent$i@biz.test|g" -e "s|^name = .*|name = Business $biz|" \
		-e "s|^database = .*|database = $db|" "$W/refagent.conf" >"$c"
	sed -i "s|^\[agent\]|&\nbusiness = $biz\nlease = 6s|" "$c"
	cat >>"$c" <<EOC

[schedule]
business_hours = 00:00-24:00
business_days = mon-sun
max_per_day = 1000
weekly_summary = no
EOC
	sed -i 's/^poll_interval = .*/poll_interval = 1/' "$c"
	"$BIN" -c "$c" check >/dev/null || fail "config $c: $("$BIN" -c "$c" check 2>&1)"
done
# create the schema once, before nine agents race to
"$BIN" -c "$W/alpha.conf" list >/dev/null

# start AGENT BIZ: agent AGENT's process for business BIZ
start() {
	"$BIN" -c "$W/$2.conf" run >>"$W/agent$1-$2.log" 2>&1 &
	pid[$1-$2]=$!
}
for a in 1 2 3; do for biz in "${BUSINESSES[@]}"; do start $a "$biz"; done; done

# ---- intros while agents die ----
# intro K: referrer refK@partner.test introduces leadK@client.test to the
# business K mod 3
intro() {
	local k=$1 i=$(($1 % 3 + 1))
	cat >"$W/intro$k.eml" <<EOM
From: Referrer $k <ref$k@partner.test>
To: Lead $k <lead$k@client.test>
Cc: agent$i@biz.test
Subject: Lead $k, meet Business ${BUSINESSES[$((i - 1))]}
Message-ID: <fleet-$k@partner.test>
Date: $(date -R)

Lead $k, I'd like to introduce you to the team; they can help with your
kitchen. I'll let you two take it from here.

Referrer $k
EOM
	send_mail "ref$k@partner.test" "lead$k@client.test,agent$i@biz.test" "$W/intro$k.eml" >/dev/null
}
(
	for ((k = 1; k <= INTROS; k++)); do
		intro $k
		sleep "0.$((RANDOM % 5 + 3))"
	done
) &
sender=$!

# kill one process, or a whole agent (a machine going down), now and then;
# restart the dead after a while
end=$((SECONDS + SECONDS_OF_CHAOS))
declare -A dead_since=()
while [ $SECONDS -lt $end ]; do
	sleep "$((RANDOM % 2 + 1)).$((RANDOM % 10))"
	if [ $((RANDOM % 3)) = 0 ]; then
		a=$((RANDOM % 3 + 1))
		victims=()
		for biz in "${BUSINESSES[@]}"; do victims+=("$a-$biz"); done
	else
		victims=("$((RANDOM % 3 + 1))-${BUSINESSES[$((RANDOM % 3))]}")
	fi
	for v in "${victims[@]}"; do
		[ -n "${dead_since[$v]:-}" ] && continue
		kill -KILL "${pid[$v]}" 2>/dev/null || true
		wait "${pid[$v]}" 2>/dev/null || true
		dead_since[$v]=$SECONDS
		kills=$((kills + 1))
	done
	for v in "${!dead_since[@]}"; do
		if [ $((SECONDS - dead_since[$v])) -ge $((RANDOM % 6 + 1)) ]; then
			start "${v%%-*}" "${v#*-}"
			unset "dead_since[$v]"
		fi
	done
done
for v in "${!dead_since[@]}"; do start "${v%%-*}" "${v#*-}"; done
wait $sender

# and each business's polling agent killed on purpose: another takes over
# within the lease (6 s; a second more for a loaded machine)
for biz in "${BUSINESSES[@]}"; do
	# (a lease of an agent killed above runs out first)
	v=""
	for ((t = 0; t < 200 && ${#v} == 0; t++)); do
		holder=$(psql_db "SELECT holder FROM leases WHERE business = '$biz'
			AND expires_at > extract(epoch FROM clock_timestamp()) * 1000")
		hp=$(cut -d: -f2 <<<"$holder")
		for k in "${!pid[@]}"; do if [ "${pid[$k]}" = "$hp" ]; then v=$k; fi; done
		[ -n "$v" ] || sleep 0.1
	done
	[ -n "$v" ] || fail "$biz: no live agent holds the mailbox's lease (${holder:-nobody})"
	kill -KILL "$hp"
	wait "$hp" 2>/dev/null || true
	kills=$((kills + 1))
	t0=$(date +%s%N)
	for ((t = 0; t < 200; t++)); do
		now=$(psql_db "SELECT holder FROM leases WHERE business = '$biz'")
		[ "$now" != "$holder" ] && break
		sleep 0.05
	done
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$now" != "$holder" ] && [ $ms -le 7000 ] ||
		fail "$biz: the mailbox was not taken over within the lease (${ms} ms, holder $now)"
	echo "    $biz: its polling agent killed, taken over in $ms ms"
	start "${v%%-*}" "${v#*-}"
done

# ---- 1. every intro one referral of its business ----
referrals() { # BIZ: the leads of BIZ's referrals, one a line
	"$BIN" -c "$W/$1.conf" list --json | jq -r '.[].lead.email' | sort
}
for ((t = 0; t < 120; t++)); do
	n=0
	for biz in "${BUSINESSES[@]}"; do n=$((n + $(referrals "$biz" | wc -l))); done
	[ $n -ge "$INTROS" ] && break
	sleep 1
done
for i in 1 2 3; do
	biz=${BUSINESSES[$((i - 1))]}
	want=$(for ((k = 1; k <= INTROS; k++)); do
		if [ $((k % 3 + 1)) = $i ]; then echo "lead$k@client.test"; fi
	done | sort)
	got=$(referrals "$biz")
	[ "$got" = "$want" ] || fail "$biz's referrals are not its intros, once each: $(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | head -5 | tr '\n' ' ')"
done
ok "$INTROS intros, $kills agents killed: every intro is one referral, of its business"

# ---- 2. every thank-you and welcome, once ----
# the agents stop; the jobs a killed agent had claimed are free again once
# their claims run out (OUTBOX_LEASE): one last send, ten minutes on
for k in "${!pid[@]}"; do kill -TERM "${pid[$k]}" 2>/dev/null || true; done
for k in "${!pid[@]}"; do wait "${pid[$k]}" 2>/dev/null || true; done
pid=()
for biz in "${BUSINESSES[@]}"; do
	FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "+11m" "$BIN" -c "$W/$biz.conf" send \
		>>"$W/last-send.log" 2>&1 || fail "last send: $(tail -3 "$W/last-send.log")"
	left=$("$BIN" -c "$W/$biz.conf" outbox --state pending --json |
		jq '[.[] | select(.template == "thank-referrer" or .template == "welcome-lead")] | length')
	[ "$left" = 0 ] || fail "$biz: $left thank-yous or welcomes still pending"
done
md() { echo "$MAILWORLD_DIR/mail/${1#*@}/${1%@*}/Maildir"; }
# MAILBOX TO-PATTERN: "To Message-Id" of each mail in MAILBOX from an agent
mails() {
	local f
	for f in $(find "$(md "$1")/new" "$(md "$1")/cur" -type f 2>/dev/null); do
		grep -q -i '^From: .*agent[123]@biz.test' "$f" || continue
		printf '%s %s\n' "$(grep -m1 -i '^To:' "$f" | grep -o -i "$2[0-9]*@[a-z.]*")" \
			"$(grep -m1 -i '^Message-Id:' "$f" | cut -d' ' -f2)"
	done
}
for ((t = 0; t < 100; t++)); do
	[ "$(mails referrer@partner.test ref | cut -d' ' -f1 | sort -u | grep -c . || true)" -ge "$INTROS" ] &&
		[ "$(mails lead@client.test lead | cut -d' ' -f1 | sort -u | grep -c . || true)" -ge "$INTROS" ] && break
	sleep 0.2
done
for who in "referrer@partner.test ref" "lead@client.test lead"; do
	set -- $who
	m=$(mails "$1" "$2")
	got=$(cut -d' ' -f1 <<<"$m" | sort -u | grep -c . || true)
	[ "$got" = "$INTROS" ] || fail "$1: mail to $got of the $INTROS ${2}s"
	# one Message-ID per person: a repeat is the same mail again
	two=$(sort -u <<<"$m" | cut -d' ' -f1 | uniq -d || true)
	[ -z "$two" ] || fail "$1: two different mails to one person: $(grep -F "$two" <<<"$m" | head -4 | tr '\n' ' ')"
	again=$(sort <<<"$m" | uniq -d | grep -c . || true)
	[ "$again" -le "$kills" ] || fail "$1: $again mails came twice, more than the $kills kills"
	echo "    $1: $INTROS people, one mail each; $again delivered twice (in flight at a kill)"
done
ok "every referrer thanked and every lead welcomed once (a repeat only of the mail in flight, same Message-ID)"

# ---- 3. one agent at a time on each mailbox ----
overlaps=$(psql_db "SELECT count(*) FROM lease_history a JOIN lease_history b
	ON b.business = a.business AND b.name = a.name AND b.id <> a.id
	AND b.acquired_at >= a.acquired_at AND b.acquired_at < a.until
	AND (a.id < b.id)")
[ "$overlaps" = 0 ] || fail "$overlaps tenures of a mailbox's lease overlap: $(psql_db 'SELECT business, holder, acquired_at, until, released_at FROM lease_history ORDER BY business, acquired_at' | head -20)"
for biz in "${BUSINESSES[@]}"; do
	n=$(psql_db "SELECT count(*) FROM lease_history WHERE business = '$biz'")
	holders=$(psql_db "SELECT count(DISTINCT holder) FROM lease_history WHERE business = '$biz'")
	[ "$n" -ge 2 ] && [ "$holders" -ge 2 ] || fail "$biz: $n tenures by $holders holders: no takeover happened"
	echo "    $biz: $n tenures of its mailbox by $holders agents, none overlapping"
done
ok "each mailbox polled by one agent at a time (lease_history), taken over as agents died"
errors=$(cat "$W"/agent*.log | grep -e 'error:' -e 'warning:' | sort | uniq -c | sort -rn | head -10 || true)
[ -z "$errors" ] || fail "the agents logged faults: $errors"
ok "no agent logged a fault"
echo "fleet: all passed"
