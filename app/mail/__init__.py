"""E-mail as a capture channel: reading a raw message into text, participants and attachments
(``parse``), cleaning that text down to what the sender knows (``clean``, ``html``), and
reading ``.eml`` and mbox files (``files``). Pure: no database, no HTTP."""
