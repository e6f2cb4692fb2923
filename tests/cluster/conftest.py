from tests.cluster.clusters import kafka_cluster  # noqa: F401 - the module-scoped fixture
