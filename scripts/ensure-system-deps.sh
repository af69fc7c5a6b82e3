#!/usr/bin/env bash
# Installs what the test suite needs from outside PyPI, when it is missing:
# Debian's Chromium (browser tests; never a browser downloaded by a test tool).
# Java 17 and Maven come with the machine; the Neo4j jars are resolved by the
# test harness itself (tests/neo4j_harness) from Maven Central.
set -u
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian chromium for the browser tests ..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
      || echo "warning: could not install chromium; browser tests will skip (or fail under CI=true)"
  else
    echo "note: /usr/bin/chromium missing and not root; browser tests will skip (or fail under CI=true)"
  fi
fi
exit 0
