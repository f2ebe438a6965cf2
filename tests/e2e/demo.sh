#!/usr/bin/env bash
# demo.sh BIN - refagent at work on a loopback mail world (make demo).
#
# Starts Dovecot and Postfix on 127.0.0.1, sends a few ordinary intro
# emails with swaks and curl (a cc'd intro, a forward, a web form, an
# out-of-office reply that must be ignored), runs the agent for a few
# seconds (it fetches over IMAP and sends over SMTP), prints the referrals
# it made and what each person found in their inbox, then stops everything
# it started.
set -euo pipefail
BIN=$1
E2E_NAME=demo
E2E_PORT_BASE=13140
export MW_EXTRA_USERS="admin@biz.test" MW_CATCHALL=1
E2E_SMTP=1
. "$(dirname "$0")/lib.sh"
trap world_stop EXIT
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "starting a loopback mail world (Dovecot IMAP + Postfix SMTP on 127.0.0.1)"
world_start
cat >>"$W/refagent.conf" <<EOC

[schedule]
business_hours = 00:00-24:00
business_days = mon-sun

[rewards]
client = 10%
client_cap = 1000
EOC
echo "agent config: $W/refagent.conf"

say "a referrer writes an intro and cc's the referral address (sent with swaks)"
swaks_intro demo1
echo "From: Sarah Lee <referrer@partner.test>  To: Bob Smith <lead@client.test>  Cc: agent@biz.test"

say "a partner forwards a mail from someone who needs help (sent with curl)"
cat >"$W/fwd.eml" <<EOM
From: Anna Kowalski <referrer@partner.test>
To: Brightpath Referrals <agent@biz.test>
Subject: Fwd: Looking for a contractor
Date: $(date -R)
Message-ID: <demo-fwd@partner.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Please look after Kenji, he asked me for a good contractor.

---------- Forwarded message ---------
From: Kenji Tanaka <kenji@client.test>
Subject: Looking for a contractor
To: Anna Kowalski <referrer@partner.test>

Would love an intro to whoever did your extension. My number is 503-555-0117.
EOM
send_mail referrer@partner.test agent@biz.test "$W/fwd.eml"
echo "Fwd from referrer@partner.test naming Kenji Tanaka <kenji@client.test>"

say "the website's contact form reports a referral (sent with curl)"
cat >"$W/form.eml" <<EOM
From: Website Forms <no-reply@biz.test>
To: agent@biz.test
Reply-To: Fatima Haddad <fatima@client.test>
Subject: New submission: Contact us - Fatima Haddad
Date: $(date -R)
Message-ID: <demo-form@biz.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

You have a new form submission.

Name: Fatima Haddad
Email: fatima@client.test
Phone: +44 20 7946 0321
How did you hear about us?: Referred by David Ortiz
Project: two bathrooms redone before the tenants move in
Budget: under £20,000
EOM
send_mail no-reply@biz.test agent@biz.test "$W/form.eml"
echo "form: Fatima Haddad, referred by David Ortiz"

say "an out-of-office auto-reply arrives (must never become a referral)"
cat >"$W/ooo.eml" <<EOM
From: Bob Smith <lead@client.test>
To: agent@biz.test
Subject: Automatic reply: Bob, meet Brightpath
Date: $(date -R)
Message-ID: <demo-ooo@client.test>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

I am out of the office until Monday.
EOM
send_mail lead@client.test agent@biz.test "$W/ooo.eml"

wait_count agent@biz.test 4
say "refagent run (a few seconds: fetch over IMAP, send over SMTP)"
"$BIN" -c "$W/refagent.conf" run &
rpid=$!
trap 'kill -TERM $rpid 2>/dev/null; wait $rpid 2>/dev/null; world_stop' EXIT
for ((i = 0; i < 100; i++)); do
	[ "$(imap_count referrer@partner.test)" -ge 2 ] && [ "$(imap_count rep@biz.test)" -ge 3 ] && break
	sleep 0.1
done
sleep 1
kill -TERM $rpid
wait $rpid || true
trap world_stop EXIT

# cycle: what `refagent run` does, once: fetch, then send what is due
cycle() {
	"$BIN" -c "$W/refagent.conf" -q poll --once
	"$BIN" -c "$W/refagent.conf" -q send || true
}

say "the rep replies to all in Bob's thread: first contact, and '#won 12000'"
welcome=$(header_of lead@client.test 'SUBJECT "Re: Bob, meet"' Message-Id)
cat >"$W/rep.eml" <<EOM
From: Tom Rivera <rep@biz.test>
To: Bob Smith <lead@client.test>
Cc: Brightpath Referrals <agent+r1@biz.test>
Subject: Re: Bob, meet Brightpath (demo1)
Message-ID: <demo-rep@biz.test>
In-Reply-To: $welcome
References: <intro-demo1@partner.test> $welcome
Date: $(date -R)

Bob, thanks for your time today; the contract is signed, welcome aboard.

#won 12000

Tom
EOM
send_mail rep@biz.test lead@client.test,agent+r1@biz.test "$W/rep.eml"
wait_count agent@biz.test 5
cycle
echo "no [security] authserv_id here: the agent asks the rep to confirm by mail"
confirm=$(header_of rep@biz.test 'SUBJECT "Please confirm"' Message-Id)
header_of rep@biz.test 'SUBJECT "Please confirm"' Subject

say "the rep answers yes"
cat >"$W/yes.eml" <<EOM
From: Tom Rivera <rep@biz.test>
To: agent+r1@biz.test
Subject: Re: Please confirm
Message-ID: <demo-yes@biz.test>
In-Reply-To: $confirm
References: $confirm
Date: $(date -R)

yes
EOM
send_mail rep@biz.test agent+r1@biz.test "$W/yes.eml"
wait_count agent@biz.test 6
cycle
sleep 1

say "refagent list"
"$BIN" -c "$W/refagent.conf" list

say "refagent show 1"
"$BIN" -c "$W/refagent.conf" show 1

say "refagent rewards"
"$BIN" -c "$W/refagent.conf" rewards

say "refagent outbox"
"$BIN" -c "$W/refagent.conf" outbox

say "refagent report"
"$BIN" -c "$W/refagent.conf" report

# inbox USER: what USER finds: who it is from, the subject, and the thread
inbox() {
	local uid h
	printf '\n\033[1m%s\033[0m\n' "$1"
	for uid in $(curl -sS --url "$IMAP_URL/INBOX" -u "$1:pw" -X 'UID SEARCH ALL' | tr -d '\r' |
		sed 's/^\* SEARCH//'); do
		h=$(imap_headers "$1" "$uid")
		printf '  from %-45s %s\n' "$(grep -m1 -i '^From:' <<<"$h" | cut -d' ' -f2-)" \
			"$(grep -m1 -i '^Subject:' <<<"$h" | cut -d' ' -f2-)"
		if grep -qi '^In-Reply-To:' <<<"$h"; then
			printf '  %-50s joins the thread of %s\n' "" "$(grep -m1 -i '^In-Reply-To:' <<<"$h" | cut -d' ' -f2-)"
		fi
	done
}
say "what each person found in their inbox"
inbox referrer@partner.test
inbox lead@client.test
inbox rep@biz.test
inbox admin@biz.test

say "stopping the mail world"
