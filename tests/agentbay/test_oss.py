"""session.oss on an S3-compatible store: moto's S3 server in server mode on loopback (a real
HTTP S3 API, not a mock of this code), reached from the client with AWS Signature V4."""
import datetime

import pytest

from openbay.agentbay.oss import sigv4_headers

from .test_programs import run_program

moto_server = pytest.importorskip("moto.server")
boto3 = pytest.importorskip("boto3")


@pytest.fixture(scope="module")
def s3():
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def test_the_signature_is_the_one_botocore_makes(monkeypatch):
    import botocore.auth
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    when = datetime.datetime(2026, 12, 7, 12, 0, 0, tzinfo=datetime.timezone.utc)
    url, body = "http://127.0.0.1:9000/my-bucket/dir/a%20b.txt", b"hello"
    ours = sigv4_headers("PUT", url, body, "AKID", "SECRET", "TOKEN", "eu-west-1", when)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: when)  # the same instant as ours
    request = AWSRequest("PUT", url, data=body)
    S3SigV4Auth(Credentials("AKID", "SECRET", "TOKEN"), "s3", "eu-west-1").add_auth(request)
    assert ours["authorization"] == request.headers["Authorization"]
    assert ours["x-amz-security-token"] == "TOKEN"


def test_the_oss_program_moves_files_through_the_store(server, s3):
    client = boto3.client("s3", endpoint_url=s3, aws_access_key_id="key", aws_secret_access_key="secret",
                          region_name="us-east-1")
    client.create_bucket(Bucket="agentbay-test")
    put_url = client.generate_presigned_url("put_object", Params={"Bucket": "agentbay-test", "Key": "anon.txt"})
    get_url = client.generate_presigned_url("get_object", Params={"Bucket": "agentbay-test", "Key": "anon.txt"})
    out = run_program(server, "oss_management.py", {
        "OSS_ACCESS_KEY_ID": "key", "OSS_ACCESS_KEY_SECRET": "secret", "OSS_SECURITY_TOKEN": "",
        "OSS_ENDPOINT": s3, "OSS_REGION": "us-east-1", "OSS_TEST_BUCKET": "agentbay-test",
        "OSS_TEST_UPLOAD_URL": put_url, "OSS_TEST_DOWNLOAD_URL": get_url})
    assert "OSS example completed" in out
    stored = client.get_object(Bucket="agentbay-test", Key="test-object.txt")["Body"].read()
    assert stored == b"This is a test file for OSS upload."


def test_without_an_endpoint_env_init_says_so(ab_session, monkeypatch):
    monkeypatch.delenv("OPENBAY_OSS_ENDPOINT", raising=False)
    r = ab_session.oss.env_init("key", "secret", "")
    assert not r.success and "OPENBAY_OSS_ENDPOINT" in r.error_message
    up = ab_session.oss.upload("bucket", "object", "/tmp/x")
    assert not up.success and "env_init" in up.error_message
