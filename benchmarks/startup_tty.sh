#!/usr/bin/env bash
# Launch-to-screen time of `watchkeeper --demo` in a real terminal (tmux, 80x24): seconds until
# the first paint (the header) and until the triage list shows the critical finding.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v tmux >/dev/null || { echo "startup_tty: tmux is not installed; skipped"; exit 0; }
session="wk-bench-$$"
state=$(mktemp -d)
start=$(date +%s.%N)
tmux new-session -d -s "$session" -x 80 -y 24 \
  "WATCHKEEPER_STATE_DIR=$state .venv/bin/watchkeeper --demo"
paint="" triage=""
for _ in $(seq 1 150); do
  screen=$(tmux capture-pane -p -t "$session" 2>/dev/null || true)
  now=$(date +%s.%N)
  [[ -z "$paint" && "$screen" == *"1 Triage"* ]] && paint=$(echo "$now - $start" | bc)
  if [[ "$screen" == *"CRIT"* ]]; then triage=$(echo "$now - $start" | bc); break; fi
  sleep 0.1
done
tmux kill-session -t "$session" 2>/dev/null || true
rm -rf "$state"
printf 'tty_first_paint_s      %.2f\ntty_triage_on_screen_s %.2f\n' "${paint:-0}" "${triage:-0}"
