"""French as callers say it and a recogniser writes it: normalising transcripts, dates and times,
birth dates, phone numbers, yes and no, slot choices, and saying moments and lists aloud."""
