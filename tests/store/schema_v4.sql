-- The schema as OpenBay wrote it before migration step 5 (schema_version 1-4), dumped
-- from a SQLite database that release made. Kept as it was: never edit.
CREATE TABLE schema_version (
	version INTEGER NOT NULL,
	applied_at DATETIME NOT NULL,
	PRIMARY KEY (version)
);
CREATE TABLE owners (
	id VARCHAR(32) NOT NULL,
	name VARCHAR(64) NOT NULL,
	created_at DATETIME NOT NULL,
	PRIMARY KEY (id),
	UNIQUE (name)
);
CREATE TABLE api_keys (
	id VARCHAR(32) NOT NULL,
	owner_id VARCHAR(32) NOT NULL,
	name VARCHAR(64) NOT NULL,
	prefix VARCHAR(16) NOT NULL,
	secret_hash VARCHAR(64) NOT NULL,
	admin BOOLEAN NOT NULL,
	created_at DATETIME NOT NULL,
	revoked_at DATETIME,
	PRIMARY KEY (id),
	FOREIGN KEY(owner_id) REFERENCES owners (id),
	UNIQUE (secret_hash)
);
CREATE INDEX ix_api_keys_owner_id ON api_keys (owner_id);
CREATE TABLE sessions (
	seq INTEGER NOT NULL,
	id VARCHAR(32) NOT NULL,
	owner_id VARCHAR(32) NOT NULL,
	image_id VARCHAR(64) NOT NULL,
	status VARCHAR(16) NOT NULL,
	network VARCHAR(16) NOT NULL,
	timeout_s INTEGER NOT NULL,
	labels JSON NOT NULL,
	created_at DATETIME NOT NULL,
	last_active_at DATETIME NOT NULL,
	expires_at DATETIME NOT NULL,
	ended_at DATETIME,
	end_reason VARCHAR(64),
	PRIMARY KEY (seq),
	FOREIGN KEY(owner_id) REFERENCES owners (id)
);
CREATE INDEX ix_sessions_owner_id ON sessions (owner_id);
CREATE UNIQUE INDEX ix_sessions_id ON sessions (id);
CREATE INDEX ix_sessions_expires_at ON sessions (expires_at);
CREATE INDEX ix_sessions_status ON sessions (status);
CREATE TABLE contexts (
	id VARCHAR(32) NOT NULL,
	owner_id VARCHAR(32) NOT NULL,
	name VARCHAR(64) NOT NULL,
	size_bytes BIGINT NOT NULL,
	created_at DATETIME NOT NULL,
	saved_at DATETIME,
	PRIMARY KEY (id),
	CONSTRAINT uq_contexts_owner_name UNIQUE (owner_id, name),
	FOREIGN KEY(owner_id) REFERENCES owners (id)
);
CREATE INDEX ix_contexts_owner_id ON contexts (owner_id);
CREATE TABLE session_names (
	session_id VARCHAR(32) NOT NULL,
	owner_id VARCHAR(32) NOT NULL,
	name TEXT NOT NULL,
	updated_at DATETIME NOT NULL,
	PRIMARY KEY (session_id),
	FOREIGN KEY(owner_id) REFERENCES owners (id)
);
CREATE INDEX ix_session_names_owner_id ON session_names (owner_id);
CREATE TABLE uploads (
	id VARCHAR(32) NOT NULL,
	owner_id VARCHAR(32) NOT NULL,
	session_id VARCHAR(32),
	file_name VARCHAR(255) NOT NULL,
	size BIGINT NOT NULL,
	created_at DATETIME NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(owner_id) REFERENCES owners (id)
);
CREATE INDEX ix_uploads_session_id ON uploads (session_id);
CREATE INDEX ix_uploads_owner_id ON uploads (owner_id);
CREATE TABLE tasks (
	id VARCHAR(32) NOT NULL,
	owner_id VARCHAR(32) NOT NULL,
	session_id VARCHAR(32) NOT NULL,
	kind VARCHAR(16) NOT NULL,
	task TEXT NOT NULL,
	status VARCHAR(16) NOT NULL,
	error_message TEXT NOT NULL,
	params JSON NOT NULL,
	steps INTEGER NOT NULL,
	result TEXT,
	data JSON,
	usage JSON NOT NULL,
	message_count INTEGER NOT NULL,
	last_seq INTEGER NOT NULL,
	created_at DATETIME NOT NULL,
	started_at DATETIME,
	ended_at DATETIME,
	PRIMARY KEY (id),
	FOREIGN KEY(owner_id) REFERENCES owners (id)
);
CREATE INDEX ix_tasks_owner_id ON tasks (owner_id);
CREATE INDEX ix_tasks_session_id ON tasks (session_id);
CREATE INDEX ix_tasks_status ON tasks (status);
CREATE TABLE session_labels (
	session_seq INTEGER NOT NULL,
	"key" VARCHAR(64) NOT NULL,
	value VARCHAR(256) NOT NULL,
	PRIMARY KEY (session_seq, "key"),
	FOREIGN KEY(session_seq) REFERENCES sessions (seq) ON DELETE CASCADE
);
CREATE INDEX ix_session_labels_value ON session_labels (value);
CREATE TABLE task_events (
	task_id VARCHAR(32) NOT NULL,
	seq INTEGER NOT NULL,
	type VARCHAR(16) NOT NULL,
	timestamp DATETIME NOT NULL,
	payload JSON NOT NULL,
	PRIMARY KEY (task_id, seq),
	FOREIGN KEY(task_id) REFERENCES tasks (id) ON DELETE CASCADE
);
CREATE TABLE task_steps (
	task_id VARCHAR(32) NOT NULL,
	step INTEGER NOT NULL,
	url TEXT NOT NULL,
	title TEXT NOT NULL,
	actions JSON NOT NULL,
	usage JSON NOT NULL,
	screenshot TEXT,
	duration_s FLOAT NOT NULL,
	created_at DATETIME NOT NULL,
	PRIMARY KEY (task_id, step),
	FOREIGN KEY(task_id) REFERENCES tasks (id) ON DELETE CASCADE
);
