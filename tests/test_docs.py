"""The docs build as a site with no broken link, and the README's links lead somewhere."""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# [text](target): a relative target, without a scheme or a page anchor alone
LINK = re.compile(r"\[[^\]]*\]\((?!https?://|mailto:|#)([^)\s]+)\)")


def test_mkdocs_builds_strictly(tmp_path):
    """`mkdocs build --strict` fails on a link to a missing page or anchor, on a page left out
    of the nav and on any other warning (mkdocs.yml)."""
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
                           str(ROOT / "mkdocs.yml"), "--site-dir", str(tmp_path / "site")],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "site" / "design" / "index.html").is_file()


def test_readme_links_point_at_files():
    """The README is not part of the site: its relative links are checked here."""
    readme = (ROOT / "README.md").read_text()
    targets = {m.split("#")[0] for m in LINK.findall(readme)} - {""}
    assert targets, "the README links to the docs"
    missing = sorted(t for t in targets if not (ROOT / t).exists())
    assert not missing, f"README links to files that are not there: {missing}"
