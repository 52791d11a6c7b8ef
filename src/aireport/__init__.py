"""aireport: publish a yearly AI review in several editions from one Markdown file."""

__version__ = "0.1.0"
