"""A Django upload handler that enforces the per-file byte limits while the body streams in."""

from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from assets.validation import UploadTooLarge, display_name, sniff_kind, too_large

HEAD_BYTES = 64


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops a file the moment it passes its image or video limit, before the chunk is written."""

    def __init__(self, request=None, *, image_bytes: int, video_bytes: int):
        super().__init__(request)
        self.limits = {"image": image_bytes, "video": video_bytes}
        self.refused: UploadTooLarge | None = None
        self._received = 0
        self._head = b""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self._received = 0
        self._head = b""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        # The first chunk of a part can be a few bytes long; gather enough to sniff the kind,
        # and until then hold the file to the larger of the two limits.
        if len(self._head) < HEAD_BYTES:
            self._head += raw_data[: HEAD_BYTES - len(self._head)]
        kind = sniff_kind(self._head) if len(self._head) >= HEAD_BYTES else None
        limit = self.limits[kind] if kind else max(self.limits.values())
        self._received += len(raw_data)
        if self._received > limit:
            error = too_large(kind or "video", limit)
            self.refused = UploadTooLarge(f"{display_name(self.file_name)}: {error.message}")
            # connection_reset=False: Django reads and discards the rest of the body (already
            # bounded by the view's Content-Length check), so the browser sees our answer.
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int):
        return None
