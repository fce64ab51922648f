"""Background work on taskiq: the broker, the scheduler and the task modules."""

# Named by string so inbox never imports bot/; the worker and the server import them all.
TASK_MODULES = [
    "inbox.tasks.maintenance",
    "inbox.tasks.sending",
    "inbox.tasks.sync",
    "inbox.tasks.analytics",
    "inbox.tasks.tokens",
    "inbox.tasks.sessions",
    "bot.mirror.tasks",
    "bot.reports.tasks",
]
