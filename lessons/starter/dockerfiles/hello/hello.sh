#!/bin/sh
# Greets whoever the arguments name (the world, if nobody), in the words of $GREETING.
echo "${GREETING:-Hello}, ${*:-world}!"
