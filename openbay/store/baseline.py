"""The tables as the migration steps created them, frozen (SQLAlchemy Core, one MetaData so
foreign keys resolve), each under the step that made it.

Never edit a table here: databases in the field were made from exactly these definitions,
and a fresh database must go through the same steps to end up with the same schema. A
change to a table is a new step in migrations.py; a new table is written out here under its
step. The ORM classes (tables.py, *_tables.py) describe the schema after the last step.
"""
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from .tables import UTCDateTime

meta = MetaData()

# step 1 (the first release)
owners = Table(
    "owners", meta,
    Column("id", String(32), primary_key=True),
    Column("name", String(64), unique=True, nullable=False),
    Column("created_at", UTCDateTime, nullable=False))

api_keys = Table(
    "api_keys", meta,
    Column("id", String(32), primary_key=True),
    Column("owner_id", ForeignKey("owners.id"), index=True, nullable=False),
    Column("name", String(64), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("secret_hash", String(64), unique=True, nullable=False),
    Column("admin", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True))

sessions = Table(
    "sessions", meta,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(32), unique=True, index=True, nullable=False),
    Column("owner_id", ForeignKey("owners.id"), index=True, nullable=False),
    Column("image_id", String(64), nullable=False),
    Column("status", String(16), index=True, nullable=False),
    Column("network", String(16), nullable=False),
    Column("timeout_s", Integer, nullable=False),
    Column("labels", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_active_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, index=True, nullable=False),
    Column("ended_at", UTCDateTime, nullable=True),
    Column("end_reason", String(64), nullable=True))

session_labels = Table(
    "session_labels", meta,
    Column("session_seq", ForeignKey("sessions.seq", ondelete="CASCADE"), primary_key=True),
    Column("key", String(64), primary_key=True),
    Column("value", String(256), index=True, nullable=False))

# step 2: agent tasks
tasks = Table(
    "tasks", meta,
    Column("id", String(32), primary_key=True),
    Column("owner_id", ForeignKey("owners.id"), index=True, nullable=False),
    Column("session_id", String(32), index=True, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("task", Text, nullable=False),
    Column("status", String(16), index=True, nullable=False),
    Column("error_message", Text, nullable=False),
    Column("params", JSON, nullable=False),
    Column("steps", Integer, nullable=False),
    Column("result", Text, nullable=True),
    Column("data", JSON, nullable=True),
    Column("usage", JSON, nullable=False),
    Column("message_count", Integer, nullable=False),
    Column("last_seq", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("started_at", UTCDateTime, nullable=True),
    Column("ended_at", UTCDateTime, nullable=True))

task_events = Table(
    "task_events", meta,
    Column("task_id", ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("type", String(16), nullable=False),
    Column("timestamp", UTCDateTime, nullable=False),
    Column("payload", JSON, nullable=False))

task_steps = Table(
    "task_steps", meta,
    Column("task_id", ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
    Column("step", Integer, primary_key=True),
    Column("url", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("actions", JSON, nullable=False),
    Column("usage", JSON, nullable=False),
    Column("screenshot", Text, nullable=True),
    Column("duration_s", Float, nullable=False),
    Column("created_at", UTCDateTime, nullable=False))

# step 3: contexts
contexts = Table(
    "contexts", meta,
    Column("id", String(32), primary_key=True),
    Column("owner_id", ForeignKey("owners.id"), index=True, nullable=False),
    Column("name", String(64), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("saved_at", UTCDateTime, nullable=True),
    UniqueConstraint("owner_id", "name", name="uq_contexts_owner_name"))

# step 4: conversations (session names, uploads)
session_names = Table(
    "session_names", meta,
    Column("session_id", String(32), primary_key=True),
    Column("owner_id", ForeignKey("owners.id"), index=True, nullable=False),
    Column("name", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False))

uploads = Table(
    "uploads", meta,
    Column("id", String(32), primary_key=True),
    Column("owner_id", ForeignKey("owners.id"), index=True, nullable=False),
    Column("session_id", String(32), nullable=True, index=True),
    Column("file_name", String(255), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False))

# step 5: session networks (owners' default egress policies, exposed ports)
owner_network_policies = Table(
    "owner_network_policies", meta,
    Column("owner_id", ForeignKey("owners.id"), primary_key=True),
    Column("policy", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False))

session_ports = Table(
    "session_ports", meta,
    Column("session_id", String(32), primary_key=True),
    Column("port", Integer, primary_key=True),
    Column("public", Boolean, nullable=False))

# step 6: the browser operator's action cache
action_cache = Table(
    "action_cache", meta,
    Column("owner_id", ForeignKey("owners.id"), primary_key=True),
    Column("key", String(64), primary_key=True),
    Column("instruction", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("structure", String(64), nullable=False),
    Column("action", JSON, nullable=False),
    Column("hits", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False))

# step 9: server replicas on one PostgreSQL: which replica runs which task, until when
task_leases = Table(
    "task_leases", meta,
    Column("task_id", String(32), primary_key=True),
    Column("holder", String(64), nullable=False),
    Column("expires_at", UTCDateTime, nullable=False))

# step 10: replicas refuse to hurt each other: what sandboxes the deployment runs on (one
# backend, one sandbox root), and which replica holds each session's sandbox
deployment = Table(
    "deployment", meta,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False))

# step 11: archives uploaded for an owner's next template build, known to every replica
template_uploads = Table(
    "template_uploads", meta,
    Column("id", String(64), primary_key=True),
    Column("owner_id", ForeignKey("owners.id"), nullable=False, index=True),
    Column("path", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False))

schema_version = Table(
    "schema_version", meta,
    Column("version", Integer, primary_key=True),
    Column("applied_at", UTCDateTime, nullable=False))
