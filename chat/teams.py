"""Microsoft Teams (to be written: chat.teams.send)."""


def send(row):
    raise NotImplementedError
