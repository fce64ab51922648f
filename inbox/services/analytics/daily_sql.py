"""The SQL behind daily analytics, for PostgreSQL (the reference) and SQLite (same figures).

Definitions (UTC days, per workspace and platform):
- messages_in: customer messages received that day; messages_out: our messages that left
  that day (echoes included; pending and failed ones never reached anyone, so excluded).
- new_conversations: conversations whose first message (either way) falls on that day.
- first response: for each conversation with a customer message that day, the time from
  its first customer message of the day to the first outgoing message after it (whenever
  that came). Unanswered ones have no time. Median and p90 are continuous percentiles
  (PostgreSQL `percentile_cont`; SQLite computes the same interpolation with window
  functions, its differences rounded to the millisecond).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Dialect:
    """What differs between the two databases."""

    name: str

    @property
    def postgres(self) -> bool:
        """True for PostgreSQL."""
        return self.name == "postgres"

    def day(self, column: str) -> str:
        """The UTC date of a timestamp column."""
        return f"({column} AT TIME ZONE 'UTC')::date" if self.postgres else f"date({column})"

    def seconds(self, later: str, earlier: str) -> str:
        """Seconds between two timestamps."""
        if self.postgres:
            return f"EXTRACT(EPOCH FROM ({later} - {earlier}))::double precision"
        return f"ROUND((julianday({later}) - julianday({earlier})) * 86400.0, 3)"

    def hour(self, column: str) -> str:
        """The UTC hour (0–23) of a timestamp column."""
        if self.postgres:
            return f"EXTRACT(HOUR FROM {column} AT TIME ZONE 'UTC')::int"
        return f"CAST(strftime('%H', {column}) AS INTEGER)"

    def params(self, sql: str) -> str:
        """`$n` placeholders as this driver wants them (SQLite: `?n`)."""
        return sql if self.postgres else sql.replace("$", "?")

    def percentiles(self, keys: str) -> str:
        """Median and p90 of `waits.seconds` per group of `keys`."""
        if self.postgres:
            return f"""
            SELECT {keys},
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS median,
                   percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds) AS p90
            FROM waits GROUP BY {keys}"""  # noqa: S608 - constants only; values are bound parameters
        return f"""
            SELECT {keys}, {_interpolate("0.5")} AS median, {_interpolate("0.9")} AS p90
            FROM (
                SELECT {keys}, seconds,
                       ROW_NUMBER() OVER (PARTITION BY {keys} ORDER BY seconds) AS rn,
                       COUNT(*) OVER (PARTITION BY {keys}) AS n
                FROM waits
            ) ranked GROUP BY {keys}"""  # noqa: S608 - constants only; values are bound parameters


def _interpolate(p: str) -> str:
    """percentile_cont(p) over `ranked`: the value at 0-based position p·(n−1), interpolated."""
    pos = f"({p} * (n - 1))"
    low = f"(CAST({pos} AS INTEGER) + 1)"
    high = f"({low} + ({pos} > CAST({pos} AS INTEGER)))"
    at_low = f"MAX(CASE WHEN rn = {low} THEN seconds END)"
    at_high = f"MAX(CASE WHEN rn = {high} THEN seconds END)"
    return f"({at_low} + MAX({pos} - CAST({pos} AS INTEGER)) * ({at_high} - {at_low}))"


def scope_and_waits(d: Dialect, *, workspace: bool = False, account: bool = False) -> str:
    """CTEs `scope` (messages in [$1, $2) that count), `asked` and `waits` (first responses).

    `workspace` keeps one workspace's messages ($3), `account` one account's ($3).
    """
    only = "AND m.workspace_id = $3" if workspace else ""
    if account:
        only = "AND m.platform_account_id = $3"
    return f"""
    scope AS (
        SELECT m.workspace_id, a.platform, m.conversation_id, m.is_incoming, m.received_at,
               {d.day("m.received_at")} AS day
        FROM messages m JOIN platform_accounts a ON a.id = m.platform_account_id
        WHERE m.received_at >= $1 AND m.received_at < $2 {only}
          AND (m.is_incoming OR m.status NOT IN ('pending', 'failed'))
    ),
    asked AS (
        SELECT workspace_id, platform, day, conversation_id, MIN(received_at) AS asked_at
        FROM scope WHERE is_incoming
        GROUP BY workspace_id, platform, day, conversation_id
    ),
    waits AS (
        SELECT workspace_id, platform, day, {d.seconds("answered_at", "asked_at")} AS seconds
        FROM (
            SELECT q.workspace_id, q.platform, q.day, q.asked_at,
                   (SELECT MIN(o.received_at) FROM messages o
                    WHERE o.conversation_id = q.conversation_id AND NOT o.is_incoming
                      AND o.status NOT IN ('pending', 'failed')
                      AND o.received_at > q.asked_at) AS answered_at
            FROM asked q
        ) answered
        WHERE answered_at IS NOT NULL
    )"""  # noqa: S608 - constants only; values are bound parameters


def figures(d: Dialect) -> str:
    """Rows (workspace_id, day, platform, in, out, new conversations, median, p90) of [$1, $2)."""
    return f"""
    WITH {scope_and_waits(d, workspace=False)},
    counts AS (
        SELECT workspace_id, day, platform,
               SUM(CASE WHEN is_incoming THEN 1 ELSE 0 END) AS messages_in,
               SUM(CASE WHEN is_incoming THEN 0 ELSE 1 END) AS messages_out
        FROM scope GROUP BY workspace_id, day, platform
    ),
    starts AS (
        SELECT workspace_id, platform, {d.day("first_at")} AS day
        FROM (
            SELECT s.workspace_id, s.platform,
                   (SELECT MIN(e.received_at) FROM messages e
                    WHERE e.conversation_id = s.conversation_id) AS first_at
            FROM (SELECT DISTINCT workspace_id, platform, conversation_id FROM scope) s
        ) firsts
        WHERE first_at >= $1 AND first_at < $2
    ),
    started AS (
        SELECT workspace_id, day, platform, COUNT(*) AS conversations
        FROM starts GROUP BY workspace_id, day, platform
    ),
    response AS ({d.percentiles("workspace_id, day, platform")}),
    keys AS (
        SELECT workspace_id, day, platform FROM counts
        UNION SELECT workspace_id, day, platform FROM started
    )
    SELECT k.workspace_id, k.day, k.platform,
           COALESCE(c.messages_in, 0), COALESCE(c.messages_out, 0),
           COALESCE(s.conversations, 0), r.median, r.p90
    FROM keys k
    LEFT JOIN counts c
        ON c.workspace_id = k.workspace_id AND c.day = k.day AND c.platform = k.platform
    LEFT JOIN started s
        ON s.workspace_id = k.workspace_id AND s.day = k.day AND s.platform = k.platform
    LEFT JOIN response r
        ON r.workspace_id = k.workspace_id AND r.day = k.day AND r.platform = k.platform"""  # noqa: S608 - constants only; values are bound parameters


def response_times(d: Dialect, keys: str) -> str:
    """Median and p90 first response of one workspace ($3) over [$1, $2), grouped by `keys`."""
    return f"WITH {scope_and_waits(d, workspace=True)} {d.percentiles(keys)}"


def account_response_times(d: Dialect) -> str:
    """Median and p90 first response of one account ($3) over [$1, $2)."""
    return f"WITH {scope_and_waits(d, account=True)} {d.percentiles('platform')}"


def account_counts(d: Dialect) -> str:
    """One account's ($3) messages in and out, new and unanswered conversations in [$1, $2).

    Unanswered: conversations whose last customer message of the range has no reply after it.
    """
    return f"""
    WITH {scope_and_waits(d, account=True)},
    last_asked AS (
        SELECT conversation_id, MAX(received_at) AS asked_at
        FROM scope WHERE is_incoming GROUP BY conversation_id
    )
    SELECT
        (SELECT COUNT(*) FROM scope WHERE is_incoming),
        (SELECT COUNT(*) FROM scope WHERE NOT is_incoming),
        (SELECT COUNT(*) FROM (SELECT DISTINCT conversation_id FROM scope) s
         WHERE (SELECT MIN(e.received_at) FROM messages e
                WHERE e.conversation_id = s.conversation_id) >= $1),
        (SELECT COUNT(*) FROM last_asked q WHERE NOT EXISTS (
            SELECT 1 FROM messages o
            WHERE o.conversation_id = q.conversation_id AND NOT o.is_incoming
              AND o.status NOT IN ('pending', 'failed') AND o.received_at > q.asked_at))"""  # noqa: S608 - constants only; values are bound parameters


def account_hours(d: Dialect) -> str:
    """(hour, is_incoming, count) of one account's ($3) messages in [$1, $2)."""
    return f"""
    WITH {scope_and_waits(d, account=True)}
    SELECT {d.hour("received_at")} AS hour, is_incoming, COUNT(*)
    FROM scope GROUP BY {d.hour("received_at")}, is_incoming"""  # noqa: S608 - constants only; values are bound parameters


_FIGURE_COLUMNS = (
    "workspace_id, day, platform, messages_in, messages_out, new_conversations, median, p90"
)


def create_figures(d: Dialect) -> str:
    """A temporary table for one run's figures."""
    if d.postgres:
        uid, day, text, integer, real = "UUID", "DATE", "VARCHAR(32)", "INT", "DOUBLE PRECISION"
    else:
        uid, day, text, integer, real = "TEXT", "TEXT", "TEXT", "INTEGER", "REAL"
    return f"""CREATE TEMPORARY TABLE analytics_figures (
        workspace_id {uid}, day {day}, platform {text}, messages_in {integer},
        messages_out {integer}, new_conversations {integer}, median {real}, p90 {real})"""


def fill_figures(d: Dialect) -> str:
    """Compute [$1, $2) into the temporary table."""
    return f"INSERT INTO analytics_figures ({_FIGURE_COLUMNS}) {figures(d)}"


_VALUES = (
    "total_messages",
    "messages_in",
    "messages_out",
    "new_conversations",
    "median_first_response_seconds",
    "p90_first_response_seconds",
)


def upsert(d: Dialect) -> str:
    """Write the figures into analytics; rows whose figures did not change stay untouched."""
    if d.postgres:
        new_id, differs, always = "gen_random_uuid()", "IS DISTINCT FROM", "TRUE"
    else:
        hexes = "lower(hex(randomblob({})))"
        new_id = (
            f"{hexes.format(4)} || '-' || {hexes.format(2)} || '-4' || "
            f"substr({hexes.format(2)}, 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1)"
            f" || substr({hexes.format(2)}, 2) || '-' || {hexes.format(6)}"
        )
        differs, always = "IS NOT", "1"
    updates = ", ".join(f"{c} = excluded.{c}" for c in (*_VALUES, "updated_at"))
    changed = " OR ".join(f"analytics.{c} {differs} excluded.{c}" for c in _VALUES)
    return f"""
    INSERT INTO analytics (id, workspace_id, date, platform, {", ".join(_VALUES)}, updated_at)
    SELECT {new_id}, workspace_id, day, platform, messages_in + messages_out, messages_in,
           messages_out, new_conversations, median, p90, $1
    FROM analytics_figures WHERE {always}
    ON CONFLICT (workspace_id, date, platform) DO UPDATE SET {updates}
    WHERE {changed}"""  # noqa: S608 - constants only; values are bound parameters


DELETE_STALE = """
    DELETE FROM analytics WHERE date >= $1 AND date < $2 AND NOT EXISTS (
        SELECT 1 FROM analytics_figures f
        WHERE f.workspace_id = analytics.workspace_id AND f.day = analytics.date
          AND f.platform = analytics.platform)"""

DROP_FIGURES = "DROP TABLE IF EXISTS analytics_figures"
COUNT_FIGURES = "SELECT COUNT(*) FROM analytics_figures"
