"""Background work on taskiq: the broker, the scheduler and the task modules."""

TASK_MODULES = ["inbox.tasks.maintenance", "inbox.tasks.sending"]
