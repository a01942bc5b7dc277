# Shared by the command-line test scripts (sourced): pass/fail counting and `expect`.
passed=0 failed=0
ok()  { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
# expect CODE PATTERN -- command...: the exit code, and an extended regex over stdout+stderr with
# their lines joined (so a pattern may span a message's lines); at most 120 s.
expect() {
  local code=$1 pattern=$2; shift 3
  local out; out=$(timeout 120 "$@" 2>&1 | tr '\n' ' '; exit "${PIPESTATUS[0]}"); local rc=$?
  if [ "$rc" != "$code" ]; then bad "$* -> exit $rc, want $code: $out"; return; fi
  if [ -n "$pattern" ] && ! grep -Eq -- "$pattern" <<<"$out"; then bad "$* -> output lacks '$pattern': $out"; return; fi
  ok
}
