"""Settings changed over the protocol (SET), kept in a small file the log directory owns.

settings.toml stays the user's file: it is never rewritten. At start-up the
firmware reads a setting as overrides.get(key) when set, else os.getenv(key)
(see `getenv`), so both go through firmware.settings.validate. The file is
`KEY=value` lines, written whole to a temporary name and then swapped in; a
value that no longer validates is ignored.
"""

from firmware import settings as settings_mod

NAME = "settings.txt"
TMP = "settings.tmp"


class Overrides:
    def __init__(self, storage):
        self.storage = storage
        self.values = {}
        self._load()

    def _load(self):
        data = None
        for name in (NAME, TMP):  # TMP alone: a swap was cut short after the remove
            try:
                data = self.storage.read(name)
                break
            except OSError:
                continue
        if not data:
            return
        try:
            text = data.decode()
        except UnicodeError:
            return
        for line in text.split("\n"):
            if "=" not in line:
                continue
            key, raw = line.split("=", 1)
            ok, value = settings_mod.validate(key.strip(), raw)
            if ok:
                self.values[key.strip()] = value

    def get(self, key):
        return self.values.get(key)

    def set(self, key, value):
        """Persist one validated value (raises OSError when the flash is read-only or full)."""
        values = dict(self.values)
        values[key] = value
        self._save(values)
        self.values = values

    def drop(self, key):
        # Forget one value (the clip cannot run with it). Gone from RAM at once; from the
        # file too unless the flash is read-only (then it is dropped again at the next start).
        values = dict(self.values)
        values.pop(key, None)
        self.values = values
        try:
            self._save(values)
        except OSError:
            pass

    def _save(self, values):
        text = "".join("%s=%s\n" % (k, values[k]) for k in sorted(values))
        self.storage.write(TMP, text.encode())
        self.storage.remove(NAME)
        self.storage.rename(TMP, NAME)

    def getenv(self, fallback):
        """A getenv for firmware.settings.load: the override first, then `fallback(key)`."""
        def getenv(key):
            value = self.values.get(key)
            return fallback(key) if value is None else value
        return getenv
