#!/usr/bin/env bash
# followup.sh BIN - end-to-end tests of the mail the agent sends, against
# Dovecot and Postfix on loopback (started here, stopped on exit), every
# mail read back from the mailbox of the person who should have it.
#
#   1. an intro sent with swaks: thank-you in the referrer's inbox, welcome
#      in the lead's (rep on Cc, In-Reply-To = the intro), assignment in the
#      rep's, all over IMAP
#   2. the clock (faketime) past the rep's deadline, no rep reply: first
#      reminder, second reminder, then the admin; later, nothing more; and
#      nothing to a lead outside business hours
#   3. the SMTP server stopped during a send: retried later, delivered once
#   4. a 5xx: the job fails with the server's reply
#   5. the agent killed during a batch, and two agents at once on one
#      database: no mail twice, except the one in flight (same Message-ID)
#   6. a display name and subject carrying CR/LF and header text add no
#      header to the mail sent
#   7. `run` sends as mail arrives, SIGHUP reloads (a broken template keeps
#      the old set), SIGTERM stops cleanly
set -euo pipefail
BIN=$1
E2E_NAME=followup
E2E_PORT_BASE=16140
export MW_EXTRA_USERS="admin@biz.test" MW_CATCHALL=1
E2E_SMTP=1
. "$(dirname "$0")/lib.sh"
rpid=
cleanup() {
	if [ -n "$rpid" ]; then kill -KILL "$rpid" 2>/dev/null || true; fi
	world_stop
}
trap cleanup EXIT
world_start
conf=$W/refagent.conf
cat >>"$conf" <<EOC

[schedule]
timezone = UTC
business_hours = 09:00-17:00
business_days = mon-fri
rep_deadline = 1
rep_reminders = 2
max_per_day = 20
; this script counts every mail of each send; lifecycle.sh has the summary
weekly_summary = no
EOC
"$BIN" -c "$conf" check >/dev/null || fail "config: $("$BIN" -c "$conf" check 2>&1)"
export FAKETIME_DONT_FAKE_MONOTONIC=1
# at "2026-12-01 10:00:00" CMD...: run CMD with the agent's clock there
at() { local t=$1; shift; faketime -f "@$t" "$@"; }
ra() { "$BIN" -c "$conf" "$@"; }
md() { echo "$MAILWORLD_DIR/mail/${1#*@}/${1%@*}/Maildir"; }
# the raw messages in USER's mailbox (read from the Maildir when counting)
mailfiles() { find "$(md "$1")/new" "$(md "$1")/cur" -type f 2>/dev/null; }
jq_outbox() { ra outbox --json | jq -r "$1"; }

# ---- 1. intake -> thank-you, welcome, assignment ----
swaks_intro fu1
wait_count agent@biz.test 1
at "2026-12-01 10:00:00" "$BIN" -c "$conf" poll --once 2>"$W/poll1.log"
# thank-you, welcome, assignment, first reminder (the next ones are made as
# each reminder goes out)
[ "$(jq_outbox 'length')" = 4 ] || fail "want 4 jobs after intake: $(ra outbox)"
at "2026-12-01 10:00:05" "$BIN" -c "$conf" send 2>"$W/send1.log" || fail "send: $(cat "$W/send1.log")"
grep -q 'sent 3,' "$W/send1.log" || fail "first send: $(tail -1 "$W/send1.log")"
wait_search referrer@partner.test 'SUBJECT "Thank you"' 1
wait_search lead@client.test 'FROM "agent@biz.test"' 1
wait_search rep@biz.test 'SUBJECT "referral"' 1
h=$(imap_headers lead@client.test "$(uid_of lead@client.test 'FROM "agent@biz.test"')")
grep -q '^In-Reply-To: <intro-fu1@partner.test>' <<<"$h" || fail "welcome not threaded: $h"
grep -q '^References: <intro-fu1@partner.test>' <<<"$h" || fail "welcome References: $h"
grep -qi '^Cc: .*rep@biz.test' <<<"$h" || fail "welcome has no rep on Cc: $h"
grep -qi '^Reply-To: .*rep@biz.test.*agent+r1@biz.test' <<<"$h" || fail "welcome Reply-To: $h"
grep -q '^Auto-Submitted: auto-generated' <<<"$h" || fail "no Auto-Submitted: $h"
grep -q '^List-Unsubscribe: <mailto:agent+u-' <<<"$h" || fail "no List-Unsubscribe to the lead: $h"
grep -q '^Subject: Re: Bob, meet Brightpath (fu1)' <<<"$h" || fail "welcome subject: $h"
# the rep has the welcome (Cc) and the assignment, which is threaded too
wait_search rep@biz.test 'FROM "agent@biz.test"' 2
h=$(imap_headers rep@biz.test "$(uid_of rep@biz.test 'SUBJECT "referral"')")
grep -q '^In-Reply-To: <intro-fu1@partner.test>' <<<"$h" || fail "assignment not threaded: $h"
grep -q '^List-Unsubscribe' <<<"$h" && fail "internal mail with List-Unsubscribe: $h"
h=$(imap_headers referrer@partner.test "$(uid_of referrer@partner.test 'SUBJECT "Thank you"')")
grep -q '^To: Sarah Lee <referrer@partner.test>' <<<"$h" || fail "thank-you To: $h"
ra show 1 --json | jq -e '[.events[] | select(.kind == "mail")] | length == 3' >/dev/null ||
	fail "referral history lacks the three mails: $(ra show 1)"
ok "intake: thank-you, threaded welcome (rep on Cc) and assignment delivered, read back over IMAP"

# ---- 2. reminders on the clock ----
at "2026-12-01 16:00:00" "$BIN" -c "$conf" send 2>"$W/s.log"
grep -q 'sent 0,' "$W/s.log" || fail "nothing is due on the same day: $(tail -1 "$W/s.log")"
at "2026-12-02 10:30:00" "$BIN" -c "$conf" send 2>"$W/s.log"
grep -q 'sent 1,' "$W/s.log" || fail "first reminder: $(tail -1 "$W/s.log")"
wait_search rep@biz.test 'SUBJECT "reminder"' 1
[ "$(imap_count admin@biz.test)" = 0 ] || fail "admin told before the second reminder"
at "2026-12-03 11:00:00" "$BIN" -c "$conf" send 2>"$W/s.log"
grep -q 'sent 1,' "$W/s.log" || fail "second reminder: $(tail -1 "$W/s.log")"
wait_search rep@biz.test 'SUBJECT "reminder"' 2
at "2026-12-04 11:30:00" "$BIN" -c "$conf" send 2>"$W/s.log"
grep -q 'sent 1,' "$W/s.log" || fail "escalation: $(tail -1 "$W/s.log")"
wait_count admin@biz.test 1
at "2026-12-30 10:30:00" "$BIN" -c "$conf" send 2>"$W/s.log"
grep -q 'sent 0,' "$W/s.log" || fail "mail after the escalation: $(tail -1 "$W/s.log")"
sleep 1
[ "$(imap_search rep@biz.test 'SUBJECT "reminder"')" = 2 ] || fail "rep got more than 2 reminders"
[ "$(imap_count admin@biz.test)" = 1 ] || fail "admin got $(imap_count admin@biz.test) mails"
# a new intro on a Saturday evening: the thank-you goes at once, the
# welcome waits for Monday 09:00
swaks --silent 2 --server "$SMTP_SERVER" --from referrer2@partner.test --to agent@biz.test \
	--header "From: Carlos Garcia <referrer2@partner.test>" --header "To: Dana White <dana@client.test>" \
	--header "Cc: agent@biz.test" --header "Subject: Dana, meet Brightpath" \
	--header "Message-ID: <intro-weekend@partner.test>" --body "Dana, meet Brightpath. Happy to connect you two."
wait_count agent@biz.test 2
at "2026-12-05 20:00:00" "$BIN" -c "$conf" poll --once 2>/dev/null
at "2026-12-05 20:00:05" "$BIN" -c "$conf" send 2>"$W/s.log"
grep -q 'sent 2,' "$W/s.log" || fail "weekend: thank-you and assignment at once: $(tail -1 "$W/s.log")"
due=$(jq_outbox '.[] | select(.template == "welcome-lead" and .to == "dana@client.test") | .due_at')
[ "$due" = "2026-12-07T09:00:00Z" ] || fail "weekend welcome due at $due, want Monday 09:00"
ok "reminders: 1 business day, 2, then the admin; nothing after; the lead only in business hours"

# Everything after here runs on the real clock: close the faked days.
at "2026-12-31 10:00:00" "$BIN" -c "$conf" send >/dev/null 2>&1 || true

# ---- 3. the SMTP server stops during a send ----
pf() { postfix -c "$MAILWORLD_DIR/postfix/etc" "$@" >/dev/null 2>&1; }
swaks --silent 2 --server "$SMTP_SERVER" --from referrer3@partner.test --to agent@biz.test \
	--header "From: Mei Chen <referrer3@partner.test>" --header "To: Erin Hall <erin@client.test>" \
	--header "Cc: agent@biz.test" --header "Subject: Intro: Erin <> Brightpath" \
	--header "Message-ID: <intro-down@partner.test>" --body "Erin, meet Brightpath."
wait_count agent@biz.test 3
sed -i 's/^business_hours = .*/business_hours = 00:00-24:00/; s/^business_days = .*/business_days = mon-sun/' "$conf"
ra poll --once 2>/dev/null
pf stop
for ((i = 0; i < 50; i++)); do (exec 3<>"/dev/tcp/127.0.0.1/$MW_SMTP_PORT") 2>/dev/null || break; sleep 0.1; done
set +e
ra send 2>"$W/down.log"
rc=$?
set -e
[ $rc = 1 ] || fail "send with the SMTP server down exited $rc"
# the first job meets the dead server and waits, spending no attempt (the
# mail is not at fault: a server down for days must not fail the queue);
# the rest of the batch waits untried (no point knocking on a closed door)
n=$(jq_outbox '[.[] | select(.to == "referrer3@partner.test" and .state == "pending" and .attempts == 0)] | length')
[ "$n" = 1 ] || fail "thank-you to referrer3 not pending for retry: $(ra outbox)"
err=$(jq_outbox '.[] | select(.to == "referrer3@partner.test") | .error')
grep -qi "connect\|refused\|couldn't" <<<"$err" || fail "retry reason: $err"
pf start
tr -d ' ' <"$MAILWORLD_DIR/postfix/spool/pid/master.pid" >"$MAILWORLD_DIR/pids/smtp"
for ((i = 0; i < 50; i++)); do (exec 3<>"/dev/tcp/127.0.0.1/$MW_SMTP_PORT") 2>/dev/null && break; sleep 0.1; done
# back up: the untried jobs go, the failed one waits for its backoff
ra send 2>"$W/s.log"
grep -q 'sent 2,' "$W/s.log" || fail "after the restart: $(tail -1 "$W/s.log")"
[ "$(jq_outbox '.[] | select(.to == "referrer3@partner.test") | .state')" = pending ] ||
	fail "retried before its backoff"
faketime -f "+2h" "$BIN" -c "$conf" send 2>"$W/s.log" || fail "retry: $(cat "$W/s.log")"
grep -q 'sent 1,' "$W/s.log" || fail "the retry: $(tail -1 "$W/s.log")"
wait_search referrer@partner.test 'TO "referrer3@partner.test"' 1
wait_search lead@client.test 'TO "erin@client.test"' 1
sleep 1
[ "$(imap_search referrer@partner.test 'TO "referrer3@partner.test"')" = 1 ] || fail "thank-you delivered twice"
[ "$(imap_search lead@client.test 'TO "erin@client.test"')" = 1 ] || fail "erin's welcome delivered twice"
[ "$(jq_outbox '.[] | select(.to == "referrer3@partner.test") | .state')" = sent ] || fail "thank-you not sent"
ok "SMTP server down: retried after backoff, delivered once ($err)"

# ---- 4. a 5xx ----
swaks --silent 2 --server "$SMTP_SERVER" --from referrer4@partner.test --to agent@biz.test \
	--header "From: Raj Patel <referrer4@partner.test>" --header "To: Far Away <far@nowhere.test>" \
	--header "Cc: agent@biz.test" --header "Subject: Intro: Far <> Brightpath" \
	--header "Message-ID: <intro-5xx@partner.test>" --body "Far, meet Brightpath."
wait_count agent@biz.test 4
ra poll --once 2>/dev/null
ra send 2>"$W/s.log" && fail "send with a refused recipient exited 0"
st=$(jq_outbox '.[] | select(.to == "far@nowhere.test") | .state')
err=$(jq_outbox '.[] | select(.to == "far@nowhere.test") | .error')
[ "$st" = failed ] || fail "5xx job state $st"
grep -q '^554 5.7.1 .*Relay access denied' <<<"$err" || fail "5xx reason: $err"
fid=$(ra list --json | jq '.[] | select(.lead.email == "far@nowhere.test") | .id')
ra show "$fid" --json | jq -e '[.events[] | select(.kind == "mail-failed")] | length == 1' >/dev/null ||
	fail "failed mail not in the referral's history"
ok "5xx: job failed with the server's reply ($err)"

# ---- 5. killed during a batch; two agents at once ----
# intros straight into the agent's Maildir, each with its own referrer and
# lead (the catch-all delivers them all)
bulk() { # bulk FROM TO TAG
	local i m=$(md agent@biz.test)
	for ((i = $1; i <= $2; i++)); do
		cat >"$m/tmp/b$3$i" <<EOM
From: Referrer $i <ref$3$i@partner.test>
To: Lead $i <lead$3$i@client.test>
Cc: agent@biz.test
Subject: Intro: Lead $i <> Brightpath
Date: $(date -R)
Message-ID: <bulk-$3-$i@partner.test>

Lead $i, meet Brightpath. Happy to connect you two.
EOM
		mv "$m/tmp/b$3$i" "$m/new/$((1700000000 + i)).b$3$i.e2e"
	done
	chown -R nobody: "$m"
}
count_dups() { # the Message-IDs delivered more than once to a mailbox (one
	# job's mail reaches the lead and, on Cc, the rep: counted once)
	local u
	for u in lead@client.test referrer@partner.test rep@biz.test; do
		mailfiles "$u" | xargs -r grep -h -i '^Message-Id:' | sort | uniq -d
	done | sort -u
}
before=$(imap_count agent@biz.test)
bulk 1 40 k
wait_count agent@biz.test $((before + 40))
ra poll --once 2>/dev/null
pending=$(jq_outbox '[.[] | select(.state == "pending" and .template != "remind-rep")] | length')
[ "$pending" = 120 ] || fail "want 120 jobs due, got $pending"
killed=0
for attempt in 1 2 3; do
	"$BIN" -c "$conf" send 2>"$W/kill.log" &
	pid=$!
	for ((i = 0; i < 3000; i++)); do
		c=$(grep -c ' sent to ' "$W/kill.log" || true)
		[ "$c" -ge 15 ] && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.005
	done
	kill -KILL $pid 2>/dev/null && killed=1
	wait $pid 2>/dev/null || true
	left=$(jq_outbox '[.[] | select(.state == "pending" and .template != "remind-rep")] | length')
	[ $killed = 1 ] && [ "$left" -gt 0 ] && break
	killed=0
done
[ $killed = 1 ] || fail "could not kill the sender during the batch"
# the job in flight is under its lease: a second run 10 minutes later (the
# lease) sends it again, with its Message-ID
faketime -f "+11m" "$BIN" -c "$conf" send 2>"$W/s.log" || fail "send after the kill: $(tail -3 "$W/s.log")"
left=$(jq_outbox '[.[] | select(.state == "pending" and .template != "remind-rep")] | length')
[ "$left" = 0 ] || fail "$left jobs left after the kill and a second send"
sleep 2
dups=$(count_dups)
# at most one job repeated: the one in flight, and with its own Message-ID
# (the same id twice is what uniq -d found)
[ "$(grep -c . <<<"$dups")" -le 1 ] || fail "more than one mail twice: $dups"
echo "    killed after $(grep -c ' sent to ' "$W/kill.log" || true) of 120 mails; sent twice: ${dups:-none}"
# two agents on one database
before=$(imap_count agent@biz.test)
bulk 1 30 two
wait_count agent@biz.test $((before + 30))
ra poll --once 2>/dev/null
"$BIN" -c "$conf" send 2>"$W/two1.log" &
p1=$!
"$BIN" -c "$conf" send 2>"$W/two2.log" &
p2=$!
wait $p1 || fail "first sender: $(tail -2 "$W/two1.log")"
wait $p2 || fail "second sender: $(tail -2 "$W/two2.log")"
s1=$(grep -c ' sent to ' "$W/two1.log" || true)
s2=$(grep -c ' sent to ' "$W/two2.log" || true)
[ $((s1 + s2)) = 90 ] || fail "two senders sent $s1 + $s2 mails, want 90 in all"
sleep 2
dups2=$(count_dups)
[ "$dups2" = "$dups" ] || fail "two agents sent a mail twice: $dups2"
ok "killed during a batch: at most the mail in flight repeated (${dups:-none}); two agents split 90 jobs $s1/$s2, none twice"

# ---- 6. CR/LF in names and subject ----
cat >"$W/evil.eml" <<EOM
From: =?utf-8?q?Evil=0D=0ABcc=3A_victim=40client=2Etest?= <referrer6@partner.test>
To: =?utf-8?q?Nice_Lead=0D=0AX-Injected=3A_1?= <lead6@client.test>
Cc: agent@biz.test
Subject: =?utf-8?q?Intro=0D=0AX-Injected=3A_2_meet_Brightpath?=
Message-ID: <intro-evil@partner.test>
Date: $(date -R)

Nice Lead, meet Brightpath. Happy to connect you two.
EOM
before=$(imap_count agent@biz.test)
send_mail referrer6@partner.test agent@biz.test,lead6@client.test "$W/evil.eml"
wait_count agent@biz.test $((before + 1))
ra poll --once 2>/dev/null
ra send 2>/dev/null || true
sleep 2
for f in $(grep -l -i 'intro-evil@partner.test\|referrer6@partner.test' $(mailfiles referrer@partner.test) $(mailfiles lead@client.test)); do
	grep -q '^From: Brightpath' "$f" || continue
	hdr=$(sed '/^\r\?$/q' "$f")
	grep -qi '^Bcc:' <<<"$hdr" && fail "a Bcc header was injected: $f"
	grep -qi '^X-Injected:' <<<"$hdr" && fail "an X-Injected header was injected: $f"
	checked=$((${checked:-0} + 1))
done
[ "${checked:-0}" -ge 2 ] || fail "the thank-you and welcome of the CR/LF intro were not found"
ok "CR/LF and header text in names and subject: no header added ($checked mails checked)"

# ---- 7. run: both halves, SIGHUP, SIGTERM ----
cp -r "$E2E_TOP/templates" "$W/templates"
sed -i "s|^templates = .*|templates = $W/templates|" "$conf"
"$BIN" -c "$conf" run 2>"$W/run.log" >/dev/null &
rpid=$!
for ((i = 0; i < 100; i++)); do grep -q 'watching INBOX' "$W/run.log" && break; sleep 0.1; done
grep -q 'watching INBOX (IDLE)' "$W/run.log" || fail "run did not start: $(cat "$W/run.log")"
before=$(imap_search referrer@partner.test 'TO "referrer7@partner.test"')
swaks --silent 2 --server "$SMTP_SERVER" --from referrer7@partner.test --to agent@biz.test \
	--header "From: Zoe Kim <referrer7@partner.test>" --header "To: Yan Li <yan@client.test>" \
	--header "Cc: agent@biz.test" --header "Subject: Yan, meet Brightpath" \
	--header "Message-ID: <intro-run@partner.test>" --body "Yan, meet Brightpath."
wait_search referrer@partner.test 'TO "referrer7@partner.test"' $((before + 1))
printf 'Subject: x {{nonsense.field}}\n\nbody\n' >"$W/templates/ask-client.tmpl"
kill -HUP $rpid
for ((i = 0; i < 50; i++)); do grep -q 'reload failed' "$W/run.log" && break; sleep 0.1; done
grep -q 'reload failed' "$W/run.log" || fail "a broken template did not fail the reload: $(tail -3 "$W/run.log")"
grep -q "ask-client.tmpl:1: " "$W/run.log" || fail "reload fault without file:line: $(tail -5 "$W/run.log")"
kill -0 $rpid || fail "run died on a failed reload"
cp "$E2E_TOP/templates/ask-client.tmpl" "$W/templates/"
kill -HUP $rpid
for ((i = 0; i < 50; i++)); do grep -q 'reloaded:' "$W/run.log" && break; sleep 0.1; done
grep -q 'reloaded:' "$W/run.log" || fail "reload of fixed templates: $(tail -3 "$W/run.log")"
kill -TERM $rpid
for ((i = 0; i < 100; i++)); do kill -0 $rpid 2>/dev/null || break; sleep 0.1; done
kill -0 $rpid 2>/dev/null && fail "run did not stop within 10 s of SIGTERM"
wait $rpid || fail "run exited $? after SIGTERM"
rpid=
ok "run: intake and sending together, SIGHUP reload (a broken template keeps the old set), SIGTERM"
echo "followup: all passed"
