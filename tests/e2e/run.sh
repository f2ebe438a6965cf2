#!/usr/bin/env bash
# run.sh BIN [PROBE] - end-to-end tests of intake against real servers on loopback:
# Dovecot (IMAP) and Postfix (SMTP), started here and stopped on exit.
#
#   1. an intro sent with swaks, the agent in Cc, becomes a referral after
#      `poll --once`, with referrer, lead, names, phone and context right
#   2. a second poll adds nothing
#   3. the agent killed (SIGKILL) in the middle of a poll: polling again
#      loses nothing and duplicates nothing
#   4. UIDVALIDITY changes (Dovecot's uidlist removed): nothing is made
#      twice
#   5. a dead server: one line naming it, exit 1
#   6. `run` picks new mail up (IDLE) and stops cleanly on SIGTERM
#   7. TLS and STARTTLS with certificate checks (tests/e2e/imap_live.sh)
set -euo pipefail
BIN=$1
PROBE=${2:-}
E2E_NAME=e2e
E2E_PORT_BASE=12140
. "$(dirname "$0")/lib.sh"
rpid=
cleanup() {
	if [ -n "$rpid" ]; then kill -KILL "$rpid" 2>/dev/null || true; fi
	world_stop
}
trap cleanup EXIT
world_start
conf=$W/refagent.conf
ra() { "$BIN" -c "$conf" "$@"; }
json() { ra list --json; }

# ---- 1. intro by SMTP -> referral ----
swaks_intro t1
wait_count agent@biz.test 1
ra poll --once 2>"$W/poll1.log" || { cat "$W/poll1.log"; fail "poll --once failed"; }
n=$(json | jq length)
[ "$n" = 1 ] || fail "want 1 referral after the first poll, got $n"
check() { # check JQ-EXPR WANT
	local got
	got=$(json | jq -r "$1")
	[ "$got" = "$2" ] || fail "$1: got '$got', want '$2'"
}
check '.[0].status' new
check '.[0].referrer.email' referrer@partner.test
check '.[0].referrer.name' 'Sarah Lee'
check '.[0].lead.email' lead@client.test
check '.[0].lead.name' 'Bob Smith'
check '.[0].lead.phone' '(415) 555-0142'
check '.[0].lead.company' 'Northwind Advisors'
check '.[0].rep.email' rep@biz.test
check '.[0].context | contains("introduce you to the team at Brightpath")' true
check '.[0].context | contains("212 555 0199")' false
check '.[0].created_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$")' true
ra show 1 --json | jq -e '.events | map(.kind) | index("created") != null' >/dev/null ||
	fail "show --json has no created event"
ok "intro sent through SMTP with the agent in Cc is a referral with the right details"

# ---- 2. a second poll adds nothing ----
ra poll --once 2>"$W/poll2.log"
grep -q 'polled 0 messages' "$W/poll2.log" || fail "second poll: $(cat "$W/poll2.log")"
[ "$(json | jq length)" = 1 ] || fail "second poll changed the referrals"
ok "a second poll adds nothing"

# ---- 3. killed in the middle of a poll ----
# 1,000 intros, each naming a different lead in the text, put straight
# into the agent's Maildir (as a delivery agent would) so there are enough
# to kill the agent halfway through: poll fetches 100 at a time and a
# loaded machine may watch the log slowly, so 300 were sometimes all
# committed before the kill.
md=$MAILWORLD_DIR/mail/biz.test/agent/Maildir
N=1000
# bulk A: N intros of batch A into the Maildir, and wait until the server
# sees them; each attempt below brings a batch of its own, so an attempt
# whose poll committed everything before the kill leaves a backlog for
# the next one
bulk() {
	local a=$1 i
	for ((i = 1; i <= N; i++)); do
		cat >"$md/tmp/bulk$a-$i" <<EOM
From: Priya Raman <priya@partner.test>
To: agent@biz.test
Subject: A referral for you ($a $i)
Date: $(date -R)
Message-ID: <bulk-$a-$i@partner.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

I'd like to refer my neighbour number $i of batch $a, who needs a new roof.
You can reach him at neighbour$a-$i@client.test.

Priya
EOM
		mv "$md/tmp/bulk$a-$i" "$md/new/$((1700000000 + a * N + i)).bulk$a-$i.e2e"
	done
	chown -R nobody: "$md"
}
killed=0
total=1
for attempt in 1 2 3; do
	bulk $attempt
	total=$((total + N))
	wait_count agent@biz.test $total
	before=$(json | jq length)
	"$BIN" -c "$conf" poll --once 2>"$W/poll3.log" &
	pid=$!
	# wait for the first commit (poll commits every 500 messages) and some
	# messages after it, then kill without warning: the kill must fall
	# between two commits, some committed and some not
	for ((i = 0; i < 4000; i++)); do
		c=$(grep -c 'INBOX UID' "$W/poll3.log" || true)
		[ "$c" -ge 600 ] && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.005
	done
	kill -KILL $pid 2>/dev/null && killed=1
	wait $pid 2>/dev/null || true
	made=$(json | jq length)
	if [ $killed = 1 ] && [ "$made" -gt "$before" ] && [ "$made" -lt $total ]; then
		break
	fi
	echo "    attempt $attempt: the poll was not caught between two commits ($((made - before)) of $N); again"
	killed=0
done
[ $killed = 1 ] || fail "could not kill the agent in the middle of a poll"
echo "    killed after $((made - before)) of $N bulk referrals of the batch were committed"
ra poll --once 2>"$W/poll4.log" || { cat "$W/poll4.log"; fail "poll after the kill failed"; }
[ "$(json | jq length)" = $total ] || fail "after the kill: $(json | jq length) referrals, want $total"
dups=$(json | jq '[group_by(.lead.email)[] | select(length > 1)] | length')
[ "$dups" = 0 ] || fail "$dups leads have more than one referral"
ra poll --once 2>"$W/poll5.log"
grep -q 'polled 0 messages' "$W/poll5.log" || fail "poll after recovery: $(cat "$W/poll5.log")"
ok "killed mid-poll (SIGKILL after $((made - before)) commits): nothing lost, nothing twice"

# ---- 4. UIDVALIDITY changes ----
rm -f "$md/dovecot-uidlist" "$md"/dovecot.index*
ra poll --once 2>"$W/poll6.log" || { cat "$W/poll6.log"; fail "poll after UIDVALIDITY change"; }
grep -q 'UIDVALIDITY changed' "$W/poll6.log" || fail "no UIDVALIDITY warning: $(head -3 "$W/poll6.log")"
grep -q "polled $total messages: 0 referral, 0 touch, 0 reply, 0 held, 0 review, 0 ignored, $total duplicate" "$W/poll6.log" ||
	fail "UIDVALIDITY change: $(tail -1 "$W/poll6.log")"
[ "$(json | jq length)" = $total ] || fail "UIDVALIDITY change made referrals"
ok "UIDVALIDITY change: mailbox read again, every message a duplicate"

# ---- 5. a dead server ----
sed "s/^port = $MW_IMAP_PORT/port = 1/" "$conf" >"$W/dead.conf"
set +e
"$BIN" -c "$W/dead.conf" poll --once 2>"$W/dead.log"
rc=$?
set -e
[ $rc = 1 ] || fail "poll against a dead server exited $rc, want 1"
grep -q '127.0.0.1:1' "$W/dead.log" || fail "dead server error does not name it: $(cat "$W/dead.log")"
[ "$(grep -c 'error:' "$W/dead.log")" = 1 ] || fail "dead server: want one error line: $(cat "$W/dead.log")"
ok "dead server: exit 1, one line naming it ($(grep 'error:' "$W/dead.log"))"

# ---- 6. run: IDLE picks up new mail, SIGTERM stops it ----
"$BIN" -c "$conf" run 2>"$W/run.log" >/dev/null &
rpid=$!
for ((i = 0; i < 100; i++)); do grep -q 'watching INBOX' "$W/run.log" && break; sleep 0.1; done
grep -q 'watching INBOX (IDLE)' "$W/run.log" || fail "run did not start IDLE: $(cat "$W/run.log")"
swaks_intro t6 # same lead as t1: a touch on referral 1
for ((i = 0; i < 150; i++)); do
	ra show 1 --json | jq -e '.events | map(.kind) | index("touch") != null' >/dev/null && break
	sleep 0.1
done
ra show 1 --json | jq -e '.events | map(.kind) | index("touch") != null' >/dev/null ||
	fail "run did not process the new intro: $(tail -5 "$W/run.log")"
kill -TERM $rpid
for ((i = 0; i < 100; i++)); do kill -0 $rpid 2>/dev/null || break; sleep 0.1; done
kill -0 $rpid 2>/dev/null && fail "run did not stop within 10 s of SIGTERM"
wait $rpid || fail "run exited $? after SIGTERM"
rpid=
grep -q 'stopped' "$W/run.log" || fail "run log has no clean stop"
ok "run: new mail picked up through IDLE, clean exit on SIGTERM"

# ---- 7. TLS ----
trap - EXIT
world_stop
# (no database in it: once, on the SQLite run, is enough)
if [ -z "${REFAGENT_PG:-}" ] && [ -x "$(dirname "$0")/imap_live.sh" ]; then
	bash "$(dirname "$0")/imap_live.sh" $PROBE || fail "imap_live.sh (TLS, STARTTLS, certificate checks)"
	ok "IMAP over TLS and STARTTLS verifies certificates (imap_live.sh)"
fi
echo "e2e: all passed"
