"""Records → property graph: one schema module, an embedded store and a Neo4j store."""
