import pytest
from kubernetes import client

from tests.kubernetes.cluster_helpers import api_client


@pytest.fixture
def core(cluster):
    """A CoreV1Api as admin of the module's fake cluster (each module using it has a `cluster` fixture)."""
    api = api_client(cluster, admin=True)
    yield client.CoreV1Api(api)
    api.close()
