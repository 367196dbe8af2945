"""Written the way AgentBay's example common-features/advanced/oss_management/main.py is (its
calls one by one: env_init, upload, upload_anonymous, download, download_anonymous, with the
same OSS_* environment variables); only the import names OpenBay. Every check that fails
prints a ❌ line."""
import os

from openbay.agentbay import AgentBay, CreateSessionParams, Oss, OssError


def get_oss_credentials():
    return {
        "access_key_id": os.getenv("OSS_ACCESS_KEY_ID", "test-access-key-id"),
        "access_key_secret": os.getenv("OSS_ACCESS_KEY_SECRET", "test-access-key-secret"),
        "security_token": os.getenv("OSS_SECURITY_TOKEN", "test-security-token"),
        "endpoint": os.getenv("OSS_ENDPOINT", "https://oss-cn-hangzhou.aliyuncs.com"),
        "region": os.getenv("OSS_REGION", "cn-hangzhou"),
    }


def report(name, result):
    print(f"{name} Request ID: {result.request_id} Success: {result.success}")
    print(f"✅ {name}: {result.content}" if result.success else f"❌ {name}: {result.error_message}")


def test_oss_integration():
    session = None
    try:
        agent_bay = AgentBay(api_key=os.getenv("AGENTBAY_API_KEY"))
        session_result = agent_bay.create(CreateSessionParams(image_id="code_latest"))
        if not session_result.success or not session_result.session:
            print("❌ Failed to create session")
            return
        session = session_result.session
        print(f"Session created with ID: {session.session_id}")
        oss = Oss(session)
        credentials = get_oss_credentials()
        result = oss.env_init(credentials["access_key_id"], credentials["access_key_secret"],
                              credentials["security_token"], credentials["endpoint"], credentials["region"])
        if result.success:
            print(f"✅ env_init: client config {result.client_config}")
        else:
            print(f"❌ env_init: {result.error_message}")
        test_file_path = "/tmp/test_oss_upload.txt"
        session.file_system.write_file(test_file_path, "This is a test file for OSS upload.", "overwrite")
        bucket = os.getenv("OSS_TEST_BUCKET", "test-bucket")
        report("upload", oss.upload(bucket=bucket, object="test-object.txt", path=test_file_path))
        report("upload_anonymous", oss.upload_anonymous(os.getenv("OSS_TEST_UPLOAD_URL"), test_file_path))
        report("download", oss.download(bucket=bucket, object="test-object.txt", path="/tmp/test_oss_download.txt"))
        downloaded = session.file_system.read_file("/tmp/test_oss_download.txt").content
        print(("✅" if downloaded == "This is a test file for OSS upload." else "❌") + f" downloaded: {downloaded}")
        report("download_anonymous", oss.download_anonymous(url=os.getenv("OSS_TEST_DOWNLOAD_URL"),
                                                            path="/tmp/test_oss_download_anon.txt"))
        anonymous = session.file_system.read_file("/tmp/test_oss_download_anon.txt").content
        print(("✅" if anonymous == "This is a test file for OSS upload." else "❌") + f" via the URL: {anonymous}")
        missing = oss.download(bucket=bucket, object="no-such-object", path="/tmp/missing.txt")
        print(("✅" if not missing.success and "404" in missing.error_message else "❌")
              + f" a missing object fails: {missing.error_message[:60]}")
        session.delete()
        session = None
        print("✅ OSS example completed")
    except OssError as e:
        print(f"❌ Failed to test Oss integration: {e}")
        if session:
            session.delete()


if __name__ == "__main__":
    test_oss_integration()
