#!/bin/sh
# Ticks every second. Asked to stop (SIGTERM or SIGINT), it saves its work and ends cleanly.
trap 'echo "ticker: saving and stopping"; exit 0' TERM INT
while true; do
  echo "tick $(date +%T)"
  sleep 1 &
  wait $!
done
