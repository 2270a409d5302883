#!/bin/sh
# A tool of the toolbox: it says hello.
echo "toolbox: hello from $(hostname)"
