"""Written the way AgentBay's example common-features/advanced/environment_variables/main.py is
(its calls one by one), plus session.env as SDK 0.22 has it; only the import names OpenBay."""
import os

from openbay.agentbay import AgentBay, CreateSessionParams


def get_environment_variable(session, var_name):
    print(f"\n🔍 Getting environment variable: {var_name}")
    result = session.command.execute_command(f"echo ${var_name}")
    if result.success:
        value = result.output.strip()
        print(f"✅ {var_name}={value}")
        return value
    print(f"❌ Failed to get variable: {result.error_message}")
    return None


def use_env_in_script(session):
    print("\n📜 Creating and running a script with environment variables...")
    script = '#!/bin/bash\necho "Application: $APP_NAME"\necho "Version: $APP_VERSION"\n'
    if not session.file_system.write_file("/tmp/env_script.sh", script).success:
        print("❌ Failed to write script")
        return
    if not session.command.execute_command("chmod +x /tmp/env_script.sh").success:
        print("❌ Failed to make script executable")
        return
    result = session.command.execute_command('export APP_NAME="AgentBay SDK"\nexport APP_VERSION="1.0.0"\n'
                                             '/tmp/env_script.sh')
    if result.success and "Application: AgentBay SDK" in result.output:
        print("✅ Script output:\n" + result.output)
    else:
        print(f"❌ Script execution failed: {result.error_message}")


def session_env(session):
    print("\n🌱 session.env: variables every later command sees")
    set_result = session.env.set({"MY_APP_NAME": "Test Application", "MY_LEVEL": "3"})
    if not set_result.success:
        print(f"❌ env.set failed: {set_result.error_message}")
        return
    seen = session.command.execute_command("echo $MY_APP_NAME-$MY_LEVEL").output.strip()
    print(("✅" if seen == "Test Application-3" else "❌") + f" a later command sees: {seen}")
    got = session.env.get(["MY_APP_NAME", "HOME"])
    if got.success and got.envs.get("MY_APP_NAME") == "Test Application" and got.envs.get("HOME"):
        print(f"✅ env.get: {got.envs}")
    else:
        print(f"❌ env.get: {got.error_message or got.envs}")
    bad = session.env.set({"1BAD": "x"})
    print(("✅" if not bad.success else "❌") + f" a bad name is refused: {bad.error_message}")


def main():
    api_key = os.getenv("AGENTBAY_API_KEY")
    if not api_key:
        print("❌ Error: AGENTBAY_API_KEY environment variable not set")
        return
    agent_bay = AgentBay(api_key=api_key)
    session = None
    try:
        result = agent_bay.create(CreateSessionParams(image_id="linux_latest"))
        if not result.success or not result.session:
            print(f"❌ Failed to create session: {result.error_message}")
            return
        session = result.session
        print(f"✅ Session created: {session.session_id}")
        listed = session.command.execute_command("env | sort")
        print(f"✅ Found {len(listed.output.strip().splitlines())} environment variables" if listed.success
              else f"❌ Failed to list variables: {listed.error_message}")
        for name in ("PATH", "HOME"):
            get_environment_variable(session, name)
        use_env_in_script(session)
        session.command.execute_command("export TEST_VAR='persistent_value'")
        second = session.command.execute_command("echo $TEST_VAR")
        print("⚠️  Variable did not persist (expected behavior)" if not second.output.strip()
              else "❌ a variable exported by one command leaked into the next")
        session_env(session)
        print("\n✅ Environment variables management examples completed")
    except Exception as e:
        print(f"\n❌ Error: {e}")
    finally:
        if session:
            agent_bay.delete(session)
            print("✅ Session deleted")


if __name__ == "__main__":
    main()
