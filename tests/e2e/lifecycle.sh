#!/usr/bin/env bash
# lifecycle.sh BIN - the whole life of a referral driven by mail sent with
# real clients through Postfix, every step read back over IMAP from the
# mailbox of the person who should have received something, and checked in
# `refagent show --json`:
#
#   intro -> thank-you and welcome -> the rep's reply-all in the thread
#   (contacted, reminder cancelled, referrer updated) -> "#won 12000" with a
#   passing Authentication-Results (won, reward owed, referrer told) -> the
#   same kind of line from a non-rep, and from the rep with a failing and
#   with a foreign-id result (refused, nothing changes) -> the confirmation
#   round trip when no authserv_id is configured -> the lead replies "stop"
#   (opted out, nothing more to them) -> a bounce for a lead's address (jobs
#   cancelled, rep told) -> a second referrer for the same lead (both told,
#   credit unchanged) -> the admin moves the credit -> the referrer asks for
#   "status" -> rewards pay -> expiry.
set -euo pipefail
BIN=$1
E2E_NAME=lifecycle
E2E_PORT_BASE=18140
export MW_EXTRA_USERS="admin@biz.test" MW_CATCHALL=1
E2E_SMTP=1
. "$(dirname "$0")/lib.sh"
trap world_stop EXIT
world_start
conf=$W/refagent.conf
schedule_anytime "$conf"
cat >>"$conf" <<EOC

[rewards]
currency = \$
client = 10%
client_cap = 1000
partner = 250

[security]
authserv_id = mx.biz.test
EOC
# the same agent, for a business whose server adds no Authentication-Results
sed '/^\[security\]/,$d' "$conf" >"$W/noauth.conf"
"$BIN" -c "$conf" check >/dev/null || fail "config: $("$BIN" -c "$conf" check 2>&1)"
ra() { "$BIN" -c "$conf" "$@"; }

# ---- intro -> thank-you, welcome, assignment ----
agent_in=1
swaks_intro lc
wait_count agent@biz.test 1
cycle
wait_search referrer@partner.test 'SUBJECT "Thank you"' 1
wait_search lead@client.test 'FROM "agent@biz.test"' 1
welcome_id=$(header_of lead@client.test 'FROM "agent@biz.test"' Message-Id)
[ -n "$welcome_id" ] || fail "no welcome in the lead's mailbox"
[ "$(show 1 .status)" = new ] || fail "status after intake"
ok "intro: thank-you and welcome delivered (welcome $welcome_id)"

# ---- the rep's reply-all in the thread: contacted ----
# (authserv_id is set: the receiving server must vouch for the rep's
# reply, as it must for a status line; review.sh shows the forged one)
cat >"$W/rep1.eml" <<EOM
Authentication-Results: mx.biz.test; spf=pass smtp.mailfrom=rep@biz.test; dkim=pass header.d=biz.test; dmarc=pass header.from=biz.test
From: Tom Rivera <rep@biz.test>
To: Bob Smith <lead@client.test>
Cc: Brightpath Referrals <agent+r1@biz.test>
Subject: Re: Bob, meet Brightpath (lc)
Message-ID: <rep-reply-1@biz.test>
In-Reply-To: $welcome_id
References: <intro-lc@partner.test> $welcome_id
Date: $(date -R)

Hi Bob, great to meet you. When can I come by to see the kitchen?

Tom
EOM
deliver rep@biz.test lead@client.test,agent+r1@biz.test "$W/rep1.eml"
cycle
[ "$(show 1 .status)" = contacted ] || fail "status after the rep's reply: $(show 1 .status)"
[ "$(show 1 .first_contact_at)" != null ] || fail "first contact not stamped"
[ "$(ra outbox --json | jq -r '[.[] | select(.referral == 1 and .template == "remind-rep")][0].state')" = cancelled ] ||
	fail "reminder not cancelled: $(ra outbox)"
wait_search referrer@partner.test 'SUBJECT "update"' 1
body_of referrer@partner.test 'SUBJECT "update"' | grep -q 'been in touch' || fail "referrer update text"
ok "rep's reply-all: contacted, reminder cancelled, referrer updated"

# ---- #won 12000 with a passing Authentication-Results ----
status_mail() { # FROM NAME AUTHRESULTS LINE ID
	cat >"$W/$5.eml" <<EOM
Authentication-Results: $3
From: $2 <$1>
To: Bob Smith <lead@client.test>
Cc: agent+r1@biz.test
Subject: Re: Bob, meet Brightpath (lc)
Message-ID: <$5@biz.test>
In-Reply-To: <rep-reply-1@biz.test>
References: <intro-lc@partner.test> $welcome_id <rep-reply-1@biz.test>
Date: $(date -R)

Signed today, thanks everyone.

$4

-- 
$2
EOM
	deliver "$1" lead@client.test,agent+r1@biz.test "$W/$5.eml"
}
status_mail rep@biz.test "Tom Rivera" "mx.biz.test; spf=pass smtp.mailfrom=rep@biz.test; dkim=pass header.d=biz.test; dmarc=pass header.from=biz.test" "#won 12000" won1
cycle
[ "$(show 1 .status)" = won ] || fail "status after #won: $(show 1 .status) $(ra show 1)"
[ "$(show 1 .value)" = 12000 ] || fail "won value $(show 1 .value)"
r=$(ra rewards --json)
[ "$(jq -r '.[0].state' <<<"$r")" = owed ] && [ "$(jq -r '.[0].amount' <<<"$r")" = 1000 ] ||
	fail "reward: $r"
jq -r '.[0].rule' <<<"$r" | grep -q 'client: 10% of \$12,000 = \$1,200, capped at \$1,000' || fail "reward rule: $r"
wait_search referrer@partner.test 'SUBJECT "A thank-you"' 1
body_of referrer@partner.test 'SUBJECT "A thank-you"' | grep -q '\$1,000' || fail "reward mail amount"
wait_search referrer@partner.test 'SUBJECT "Good news"' 1
ok "#won 12000 authenticated: won, reward of \$1,000 owed, referrer told twice"

# ---- refused: a non-rep, a failing result, a foreign id ----
status_mail referrer@partner.test "Sarah Lee" "mx.biz.test; dmarc=pass header.from=partner.test" "#lost no budget" bad1
status_mail rep@biz.test "Tom Rivera" "mx.biz.test; spf=fail smtp.mailfrom=rep@biz.test; dkim=fail header.d=biz.test; dmarc=fail header.from=biz.test" "#lost no budget" bad2
status_mail rep@biz.test "Tom Rivera" "evil.example; dmarc=pass header.from=biz.test" "#lost no budget" bad3
cycle
[ "$(show 1 .status)" = won ] || fail "a refused line changed the status: $(show 1 .status)"
[ "$(events 1 refused)" = 3 ] || fail "want 3 refusals: $(ra show 1)"
ra show 1 --json | jq -r '.events[] | select(.kind == "refused") | .detail' >"$W/refused.txt"
grep -q 'referrer@partner.test refused: not a rep' "$W/refused.txt" || fail "non-rep: $(cat "$W/refused.txt")"
grep -q 'rep@biz.test refused: mx.biz.test: .*fail' "$W/refused.txt" || fail "failing result: $(cat "$W/refused.txt")"
grep -q 'refused: no Authentication-Results from mx.biz.test' "$W/refused.txt" || fail "foreign id: $(cat "$W/refused.txt")"
ra show 1 | grep -q 'refused' || fail "refusals not visible in show"
ok "status lines refused (not a rep; dmarc/spf/dkim fail; foreign authserv-id): nothing changed"

# ---- the confirmation round trip (no authserv_id) ----
cat >"$W/intro2.eml" <<EOM
From: Carlos Garcia <referrer2@partner.test>
To: Dana White <dana@client.test>
Cc: agent@biz.test
Subject: Dana, meet Brightpath
Message-ID: <intro-lc2@partner.test>
Date: $(date -R)

Dana, meet Brightpath. Happy to connect you two.
EOM
deliver referrer2@partner.test dana@client.test,agent@biz.test "$W/intro2.eml"
ra() { "$BIN" -c "$W/noauth.conf" "$@"; }
cycle
wait_search lead@client.test 'TO "dana@client.test" FROM "agent@biz.test"' 1
dana_welcome=$(header_of lead@client.test 'TO "dana@client.test" FROM "agent@biz.test"' Message-Id)
cat >"$W/rep2.eml" <<EOM
From: Tom Rivera <rep@biz.test>
To: Dana White <dana@client.test>
Cc: agent+r2@biz.test
Subject: Re: Dana, meet Brightpath
Message-ID: <rep-reply-2@biz.test>
In-Reply-To: $dana_welcome
References: <intro-lc2@partner.test> $dana_welcome
Date: $(date -R)

Dana, lovely talking today; the quote follows.

#status qualified

Tom
EOM
deliver rep@biz.test dana@client.test,agent+r2@biz.test "$W/rep2.eml"
cycle
[ "$(show 2 .status)" = contacted ] || fail "status before confirmation: $(show 2 .status)"
wait_search rep@biz.test 'SUBJECT "Please confirm"' 1
confirm_id=$(header_of rep@biz.test 'SUBJECT "Please confirm"' Message-Id)
header_of rep@biz.test 'SUBJECT "Please confirm"' Subject | grep -q 'mark Dana White as qualified' ||
	fail "confirmation subject: $(header_of rep@biz.test 'SUBJECT "Please confirm"' Subject)"
cat >"$W/yes.eml" <<EOM
From: Tom Rivera <rep@biz.test>
To: Brightpath Renovations <agent+r2@biz.test>
Subject: Re: Please confirm
Message-ID: <rep-yes@biz.test>
In-Reply-To: $confirm_id
References: $confirm_id
Date: $(date -R)

Yes

Tom
EOM
deliver rep@biz.test agent+r2@biz.test "$W/yes.eml"
cycle
[ "$(show 2 .status)" = qualified ] || fail "status after yes: $(show 2 .status) $(ra show 2)"
ok "no authserv_id: the rep confirmed by mail ($confirm_id), then qualified"

# ---- the lead replies stop ----
before=$(imap_search lead@client.test 'TO "lead@client.test" FROM "agent@biz.test"')
cat >"$W/stop.eml" <<EOM
From: Bob Smith <lead@client.test>
To: Brightpath Referrals <agent+r1@biz.test>
Subject: Re: Bob, meet Brightpath (lc)
Message-ID: <lead-stop@client.test>
In-Reply-To: $welcome_id
References: <intro-lc@partner.test> $welcome_id
Date: $(date -R)

Stop

Bob
EOM
deliver lead@client.test agent+r1@biz.test "$W/stop.eml"
cycle
ra show 1 --json | jq -e '[.events[] | select(.kind == "opt-out")] | length == 1' >/dev/null ||
	fail "opt-out not on the referral: $(ra show 1)"
left=$(ra outbox --json | jq '[.[] | select(.to == "lead@client.test" and .state == "pending")] | length')
[ "$left" = 0 ] || fail "$left jobs still pending to the opted-out lead"
ra outbox --json | jq -e '[.[] | select(.to == "lead@client.test" and .state == "cancelled" and .error == "opted out")] | length >= 1' >/dev/null ||
	fail "the lead's pending mail (the ask-client) was not cancelled: $(ra outbox)"
# a later event that would write to the lead: nothing goes
ra status 1 lost --note "changed their mind" >/dev/null
ra status 1 won --value 12000 >/dev/null
faketime -f "+40d" "$BIN" -c "$W/noauth.conf" send 2>>"$W/agent.log" || true
sleep 1
after=$(imap_search lead@client.test 'TO "lead@client.test" FROM "agent@biz.test"')
[ "$after" = "$before" ] || fail "mail reached the lead after stop ($before -> $after)"
ok "the lead replied stop: opted out, pending mail cancelled, nothing more to them"

# ---- a bounce for a lead's address ----
cat >"$W/dsn.eml" <<EOM
From: Mail Delivery System <MAILER-DAEMON@mx.client.test>
To: agent@biz.test
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn-dana@mx.client.test>
Auto-Submitted: auto-replied
Date: $(date -R)
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Your message could not be delivered to <dana@client.test>.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.client.test

Final-Recipient: rfc822; dana@client.test
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <dana@client.test>: mailbox unavailable

--B
Content-Type: text/rfc822-headers

From: Brightpath Renovations <agent@biz.test>
To: Dana White <dana@client.test>
Subject: Re: Dana, meet Brightpath
Message-ID: $dana_welcome

--B--
EOM
deliver mailer-daemon@partner.test agent@biz.test "$W/dsn.eml"
cycle
ra show 2 --json | jq -e '[.events[] | select(.kind == "bounce")] | length == 1' >/dev/null ||
	fail "bounce not on referral 2: $(ra show 2)"
[ "$(ra outbox --json | jq '[.[] | select(.to == "dana@client.test" and .state == "pending")] | length')" = 0 ] ||
	fail "jobs to the bouncing lead still pending"
wait_search rep@biz.test 'SUBJECT "About referral #2"' 1
body_of rep@biz.test 'SUBJECT "About referral #2"' | grep -q 'dana@client.test bounces' || fail "rep notice text"
ok "bounce: dana@client.test bouncing, her jobs cancelled, the rep told"

# ---- a second referrer for the same lead ----
cat >"$W/intro3.eml" <<EOM
From: Priya Raman <referrer3@partner.test>
To: Dana White <dana@client.test>
Cc: agent@biz.test
Subject: Intro: Dana <> Brightpath
Message-ID: <intro-lc3@partner.test>
Date: $(date -R)

Dana, meet Brightpath. I'd like to introduce you to them.
EOM
deliver referrer3@partner.test agent@biz.test "$W/intro3.eml"
cycle
[ "$(show 2 .referrer.email)" = referrer2@partner.test ] || fail "credit changed: $(show 2 .referrer.email)"
wait_search referrer@partner.test 'TO "referrer3@partner.test" SUBJECT "Thank you"' 1
body_of referrer@partner.test 'TO "referrer3@partner.test" SUBJECT "Thank you"' |
	grep -q 'already been introduced to us by Carlos Garcia' || fail "second referrer's note"
# referrer2 had an update when Dana was contacted; this is the second
wait_search referrer@partner.test 'TO "referrer2@partner.test" SUBJECT "update"' 2
body_of referrer@partner.test 'TO "referrer2@partner.test" SUBJECT "update"' |
	grep -q 'stays credited to you' || fail "first referrer's note"
ok "second referrer: both told, credit unchanged (Carlos Garcia)"

ra credit 2 referrer3@partner.test >/dev/null
[ "$(show 2 .referrer.email)" = referrer3@partner.test ] || fail "credit not moved"
ra show 2 --json | jq -e '[.events[] | select(.kind == "credit")] | length == 2' >/dev/null ||
	fail "the event log lost a credit event: $(ra show 2)"
ok "refagent credit moved the credit; the event log keeps both"

# ---- the List-Unsubscribe address ----
unsub=$(header_of referrer@partner.test 'TO "referrer3@partner.test" SUBJECT "Thank you"' List-Unsubscribe)
unsub=${unsub#<mailto:}
unsub=${unsub%%\?*}
[ -n "$unsub" ] || fail "no List-Unsubscribe in the thank-you to referrer3"
cat >"$W/unsub.eml" <<EOM
From: referrer3@partner.test
To: $unsub
Subject: unsubscribe
Message-ID: <unsub-3@partner.test>
Date: $(date -R)

EOM
deliver referrer3@partner.test "$unsub" "$W/unsub.eml"
cycle
ra show 2 --json | jq -e '[.events[] | select(.kind == "opt-out" and (.detail | contains("referrer3@partner.test opted out")))] | length == 1' >/dev/null ||
	fail "mail to the List-Unsubscribe address did not opt out: $(ra show 2)"
ok "mail to the List-Unsubscribe address ($unsub) opts that person out"

# ---- the referrer asks for status ----
cat >"$W/status.eml" <<EOM
From: Sarah Lee <referrer@partner.test>
Reply-To: someone-else@partner.test
To: agent@biz.test
Subject: Re: Thank you for introducing Bob Smith
Message-ID: <ask-status@partner.test>
Date: $(date -R)

status

Sarah
EOM
deliver referrer@partner.test agent@biz.test "$W/status.eml"
cycle
wait_search referrer@partner.test 'TO "referrer@partner.test" SUBJECT "Your introductions"' 1
body_of referrer@partner.test 'TO "referrer@partner.test" SUBJECT "Your introductions"' |
	grep -q 'Bob Smith: now a client' || fail "summary text"
ok "a referrer's \"status\": a summary to their own address on file"

# ---- rewards pay ----
ra rewards | grep -q 'owed' || fail "rewards list"
ra rewards pay 1 >/dev/null
[ "$(ra rewards --json | jq -r '.[0].state')" = paid ] || fail "reward not paid"
ra rewards pay 1 2>"$W/pay.err" && fail "a reward paid twice"
grep -q 'no owed reward 1' "$W/pay.err" || fail "paying twice: $(cat "$W/pay.err")"
cycle
wait_search referrer@partner.test 'SUBJECT "has been paid"' 1
paid=$(body_of referrer@partner.test 'SUBJECT "has been paid"')
grep -q 'paid your referral reward of \$1,000 for introducing Bob Smith' <<<"$paid" ||
	fail "paid thank-you text: $(head -20 <<<"$paid")"
[ "$(show 1 '[.events[] | select(.kind == "reward-paid")] | length')" = 1 ] || fail "no reward-paid event"
ok "rewards pay marks the ledger entry paid, and the referrer finds the thank-you in their inbox"

# ---- the admin's weekly summary ----
# made by the first send of each week in business hours (here, all day):
# every send above ran in this week but the one 40 days on
wait_search admin@biz.test 'SUBJECT "Referrals this week"' 2
weekly=$(body_of admin@biz.test 'SUBJECT "Referrals this week"')
# the first, made by the first send, right after the intro
grep -q 'New referrals: *1$' <<<"$weekly" && grep -q 'Waiting for a first contact: *1$' <<<"$weekly" ||
	fail "weekly summary text: $(head -20 <<<"$weekly")"
[ "$(imap_search admin@biz.test 'SUBJECT "Referrals this week"')" = 2 ] || fail "not one weekly summary a week"
ok "the admin's weekly summary: one a week, with the week's figures"

# ---- expiry ----
faketime -f "+90d" "$BIN" -c "$W/noauth.conf" send 2>>"$W/agent.log" || true
[ "$(show 2 .status)" = expired ] || fail "referral 2 not expired: $(show 2 .status)"
[ "$(show 1 .status)" = won ] || fail "a won referral expired"
ok "a referral without activity for 60 days expired; a won one did not"
echo "lifecycle: all passed"
