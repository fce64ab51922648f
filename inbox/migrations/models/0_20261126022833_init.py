"""Initial schema; PostgreSQL is the reference, SQLite the embedded default."""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

POSTGRES = r"""
CREATE TABLE IF NOT EXISTS "login_attempts" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "email" VARCHAR(254) NOT NULL,
    "address" VARCHAR(64) NOT NULL,
    "succeeded" BOOL NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_login_attem_email_221208" ON "login_attempts" ("email");
CREATE INDEX IF NOT EXISTS "idx_login_attem_address_e2301e" ON "login_attempts" ("address");
CREATE INDEX IF NOT EXISTS "idx_login_attem_created_fae3e2" ON "login_attempts" ("created_at");
COMMENT ON TABLE "login_attempts" IS 'One login try, for throttling per account and per address.';
CREATE TABLE IF NOT EXISTS "slack_events" (
    "event_id" VARCHAR(64) NOT NULL PRIMARY KEY,
    "created_at" TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_slack_event_created_45de38" ON "slack_events" ("created_at");
COMMENT ON TABLE "slack_events" IS 'A Slack event id already handled: Slack retries must not act twice.';
CREATE TABLE IF NOT EXISTS "webhook_logs" (
    "id" UUID NOT NULL PRIMARY KEY,
    "platform" VARCHAR(32) NOT NULL,
    "payload" JSONB NOT NULL,
    "processed" BOOL NOT NULL,
    "error" TEXT,
    "created_at" TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_webhook_log_created_160066" ON "webhook_logs" ("created_at");
COMMENT ON TABLE "webhook_logs" IS 'Every verified webhook body as received, and whether it was processed.';
CREATE TABLE IF NOT EXISTS "workspaces" (
    "id" UUID NOT NULL PRIMARY KEY,
    "name" VARCHAR(200) NOT NULL,
    "slack_team_id" VARCHAR(32) UNIQUE,
    "digest_enabled" BOOL NOT NULL,
    "digest_hour_utc" INT NOT NULL,
    "digest_channel" VARCHAR(64),
    "created_at" TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE "workspaces" IS 'A team sharing one inbox: it owns accounts, conversations and messages.';
CREATE TABLE IF NOT EXISTS "analytics" (
    "id" UUID NOT NULL PRIMARY KEY,
    "date" DATE NOT NULL,
    "platform" VARCHAR(32) NOT NULL,
    "total_messages" INT NOT NULL,
    "messages_in" INT NOT NULL,
    "messages_out" INT NOT NULL,
    "new_conversations" INT NOT NULL,
    "median_first_response_seconds" DOUBLE PRECISION,
    "p90_first_response_seconds" DOUBLE PRECISION,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "workspace_id" UUID NOT NULL REFERENCES "workspaces" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_analytics_workspa_6bdcc2" UNIQUE ("workspace_id", "date", "platform")
);
COMMENT ON TABLE "analytics" IS 'Aggregated figures per workspace, date and platform.';
CREATE TABLE IF NOT EXISTS "users" (
    "id" UUID NOT NULL PRIMARY KEY,
    "email" VARCHAR(254) NOT NULL UNIQUE,
    "password_hash" VARCHAR(256) NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "role" VARCHAR(16) NOT NULL,
    "is_active" BOOL NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "workspace_id" UUID NOT NULL REFERENCES "workspaces" ("id") ON DELETE CASCADE
);
COMMENT ON TABLE "users" IS 'A dashboard/API user, member of one workspace.';
CREATE TABLE IF NOT EXISTS "invites" (
    "id" UUID NOT NULL PRIMARY KEY,
    "code" VARCHAR(64) NOT NULL UNIQUE,
    "max_uses" INT NOT NULL,
    "uses" INT NOT NULL,
    "expires_at" TIMESTAMPTZ NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "created_by_id" UUID REFERENCES "users" ("id") ON DELETE SET NULL,
    "workspace_id" UUID NOT NULL REFERENCES "workspaces" ("id") ON DELETE CASCADE
);
COMMENT ON TABLE "invites" IS 'A code an owner hands out so others can register into the workspace.';
CREATE TABLE IF NOT EXISTS "oauth_states" (
    "id" UUID NOT NULL PRIMARY KEY,
    "state_hash" VARCHAR(64) NOT NULL UNIQUE,
    "platform" VARCHAR(32) NOT NULL,
    "expires_at" TIMESTAMPTZ NOT NULL,
    "used_at" TIMESTAMPTZ,
    "created_at" TIMESTAMPTZ NOT NULL,
    "user_id" UUID REFERENCES "users" ("id") ON DELETE CASCADE,
    "workspace_id" UUID NOT NULL REFERENCES "workspaces" ("id") ON DELETE CASCADE
);
COMMENT ON TABLE "oauth_states" IS 'A single-use, short-lived OAuth `state`, bound to the user who started the flow.';
CREATE TABLE IF NOT EXISTS "platform_accounts" (
    "id" UUID NOT NULL PRIMARY KEY,
    "platform" VARCHAR(32) NOT NULL,
    "external_id" VARCHAR(64) NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "access_token" TEXT NOT NULL,
    "token_expires_at" TIMESTAMPTZ,
    "is_active" BOOL NOT NULL,
    "slack_channel" VARCHAR(64),
    "last_webhook_at" TIMESTAMPTZ,
    "last_synced_at" TIMESTAMPTZ,
    "subscription_ok" BOOL NOT NULL,
    "needs_attention" BOOL NOT NULL,
    "attention_reason" TEXT,
    "created_at" TIMESTAMPTZ NOT NULL,
    "user_id" UUID REFERENCES "users" ("id") ON DELETE SET NULL,
    "workspace_id" UUID NOT NULL REFERENCES "workspaces" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_platform_ac_platfor_742d2f" UNIQUE ("platform", "external_id")
);
COMMENT ON TABLE "platform_accounts" IS 'A connected Page / Instagram account / WhatsApp number, token encrypted at rest.';
CREATE TABLE IF NOT EXISTS "conversations" (
    "id" UUID NOT NULL PRIMARY KEY,
    "participant_id" VARCHAR(64) NOT NULL,
    "participant_name" VARCHAR(200) NOT NULL,
    "last_message_at" TIMESTAMPTZ,
    "last_incoming_at" TIMESTAMPTZ,
    "unread_count" INT NOT NULL,
    "slack_channel" VARCHAR(64),
    "slack_thread_ts" VARCHAR(32),
    "status" VARCHAR(16) NOT NULL,
    "assignee_slack_user" VARCHAR(32),
    "created_at" TIMESTAMPTZ NOT NULL,
    "assignee_id" UUID REFERENCES "users" ("id") ON DELETE SET NULL,
    "platform_account_id" UUID NOT NULL REFERENCES "platform_accounts" ("id") ON DELETE CASCADE,
    "workspace_id" UUID NOT NULL REFERENCES "workspaces" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_conversatio_platfor_c7e7e7" UNIQUE ("platform_account_id", "participant_id")
);
CREATE INDEX IF NOT EXISTS "idx_conversatio_workspa_32a8e0" ON "conversations" ("workspace_id", "last_message_at");
COMMENT ON TABLE "conversations" IS 'One customer talking to one account; mirrored to one Slack thread.';
CREATE TABLE IF NOT EXISTS "messages" (
    "id" UUID NOT NULL PRIMARY KEY,
    "platform_message_id" VARCHAR(255) NOT NULL,
    "sender_id" VARCHAR(64) NOT NULL,
    "sender_name" VARCHAR(200) NOT NULL,
    "content" TEXT NOT NULL,
    "kind" VARCHAR(32) NOT NULL,
    "attachments" JSONB NOT NULL,
    "is_incoming" BOOL NOT NULL,
    "is_read" BOOL NOT NULL,
    "is_deleted" BOOL NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "error_code" INT,
    "error_message" TEXT,
    "reply_to" VARCHAR(255),
    "payload" TEXT,
    "reaction" VARCHAR(64),
    "agent" VARCHAR(200),
    "agent_slack_user" VARCHAR(32),
    "source" VARCHAR(16) NOT NULL,
    "slack_ts" VARCHAR(32),
    "slack_posted" BOOL NOT NULL,
    "received_at" TIMESTAMPTZ NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "conversation_id" UUID NOT NULL REFERENCES "conversations" ("id") ON DELETE CASCADE,
    "platform_account_id" UUID NOT NULL REFERENCES "platform_accounts" ("id") ON DELETE CASCADE,
    "workspace_id" UUID NOT NULL REFERENCES "workspaces" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_messages_platfor_90c1a8" UNIQUE ("platform_account_id", "platform_message_id")
);
CREATE INDEX IF NOT EXISTS "idx_messages_convers_a3b094" ON "messages" ("conversation_id", "received_at");
CREATE INDEX IF NOT EXISTS "idx_messages_workspa_5bb1a0" ON "messages" ("workspace_id", "received_at");
CREATE INDEX IF NOT EXISTS "idx_messages_convers_e5c201" ON "messages" ("conversation_id", "slack_posted");
COMMENT ON TABLE "messages" IS 'One message either way; (account, platform_message_id) is the dedup key.';
CREATE TABLE IF NOT EXISTS "outbox" (
    "id" UUID NOT NULL PRIMARY KEY,
    "status" VARCHAR(16) NOT NULL,
    "attempts" INT NOT NULL,
    "next_attempt_at" TIMESTAMPTZ,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "workspace_id" UUID NOT NULL REFERENCES "workspaces" ("id") ON DELETE CASCADE,
    "message_id" UUID NOT NULL UNIQUE REFERENCES "messages" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_outbox_status_9c8966" ON "outbox" ("status");
COMMENT ON TABLE "outbox" IS 'A send that must happen: written with its message before the task is enqueued.';
CREATE TABLE IF NOT EXISTS "refresh_tokens" (
    "id" UUID NOT NULL PRIMARY KEY,
    "token_hash" VARCHAR(64) NOT NULL UNIQUE,
    "family_id" UUID NOT NULL,
    "expires_at" TIMESTAMPTZ NOT NULL,
    "revoked_at" TIMESTAMPTZ,
    "created_at" TIMESTAMPTZ NOT NULL,
    "user_id" UUID NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_refresh_tok_family__59d0e5" ON "refresh_tokens" ("family_id");
COMMENT ON TABLE "refresh_tokens" IS 'A refresh token (stored hashed); rotation chains tokens of one family.';
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSONB NOT NULL
);
"""

SQLITE = r"""
CREATE TABLE IF NOT EXISTS "login_attempts" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "email" VARCHAR(254) NOT NULL,
    "address" VARCHAR(64) NOT NULL,
    "succeeded" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL
) /* One login try, for throttling per account and per address. */;
CREATE INDEX IF NOT EXISTS "idx_login_attem_email_221208" ON "login_attempts" ("email");
CREATE INDEX IF NOT EXISTS "idx_login_attem_address_e2301e" ON "login_attempts" ("address");
CREATE INDEX IF NOT EXISTS "idx_login_attem_created_fae3e2" ON "login_attempts" ("created_at");
CREATE TABLE IF NOT EXISTS "slack_events" (
    "event_id" VARCHAR(64) NOT NULL PRIMARY KEY,
    "created_at" TIMESTAMP NOT NULL
) /* A Slack event id already handled: Slack retries must not act twice. */;
CREATE INDEX IF NOT EXISTS "idx_slack_event_created_45de38" ON "slack_events" ("created_at");
CREATE TABLE IF NOT EXISTS "webhook_logs" (
    "id" CHAR(36) NOT NULL PRIMARY KEY,
    "platform" VARCHAR(32) NOT NULL,
    "payload" JSON NOT NULL,
    "processed" INT NOT NULL,
    "error" TEXT,
    "created_at" TIMESTAMP NOT NULL
) /* Every verified webhook body as received, and whether it was processed. */;
CREATE INDEX IF NOT EXISTS "idx_webhook_log_created_160066" ON "webhook_logs" ("created_at");
CREATE TABLE IF NOT EXISTS "workspaces" (
    "id" CHAR(36) NOT NULL PRIMARY KEY,
    "name" VARCHAR(200) NOT NULL,
    "slack_team_id" VARCHAR(32) UNIQUE,
    "digest_enabled" INT NOT NULL,
    "digest_hour_utc" INT NOT NULL,
    "digest_channel" VARCHAR(64),
    "created_at" TIMESTAMP NOT NULL
) /* A team sharing one inbox: it owns accounts, conversations and messages. */;
CREATE TABLE IF NOT EXISTS "analytics" (
    "id" CHAR(36) NOT NULL PRIMARY KEY,
    "date" DATE NOT NULL,
    "platform" VARCHAR(32) NOT NULL,
    "total_messages" INT NOT NULL,
    "messages_in" INT NOT NULL,
    "messages_out" INT NOT NULL,
    "new_conversations" INT NOT NULL,
    "median_first_response_seconds" REAL,
    "p90_first_response_seconds" REAL,
    "updated_at" TIMESTAMP NOT NULL,
    "workspace_id" CHAR(36) NOT NULL REFERENCES "workspaces" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_analytics_workspa_6bdcc2" UNIQUE ("workspace_id", "date", "platform")
) /* Aggregated figures per workspace, date and platform. */;
CREATE TABLE IF NOT EXISTS "users" (
    "id" CHAR(36) NOT NULL PRIMARY KEY,
    "email" VARCHAR(254) NOT NULL UNIQUE,
    "password_hash" VARCHAR(256) NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "role" VARCHAR(16) NOT NULL,
    "is_active" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "workspace_id" CHAR(36) NOT NULL REFERENCES "workspaces" ("id") ON DELETE CASCADE
) /* A dashboard\/API user, member of one workspace. */;
CREATE TABLE IF NOT EXISTS "invites" (
    "id" CHAR(36) NOT NULL PRIMARY KEY,
    "code" VARCHAR(64) NOT NULL UNIQUE,
    "max_uses" INT NOT NULL,
    "uses" INT NOT NULL,
    "expires_at" TIMESTAMP NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "created_by_id" CHAR(36) REFERENCES "users" ("id") ON DELETE SET NULL,
    "workspace_id" CHAR(36) NOT NULL REFERENCES "workspaces" ("id") ON DELETE CASCADE
) /* A code an owner hands out so others can register into the workspace. */;
CREATE TABLE IF NOT EXISTS "oauth_states" (
    "id" CHAR(36) NOT NULL PRIMARY KEY,
    "state_hash" VARCHAR(64) NOT NULL UNIQUE,
    "platform" VARCHAR(32) NOT NULL,
    "expires_at" TIMESTAMP NOT NULL,
    "used_at" TIMESTAMP,
    "created_at" TIMESTAMP NOT NULL,
    "user_id" CHAR(36) REFERENCES "users" ("id") ON DELETE CASCADE,
    "workspace_id" CHAR(36) NOT NULL REFERENCES "workspaces" ("id") ON DELETE CASCADE
) /* A single-use, short-lived OAuth `state`, bound to the user who started the flow. */;
CREATE TABLE IF NOT EXISTS "platform_accounts" (
    "id" CHAR(36) NOT NULL PRIMARY KEY,
    "platform" VARCHAR(32) NOT NULL,
    "external_id" VARCHAR(64) NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "access_token" TEXT NOT NULL,
    "token_expires_at" TIMESTAMP,
    "is_active" INT NOT NULL,
    "slack_channel" VARCHAR(64),
    "last_webhook_at" TIMESTAMP,
    "last_synced_at" TIMESTAMP,
    "subscription_ok" INT NOT NULL,
    "needs_attention" INT NOT NULL,
    "attention_reason" TEXT,
    "created_at" TIMESTAMP NOT NULL,
    "user_id" CHAR(36) REFERENCES "users" ("id") ON DELETE SET NULL,
    "workspace_id" CHAR(36) NOT NULL REFERENCES "workspaces" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_platform_ac_platfor_742d2f" UNIQUE ("platform", "external_id")
) /* A connected Page \/ Instagram account \/ WhatsApp number, token encrypted at rest. */;
CREATE TABLE IF NOT EXISTS "conversations" (
    "id" CHAR(36) NOT NULL PRIMARY KEY,
    "participant_id" VARCHAR(64) NOT NULL,
    "participant_name" VARCHAR(200) NOT NULL,
    "last_message_at" TIMESTAMP,
    "last_incoming_at" TIMESTAMP,
    "unread_count" INT NOT NULL,
    "slack_channel" VARCHAR(64),
    "slack_thread_ts" VARCHAR(32),
    "status" VARCHAR(16) NOT NULL,
    "assignee_slack_user" VARCHAR(32),
    "created_at" TIMESTAMP NOT NULL,
    "assignee_id" CHAR(36) REFERENCES "users" ("id") ON DELETE SET NULL,
    "platform_account_id" CHAR(36) NOT NULL REFERENCES "platform_accounts" ("id") ON DELETE CASCADE,
    "workspace_id" CHAR(36) NOT NULL REFERENCES "workspaces" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_conversatio_platfor_c7e7e7" UNIQUE ("platform_account_id", "participant_id")
) /* One customer talking to one account; mirrored to one Slack thread. */;
CREATE INDEX IF NOT EXISTS "idx_conversatio_workspa_32a8e0" ON "conversations" ("workspace_id", "last_message_at");
CREATE TABLE IF NOT EXISTS "messages" (
    "id" CHAR(36) NOT NULL PRIMARY KEY,
    "platform_message_id" VARCHAR(255) NOT NULL,
    "sender_id" VARCHAR(64) NOT NULL,
    "sender_name" VARCHAR(200) NOT NULL,
    "content" TEXT NOT NULL,
    "kind" VARCHAR(32) NOT NULL,
    "attachments" JSON NOT NULL,
    "is_incoming" INT NOT NULL,
    "is_read" INT NOT NULL,
    "is_deleted" INT NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "error_code" INT,
    "error_message" TEXT,
    "reply_to" VARCHAR(255),
    "payload" TEXT,
    "reaction" VARCHAR(64),
    "agent" VARCHAR(200),
    "agent_slack_user" VARCHAR(32),
    "source" VARCHAR(16) NOT NULL,
    "slack_ts" VARCHAR(32),
    "slack_posted" INT NOT NULL,
    "received_at" TIMESTAMP NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "conversation_id" CHAR(36) NOT NULL REFERENCES "conversations" ("id") ON DELETE CASCADE,
    "platform_account_id" CHAR(36) NOT NULL REFERENCES "platform_accounts" ("id") ON DELETE CASCADE,
    "workspace_id" CHAR(36) NOT NULL REFERENCES "workspaces" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_messages_platfor_90c1a8" UNIQUE ("platform_account_id", "platform_message_id")
) /* One message either way; (account, platform_message_id) is the dedup key. */;
CREATE INDEX IF NOT EXISTS "idx_messages_convers_a3b094" ON "messages" ("conversation_id", "received_at");
CREATE INDEX IF NOT EXISTS "idx_messages_workspa_5bb1a0" ON "messages" ("workspace_id", "received_at");
CREATE INDEX IF NOT EXISTS "idx_messages_convers_e5c201" ON "messages" ("conversation_id", "slack_posted");
CREATE TABLE IF NOT EXISTS "outbox" (
    "id" CHAR(36) NOT NULL PRIMARY KEY,
    "status" VARCHAR(16) NOT NULL,
    "attempts" INT NOT NULL,
    "next_attempt_at" TIMESTAMP,
    "last_error" TEXT,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "workspace_id" CHAR(36) NOT NULL REFERENCES "workspaces" ("id") ON DELETE CASCADE,
    "message_id" CHAR(36) NOT NULL UNIQUE REFERENCES "messages" ("id") ON DELETE CASCADE
) /* A send that must happen: written with its message before the task is enqueued. */;
CREATE INDEX IF NOT EXISTS "idx_outbox_status_9c8966" ON "outbox" ("status");
CREATE TABLE IF NOT EXISTS "refresh_tokens" (
    "id" CHAR(36) NOT NULL PRIMARY KEY,
    "token_hash" VARCHAR(64) NOT NULL UNIQUE,
    "family_id" CHAR(36) NOT NULL,
    "expires_at" TIMESTAMP NOT NULL,
    "revoked_at" TIMESTAMP,
    "created_at" TIMESTAMP NOT NULL,
    "user_id" CHAR(36) NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
) /* A refresh token (stored hashed); rotation chains tokens of one family. */;
CREATE INDEX IF NOT EXISTS "idx_refresh_tok_family__59d0e5" ON "refresh_tokens" ("family_id");
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSON NOT NULL
);
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return SQLITE if db.capabilities.dialect == "sqlite" else POSTGRES


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        """


MODELS_STATE = (
    "eJztXW1v27YW/iuEP7WA1zVuknbdxQWcNN3NlsZFkt4OGwaNlhhbiEx6IhXH2PrfL6k364"
    "WSRVtyJF1+6RaRh5IfUuQ5z3nR34MFsZBDX40xdNbMNungPfh7gOEC8f/JNw7BAC6XmyZx"
    "gcGp4/eGqW5TylxoMt5wDx2K+CULUdO1l8wmWHQfz2YumkGGLHBvzzwXUbBELlgR94Euoc"
    "klLN4IILbA0oHsnriLV2Jki5h8aBvP9hnEw/ZfHjIYmSE2Ry4f6vffB7GUfxsuJ/4biQ3+"
    "+IP/ZWMLPSGB0u/iz+WDcW8jx0qhZltCzr9usPXSv/bly+WHj35PMfTUMInjLfCm93LN5g"
    "TH3T3Ptl4JGdE2Qxi54icmsMSe44S4R5eCn8QvMNdD8aNamwsWuoeeI2Zk8K97D5tiIoB/"
    "J/HP8b/DR0t0M4zryZ1xe3FnGIPcBIpHyExHeMkkWEy+jZm/nL4F424ACRaZuMH5f8Y3L9"
    "6cvvQhIJTxyaQRXINv34JpgIGoD/oG5Wh+0jh/4FflOMfzmUZaXGb2Ar2K2lXRji5s4N6s"
    "9wjICKrDgvthfHfhg7gBLV7MOeDO59CVA5eUyYDHH6SDkA0W8MlwEJ6xOf/zzagEwv+Ob4"
    "IlOvKXKOE7WrDXXYctI78pDTIjDDrGAlEKZ4jmob7ETI50XjCDN/8FTeH9uimwZ+IJvhsd"
    "Hb89fvfm9Pgd7+I/ZXzlbQn+l9d3GXAjdAwbKyCbkdKwFsJKPLYLrqGYBjYLLEYrjhd+RC"
    "6F4llU9gOprIY4v3YtG2Le2aXM4ArEkt8OGRTx21oSuD86BBYu5y0jZcC/F0NVgD9UwNpy"
    "AJbpDJMvZ1cX4PPNxfnl7eXkWtxlsaZ/OZtGcYlfsJkPwc3F+CqrZPzwuo7JKB9Gz0SFmf"
    "CWQqu1DCjZ0z+Eiq8c/LRkmc4s/qeLSqCLoDXBzjpcFCUzcXf56eL2bvzpsz8FNJoCrl2L"
    "llF6YsKrL04zCmM8CPh6efcfIP4Ev02uL7KWT9zv7reBeCboMWJgsjKglcQourx5+s2sx2"
    "asoWaJZuXqtEnb+55tMUGFlX//ILVAU3RBZlsjLrJn+Be09qG+5A8DsSmzP0OK5WtyrG6C"
    "u7m62WdduIoJktz64ijw346C3et8fHs+/sDtVQH4FJoPK+haRgp50UJGJHMl7ptvWowW2S"
    "sQc3XVCn+KePAQ//OEmjWQUGCp9mEZC5ZT2LYzYROMgOlRRhbIBdwEfOBoA0YA4dehaRIP"
    "sx/BwnZdvqqsqOHW4T8csLnYx/K8WD1DSlmyiA8wwnH8RQ1dZpv2EmImJjdLlWWoNQfyQz"
    "00HcQJ84em0p6VSsvMXg7xEm4oJ9lDhuj0uAJDdHpcyBCJpoyGnIDNv7Yj5JHs4UAfNLWy"
    "05CPXr+ugDnvVQi635ZGPbvtKKrEEvEa9OLuGCQtV4P9S/n5trFJFvwX7zrhGXk9422ecQ"
    "8L1cWI1ZKKPFtWTFNsWYqNCs3QMOcQY+SonFY5wZ2Oqpa9Mk2rBwFogR5uMAlrtg3vlGj/"
    "EK/fZcfNc+apAR1LHFD5IkuED6OAHZ1WgPgou9dvIBZNaYghpfYMI2QES9SjyFXBu0BcL+"
    "7ti9vkm8FuLHBaUrPAbVGGwgVcqgvFL4wah5IR24NMadlbtg91kg+gicgvRXQLxDXTnoFZ"
    "uzC0C6O7LoyyDaMGoD+HQ443I/YU7oLtcjvq0SlWA9pfQk2zk6fdVoQzx30KWf4M4PrL1V"
    "WZTy4fQZaH/CyU/PjLDXJiD5oc7U/BKD1a09+adFte4scg+iPnsAxbhmWuStvvUzVcH5h8"
    "BAAxICs+MWAOsUUB8RigBBDhHqTA5K0umtmU8Q4cAgL49U0wviR8v6ZBJY5KHa3fJhejmG"
    "YVcz/qXw+5sh3jDrOFYniPKgWaJ0UOR3YfNQVwzWS3IpiHB7IrXgP0tLT5FrED8ZSW7CHx"
    "1BGiqZLXTfOLxW9Uf/nFaO6ma0WOJieoOUZNfmny69nBbYD82rzqmojZAm5uV1SmYprkGa"
    "7IzMZjxtBiyQYStiHVPizjHBzRkx/4fleF+GhfjiO3HoJ74oogZcKYI6KaRb5/yA8Gef7i"
    "b8vi2wCVx0XvPlTNNMOZPSu0KqRbuMSmCNdSe63fwKb4YTR68+bt6PWb03cnx2/fnrx7HR"
    "sX+aYyK+Ps8idhaKS0nsjyKKYf0ALaSnFLsUBT0R3Px0CMTqpQELxXcWztSY6ECN8SFYgT"
    "Iv0DuYGgMM80EbKQbB8hxEEQFwQqJeUyQE+5YHcVFun2MJlcpQyos8vMZnH95dPZxc2LIx"
    "/6TfZknr3olll70KXeL6s2ZyI8j44Vub4k6lXCK1asWSUdcNV0qlACIFtoM2AF1z+CF6H+"
    "M4zrJcU5D7b1EtjU977w7cRbgge0lmtYdQ1cPf8sP6QkCc3MJPG5yET2Y/Ci8s6ZLLVca1"
    "Y8iEQUCxBZOoftuXPYJCtAQRkpEO9hNtvo5KSS+ndSov6d5JQTxH+aq4h5Sqh3KWwNaIAB"
    "XqoJgxmx3gHdSK4gvyNDsmitO/RUYLEnRHqAcZlOd/HrXUqdi5B88Wn868uUSnc1uf4p6p"
    "5A/vxqcpYB/IH/SpVVHfU/INSMT/1hlnT9OQCQMWjOFwjL0ol+vp1cF9joabGsKWObDPwD"
    "HJs25upOqCZTz3aYjekrcb/n0E4ETOXrPrvEM2qMGCC77m0ap5gqGvYZSW3aVzftOXTChF"
    "UHPJI6INjxlS6jHXgydgA8IagxV8C8IwmNkY19mGO1/qRGJAroGPLgxkLXTlpop7Cxljk5"
    "aw8c8xFabFivqjp4TrAP+aGHVsVdtHTWBiMqu0dSpg+YH4AzWcK1Q2RKSPHyToj0AeTDL2"
    "xoRuRt9YW9kekD5k2TVHzfldEmJW7g2T6kSavRbYSZ8vHatYiCRLZ/sDdQHoR4rixMsESb"
    "jiUOqE2v0HROyENXlemwds0u9W50oZuqKznps8zhXB5IkhHV9riCPZ50JudgL48myYj2ME"
    "uiI/EjOhlGhw0VzXoiNEQ1HSYvqhM3dNUdnXjUcWB14pGuutNNuHeuupMNkNwT8ew3F3oK"
    "t0QBaPTLGJv5Ih6bkieJGRgKTjC6I/yf7WV7JvFI3TK3S4v2KMRuT8Yem98yKK/Fk2gdlk"
    "VwE65jzg3hiK1elIfyn+eg7zzRSufEZd85wlgE/j3Bn/5gfw7BlL/I/nc+RJC1oP7Aak4A"
    "b3XFp3PFxXuHrGQFeuq/gS7W0wL1ZAiKY6n9OTXmkM6VqLiUlC7cs9VVoj/GewDCU9eg2W"
    "XzaBP/Uol24yfOTp85pHUSbu1Ubnoxv5pWLd5B+0urCj1SkYtKiOi6Qpreew56Tx6Voevd"
    "pFiPxHu6nVjShGl/vrQaUkUymiQmkUookk2fKuQIEpzEHDKw8CgDcz4uwu/ByrUZQxisbD"
    "YHNqNxvvoUcdsK+WwFg/RBJKUjzGfeQ5JPrNY/vCZGWrCxD7cQI23LqsgDzRehFSaFdTEM"
    "LFkbrGJGRVJEl+HNxh5h9MSiims7GFAScW0rt9lW9r9b6mfC5Ke6OLcgLdWHWMpDpxdojq"
    "J4S+sxR7G0dpz1tKSe9bbMumSTDZ9ecymNk1Rl5ZuKYS2t2tSwYdNKSHX0WYvJlNxqz89E"
    "FHpTcR72+GxWGxb41jlIv98VZmAviiob6ifhqiTRgMWkVTagTuGLWxgjUwTQfBb80ffAXw"
    "kzFy7iMtXfg69zyOh4ueS/YjFF7hAw8oAwQNh010shCxngmwOTf32r7huUlmwUHbgBglwM"
    "HVmJRk1vPSu9pQNSDhKQsln/CjhnxHoIdf0BVqqVEnWJRKVEdNPkp7LhHwYqRFNWrhdL+d"
    "Bck4+esXtwm0xes7rtIRzyPJPNp4nrF4+SHW1bEbWN3AFztiMNqbMp20G+uzmHXEVW+nZI"
    "TrAPZHrTZ7XvfggLWOywn0nE9XbW5u3MnzC6xuZO1HleWs92m2ebetMYAyOoUKNwhEmk9U"
    "FW/SDDCFnU9+BjeWZmKfgSaV35RQH9GDlRPJjK4C8xlSSyfVAmtGe+NVPRUR+tzh7Q2QMd"
    "Bla7Z5+xOIjOz9gjP6PKl4jlFUEkAb1RoYmPv2wvMdHTaiCy4Jc9kdojGKCtIDWZkHKD7v"
    "nmPL/z/RESV3+qfVjm53eDnoFro7KTP5QKveovKOMbkQVEHQVkvfwRuIT58w3MOUeEBt0o"
    "IPeAYMRHXdiO5CuM9Q2rk1JaoC8MS7z2gStHtVpHWkpX69hKUAevhKLymxJqVvPtRlyiLs"
    "2xL8BtssIrcb8ueuR7zW6Vj5OSmuFv8yxriq34ZNIUW+0UW9vmuAeFJFoK6f6VJJ6nzsGt"
    "iAK5eETy+PFE67DMpAxiSdAjUoga98cGvgywLQAdsf+suemHLQdZ78N2F3H4EQ1KF2DCAB"
    "8VsJVtIpk1WcuYe5iS/p1VQ2YTMtrAKTBwiu3Kbp3oB52Jfh3ouRPoeTZM/5iSbJXR8VW8"
    "SYoToPLuaEE6nxL+tN+PP1/6lWqHYIFEYktEfsUeBdlGqCqu6bMW6Fhl2xxaQFspvDMW6N"
    "2ZMjqpcqjwXiWfucxXuYWU8lfCUmYoc4K9SBTIIl6lfA7vVYJ4roCOTntpMu3FJY4SulH/"
    "A6IbnEeHwbj++k860eHAEYrdUvQ1dVcPdafjuXQ8VxvpvH3LbSQirynl6PLt6fmikNrpcC"
    "oPQrLxo832jUG69AfpKULZ7/TsDlP6y0A9hCpZ8WR3mNS/vdZFrPLhY7sjlg1a68lh0Wgg"
    "4NcgffSKzAYSGjLROiwjI6MkVIfMKnKSF/xEWQP+j80f1ALhAGBKrDWAFETffx4CiHnr3O"
    "cRgc3AijcuXSKqKcjqU9c3rOYwW6BiDks4TF245wCFe5Zw7RAoWc8/306uiyjMWCRrHNsm"
    "A/8Ax6Yd/pKoDFoBRsoCzuXvZVP1MstdDJDN34u3I0VKKCWns1YVOCHl8tG6cvT/TX6qdr"
    "V33dW+4ZFkim6SZCrRc6NulT3vDMEFoFwh4RPue8ptPCVP74XOSVaYRhUn6RCkCBtfP40y"
    "o2Qu+drG1Xpuy/Xc9ns2D+c5bsK3GUQbivdJMdQuJ1iLFtCi0Ij6zQnL5tsOMxAWP15Vsc"
    "0La+1WQbsN4ZsTzzU8ZubBL/zSkETycB8c+qGppV7zB4dCkHYonZeX7IM50XRqYrfMB+3A"
    "P4j9kPDBYOismW3u6VIYJ4fp2DKo5H/RxSpa7CfuJES6nkd7vendxCr+/O0eKMVj9BGh5w"
    "o46CRYceLM7kj1LLm00QCDMXJtcz6QcK5hy7CMcIWbPtvI1mIYaqY4C+1kKQskMY1DRXc/"
    "arNJ+6EW07iY0RRaorQmb7GNnBDpI695clIpI+akJCPmJPepEv5SKSAcdu8hukeVWOOjEt"
    "b4KM8a8zuyMJG9amBEQkQHRigGRjyrD/Hb/wBLfw2M"
)
