"""The e-mail edition: inlined HTML, its plain-text part and the complete message."""
