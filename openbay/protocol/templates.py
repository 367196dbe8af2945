"""Templates: an owner's own images, built from another image or imported."""
from pydantic import BaseModel, Field, field_validator

from .wire import RequestBody

_PACKAGE = r"^[A-Za-z0-9@][A-Za-z0-9@._+:/=<>!~,\[\]-]{0,200}$"
TEMPLATE_NAME = r"^[a-z0-9][a-z0-9._-]{0,62}$"  # what the image service checks


class TemplateCopy(RequestBody):
    upload_id: str = Field(max_length=64, description="from POST /v1/templates/uploads (a tar archive)")
    dest: str = Field(max_length=1024, pattern=r"^/", description="absolute directory inside the image")


class McpServerSpec(RequestBody):
    command: list[str] = Field(min_length=1, max_length=64)
    env: dict[str, str] = Field(default_factory=dict)


class TemplateBuildRequest(RequestBody):
    name: str = Field(max_length=63, pattern=TEMPLATE_NAME, description="lowercase letters, digits, '.', '_' and '-'")
    from_image: str = Field(default="linux", alias="from", max_length=64)
    apt: list[str] = Field(default_factory=list, max_length=200)
    pip: list[str] = Field(default_factory=list, max_length=200)
    npm: list[str] = Field(default_factory=list, max_length=200)
    copy_files: list[TemplateCopy] = Field(default_factory=list, alias="copy", max_length=32)
    run: list[str] = Field(default_factory=list, max_length=64)
    env: dict[str, str] = Field(default_factory=dict)
    mcp_servers: dict[str, McpServerSpec] = Field(default_factory=dict)
    description: str = Field(default="", max_length=500)

    model_config = {"populate_by_name": True}

    @field_validator("apt", "pip", "npm")
    @classmethod
    def _packages(cls, names: list[str]) -> list[str]:
        import re
        for n in names:
            if not re.match(_PACKAGE, n):
                raise ValueError(f"{n!r} is not a package name")
        return names


class TemplateInfo(BaseModel):
    name: str
    kind: str = Field(description="the built-in image it descends from: what sessions of it can do")
    parent: str | None = None
    builtin: bool = False
    size_bytes: int = 0
    layers: int = 0
    env: dict[str, str] = Field(default_factory=dict)
    created_at: float = 0.0
    description: str = ""


class TemplateList(BaseModel):
    templates: list[TemplateInfo]


class TemplateUpload(BaseModel):
    upload_id: str
    bytes: int
