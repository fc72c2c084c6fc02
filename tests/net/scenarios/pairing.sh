# SPDX-License-Identifier: MIT
# `kmscastd pair` and `kmscast pair`: a wrong code is refused, the right one
# pins both sides once, a second use and an expired code are refused; wrong
# guesses are counted per address.
. tests/net/lib.sh
start_daemon d --source test:1000 --fps 50
client c pair 127.0.0.1:$PORT AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-A
expect_rc 3 "pairing without a code pending"
expect_err "no pairing code is pending"

"$B/kmscastd" pair --state-dir "$W/d" "${DUSER[@]}" >"$W/pair" || fail "kmscastd pair failed"
code=$(sed -n 's/^ *\([0-9A-Z-]\{31\}\)$/\1/p' "$W/pair")
[ -n "$code" ] || fail "no code in: $(cat "$W/pair")"
[ "$(stat -c %a "$W/d/pairing")" = 600 ] || fail "pairing file not 0600"
client c pair 127.0.0.1:$PORT AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-A
expect_rc 3 "wrong code"
expect_err "pairing failed: wrong pairing code"
[ ! -s "$W/c/known_hosts" ] || fail "a wrong code pinned something"
client c pair 127.0.0.1:$PORT "$(echo "$code" | tr A-Z a-z | tr -d -)"
expect_rc 0 "right code (lower case, no dashes)"
expect_out "^paired with 127.0.0.1:$PORT; pinned sha256:"
grep -q "$(fp_of c)  # paired from 127.0.0.1" "$W/d/authorized-clients" || fail "client not authorized"
expect_log "paired client $(fp_of c)"
client c --frames 3 127.0.0.1:$PORT
expect_rc 0 "paired client streams without any other trust option"
ok "paired and streamed"

client other pair 127.0.0.1:$PORT "$code"
expect_rc 3 "second use"
expect_err "no pairing code is pending"
ok "the code works once"

"$B/kmscastd" pair --state-dir "$W/d" "${DUSER[@]}" >"$W/pair"
code=$(sed -n 's/^ *\([0-9A-Z-]\{31\}\)$/\1/p' "$W/pair")
sed -i 's/^[0-9]* /1000 /' "$W/d/pairing" # expired long ago
client other pair 127.0.0.1:$PORT "$code"
expect_rc 3 "expired code"
expect_err "the pairing code has expired"
ok "an expired code is refused"

stop_daemon

# Wrong codes count per address: three from 127.0.0.1 bar it from this
# code, and the right code still works from ::1.
start_daemon d --source test:1000 --fps 50 --listen :0
PORT=$(sed -n 's/.*listening on \[::\]:\([0-9]*\) .*/\1/p' "$DLOG")
"$B/kmscastd" pair --state-dir "$W/d" "${DUSER[@]}" >"$W/pair"
code=$(sed -n 's/^ *\([0-9A-Z-]\{31\}\)$/\1/p' "$W/pair")
for i in 1 2 3; do client other pair 127.0.0.1:$PORT BBBBB-BBBBB-BBBBB-BBBBB-BBBBB-A; done
expect_err "wrong pairing code; too many attempts from 127.0.0.1, which may not try this code again"
client other pair 127.0.0.1:$PORT "$code"
expect_rc 3 "the right code from an address that guessed wrong three times"
expect_err "too many wrong pairing codes from 127.0.0.1; run 'kmscastd pair' for a new code"
[ -s "$W/d/pairing" ] || fail "one address's wrong guesses voided the code for everyone"
client other pair "[::1]:$PORT" "$code"
expect_rc 0 "the right code from another address"
[ ! -s "$W/d/pairing" ] || fail "the code was not spent by its use"
ok "three wrong guesses bar their address only; another address pairs with the code"
stop_daemon
