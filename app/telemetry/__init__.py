"""What a process tells its operator: JSON log lines with the request's id (``logs``) and
Prometheus metrics (``metrics``). Nothing here reads a note or a secret: log lines and
metric labels carry route templates, statuses, counts and times only."""
