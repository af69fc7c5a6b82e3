#!/usr/bin/env bash
# Installs what the test suite needs from outside PyPI, when it is missing:
#  - Debian's Chromium (browser tests; never a browser downloaded by a test tool);
#  - a JDK 17 and Maven (the tests start a real Neo4j 5.26 from Maven Central jars,
#    see tests/neo4j_harness; the jars themselves are resolved by scripts/neo4j-harness.sh).
# Without root or apt-get it only warns: the tests that need the tool then skip outside
# CI and fail under CI=true with a message naming what is missing.
set -u
need=()
[ -x /usr/bin/chromium ] || need+=(chromium chromium-driver)
command -v java >/dev/null 2>&1 && command -v javac >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need+=(maven)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian packages for the test suite: ${need[*]} ..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null) \
    || echo "warning: could not install ${need[*]}; the tests that need them skip (or fail under CI=true)"
else
  echo "note: missing ${need[*]} and not root; the tests that need them skip (or fail under CI=true)"
fi
exit 0
