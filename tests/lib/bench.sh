# shellcheck shell=bash
# Helpers the benchmarks share: CPU time of a process and how busy the machine is. Source after
# common.sh.

# cpu_ticks PID: user + system clock ticks of the whole process (all threads).
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

# machine_ticks: user-space ticks of all cores (user + nice) and all ticks of all cores.
machine_ticks() { awk '$1 == "cpu" { print $2 + $3, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }

# busy_pct: how busy the machine is (all cores, %) over one second, with none of our load running.
busy_pct() {
  local a b
  a=$(machine_ticks)
  sleep 1
  b=$(machine_ticks)
  awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " ");
    t = y[2] - x[2]; printf "%d", (t > 0 ? 100 * (y[1] - x[1]) / t : 0) }'
}

# wait_quiet: before a round, wait (at most $BENCH_QUIET_WAIT s, default 30) for other work on the
# machine (compilers...) to stop.
wait_quiet() {
  local i busy
  for ((i = 0; i < ${BENCH_QUIET_WAIT:-30}; i++)); do
    busy=$(busy_pct)
    ((busy < 10)) && return
  done
  log "machine still ${busy}% busy with other work; measuring anyway"
}
