"""Session messages (bay.session_api): every event of every task, paged and filtered."""
from datetime import datetime, timedelta, timezone

import pytest

from openbay import APIError, MessageFilter, NotFoundError
from tests.helpers.scripted_llm import Turn, call, done


def run_two_tasks(llm, bsession, site) -> None:
    llm.set_script([Turn(reasoning="Open the page.", tool_calls=[("go_to_url", {"url": site + "/weather"})]),
                    done("Shanghai is sunny")])
    assert bsession.agent.browser.execute_task_and_wait("Shanghai weather?", timeout=120).finished
    llm.set_script([call("call_for_user", question="Which city?"), done("Beijing is cloudy")])
    bsession.agent.browser.execute_task_and_wait("Another city", timeout=120,
                                                     on_call_for_user=lambda e: "Beijing")


def test_messages_are_the_tasks_events_paged_and_filtered(llm, abay, bsession, site):
    run_two_tasks(llm, bsession, site)
    api, sid = abay.session_api, bsession.session_id
    page = api.get_messages(sid, page_num=1, page_size=100)
    kinds = [(m.role, m.type) for m in page.data]
    assert page.total == len(page.data) and page.total_page == 1
    assert kinds[0] == ("user", "task") and page.data[0].content == "Shanghai weather?"
    for expected in [("assistant", "reasoning"), ("assistant", "tool_call"), ("tool", "tool_result"),
                     ("assistant", "answer"), ("assistant", "call_for_user"), ("user", "user_input"),
                     ("system", "status")]:
        assert expected in kinds
    assert [m.content for m in page.data if m.type == "task"] == ["Shanghai weather?", "Another city"]
    assert [m.content for m in page.data if m.type == "user_input"] == ["Beijing"]
    assert [m.content for m in page.data if m.type == "answer"] == ["Shanghai is sunny", "Beijing is cloudy"]
    # the first task's messages all come before the second's
    tasks = [m.task_id for m in page.data]
    assert tasks == sorted(tasks, key=lambda t: tasks.index(t)) and len(set(tasks)) == 2

    # pages: the same messages, in the same order, a few at a time
    total = page.total
    pieces = [api.get_messages(sid, page_num=n, page_size=7) for n in range(1, -(-total // 7) + 1)]
    assert [m.message_id for p in pieces for m in p.data] == [m.message_id for m in page.data]
    assert {p.total_page for p in pieces} == {-(-total // 7)}
    last = api.get_messages(sid, page_num=total, page_size=1)
    assert [m.message_id for m in last.data] == [page.data[-1].message_id]
    past = api.get_messages(sid, page_num=total + 1, page_size=1)
    assert past.data == [] and past.total == total and past.total_page == total

    # filters: roles, types, time window
    users = api.get_messages(sid, page_size=100, filter=MessageFilter(roles=["user"]))
    assert [(m.type, m.content) for m in users.data] == [("task", "Shanghai weather?"), ("task", "Another city"),
                                                       ("user_input", "Beijing")]
    calls = api.get_messages(sid, page_size=100, filter=MessageFilter(types=["tool_call"]))
    assert [m.payload["name"] for m in calls.data] == ["go_to_url", "done", "call_for_user", "done"]
    both = api.get_messages(sid, page_size=100, filter=MessageFilter(roles=["tool"], types=["tool_call"]))
    assert both.total == 0  # a tool_call is the assistant's
    future = datetime.now(timezone.utc) + timedelta(hours=1)
    assert api.get_messages(sid, filter=MessageFilter(since=future)).total == 0
    second = page.data[[m.type for m in page.data].index("task", 1)]
    window = api.get_messages(sid, page_size=100, filter=MessageFilter(since=second.created_at))
    assert window.data[0].message_id == second.message_id and window.total < total


@pytest.mark.parametrize("page_num,page_size,rule", [
    (0, 20, "page_num must be 1 or more"), (-3, 20, "page_num must be 1 or more"),
    (1, 0, "page_size must be between 1 and 100"), (1, -1, "page_size must be between 1 and 100"),
    (1, 101, "page_size must be between 1 and 100")])
def test_bad_pages_are_refused_with_the_rule(abay, bsession, page_num, page_size, rule):
    with pytest.raises(APIError) as e:
        abay.session_api.get_messages(bsession.session_id, page_num=page_num, page_size=page_size)
    assert e.value.status == 422 and rule in e.value.message


def test_bad_filters_are_refused(abay, bsession):
    for f, rule in [(MessageFilter(roles=["robot"]), "role 'robot' is not one of"),
                    (MessageFilter(types=["gossip"]), "type 'gossip' is not one of")]:
        with pytest.raises(APIError) as e:
            abay.session_api.get_messages(bsession.session_id, filter=f)
        assert e.value.status == 422 and rule in e.value.message
    empty = MessageFilter(since=datetime(2030, 1, 1, tzinfo=timezone.utc),
                          until=datetime(2020, 1, 1, tzinfo=timezone.utc))
    assert abay.session_api.get_messages(bsession.session_id, filter=empty).total == 0  # a window with nothing


def test_between_two_messages(llm, abay, bsession, site):
    run_two_tasks(llm, bsession, site)
    api, sid = abay.session_api, bsession.session_id
    every = api.get_messages(sid, page_size=100).data
    a, b = every[2].message_id, every[-3].message_id
    span = api.get_between_messages(sid, a, b)
    assert [m.message_id for m in span.data] == [m.message_id for m in every[2:-2]]
    assert span.total == len(every) - 4
    backwards = api.get_between_messages(sid, b, a)
    assert [m.message_id for m in backwards.data] == [m.message_id for m in span.data]
    assert [m.message_id for m in api.get_between_messages(sid, a, a).data] == [a]
    with pytest.raises(NotFoundError):
        api.get_between_messages(sid, a, every[0].task_id + ".9999")
    with pytest.raises(APIError) as e:
        api.get_between_messages(sid, a, "not-a-message-id")
    assert e.value.status == 422


def test_name_and_info(llm, abay, bsession, site):
    api, sid = abay.session_api, bsession.session_id
    fresh = api.get_info(sid)
    assert fresh.name == "" and fresh.message_count == 0 and fresh.task_count == 0 and fresh.status == "running"
    run_two_tasks(llm, bsession, site)
    info = api.get_info(sid)
    assert info.name == "Shanghai weather?"  # the first task, until it is named
    assert info.task_count == 2 and info.message_count == api.get_messages(sid).total
    assert info.duration_s > 0 and info.created_at <= info.updated_at and info.image_id == "browser"
    renamed = api.update_session_name(sid, "  Weather research  ")
    assert renamed.name == "Weather research" and api.get_info(sid).name == "Weather research"
    assert api.update_session_name(sid, "Again").name == "Again"
    with pytest.raises(APIError) as e:
        api.update_session_name(sid, "   ")
    assert e.value.status == 422
    with pytest.raises(APIError) as e:  # blank to str.strip(), as the spec's pattern \S says
        api.update_session_name(sid, "\x1f\t")
    assert e.value.status == 422 and "blank" in str(e.value)
    with pytest.raises(APIError) as e:
        api.update_session_name(sid, "x" * 201)
    assert e.value.status == 422


def test_another_owner_sees_nothing(llm, abay, bsession, site, stranger):
    llm.set_script([done("private answer")])
    assert bsession.agent.browser.execute_task_and_wait("private task", timeout=120).finished
    sid = bsession.session_id
    mine = abay.session_api.get_messages(sid)
    for attempt in (lambda: stranger.session_api.get_messages(sid),
                    lambda: stranger.session_api.get_info(sid),
                    lambda: stranger.session_api.update_session_name(sid, "mine now"),
                    lambda: stranger.session_api.get_between_messages(sid, mine.data[0].message_id,
                                                                      mine.data[-1].message_id)):
        with pytest.raises(NotFoundError):
            attempt()
    assert abay.session_api.get_info(sid).name == "private task"


async def test_the_asyncio_client_has_the_same_calls(agent_server, llm, bsession, tmp_path):
    from openbay import AsyncOpenBay
    llm.set_script([done("async answer")])
    assert bsession.agent.browser.execute_task_and_wait("async task", timeout=120).finished
    src = tmp_path / "notes.txt"
    src.write_text("async upload")
    async with AsyncOpenBay(api_key=agent_server.admin_key, base_url=agent_server.base_url) as bay:
        page = await bay.session_api.get_messages(bsession.session_id, page_size=2)
        assert page.data[0].content == "async task" and page.total_page == -(-page.total // 2)
        assert (await bay.session_api.update_session_name(bsession.session_id, "async")).name == "async"
        assert (await bay.session_api.get_info(bsession.session_id)).task_count == 1
        up = await bay.file_upload.upload_file(src, session_id=bsession.session_id)
        assert up["size"] == len("async upload")
        assert not hasattr(bay, "task_runner")  # a TaskRunner follows tasks with the blocking client
    assert bsession.file_system.read_file("/home/user/attachments/notes.txt").content == "async upload"
