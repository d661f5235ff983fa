"""The ``tacit`` command as a client of a Tacit server over HTTP: configuration, the HTTP
wrapper that turns every failure into one line, and the commands (note, search, brief, login,
and the remote side of import and export).

Nothing here touches the database: the client knows the server only through its API.
"""
