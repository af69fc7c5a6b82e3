#!/usr/bin/env bash
# Start a real Neo4j Community 5.26 for tests (see tests/neo4j_harness/).
#
#   scripts/neo4j-harness.sh build              resolve the jars with Maven, compile the launcher (cached)
#   scripts/neo4j-harness.sh run HOME [PORT]    build if needed, then run the server in the foreground;
#                                               prints "READY <port>", stops on stdin EOF or SIGTERM
#
# The first build downloads Neo4j's jars (~125 MB) from Maven Central into ~/.m2 (several minutes on a slow
# link); later builds reuse target/classpath.txt and target/classes and do not call Maven at all.
# Needs java (17+), javac and mvn on PATH. NEO4J_HARNESS_JAVA_OPTS overrides the JVM flags.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HARNESS="$HERE/tests/neo4j_harness"
TARGET="$HARNESS/target"
SRC="$HARNESS/src/Neo4jLauncher.java"
CLASSPATH_FILE="$TARGET/classpath.txt"
STAMP="$TARGET/build.stamp"

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "neo4j-harness: '$1' not found on PATH ($2)" >&2; exit 3; }
}

fingerprint() {
  cat "$HARNESS/pom.xml" "$SRC" | sha256sum | cut -d' ' -f1
}

classpath_complete() {
  [[ -s "$CLASSPATH_FILE" ]] || return 1
  local jar
  while IFS= read -r jar; do
    [[ -z "$jar" || -f "$jar" ]] || return 1
  done < <(tr ':' '\n' < "$CLASSPATH_FILE")
}

build() {
  if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$(fingerprint)" && -f "$TARGET/classes/Neo4jLauncher.class" ]] \
      && classpath_complete; then
    return 0
  fi
  need java "Java 17+ runs the Neo4j test server"
  need javac "a JDK 17+ compiles the launcher"
  need mvn "Maven resolves org.neo4j:neo4j from Maven Central"
  mkdir -p "$TARGET"
  rm -f "$STAMP"
  echo "neo4j-harness: resolving Neo4j jars with Maven (first run downloads them from Maven Central)" >&2
  local args=(-B -q -f "$HARNESS/pom.xml" dependency:build-classpath "-Dmdep.outputFile=$CLASSPATH_FILE")
  # Offline first (everything may already be in ~/.m2), then online.
  if ! mvn -o "${args[@]}" >"$TARGET/mvn-offline.log" 2>&1; then
    if ! mvn "${args[@]}" >"$TARGET/mvn.log" 2>&1; then
      echo "neo4j-harness: mvn dependency:build-classpath failed; last lines of $TARGET/mvn.log:" >&2
      tail -n 30 "$TARGET/mvn.log" >&2
      exit 4
    fi
  fi
  classpath_complete || { echo "neo4j-harness: Maven produced an incomplete classpath" >&2; exit 4; }
  rm -rf "$TARGET/classes"
  mkdir -p "$TARGET/classes"
  javac -nowarn -d "$TARGET/classes" -cp "$(cat "$CLASSPATH_FILE")" "$SRC"
  fingerprint > "$STAMP"
}

case "${1:-}" in
  build)
    build
    ;;
  run)
    [[ $# -ge 2 ]] || { echo "usage: $0 run HOME [PORT]" >&2; exit 2; }
    build
    need java "Java 17+ runs the Neo4j test server"
    # Small heap, serial GC and C1 only: the test machines have 2 cores shared with the rest of the suite.
    read -r -a opts <<< "${NEO4J_HARNESS_JAVA_OPTS:--Xms128m -Xmx1g -XX:+UseSerialGC -XX:TieredStopAtLevel=1}"
    exec java "${opts[@]}" -cp "$(cat "$CLASSPATH_FILE"):$TARGET/classes" Neo4jLauncher "$2" "${3:-0}"
    ;;
  *)
    echo "usage: $0 build | run HOME [PORT]" >&2
    exit 2
    ;;
esac
