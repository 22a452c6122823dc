#!/usr/bin/env bash
# The suite on a busy machine: `npm test` three times in a row while two CPU-bound processes run
# beside it (a newcomer's laptop doing other work), one line per run with its result, its time,
# the load average and vitest's count. Exit status 0 only when every run passed.
#
#   test/busy-machine.sh                 # 3 runs beside 2 busy processes
#   BUSY_RUNS=1 BUSY_LOAD=4 test/busy-machine.sh
#
# Each run's full output is kept in test/artifacts/busy-machine-run-N.log.
set -u
cd "$(dirname "$0")/.."
runs=${BUSY_RUNS:-3}
load=${BUSY_LOAD:-2}
mkdir -p test/artifacts

busy=()
stop_busy() {
  for pid in "${busy[@]}"; do kill "$pid" 2>/dev/null; done
}
trap stop_busy EXIT
trap 'exit 130' INT TERM
for _ in $(seq "$load"); do
  node -e 'for (;;) {}' &
  busy+=($!)
done
echo "busy machine: $load CPU-bound processes (pids ${busy[*]}) on $(nproc) cores; $runs runs of npm test"

failed=0
for run in $(seq "$runs"); do
  log="test/artifacts/busy-machine-run-$run.log"
  start=$(date +%s)
  if npm test >"$log" 2>&1; then result=passed; else result=FAILED; failed=$((failed + 1)); fi
  tests=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^ *Tests ' | tail -1 | tr -s ' ')
  echo "run $run/$runs: $result in $(($(date +%s) - start)) s, load average $(cut -d' ' -f1-3 /proc/loadavg),${tests:- no vitest summary (see the log)} ($log)"
done
echo "$((runs - failed)) of $runs runs passed"
[ "$failed" -eq 0 ]
