"""The buying influences as a living map (Strategic Selling's Blue Sheet): per contact, an
influence record (``records``), what the notes suggest for it (``suggestions``), who covers the
person (``coverage``), people's decisions on its values (``decisions``) and the account's red
flags (``red_flags``). ``docs/influence.md`` describes the functions and the JSON."""
