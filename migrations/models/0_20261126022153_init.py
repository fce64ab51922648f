"""Initial schema; PostgreSQL is the reference, SQLite the embedded default."""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

POSTGRES = r"""
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
    "created_at" TIMESTAMPTZ NOT NULL,
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
    "received_at" TIMESTAMPTZ NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "conversation_id" UUID NOT NULL REFERENCES "conversations" ("id") ON DELETE CASCADE,
    "platform_account_id" UUID NOT NULL REFERENCES "platform_accounts" ("id") ON DELETE CASCADE,
    "workspace_id" UUID NOT NULL REFERENCES "workspaces" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_messages_platfor_90c1a8" UNIQUE ("platform_account_id", "platform_message_id")
);
CREATE INDEX IF NOT EXISTS "idx_messages_convers_a3b094" ON "messages" ("conversation_id", "received_at");
CREATE INDEX IF NOT EXISTS "idx_messages_workspa_5bb1a0" ON "messages" ("workspace_id", "received_at");
COMMENT ON TABLE "messages" IS 'One message either way; (account, platform_message_id) is the dedup key.';
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSONB NOT NULL
);
"""

SQLITE = r"""
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
    "created_at" TIMESTAMP NOT NULL,
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
    "received_at" TIMESTAMP NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "conversation_id" CHAR(36) NOT NULL REFERENCES "conversations" ("id") ON DELETE CASCADE,
    "platform_account_id" CHAR(36) NOT NULL REFERENCES "platform_accounts" ("id") ON DELETE CASCADE,
    "workspace_id" CHAR(36) NOT NULL REFERENCES "workspaces" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_messages_platfor_90c1a8" UNIQUE ("platform_account_id", "platform_message_id")
) /* One message either way; (account, platform_message_id) is the dedup key. */;
CREATE INDEX IF NOT EXISTS "idx_messages_convers_a3b094" ON "messages" ("conversation_id", "received_at");
CREATE INDEX IF NOT EXISTS "idx_messages_workspa_5bb1a0" ON "messages" ("workspace_id", "received_at");
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
    "eJztXf9vozgW/1es/NSRct1pp9Pd2z2dlLaZ2+y2TdWmN6sdjZADboIKNgtm0miv//vZhK"
    "/GEMgQGpB/6UxsPwOfZ+z3Pu/Z/D2wiYEs73iEobWmpu4NfgZ/DzC0EftPvnIIBtBxkipe"
    "QOHcClrDTLO5R12oU1bxBC0PsSIDebprOtQkmDcfLRYuWkCKDPBkLnwXecBBLlgR99lzoM"
    "4kDFYJIDaAY0H6RFz7mPdsEJ11beLF93TiY/MvH2mULBBdIpd19eXLIJYKLsPk+L+R2ODr"
    "V/bLxAZ6QRylL/yn86w9mcgyMqiZBpcLyjW6doKyx8fJ1aegJe96runE8m2ctHbWdElw3N"
    "z3TeOYy/C6BcLI5Y+YwhL7lhXiHhVtHokVUNdH8a0aSYGBnqBvcY0M/vXkY50rAgRX4n/O"
    "/h3eWqqZpt1OZ9rDeKZpg5wC+S0I6giLdIK58k1Mg+H0uuk3AWQzyPgFLn8d3R99OH8XQE"
    "A8ypTpRXANXl83aoAb0QD0BOVIP1mcr1ipHOdYn1mkeTE1bXQc1ddFOypI4E7GewRkBFW7"
    "4F6NZuMAxAS0eDDngLtcQlcOXFpGAI/dSAchG9jwRbMQXtAl+/nhtATC/47uN0P0NBiihM"
    "1om7nuNqw5DaqyIFNCoaXZyPPgAnl5qCeYypHOCwp4syfYF97v9wX2gt/BP05Pzn48++nD"
    "+dlPrElwl3HJjyX4T25nArgROpqJayArSClYC2ElPt0F11BMASsCi9GK4YW/IdeD/F7qzA"
    "dSWQVxfuwaJsSssetRjRkQDrsc0jzELmtI4P5kEVg4nLf0JID/xLuqAH9ogB3KAlhmM0wf"
    "L67H4O5+fDl5mExv+VXstfeXlVTyIlZg0gCC+/HoWjQy/vm+CWWUd6M0UUETvsOtWkODkj"
    "n9KjR85eBnJctsZv6fLhqBLoLGFFvrcFCUaGI2uRk/zEY3d4EKvEgFzLrmNadZxYSlR+eC"
    "wRh3Aj5PZr8C/hP8Ob0di55P3G7254DfE/Qp0TBZadBIYxQVJ3efaD12Y7V6nqgo16RPer"
    "jv2RYXlHv5T89SDzRDFwjTGnGRucC/o3UA9YTdDMS6zP8MKZbP6b66CW5SmsyzLlzFBElu"
    "fDEU2LOjzex1OXq4HF0xf5UDPof68wq6hpZBnteQUyKUxG3zVfapLZZAzMxVI3wUfuMh/p"
    "cpM2sgocAy9cMyFixnsG1nwqYYAd33KLGRC5gL+MzQBpQAwsqhrhMf01+AbbouG1VGVPFg"
    "sQcHdMnnsTwv1kyXUpYs4gO0sJ9gUEOXmrrpQEy5ckWqTKDWLMgW9dB14CvMV0WlvSmVJm"
    "gvh3gJN5ST7CFDdH5WgSE6PytkiHiVYCGnYAvKdoQ8km0P9MG+RnYW8tP37ytgzloVgh7U"
    "ZVEXp52aJrFEvAG7uDsOyYGbwUFRXt8m1onNnnhXhQvySuOHrHEfc9NFi82SijybKKYoNp"
    "Fi87hlqOlLiDGy6qxWOcGdlqoDe2X2bR5sQNvY4RqVsGbb8M6I9g/x5kN2OsNrN6IsK6mI"
    "skNZL8IBXLpciJ5sTb6sQFzRZsLLpfhIxUd2l48smzAaAPou7HKU9NhTuAumy7oscD5nIa"
    "+Fi1Dy0+/3yIo5W7kCbja99Aj4130S5RFcEo48hWQxPZ5WWjVmPJQAyOQcNFjB9S/gKBxD"
    "wzirM2ZmTOMdMD3A2gIDGb4DntFazo831XF1ljzfpYQq14VQg4t0ZH7bmJisscClZ2oVj/"
    "62PLpEvznYtydaCuI9ZNRPP36sQu9+/FhM7/I6wWtG7NHcmphnhHpHo++BmtjgVTdoIYj1"
    "Dui9xCvYFSmSGZkz9FLAZKZEeoBxGdUw/mOWYRkiJI9uRn+8yzAN19Pb/0TNU8hfXk8vBM"
    "Cf2VPWGdVR+xahpkz17Qzp5kk2SCnUlzbCMkrzt4fprRxlQUyk2Eydgv8By/T25julTJO5"
    "b1rUxN4xv95bWCccpvJxLw5xwYzhHYjj3vTiMJfElyLEQhAXWIpZSUE3cybaQVulBP6L6f"
    "Q6A//FRJxXHm8uxvdHJ4EukuTMfEiFQceZ1fqAR1Itgh2XdBntDcuwA+ApQYV5Dcw9Cqlf"
    "L3oVS7S4pEYedDvL6sl5hWX1RAyKJMsqr8rCjHgSHwPRkFjkhSHvrNBOAe9DCxE2HPLeIG"
    "QnnFZVGzwn2IcAbNumuIsca61RUmf2SMv0AfMWOBMHri0iM0KKh3dKpA8gtz+woR4xu9UH"
    "diLTB8z3TVKxeVdGmxQDHAv0D929MFPpoEMO5vJ8GUG0hwkzHUmQqZRQqfKiil+z/uZFpS"
    "OQNXN2JKIqbafgEBaVdqbSzroCrEo7U2ln3YS7VtpZ0SrYAOLiDuKewi0xAA5pn7c47iVp"
    "bJJXozidTRxdVc8+BAwnjHR+buEdz0H7AQQjaOFCO9qfzco+LyH1Ro7DnsKeI3cIKHlGGC"
    "Csu2uHy0IK2DxNJeci7uECpXluvAF6ocjF0JLltanUtINITavDiqiD/2omOKTHfw2cBbEe"
    "Qt08xVc3AU1lntXh99gCgTxPCxaDOrEBUa4XQ7ntCEGAnoZeHJNN7zswbzJ5tW39kFlWk6"
    "mJ2RffJDPattyURK7F1JTIQupuZorazt7iWh2co7FC8yUhz7sew5EVV9PZIU9nKmhU/Kr1"
    "N2jkewWbb4qd+ZTId3j03XmTVfBCBS8OG9w9BC/4S94AuI9hN52cDLbCmpoJM4iy64Pbx+"
    "vrahvit5wzX2dXfE+jFZmRqc4PKABpnwGY4D2WRF2i97s41MLfkcrhFQN6yzlhd/vD6G4C"
    "uOgQ2IjHOAB5Cg67jWcyWfCkrrgkNKLiH4cU/0A2NGt5+rFAMxzmdpRbTCSv4uGzViWJ5J"
    "ITbT2PvRKGtmRvTq0gkyjYC85YRLzKph/WqgTx3LYfFQHZa4YzsWqhG7VvEd3NetQOxs3v"
    "WlOcd8uct2Llisd6f1k5xSMpHukQfMphw9+CyeQqxIl3u3vx9fNhO8I07dWZ/7yJyl2TxU"
    "Di0qdqh2WOfRTbs8iion8//obcNWB/THajBgg7AHNirAH0QLTHbBh893m1DHxyYFKwYpWO"
    "S3iSCpJ8NKe5bhUfcADT9bCED1D5kC3kQxbuLi8+7Kl4d3kLBz29jdGxlyOd4umopnuVkV"
    "On3dTwr4JjP/JobzknZOe55DDNj9aSJLvlzbZK9vbLmc35XG+zbyjxyWSGbtphK7Fzo2aV"
    "o1gUQRt4zCDhX2/kUScTz8nLz9zmJCvsRRt5vCHIhH4D+zSKbsrCW431q+zcA7dzDz9K0F"
    "4UZi9n9HZqHVKsaisLUYqcwtBaU1P/TnZqlO6mY8OgUiqOylxSmUtNg/RWxHAnwYqTq3ZH"
    "qmKGZmfg2ac7MUKuqS8HEl8irCl1JGDSZpsTUQxDw6Z74UmzUstdcsJsuO4ebhJVI+fLFl"
    "vqfNGqeS5kSqSP9vo+DjzlL1UNhMPmPUT3pJI3dFLiDZ3U+GJJMeFf/MUSRfhvI/zflBt7"
    "/T97GjNk"
)
