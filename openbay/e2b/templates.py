"""E2B template names and OpenBay images: `base` is OpenBay's `linux`, E2B's code interpreter
is `code`, its desktop is `computer`; any other name is a built-in image or the owner's own
template by that name."""
from __future__ import annotations

TO_IMAGE = {
    "base": "linux",
    "code-interpreter-v1": "code",
    "code-interpreter": "code",
    "code-interpreter-beta": "code",
    "desktop": "computer",
}
TO_TEMPLATE = {"linux": "base", "code": "code-interpreter-v1", "computer": "desktop"}


def image_of(template: str) -> str:
    name = template.split(":", 1)[0]  # E2B's "name:tag": OpenBay's templates have no tags
    return TO_IMAGE.get(name, name)


def template_of(image_id: str) -> str:
    return TO_TEMPLATE.get(image_id, image_id)


# E2B's template builder (Template.build: Dockerfile-like steps run by E2B's build service)
# has no counterpart OpenBay can take as it is: OpenBay's templates are built by its own API.
BUILD_REFUSAL = ("OpenBay does not run E2B's template builds; build an OpenBay template with "
                 "`openbay template build NAME --from linux --apt ... --pip ...` (or POST /v1/templates) "
                 "and create sandboxes from it by its name")
