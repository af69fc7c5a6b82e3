#!/usr/bin/env bash
# Installs what the test suite needs from outside PyPI, when it is missing:
#  - Debian's Chromium (browser tests; never a browser downloaded by a test tool);
#  - a JDK 17 and Maven (the tests start a real Neo4j 5.26 from Maven Central jars,
#    see tests/neo4j_harness; the jars themselves are resolved by scripts/neo4j-harness.sh);
#  - LibreOffice Writer without GUI (`minetrace report cmr --out report.pdf` converts the Word draft with
#    soffice --headless), with metric-compatible fonts, and poppler-utils (the report tests read the PDF
#    back with pdftotext and turn its pages into PNGs with pdftoppm). Measured here: ~30 s to install
#    from Debian's mirror once the package lists are fresh, ~190 MB on disk.
# Without root or apt-get it only warns: the tests that need the tool then skip outside
# CI and fail under CI=true with a message naming what is missing.
set -u
need=()
[ -x /usr/bin/chromium ] || need+=(chromium chromium-driver)
command -v java >/dev/null 2>&1 && command -v javac >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need+=(maven)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui fonts-liberation2)
command -v pdftoppm >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian packages for the test suite: ${need[*]} ..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq "${need[@]}" >/dev/null) \
    || echo "warning: could not install ${need[*]}; the tests that need them skip (or fail under CI=true)"
else
  echo "note: missing ${need[*]} and not root; the tests that need them skip (or fail under CI=true)"
fi
exit 0
