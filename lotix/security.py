"""Response headers that keep pages and media from being turned against their viewers."""

PAGE_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    # Progress bars set their width in a style attribute; no <style> element is allowed.
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
# Swagger UI (the API docs page) styles its widgets inline; it runs no inline script.
DOCS_POLICY = PAGE_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
# Media answers are never documents: nothing in them may run, even if a browser sniffs one.
MEDIA_POLICY = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"


class SecurityHeadersMiddleware:
    """Adds a Content-Security-Policy to every response that does not set its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" in response or request.path.startswith("/admin/"):
            return response
        content_type = response.get("Content-Type", "")
        if content_type.startswith("text/html"):
            docs = request.path.startswith("/api/docs/")
            response["Content-Security-Policy"] = DOCS_POLICY if docs else PAGE_POLICY
        elif not content_type.startswith(("application/json", "text/css", "text/javascript",
                                          "application/javascript")):
            response["Content-Security-Policy"] = MEDIA_POLICY
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
