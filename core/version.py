"""The product's version, shown by the app, the CLI and the iCalendar feed's PRODID."""

__version__ = "0.1.0"
