"""One module per edition, each with one public render function."""
