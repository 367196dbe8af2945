"""The browser: Chromium over CDP (cdp.py), and as agents see it: page state (state.py,
page_state.js) and actions (actions.py, session.py) on Playwright."""
