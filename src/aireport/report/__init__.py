"""Reading: a report file to the typed model, and the checks `aireport check` runs over it."""
