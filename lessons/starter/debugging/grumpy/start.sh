#!/bin/sh
# Starts the grumpy service, which will not start without its settings file.
if [ ! -f /etc/grumpy.conf ]; then
  echo "grumpy: cannot read /etc/grumpy.conf" >&2
  exit 3
fi
echo "grumpy is running, in the mood $(cat /etc/grumpy.conf)"
exec sleep 1d
