"""Background work on taskiq: the broker, the scheduler and the core's task modules.

Which modules a process loads is decided by its root (web/wiring.py).
"""
