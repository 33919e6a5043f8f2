"""A Django upload handler that enforces the per-file byte limits while the body streams in."""

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from assets.validation import (
    TooManyFiles,
    UploadRejected,
    UploadTooLarge,
    display_name,
    megabytes,
    sniff_kind,
    too_large,
)

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


def upload_limiter_install(request) -> SizeLimitUploadHandler:
    """Refuse a body that declares more than one upload may carry, then put the size-limiting
    handler first, before anything (the CSRF check, DRF's authentication) parses the body with
    Django's unlimited handlers. `request` is Django's HttpRequest."""
    body_limit = (settings.DATA_UPLOAD_MAX_NUMBER_FILES
                  * max(settings.LOTIX_MAX_IMAGE_BYTES, settings.LOTIX_MAX_VIDEO_BYTES)
                  + settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > body_limit:
        raise UploadTooLarge(
            f"This upload is larger than the {megabytes(body_limit)} Lotix accepts in one request."
        )
    limiter = SizeLimitUploadHandler(request, image_bytes=settings.LOTIX_MAX_IMAGE_BYTES,
                                     video_bytes=settings.LOTIX_MAX_VIDEO_BYTES)
    request.upload_handlers.insert(0, limiter)
    return limiter


BODY_REFUSALS = (TooManyFilesSent, TooManyFieldsSent, RequestDataTooBig)


def upload_body_refused(request, error: Exception) -> UploadRejected:
    """Django's refusal of an upload body (one of BODY_REFUSALS), said for the person uploading.
    Catching it skips Django's own django.security.* log line, so this writes it."""
    logging.getLogger(f"django.security.{type(error).__name__}").error(
        str(error), extra={"status_code": 400, "request": request})
    if isinstance(error, TooManyFilesSent):
        return TooManyFiles(f"Upload at most {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files at a "
                            "time.")
    return UploadRejected("This upload sent more fields or text than Lotix accepts; reload the "
                          "page and try again.")
