// Test-only launcher: a real Neo4j Community server (embedded DBMS + Bolt connector) for minetrace's tests.
//
// Usage: java -cp <neo4j jars>:<classes> Neo4jLauncher HOME_DIR [PORT]
//   HOME_DIR  the server's home; data, transaction logs and logs live under it (reusing it restarts on the
//             same data: the mid-ingest failure test relies on that).
//   PORT      Bolt port on 127.0.0.1; 0 (the default) lets the OS pick a free one.
// Prints "READY <port>" on stdout once Bolt accepts connections, then serves until stdin reaches EOF
// (the parent test process exited or closed the pipe) or the JVM gets SIGTERM/SIGINT; both shut down cleanly.
// Authentication is disabled: the server listens on loopback only and holds throw-away test data.
// NEO4J_HARNESS_PAGECACHE (e.g. 1g) sets the page cache; the JVM flags come from scripts/neo4j-harness.sh.

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.ConnectorPortRegister;
import org.neo4j.configuration.connectors.ConnectorType;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.internal.helpers.HostnamePort;
import org.neo4j.kernel.internal.GraphDatabaseAPI;

public final class Neo4jLauncher {
    private Neo4jLauncher() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: Neo4jLauncher HOME_DIR [PORT]");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        Files.createDirectories(home);
        Path conf = home.resolve("neo4j.conf");
        // NEO4J_HARNESS_PAGECACHE: the page cache (default 64m, the tests' small graphs); a benchmark of a large
        // graph gives it what a server would have, or it measures page faults.
        String pageCache = System.getenv().getOrDefault("NEO4J_HARNESS_PAGECACHE", "64m");
        if (!pageCache.matches("[0-9]{1,6}[kmg]")) {
            System.err.println("NEO4J_HARNESS_PAGECACHE must look like 64m or 2g, not: " + pageCache);
            System.exit(2);
        }
        // Settings without a public typed constant in 5.26 go through a properties file.
        Files.writeString(conf, String.join("\n",
                "dbms.security.auth_enabled=false",
                "server.memory.pagecache.size=" + pageCache,
                "db.memory.transaction.total.max=256m",
                "db.tx_log.preallocate=false",
                "db.tx_log.rotation.retention_policy=1 files",
                "dbms.usage_report.enabled=false",
                ""));

        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .loadPropertiesFromFile(conf)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                .build();

        AtomicBoolean stopped = new AtomicBoolean(false);
        Runnable stop = () -> {
            if (stopped.compareAndSet(false, true)) {
                dbms.shutdown();
            }
        };
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "neo4j-launcher-shutdown"));

        GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        HostnamePort bound = ((GraphDatabaseAPI) db).getDependencyResolver()
                .resolveDependency(ConnectorPortRegister.class)
                .getLocalAddress(ConnectorType.BOLT);
        if (bound == null) {
            System.err.println("Bolt connector did not register a port");
            stop.run();
            System.exit(1);
        }
        System.out.println("READY " + bound.getPort());
        System.out.flush();

        waitForEof(System.in);
        stop.run();
        System.exit(0);
    }

    private static void waitForEof(InputStream in) {
        byte[] buffer = new byte[256];
        try {
            while (in.read(buffer) >= 0) {
                // ignore anything written; only EOF matters
            }
        } catch (IOException ignored) {
            // a broken pipe means the parent is gone: shut down
        }
    }
}
