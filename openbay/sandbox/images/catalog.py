"""The built-in images: what each is made of, and the names users already type.

`linux` is a Debian root file system made by mmdebstrap from Debian's packages; the
others are one layer each on top of it (or of `browser`), made by installing their
packages inside a sandbox of the parent. A recipe's hash names what built an image,
so setup rebuilds an image only when its recipe changed.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

DEBIAN_SUITE = "bookworm"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
DEBIAN_SECURITY = "http://deb.debian.org/debian-security"
RECIPE_VERSION = "1"
MIB = 1024 * 1024


@dataclass(frozen=True)
class Recipe:
    image_id: str
    description: str
    packages: tuple[str, ...]
    parent: str | None = None
    env: tuple[tuple[str, str], ...] = ()
    shm_bytes: int = 64 * MIB
    # shell run as root inside after the packages (the image's own settings)
    script: str = ""

    def digest(self) -> str:
        parent = BUILTIN[self.parent].digest() if self.parent else ""
        text = json.dumps([RECIPE_VERSION, DEBIAN_SUITE, self.packages, self.env, self.script, parent])
        return hashlib.sha256(text.encode()).hexdigest()[:16]


# the base: a shell, Python for envd and users, pip/npm/apt that work as root inside
_LINUX_PACKAGES = ("tini", "python3", "python3-pip", "python3-venv", "ca-certificates", "curl",
                   "procps", "iproute2", "iputils-ping", "less", "git", "nodejs", "xz-utils",
                   "bzip2", "unzip", "netbase")
# pip and npm act as users of Debian expect on their own machine: installs go to the system
# (the session is theirs to break), through the registries this machine reaches
# npm from the npm registry itself: Debian's npm package drags in ~400 node-* packages and a
# C toolchain, which tripled the base image's build time
NPM_VERSION = "10.8.2"
_LINUX_SCRIPT = r"""
mkdir -p /usr/local/lib/node_modules/npm
curl -fsSL --cacert /tmp/host-ca.crt https://registry.npmjs.org/npm/-/npm-""" + NPM_VERSION + r""".tgz \
  | tar -xz --strip-components=1 --no-same-owner -C /usr/local/lib/node_modules/npm
ln -sf ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
ln -sf ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
rm -f /usr/lib/python3*/EXTERNALLY-MANAGED
printf '[global]\nbreak-system-packages = true\nroot-user-action = ignore\n' > /etc/pip.conf
mkdir -p /home/user /etc/openbay && chmod 755 /home/user
printf 'APT::Install-Recommends "false";\n' > /etc/apt/apt.conf.d/90openbay-no-recommends
rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb /tmp/host-ca.crt
"""
_CLEAN = "apt-get clean && rm -rf /var/lib/apt/lists/*\n"
# the JDK's jmods serve only jlink (JShell and javac run without them): 70 MB less
_CODE_SCRIPT = "rm -rf /usr/lib/jvm/*/jmods\n"

BUILTIN: dict[str, Recipe] = {r.image_id: r for r in (
    Recipe("linux", "Debian 12 with bash, Python 3, pip, Node.js, npm, git and curl; root inside",
           _LINUX_PACKAGES, script=_LINUX_SCRIPT),
    Recipe("code", "linux plus NumPy, pandas, Matplotlib, R and Java (JShell) for run_code",
           ("python3-numpy", "python3-pandas", "python3-matplotlib", "r-base-core", "r-cran-jsonlite",
            "default-jdk-headless"),
           parent="linux",
           script="printf 'backend: Agg\\n' > /etc/matplotlibrc\n" + _CODE_SCRIPT + _CLEAN),
    Recipe("browser", "linux plus Chromium, reachable over CDP",
           ("chromium", "fonts-liberation", "fonts-dejavu-core", "fontconfig"), parent="linux",
           env=(("OPENBAY_BROWSER_AUTOSTART", "1"),), shm_bytes=512 * MIB,
           script="fc-cache -f >/dev/null 2>&1 || true\n" + _CLEAN),
    Recipe("computer", "browser plus a computer screen: Xvfb, openbox, xterm, mousepad, xdotool, VNC, ffmpeg",
           ("xvfb", "x11-apps", "xdotool", "wmctrl", "openbox", "xterm", "mousepad", "x11vnc",
            "x11-utils", "ffmpeg", "dbus-x11"),
           parent="browser", env=(("DISPLAY", ":1"), ("OPENBAY_DESKTOP", "1280x800x24")),
           shm_bytes=512 * MIB, script="fc-cache -f >/dev/null 2>&1 || true\n" + _CLEAN),
    Recipe("mobile", "linux plus adb, for an Android device or emulator", ("adb",), parent="linux",
           script=_CLEAN),
)}

# AgentBay's image names, so programs written for it run unchanged
ALIASES = {f"{name}_latest": name for name in BUILTIN}
UNAVAILABLE = {"windows_latest": "Windows sessions are not available on this host (OpenBay runs Linux "
                                 "sandboxes); use linux_latest or computer_latest"}


def resolve_builtin(image_id: str) -> str:
    return ALIASES.get(image_id, image_id)


def build_order(wanted: list[str] | None = None) -> list[Recipe]:
    """Recipes with parents first."""
    names = wanted or list(BUILTIN)
    order: list[Recipe] = []
    def visit(name: str) -> None:
        recipe = BUILTIN[name]
        if recipe.parent:
            visit(recipe.parent)
        if recipe not in order:
            order.append(recipe)
    for n in names:
        visit(n)
    return order
