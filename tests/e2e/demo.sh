#!/usr/bin/env bash
# demo.sh BIN - refagent at work on a loopback mail world (make demo).
#
# Starts Dovecot and Postfix on 127.0.0.1, sends a few ordinary intro
# emails with swaks and curl (a cc'd intro, a bcc'd intro, a forward, a web
# form, an out-of-office reply that must be ignored), lets the agent poll
# the referral mailbox once, prints the referrals it made, then stops
# everything it started.
set -euo pipefail
BIN=$1
E2E_NAME=demo
E2E_PORT_BASE=13140
. "$(dirname "$0")/lib.sh"
trap world_stop EXIT
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "starting a loopback mail world (Dovecot IMAP + Postfix SMTP on 127.0.0.1)"
world_start
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
say "refagent poll --once"
"$BIN" -c "$W/refagent.conf" poll --once

say "refagent list"
"$BIN" -c "$W/refagent.conf" list

say "refagent show 1"
"$BIN" -c "$W/refagent.conf" show 1

say "a second poll finds nothing new"
"$BIN" -c "$W/refagent.conf" poll --once

say "stopping the mail world"
