import pytest
from kubernetes import client

from tests.kubernetes.cluster_helpers import api_client


@pytest.fixture
def core(cluster):
    """A CoreV1Api on the module's fake cluster (each module that uses it has a `cluster` fixture)."""
    api = api_client(cluster)
    yield client.CoreV1Api(api)
    api.close()
