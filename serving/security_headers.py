"""The security headers: on every response, and the demo page's own policy on it and its static files.

GraphiQL (GET /graphql) loads React and its styles from a CDN and starts with an inline script, so the page's
Content-Security-Policy is scoped to the page; framing is refused everywhere, GraphiQL included."""

from secure import CacheControl, ContentSecurityPolicy, Secure, XContentTypeOptions, XFrameOptions
from secure.middleware import SecureASGIMiddleware
from starlette.middleware import Middleware

# `frame-ancestors` is the standard form, X-Frame-Options the one older browsers know. Browsers enforce every
# Content-Security-Policy a response carries, so this one adds to the page's below rather than replacing it.
EVERY_RESPONSE = Secure(
    xcto=XContentTypeOptions().nosniff(),
    xfo=XFrameOptions().deny(),
    csp=ContentSecurityPolicy().frame_ancestors("'none'"),
).validate_and_normalize_headers()

# The page is its own HTML, CSS and ES modules and talks only to /graphql: nothing inline, nothing from elsewhere
# (the favicon is an empty data: URL, so no request for one is made).
PAGE_POLICY = (
    ContentSecurityPolicy()
    .default_src("'none'")
    .script_src("'self'")
    .style_src("'self'")
    .img_src("'self'", "data:")
    .connect_src("'self'")
    .base_uri("'none'")
    .form_action("'self'")
)
# The modules change with each release under the same names: `no-cache` has the browser ask again on every load
# (StaticFiles answers 304 to its ETag / If-Modified-Since), so a new release is never run beside old modules.
DEMO_PAGE = Secure(csp=PAGE_POLICY, cache=CacheControl().no_cache()).validate_and_normalize_headers()


def on_every_response() -> Middleware:
    return Middleware(SecureASGIMiddleware, secure=EVERY_RESPONSE)


def on_the_demo_page() -> list[Middleware]:
    return [Middleware(SecureASGIMiddleware, secure=DEMO_PAGE)]
