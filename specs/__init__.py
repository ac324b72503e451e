"""The executable specs: one file per area of the clause catalogue."""
