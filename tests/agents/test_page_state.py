"""Page state and actions on a real Chromium: what the agent can see and reach."""
import pytest

from openbay.browser.actions import ACTIONS
from openbay.browser.session import ActionError
from tests.helpers.scripted_llm import index_of


def _index(state, text):
    return index_of({"messages": [{"role": "user", "content": state.render()}]}, text)


async def act(browser, name, **args):
    return await ACTIONS[name].run(browser, args)


async def test_state_reaches_shadow_roots_and_frames_and_skips_hidden_and_covered(browser, site):
    await act(browser, "go_to_url", url=site + "/hard")
    state = await browser.state()
    text = state.render()
    for visible in ("Plain button", "Shadow button", "Same-origin frame button", "Cross-origin frame button",
                    "*Red | Green", "Custom option"):
        assert visible in text, visible
    assert "Hidden button" not in text
    assert not any(line.startswith("[") and "Covered button" in line for line in state.lines)
    assert state.tabs[0].current and state.title == "Hard cases"


async def test_clicks_reach_into_shadow_dom_and_both_kinds_of_iframe(browser, site):
    await act(browser, "go_to_url", url=site + "/hard")
    state = await browser.state()
    for target in ("Shadow button", "Same-origin frame button", "Cross-origin frame button", "Custom option"):
        await act(browser, "click_element", index=_index(state, target))
    after = (await browser.state()).render()
    assert "frame clicked" in after and "cross clicked" in after and "custom chosen" in after
    page = await browser.page()
    assert await page.text_content("#log") == "shadow clicked"


async def test_select_input_send_keys_and_extract(browser, site):
    await act(browser, "go_to_url", url=site + "/hard")
    state = await browser.state()
    await act(browser, "select_option", index=_index(state, "Red | Green"), option="Green")
    page = await browser.page()
    assert await page.eval_on_selector("#s", "s => s.value") == "Green"
    await act(browser, "go_to_url", url=site + "/weather")
    state = await browser.state()
    await act(browser, "input_text", index=_index(state, "City name"), text="Paris")
    await act(browser, "click_element", index=_index(state, "Search"))
    assert await page.text_content("#out") == "Result for Paris"
    markdown = await act(browser, "extract_content")
    assert "| Shanghai | Sunny |" in markdown and "# Weather today" in markdown
    assert "Beijing" in await act(browser, "extract_content", query="Beijing weather")


async def test_a_link_to_a_new_tab_moves_the_agent_there_and_tabs_can_be_switched_and_closed(browser, site):
    await act(browser, "go_to_url", url=site + "/tabs")
    state = await browser.state()
    result = await act(browser, "click_element", index=_index(state, "Open weather in a new tab"))
    assert "new tab" in result
    state = await browser.state()
    assert state.title == "Weather" and len(state.tabs) == 2 and state.tabs[1].current
    await act(browser, "switch_tab", tab=0)
    assert (await browser.state()).title == "Tabs"
    await act(browser, "close_tab", tab=1)
    assert len((await browser.state()).tabs) == 1
    await act(browser, "open_tab", url=site + "/counter")
    assert (await browser.state()).title == "Counter"


async def test_upload_takes_files_only_from_the_files_root(browser, site, tmp_path):
    (tmp_path / "cv.txt").write_text("hello")
    await act(browser, "go_to_url", url=site + "/upload")
    state = await browser.state()
    index = int(next(line for line in state.lines if 'type="file"' in line).split("]")[0][1:])
    assert "cv.txt" in await act(browser, "upload_file", index=index, path="cv.txt")
    assert await (await browser.page()).text_content("#n") == "cv.txt"
    with pytest.raises(ActionError):
        await act(browser, "upload_file", index=index, path="../../../etc/passwd")


async def test_elements_far_below_are_counted_not_listed_and_scroll_brings_them(browser, site):
    page = await browser.page()
    await page.set_content("<div style='height:5000px'></div><button>Far below</button>")
    state = await browser.state()
    assert "Far below" not in state.render() and state.hidden_below == 1
    await act(browser, "scroll", direction="down", pages=10)
    assert "Far below" in (await browser.state()).render()


async def test_a_stale_index_is_a_clear_error_for_the_model(browser, site):
    await act(browser, "go_to_url", url=site + "/counter")
    await browser.state()
    with pytest.raises(ActionError, match="no element"):
        await act(browser, "click_element", index=99)


async def test_inputs_show_their_labels_and_scroll_boxes_are_listed(browser):
    page = await browser.page()
    await page.set_content("<label><input type=checkbox>Accept terms</label>"
                           "<div style='height:100px;overflow:auto'>" + "<p>filler</p>" * 40
                           + "<button>Inside the box</button></div>")
    state = await browser.state()
    assert "Accept terms" in next(line for line in state.lines if 'type="checkbox"' in line)
    assert "Inside the box" not in "\n".join(line for line in state.lines if line.startswith("["))
    await act(browser, "scroll", index=_index(state, "scrollable"), pages=50)
    assert "Inside the box" in (await browser.state()).render()


async def test_a_script_opened_popup_becomes_the_current_tab(browser, site):
    page = await browser.page()
    await page.goto(site + "/counter")
    await page.set_content(f"<button onclick=\"window.open('{site}/weather')\">Popup</button>")
    state = await browser.state()
    assert "new tab" in await act(browser, "click_element", index=_index(state, "Popup"))
    assert (await browser.state()).title == "Weather"


async def test_extract_with_a_query_finds_a_row_of_a_long_table(browser):
    page = await browser.page()
    rows = "".join(f"<tr><td>Row {i}</td><td>{i * 7}</td></tr>" for i in range(3000))
    await page.set_content(f"<title>T</title><table>{rows}</table>")
    assert "| Row 2999 | 20993 |" in await act(browser, "extract_content", query="Row 2999")
