"""`aireport serve`: a live preview of the site while a report is written."""
