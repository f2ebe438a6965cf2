#!/usr/bin/env bash
# imap_live.sh [PROBE] - the IMAP module (agent/imap.c) against a real
# Dovecot: plaintext on loopback, STARTTLS and implicit TLS with the mail
# world's CA, refusal of the same certificate without it, a wrong host
# name, a wrong password, the "UID n:*" rule, and IDLE waking on delivery.
#
# PROBE is a built tests/unit/imap_probe; without it the script builds one
# with a direct gcc line.  It starts its own mail world (MW_TLS=1, its own
# dir and ports, so it runs beside other tests) and stops it on exit.
# Exits non-zero on the first failure.
#
# environment (optional): IMAP_LIVE_DIR (default /tmp/refagent-imap-live),
#   MW_IMAP_PORT 11143, MW_LMTP_PORT 11024, MW_SMTP_PORT 11025,
#   MW_IMAPS_PORT 11993, MW_SMTP (see mailworld.sh)
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
work=${IMAP_LIVE_DIR:-/tmp/refagent-imap-live}
export MAILWORLD_DIR=$work/world
export MW_TLS=1
export MW_IMAP_PORT=${MW_IMAP_PORT:-11143} MW_LMTP_PORT=${MW_LMTP_PORT:-11024}
export MW_SMTP_PORT=${MW_SMTP_PORT:-11025} MW_IMAPS_PORT=${MW_IMAPS_PORT:-11993}
mw="bash $top/tests/e2e/mailworld.sh"
user=agent@biz.test
pass=0

fail() { echo "IMAP LIVE FAIL: $*" >&2; exit 1; }
ok() { pass=$((pass + 1)); echo "ok   $*"; }

mkdir -p "$work"
chmod 0755 "$work"

probe=${1:-}
if [ -z "$probe" ]; then
	probe=$work/imap_probe
	# shellcheck disable=SC2046
	${CC:-cc} -std=gnu11 -O1 -g -Wall -Wextra -D_GNU_SOURCE -I"$top/include" \
		$(pkg-config --cflags libetpan gnutls) \
		"$top/tests/unit/imap_probe.c" "$top/agent/imap.c" "$top/agent/util.c" \
		"$top/agent/log.c" "$top/agent/clock.c" \
		-o "$probe" $(pkg-config --libs libetpan gnutls) || fail "cannot build imap_probe"
fi
[ -x "$probe" ] || fail "no probe at $probe"

cleanup() { $mw stop >/dev/null 2>&1 || true; }
trap cleanup EXIT
$mw start
eval "$($mw env)"
[ -s "${MW_CA_FILE:-}" ] || fail "mailworld env gave no MW_CA_FILE"
smtp_kind=$(cat "$MAILWORLD_DIR/smtp-kind")

umask 077
printf '%s\n' "$MW_PASSWORD" >"$work/pw"
printf 'not-the-password\n' >"$work/badpw"
umask 022

# seed: three messages over LMTP (delivered when swaks returns)
for i in 1 2 3; do
	swaks --silent 2 --server "127.0.0.1:$MW_LMTP_PORT" --protocol LMTP \
		--from referrer@partner.test --to "$user" \
		--header "Subject: live $i" --body "message $i" || fail "LMTP seed $i"
done

out=$work/out
err=$work/err
# run NAME ARGS...: probe output in $out, stderr in $err, status in $rc
run() {
	rc=0
	"$probe" "$@" >"$out" 2>"$err" || rc=$?
}
# expect_listing N: the probe listed N messages, each "UID SIZE Return-Path: ..."
expect_listing() {
	local n
	n=$(grep -c '^[0-9][0-9]* [0-9][0-9]* Return-Path: <referrer@partner.test>$' "$out" || true)
	[ "$n" = "$1" ] || { cat "$out" "$err" >&2; fail "$2: listed $n messages, want $1"; }
	if grep -q '^warning' "$out"; then cat "$out" >&2; fail "$2: size mismatch"; fi
}

# 1. plaintext on loopback: all three, UIDs 1 2 3 in order
run 127.0.0.1 "$MW_IMAP_PORT" none - "$user" "$work/pw" 0
[ $rc = 0 ] || { cat "$err" >&2; fail "plain open"; }
expect_listing 3 plain
[ "$(awk '/Return-Path/ {printf "%s ", $1}' "$out")" = "1 2 3 " ] || fail "plain: UIDs not 1 2 3"
grep -q '^uidvalidity [1-9][0-9]*$' "$out" || fail "plain: no UIDVALIDITY"
grep -q '^idle yes$' "$out" || fail "plain: IDLE not seen after login"
ok "plain 127.0.0.1:$MW_IMAP_PORT: 3 messages, UIDs 1 2 3, IDLE"

# 2. "UID 4:*" returns UID 3 (RFC 3501 "*" rule): list_new(3) must be empty;
#    list_new(2) gives exactly UID 3
run 127.0.0.1 "$MW_IMAP_PORT" none - "$user" "$work/pw" 3
[ $rc = 0 ] || { cat "$err" >&2; fail "after=3"; }
expect_listing 0 "after=3"
run 127.0.0.1 "$MW_IMAP_PORT" none - "$user" "$work/pw" 2
expect_listing 1 "after=2"
grep -q '^3 ' "$out" || fail "after=2: not UID 3"
ok "UID n:* rule: after=3 -> none, after=2 -> UID 3"

# 3. STARTTLS and implicit TLS, verified against the world's CA, by IP and name
run 127.0.0.1 "$MW_IMAP_PORT" starttls "$MW_CA_FILE" "$user" "$work/pw" 0
[ $rc = 0 ] || { cat "$err" >&2; fail "starttls with ca_file"; }
expect_listing 3 starttls
ok "STARTTLS 127.0.0.1:$MW_IMAP_PORT with ca_file"
run 127.0.0.1 "$MW_IMAPS_PORT" tls "$MW_CA_FILE" "$user" "$work/pw" 0
[ $rc = 0 ] || { cat "$err" >&2; fail "tls with ca_file"; }
expect_listing 3 tls
ok "implicit TLS 127.0.0.1:$MW_IMAPS_PORT with ca_file"
run localhost "$MW_IMAPS_PORT" tls "$MW_CA_FILE" "$user" "$work/pw" 0
[ $rc = 0 ] || { cat "$err" >&2; fail "tls to localhost with ca_file"; }
expect_listing 3 "tls localhost"
ok "implicit TLS localhost:$MW_IMAPS_PORT with ca_file (by name)"

# 4. the same self-signed world without ca_file: refused before login
logins() { grep -c "imap-login: Info: Login: user=<$user>" "$MAILWORLD_DIR/log/dovecot.log" || true; }
before=$(logins)
run 127.0.0.1 "$MW_IMAPS_PORT" tls - "$user" "$work/pw" 0
[ $rc = 1 ] || fail "tls without ca_file was accepted"
grep -q "imap 127.0.0.1:$MW_IMAPS_PORT: certificate of 127.0.0.1 does not verify: .*issuer is unknown" "$err" ||
	{ cat "$err" >&2; fail "tls without ca_file: wrong error"; }
ok "implicit TLS without ca_file refused: $(sed 's/^imap_probe: //' "$err" | grep certificate)"
run 127.0.0.1 "$MW_IMAP_PORT" starttls - "$user" "$work/pw" 0
[ $rc = 1 ] || fail "starttls without ca_file was accepted"
grep -q "imap 127.0.0.1:$MW_IMAP_PORT: certificate of 127.0.0.1 does not verify: .*issuer is unknown" "$err" ||
	{ cat "$err" >&2; fail "starttls without ca_file: wrong error"; }
ok "STARTTLS without ca_file refused"
sleep 0.2 # Dovecot's log is written asynchronously
[ "$(logins)" = "$before" ] || fail "a refused session logged in"
ok "no login from the refused sessions (Dovecot log)"

# 5. a name the certificate does not carry (only when one resolves to loopback)
other=""
for h in "$(hostname)" localhost.localdomain; do
	if [ -n "$h" ] && [ "$h" != localhost ] && getent ahostsv4 "$h" 2>/dev/null | grep -q '^127\.'; then
		other=$h
		break
	fi
done
if [ -n "$other" ]; then
	run "$other" "$MW_IMAPS_PORT" tls "$MW_CA_FILE" "$user" "$work/pw" 0
	[ $rc = 1 ] || fail "tls to $other (not in the certificate) was accepted"
	grep -q "certificate of $other does not verify: .*name in the certificate does not match" "$err" ||
		{ cat "$err" >&2; fail "wrong-name: wrong error"; }
	ok "implicit TLS to $other (resolves to loopback, not in the certificate) refused"
else
	echo "skip wrong-name check: no other name resolves to 127.0.0.1 here"
fi

# 6. wrong password: the error names the user, never the password
run 127.0.0.1 "$MW_IMAP_PORT" none - "$user" "$work/badpw" 0
[ $rc = 1 ] || fail "wrong password accepted"
grep -q "imap 127.0.0.1:$MW_IMAP_PORT: login failed for $user: " "$err" ||
	{ cat "$err" >&2; fail "wrong password: wrong error"; }
if grep -q 'not-the-password' "$err" "$out"; then fail "password in the output"; fi
ok "wrong password: $(sed 's/^imap_probe: //' "$err")"

# 7. IDLE over TLS wakes on a new delivery (SMTP when the world has it)
"$probe" 127.0.0.1 "$MW_IMAPS_PORT" tls "$MW_CA_FILE" "$user" "$work/pw" 3 15 >"$out" 2>"$err" &
ppid=$!
for ((i = 0; i < 100; i++)); do
	grep -q '^idle yes$' "$out" 2>/dev/null && break
	sleep 0.1
done
sleep 0.3 # the probe is in IDLE now
t0=$(date +%s%N)
if [ "$smtp_kind" != none ]; then
	swaks --silent 2 --server "127.0.0.1:$MW_SMTP_PORT" --helo partner.test \
		--from referrer@partner.test --to "$user" --header "Subject: live idle" \
		--body "wake up" || fail "SMTP send for IDLE"
	via=SMTP
else
	swaks --silent 2 --server "127.0.0.1:$MW_LMTP_PORT" --protocol LMTP \
		--from referrer@partner.test --to "$user" --header "Subject: live idle" \
		--body "wake up" || fail "LMTP send for IDLE"
	via=LMTP
fi
prc=0
wait $ppid || prc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ $prc = 0 ] || { cat "$err" >&2; fail "idle probe failed"; }
grep -q '^idle -> 1$' "$out" || { cat "$out" "$err" >&2; fail "IDLE did not report the new mail"; }
[ $ms -lt 10000 ] || fail "IDLE took ${ms} ms to wake"
ok "IDLE over TLS woke ${ms} ms after the $via delivery"

# the new message is UID 4
run 127.0.0.1 "$MW_IMAPS_PORT" tls "$MW_CA_FILE" "$user" "$work/pw" 3
expect_listing 1 "after IDLE"
grep -q '^4 ' "$out" || fail "new message is not UID 4"
ok "list after IDLE: UID 4"

trap - EXIT
$mw stop
echo "imap live: $pass checks passed"
