"""The editions a report is published in, each a module (or a small package) of its own."""
