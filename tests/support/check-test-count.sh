#!/bin/sh
# Every test the sources define is registered in the test binary: the
# binary lists as many tests as tests/*.c define with Test() and
# ParameterizedTest(). A build setting that drops registrations (records in
# a section of their own that a linker may discard) would otherwise shrink
# the suite without a failure (`make check-unit` runs this first).
#
#   usage: check-test-count.sh TEST_BINARY TEST_DIR
set -eu
bin=$1
dir=$2
defined=$(cat "$dir"/test_*.c | grep -cE '^(Test|ParameterizedTest)\(')
listed=$("$bin" --list | grep -cE '^(├──|└──) ')
if [ "$defined" -ne "$listed" ]; then
    echo "check-test-count: $dir defines $defined tests, $bin registers $listed" >&2
    exit 1
fi
echo "check-test-count: $listed tests defined, all registered"
