"""Microsoft Teams (to be written)."""


class Sender:
    def send(self, row):
        raise NotImplementedError
