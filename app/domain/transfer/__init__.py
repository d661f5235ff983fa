"""Imports and exports, a module per format and direction:

- ``dispatch``: the one way an import starts, from an upload (the API) or a path (the CLI);
- ``csv_format``: the CSV text of notes (columns, dates, e-mails), no database;
- ``csv_import`` / ``csv_export``: CSV files of notes against the base;
- ``dataset_import`` / ``dataset_export``: the data set's JSON Lines files;
- ``report``: what every import gives back.

New notes go in through ``app.domain.capture``; an imported row that changes a note is an edit
(``notes.revise_imported_note``).
"""
