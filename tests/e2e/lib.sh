# lib.sh - shared by the end-to-end tests and the demo (sourced, bash).
#
# A mail world of our own (tests/e2e/mailworld.sh: Dovecot + Postfix on
# 127.0.0.1) in its own folder and ports, a config for the agent against it,
# and helpers that send mail with real clients (swaks, curl) and read
# mailboxes back over IMAP.
#
# Set before sourcing: E2E_NAME (folder and log name), E2E_PORT_BASE (four
# consecutive ports: IMAP, LMTP, SMTP, IMAPS), and E2E_SMTP=1 for an agent
# that sends mail.

E2E_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export MAILWORLD_DIR=/tmp/refagent-${E2E_NAME:-e2e}-$$
export MW_IMAP_PORT=$((E2E_PORT_BASE + 0))
export MW_LMTP_PORT=$((E2E_PORT_BASE + 1))
export MW_SMTP_PORT=$((E2E_PORT_BASE + 2))
export MW_IMAPS_PORT=$((E2E_PORT_BASE + 3))
MW=$E2E_TOP/tests/e2e/mailworld.sh
# faketime is an LD_PRELOAD library; a sanitizer build (make check
# SANITIZE=1) must be told that its runtime need not come first then
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
W=$MAILWORLD_DIR/agent   # the agent's own files: config, database, logs
IMAP_URL=imap://127.0.0.1:$MW_IMAP_PORT
SMTP_SERVER=127.0.0.1:$MW_SMTP_PORT

world_start() {
	"$MW" start 2>"/tmp/refagent-${E2E_NAME:-e2e}-$$.mw.log" || {
		cat "/tmp/refagent-${E2E_NAME:-e2e}-$$.mw.log" >&2; return 1; }
	rm -f "/tmp/refagent-${E2E_NAME:-e2e}-$$.mw.log"
	mkdir -p "$W"
	printf 'pw\n' >"$W/password"
	chmod 600 "$W/password"
	write_config "$W/refagent.conf"
}

world_stop() {
	"$MW" stop 2>/dev/null || "$MW" stop
	rm -rf "$MAILWORLD_DIR"
}

# e2e_db NAME: the database NAME of this test, for [agent] database: a
# SQLite file in $W; or, run beside a PostgreSQL server (tests/pg.sh sets
# REFAGENT_PG), a new database of its own there, as a connection string
e2e_db() {
	if [ -z "${REFAGENT_PG:-}" ]; then
		echo "$W/$1.db"
		return
	fi
	local db="${E2E_NAME:-e2e}_$$_$1" psql=("$REFAGENT_PG_BIN/psql" "$REFAGENT_PG dbname=postgres" -qXtA)
	db=${db//[^a-zA-Z0-9_]/_}
	[ -n "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ] ||
		"${psql[@]}" -c "CREATE DATABASE $db" >/dev/null || return 1
	echo "$REFAGENT_PG dbname=$db"
}

# write_config FILE: the agent's config for this world.  Optional: E2E_DB
# (the database; default e2e_db refagent), E2E_TIMEOUT (seconds; default 10 for IMAP, the agent's
# default for SMTP), IMAP_AUTH (lines that sign in to IMAP instead of the
# password, e.g. auth = xoauth2 and a token source), and with E2E_SMTP=1,
# SMTP_AUTH (the same for SMTP; without it the agent sends without AUTH).
# schedule_anytime CONF: the agent's mail may go at any hour of any day,
# up to 50 a day (the tests run at any time of the day)
schedule_anytime() {
	cat >>"$1" <<EOC

[schedule]
business_hours = 00:00-24:00
business_days = mon-sun
max_per_day = 50
EOC
}

write_config() {
	cat >"$1" <<EOC
# refagent config for the loopback mail world of tests/e2e
[agent]
address = agent@biz.test
domains = biz.test
name = Brightpath Renovations
database = ${E2E_DB:-$(e2e_db refagent)}
filters = $E2E_TOP/filters
templates = $E2E_TOP/templates

[imap]
server = 127.0.0.1
port = $MW_IMAP_PORT
security = none
user = agent@biz.test
${IMAP_AUTH:-password_file = $W/password}
mailbox = INBOX
poll_interval = 2
timeout = ${E2E_TIMEOUT:-10}

[reps]
rep@biz.test = Tom Rivera
EOC
	# E2E_SMTP=1: the agent sends through the world's Postfix, and
	# escalations go to admin@biz.test (give the world that user)
	if [ "${E2E_SMTP:-0}" = 1 ]; then
		sed -i "s|^name = .*|&\nadmin = admin@biz.test|" "$1"
		cat >>"$1" <<EOC

[smtp]
server = 127.0.0.1
port = $MW_SMTP_PORT
security = none
${E2E_TIMEOUT:+timeout = $E2E_TIMEOUT}
${SMTP_AUTH:+user = agent@biz.test
$SMTP_AUTH}
EOC
	fi
}

# imap_search USER SEARCH: how many messages of USER's INBOX match an IMAP
# SEARCH (e.g. 'SUBJECT "Thank you"')
imap_search() {
	curl -sS --url "$IMAP_URL/INBOX" -u "$1:pw" -X "UID SEARCH $2" | tr -d '\r' |
		sed 's/^\* SEARCH//' | wc -w
}

# imap_count USER: messages in USER's INBOX
imap_count() { imap_search "$1" ALL; }

# wait_search USER SEARCH N: wait (at most 10 s) until N messages match
wait_search() {
	local i got=0
	for ((i = 0; i < 100; i++)); do
		got=$(imap_search "$1" "$2")
		[ "$got" -ge "$3" ] && return 0
		sleep 0.1
	done
	fail "$1: $got messages match $2, want $3"
}

# uid_of USER SEARCH: the last UID matching
uid_of() {
	curl -sS --url "$IMAP_URL/INBOX" -u "$1:pw" -X "UID SEARCH $2" | tr -d '\r' | awk '{print $NF}'
}

# imap_headers USER UID: the header of one message, unfolded (a
# continuation line joins the line before it)
imap_headers() {
	curl -sS --url "$IMAP_URL/INBOX;UID=$2;SECTION=HEADER" -u "$1:pw" | tr -d '\r' |
		sed -e ':a' -e 'N' -e '$!ba' -e 's/\n[ \t]\+/ /g'
}

# header_of USER SEARCH NAME: header NAME of the last message matching
header_of() {
	imap_headers "$1" "$(uid_of "$1" "$2")" | grep -i -m1 "^$3:" | cut -d' ' -f2-
}

# body_of USER SEARCH: the text of every message matching (quoted-printable
# soft line breaks joined)
body_of() {
	local uid
	for uid in $(curl -sS --url "$IMAP_URL/INBOX" -u "$1:pw" -X "UID SEARCH $2" | tr -d '\r' |
		sed 's/^\* SEARCH//'); do
		curl -sS --url "$IMAP_URL/INBOX;UID=$uid;SECTION=TEXT" -u "$1:pw" | tr -d '\r' |
			sed -e ':a' -e '/=$/N' -e 's/=\n//' -e 'ta'
	done
}

# wait_count USER N: wait (at most 20 s) until USER's INBOX holds N messages
wait_count() {
	local i got=0
	for ((i = 0; i < 200; i++)); do
		got=$(imap_count "$1")
		[ "$got" -ge "$2" ] && return 0
		sleep 0.1
	done
	echo "timed out: $1 has $got messages, want $2" >&2
	return 1
}

# send_mail FROM RCPTS(comma) FILE: submit FILE over SMTP with curl
send_mail() {
	local args=() r
	IFS=, read -ra rs <<<"$2"
	for r in "${rs[@]}"; do args+=(--mail-rcpt "$r"); done
	curl -sS --url "smtp://$SMTP_SERVER/partner.test" --mail-from "$1" "${args[@]}" \
		--upload-file "$3"
}

# swaks_intro TAG: the referrer writes an ordinary intro to the lead with
# the agent in Cc, sent by swaks (a real SMTP client)
swaks_intro() {
	swaks --silent 2 --server "$SMTP_SERVER" --helo partner.test \
		--from referrer@partner.test --to lead@client.test,agent@biz.test \
		--header "From: Sarah Lee <referrer@partner.test>" \
		--header "To: Bob Smith <lead@client.test>" \
		--header "Cc: Brightpath Referrals <agent@biz.test>" \
		--header "Subject: Bob, meet Brightpath ($1)" \
		--header "Message-ID: <intro-$1@partner.test>" \
		--body "Hi Bob,

I'd like to introduce you to the team at Brightpath. Bob (Northwind
Advisors) is planning a kitchen remodel, budget is around \$25,000.

Best number to reach Bob is (415) 555-0142.

I'll let you two take it from here.

Best,
Sarah Lee
M: +1 212 555 0199
"
}

# Driving the agent: these call ra, which the test defines (the agent with
# its config: ra() { "$BIN" -c "$conf" "$@"; }).
# show ID JQ: a field of `show ID --json`
show() { ra show "$1" --json | jq -r "$2"; }
# events ID KIND: how many events of KIND referral ID has
events() { show "$1" "[.events[] | select(.kind == \"$2\")] | length"; }
# cycle: fetch, then send what is due
cycle() {
	ra poll --once 2>>"$W/agent.log" || fail "poll: $(tail -3 "$W/agent.log")"
	ra send 2>>"$W/agent.log" || true
}
# deliver FROM RCPTS FILE: send and wait until the agent has it (agent_in
# counts the agent's mail; set it when mail reaches the agent otherwise)
agent_in=0
deliver() {
	agent_in=$((agent_in + 1))
	send_mail "$1" "$2" "$3"
	wait_count agent@biz.test $agent_in
}

# bench_intros DIR N: N intros in DIR (1.eml ...), each its own referrer
# and lead with the agent in Cc: a thank-you and a welcome each (the send
# benchmarks)
bench_intros() {
	local i
	mkdir -p "$1"
	for ((i = 1; i <= $2; i++)); do
		cat >"$1/$i.eml" <<EOM
From: Referrer $i <ref$i@partner.test>
To: Lead $i <lead$i@client.test>
Cc: agent@biz.test
Subject: Intro: Lead $i <> Brightpath
Message-ID: <bench-$i@partner.test>
Date: Tue, 01 Dec 2026 10:00:00 +0000

Lead $i, meet Brightpath. Happy to connect you two.
EOM
	done
}

ok() { echo "ok - $*"; }
fail() { echo "FAIL - $*" >&2; exit 1; }
