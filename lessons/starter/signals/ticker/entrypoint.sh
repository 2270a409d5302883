#!/bin/sh
# Gets things ready, then starts the command the container was given (the image's CMD by default).
echo "entrypoint: preparing"
"$@"
echo "entrypoint: the ticker has ended"
