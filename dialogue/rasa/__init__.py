"""The Rasa project (config, domain, training data, test stories) and the code that trains,
starts and talks to its server, which runs in its own virtual environment."""
