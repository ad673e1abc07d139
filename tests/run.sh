#!/usr/bin/env bash
# Run the test programs given as arguments and add up what cmocka reports.
# Closing line: "N passed, N failed, N skipped". Exit status 0 only when nothing failed.
set -u
pass=0; fail=0; skip=0; broken=()
for t in "$@"; do
  name=${t#*/tests/}
  out=$(CMOCKA_MESSAGE_OUTPUT=stdout timeout "${SCAR_TEST_TIMEOUT:-900}" ${SCAR_TEST_WRAPPER:-} "$t" 2>&1); rc=$?
  p=$(grep -oE '^\[  PASSED  \] [0-9]+' <<<"$out" | grep -oE '[0-9]+$' || true)
  f=$(grep -oE '^\[  FAILED  \] [0-9]+ test' <<<"$out" | grep -oE '[0-9]+' || true)
  s=$(grep -oE '^\[  SKIPPED \] [0-9]+ test' <<<"$out" | grep -oE '[0-9]+' || true)
  p=${p:-0}; f=${f:-0}; s=${s:-0}
  if [[ -z $(grep -E '^\[==========\] [0-9]+ test\(s\) run' <<<"$out") ]] || { [[ $rc -ne 0 ]] && [[ $f -eq 0 ]]; }; then
    f=$((f + 1)); broken+=("$name (exit $rc)")
  fi
  pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
  if [[ $f -gt 0 || -n ${VERBOSE:-} ]]; then echo "$out" | sed "s|^|$name: |"; fi
  printf '%-40s %3d passed %3d failed %3d skipped\n' "$name" "$p" "$f" "$s"
done
for b in "${broken[@]+"${broken[@]}"}"; do echo "did not finish cleanly: $b"; done
echo "$pass passed, $fail failed, $skip skipped"
[[ $fail -eq 0 ]]
