#!/usr/bin/env bash
# oauth.sh BIN - end-to-end tests of signing in with OAuth2 (Gmail and
# Microsoft 365 refuse passwords) against real servers on loopback: Dovecot
# with its oauth2 passdb and Postfix with SMTP AUTH through Dovecot's SASL
# (tests/e2e/mailworld.sh, MW_OAUTH2), both asking a token endpoint of our
# own (tests/e2e/oauth_endpoint.py, started here) whether a token is live.
#
#   1. `check` reports the wrong combinations with their lines
#   2. IMAP XOAUTH2 with oauth2_token_command: `poll --once` reads the intro
#   3. the built-in refresh flow: a token from the endpoint; the endpoint
#      rotates the refresh token and the file holds the new one (0600)
#   4. IMAP OAUTHBEARER
#   5. `send`: SMTP AUTH XOAUTH2 through Postfix, the mail read back over
#      IMAP, Postfix's log naming the mechanism and the user
#   6. `run`: a token past its expires_in is refreshed before the reconnect
#      after Dovecot kicked the session (never offered to the server)
#   7. a token dead on arrival: refused, refreshed once, signed in; the
#      endpoint's log shows the refusal and both refreshes
#   8. a failing command, and a token the server refuses twice: one error
#      line naming the server, exit 1
#   9. a token Postfix refuses: the job waits, the reason in the outbox
#
# Refusals come last: after failed logins Dovecot delays further logins
# from the same address (its auth penalty, up to 15 s), which is also why
# the agent's timeout is 30 s here.
set -euo pipefail
BIN=$1
E2E_NAME=oauth
E2E_PORT_BASE=19140
EP_PORT=$((E2E_PORT_BASE + 4))
EP=http://127.0.0.1:$EP_PORT
export MW_OAUTH2=$EP MW_EXTRA_USERS="admin@biz.test"
E2E_SMTP=1
. "$(dirname "$0")/lib.sh"
EPLOG=$MAILWORLD_DIR.endpoint.log
CLIENT_ID=refagent-test
CLIENT_SECRET='s3cr3t/+x'
ep_pid= rpid=
cleanup() {
	if [ -n "$rpid" ]; then kill -KILL "$rpid" 2>/dev/null || true; fi
	if [ -n "$ep_pid" ]; then kill "$ep_pid" 2>/dev/null || true; fi
	world_stop
	rm -f "$EPLOG"
}
trap cleanup EXIT

# the endpoint first: Dovecot asks it from the first login on
if (exec 3<>"/dev/tcp/127.0.0.1/$EP_PORT") 2>/dev/null; then
	fail "port $EP_PORT is busy"
fi
python3 "$E2E_TOP/tests/e2e/oauth_endpoint.py" "$EP_PORT" "$EPLOG" "$CLIENT_ID" \
	"$CLIENT_SECRET" rt-1 agent@biz.test &
ep_pid=$!
for ((i = 0; i < 100; i++)); do
	grep -q '^listening' "$EPLOG" 2>/dev/null && break
	sleep 0.1
done
grep -q '^listening' "$EPLOG" || fail "the token endpoint did not start"
world_start

export FAKETIME_DONT_FAKE_MONOTONIC=1
# at "2026-12-01 10:00:00" CMD...: in business hours, so mail goes out
at() { local t=$1; shift; faketime -f "@$t" "$@"; }
ctl() { curl -sS -d "$1" "$EP/control"; }
# marks the endpoint's log so a check reads only what came after
mark() { wc -l <"$EPLOG"; }
since() { tail -n +"$(($1 + 1))" "$EPLOG"; }
# errors LOG: how many error lines LOG holds
errors() { grep -c '^refagent: error: ' "$1" || true; }
# line_of NAME TEXT: the line of NAME.conf that starts with TEXT
line_of() { grep -n "^$2" "$W/$1.conf" | head -1 | cut -d: -f1; }

# conf NAME: $W/NAME.conf (and its own database) signing in with the lines
# in IMAP_AUTH and SMTP_AUTH (empty: the helper script)
conf() {
	SMTP_AUTH=${SMTP_AUTH:-"auth = xoauth2
oauth2_token_command = $W/helper.sh"} E2E_DB=$(e2e_db "$1") E2E_TIMEOUT=30 write_config "$W/$1.conf"
}
ra() { local n=$1; shift; "$BIN" -c "$W/$n.conf" "$@"; }

# helper scripts standing in for oama or mutt_oauth2.py
printf '#!/bin/sh\ncat %s/helper-token\n' "$W" >"$W/helper.sh"
printf '#!/bin/sh\necho "oama: no account agent@biz.test" >&2\nexit 4\n' >"$W/helper-fail.sh"
chmod 755 "$W/helper.sh" "$W/helper-fail.sh"
printf '%s\n' "$CLIENT_SECRET" >"$W/client-secret"
printf 'rt-1\n' >"$W/refresh"
chmod 600 "$W/client-secret" "$W/refresh"
FLOW="oauth2_token_url = $EP/token
oauth2_client_id = $CLIENT_ID
oauth2_client_secret_file = $W/client-secret
oauth2_refresh_token_file = $W/refresh"

swaks_intro oa1
wait_count agent@biz.test 1

# ---- 1. check ----
IMAP_AUTH="auth = xoauth2
password_file = $W/password" SMTP_AUTH="auth = oauthbearer
oauth2_token_command = $W/helper.sh
$FLOW" conf bad
if ra bad check 2>"$W/bad.log"; then fail "check passed a bad config"; fi
for want in "$(line_of bad 'auth = xoauth2'): [imap] auth = xoauth2 needs oauth2_token_command" \
	"$(line_of bad password_file): [imap] password_file is set but auth = xoauth2" \
	"$(line_of bad oauth2_token_command): [smtp] oauth2_token_command and the refresh flow"; do
	grep -qF "bad.conf:$want" "$W/bad.log" || fail "check lacks '$want': $(cat "$W/bad.log")"
done
ok "check: xoauth2 without a token source, with a password, with two sources"

# ---- 2. XOAUTH2 with a token command ----
tok=$(ctl "issue=agent@biz.test" | jq -r .access_token)
printf '%s\n' "$tok" >"$W/helper-token"
IMAP_AUTH="auth = xoauth2
oauth2_token_command = $W/helper.sh" SMTP_AUTH="auth = xoauth2
oauth2_token_command = $W/helper.sh" conf cmd
ra cmd check >/dev/null || fail "check: $(ra cmd check 2>&1)"
m=$(mark)
ra cmd poll --once 2>"$W/cmd.log" || fail "poll with a token command: $(cat "$W/cmd.log")"
grep -q 'polled 1 messages: 1 referral' "$W/cmd.log" || fail "poll: $(cat "$W/cmd.log")"
since "$m" | grep -q "^introspect $tok active" || fail "endpoint: $(since "$m")"
grep -q "Login: user=<agent@biz.test>, method=XOAUTH2" "$MAILWORLD_DIR/log/dovecot.log" ||
	fail "no XOAUTH2 login in Dovecot's log"
[ "$(ra cmd list --json | jq length)" = 1 ] || fail "no referral: $(ra cmd list)"
ok "IMAP XOAUTH2 with oauth2_token_command: the intro became a referral"

# ---- 3. the refresh flow, with rotation ----
ctl "rotate=1" >/dev/null
IMAP_AUTH="auth = xoauth2
$FLOW" SMTP_AUTH="auth = xoauth2
$FLOW" conf flow
m=$(mark)
at "2026-12-01 10:00:00" "$BIN" -c "$W/flow.conf" poll --once 2>"$W/flow.log" || fail "poll with the refresh flow: $(cat "$W/flow.log")"
grep -q 'polled 1 messages: 1 referral' "$W/flow.log" || fail "poll: $(cat "$W/flow.log")"
since "$m" | grep -q '^refresh rt-1 -> at-[0-9]* expires_in=3600$' || fail "endpoint: $(since "$m")"
rt=$(since "$m" | sed -n 's/^rotate rt-1 -> //p')
[ -n "$rt" ] || fail "no rotation: $(since "$m")"
[ "$(cat "$W/refresh")" = "$rt" ] || fail "refresh token file holds $(cat "$W/refresh"), not $rt"
[ "$(stat -c %a "$W/refresh")" = 600 ] || fail "refresh token file mode $(stat -c %a "$W/refresh")"
grep -q "stored the new refresh token" "$W/flow.log" || fail "flow: $(cat "$W/flow.log")"
if grep -q -e "$CLIENT_SECRET" -e "rt-1" -e "$rt" "$W/flow.log"; then fail "a secret in the log"; fi
ok "refresh flow: signed in, the rotated refresh token stored (0600), no secret logged"

# ---- 4. OAUTHBEARER ----
IMAP_AUTH="auth = oauthbearer
$FLOW" SMTP_AUTH="" conf bearer
ra bearer poll --once 2>"$W/bearer.log" || fail "poll with OAUTHBEARER: $(cat "$W/bearer.log")"
grep -q 'polled 1 messages: 1 referral' "$W/bearer.log" || fail "poll: $(cat "$W/bearer.log")"
grep -q "Login: user=<agent@biz.test>, method=OAUTHBEARER" "$MAILWORLD_DIR/log/dovecot.log" ||
	fail "no OAUTHBEARER login in Dovecot's log"
ok "IMAP OAUTHBEARER"

# ---- 5. send: SMTP AUTH XOAUTH2 through Postfix and Dovecot ----
at "2026-12-01 10:05:00" "$BIN" -c "$W/flow.conf" send 2>"$W/send.log" ||
	fail "send: $(cat "$W/send.log")"
grep -q "sent [1-9]" "$W/send.log" || fail "send: $(cat "$W/send.log"); $(ra flow outbox)"
wait_search referrer@partner.test 'SUBJECT "Thank you"' 1
grep -q "sasl_method=XOAUTH2, sasl_username=agent@biz.test" "$MAILWORLD_DIR/log/postfix.log" ||
	fail "Postfix logged no XOAUTH2: $(grep sasl "$MAILWORLD_DIR/log/postfix.log" | tail -3)"
ok "send: SMTP AUTH XOAUTH2 through Postfix + Dovecot SASL, the thank-you delivered"

# ---- 6. run: expired by expires_in, refreshed before the reconnect ----
ctl "lifetime=4" >/dev/null
IMAP_AUTH="auth = xoauth2
$FLOW" SMTP_AUTH="auth = xoauth2
$FLOW" conf run
m=$(mark)
"$BIN" -c "$W/run.conf" run 2>"$W/run.log" &
rpid=$!
for ((i = 0; i < 100; i++)); do
	[ "$(ra run list --json 2>/dev/null | jq length)" = 1 ] && break
	sleep 0.1
done
[ "$(ra run list --json | jq length)" = 1 ] || fail "run did not read the intro: $(cat "$W/run.log")"
since "$m" | grep -q '^refresh .* expires_in=4$' || fail "run: no token: $(since "$m")"
# every token so far has expired, at the endpoint and (by expires_in) in
# the agent's cache
sleep 4.5
m=$(mark)
doveadm -c "$MAILWORLD_DIR/etc/dovecot.conf" kick agent@biz.test >/dev/null 2>&1 ||
	fail "doveadm kick failed"
swaks_intro oa9
# (the same lead again: a touch of the referral, read all the same)
for ((i = 0; i < 150; i++)); do
	grep -q 'INBOX UID 2: touch' "$W/run.log" && break
	sleep 0.1
done
grep -q 'INBOX UID 2: touch' "$W/run.log" ||
	fail "run did not read the intro after the kick: $(cat "$W/run.log"); $(since "$m")"
since "$m" | grep -q '^refresh ' || fail "no refresh after the kick: $(since "$m")"
if since "$m" | grep -q "^introspect .* inactive"; then
	fail "an expired token was offered: $(since "$m")"
fi
kill -TERM "$rpid"
wait "$rpid" || fail "run exited $?: $(tail -5 "$W/run.log")"
rpid=
ctl "lifetime=3600" >/dev/null
ok "run: after the kick, a new token (the old one expired by expires_in) and the next intro read"

# ---- 7. a token dead on arrival ----
ctl "dead_next=1" >/dev/null
IMAP_AUTH="auth = xoauth2
$FLOW" SMTP_AUTH="" conf dead
m=$(mark)
ra dead poll --once 2>"$W/dead.log" || fail "poll with a dead token: $(cat "$W/dead.log")"
grep -q 'polled 2 messages: 1 referral, 1 touch' "$W/dead.log" || fail "poll: $(cat "$W/dead.log")"
grep -q "the server refused the OAuth2 token for agent@biz.test .*; getting a new one" "$W/dead.log" ||
	fail "dead: $(cat "$W/dead.log")"
[ "$(since "$m" | grep -c '^refresh ')" = 2 ] || fail "want two refreshes: $(since "$m")"
since "$m" | grep -q '^introspect at-[0-9]* inactive' || fail "endpoint: $(since "$m")"
[ "$(errors "$W/dead.log")" = 0 ] || fail "errors: $(cat "$W/dead.log")"
ok "a refused (expired) token: refreshed once (the endpoint saw both), signed in"

# ---- 8. a failing command; a token refused twice ----
IMAP_AUTH="auth = xoauth2
oauth2_token_command = $W/helper-fail.sh" SMTP_AUTH="" conf fail
rc=0
ra fail poll --once 2>"$W/fail.log" || rc=$?
[ "$rc" = 1 ] || fail "a failing token command: exit $rc"
[ "$(errors "$W/fail.log")" = 1 ] || fail "not one error line: $(cat "$W/fail.log")"
grep -q "error: imap 127.0.0.1:$MW_IMAP_PORT: oauth2_token_command exited with status 4: oama: no account agent@biz.test$" \
	"$W/fail.log" || fail "failing command: $(cat "$W/fail.log")"
ok "a failing token command: one line, with its exit status and its words, exit 1"

IMAP_AUTH="auth = xoauth2
oauth2_token_command = echo wrong-token" SMTP_AUTH="" conf wrong
m=$(mark)
rc=0
ra wrong poll --once 2>"$W/wrong.log" || rc=$?
[ "$rc" = 1 ] || fail "a wrong token: exit $rc"
[ "$(errors "$W/wrong.log")" = 1 ] || fail "not one error line: $(cat "$W/wrong.log")"
grep -q "error: imap 127.0.0.1:$MW_IMAP_PORT: XOAUTH2 login refused for agent@biz.test, also with a new token: " \
	"$W/wrong.log" || fail "wrong token: $(cat "$W/wrong.log")"
[ "$(since "$m" | grep -c '^introspect wrong-token inactive')" = 2 ] ||
	fail "want two tries: $(since "$m")"
ok "a token refused twice: one error line naming the server, two tries, exit 1"

# ---- 9. a token Postfix refuses ----
IMAP_AUTH="auth = xoauth2
oauth2_token_command = $W/helper.sh" SMTP_AUTH="auth = xoauth2
oauth2_token_command = echo wrong-token" conf smtpwrong
at "2026-12-01 10:00:00" "$BIN" -c "$W/smtpwrong.conf" poll --once 2>/dev/null ||
	fail "poll for smtpwrong"
rc=0
at "2026-12-01 10:05:00" "$BIN" -c "$W/smtpwrong.conf" send 2>"$W/smtpwrong.log" || rc=$?
[ "$rc" = 1 ] || fail "send with a refused token: exit $rc: $(cat "$W/smtpwrong.log")"
grep -q 'sent 0,' "$W/smtpwrong.log" || fail "send: $(cat "$W/smtpwrong.log")"
reply=$(ra smtpwrong outbox --json | jq -r '[.[] | .error // empty][0]')
[[ $reply == *"XOAUTH2 login refused for agent@biz.test, also with a new token"* ]] ||
	fail "outbox reply: $reply"
ok "a token Postfix refuses: the mail waits, the reason in the outbox"
echo "oauth: all passed"
