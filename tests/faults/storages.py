"""A media storage that breaks part way, for the finalization fault test."""

from django.core.files.storage import FileSystemStorage


class FillingDiskStorage(FileSystemStorage):
    """Saves `room` files, then refuses every save the way a full disk does (ENOSPC)."""

    room = 1
    saved: list[str] = []

    def _save(self, name, content):
        if len(FillingDiskStorage.saved) >= self.room:
            raise OSError(28, "No space left on device")
        name = super()._save(name, content)
        FillingDiskStorage.saved.append(name)
        return name
