"""URL canonicalisation and stable ids (pure)."""

from __future__ import annotations

import hashlib
from pathlib import PurePosixPath, PureWindowsPath
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

# Query parameters that only track the reader; they never change the article.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "yclid",
        "_ga",
        "_gl",
        "ref",
        "ref_src",
        "ref_url",
        "cmpid",
        "ncid",
        "ocid",
        "smid",
        "sr_share",
        "share",
        "utm",
        "spm",
        "at_medium",
        "at_campaign",
        "cid",
        "src",
    }
)
TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_", "oly_", "vero_", "__hs")
DEFAULT_PORTS = {"http": 80, "https": 443}


# what a page's declared URL cannot be: a file that is no page (an image, a video, a style ...)
_MEDIA_SUFFIXES = frozenset(
    """jpg jpeg png gif webp avif svg bmp ico tif tiff heic mp4 m4v mov webm avi mp3 m4a wav
    ogg flac css js json woff woff2 ttf otf zip gz tgz rar 7z""".split()
)


def is_media(url: str) -> bool:
    """Whether ``url`` names a media or asset file by its path's suffix ("...thumbnail/1280x720/
    9f62....jpg"): a page declaring one as its canonical URL names its picture, not itself."""
    name = unquote(urlsplit(url.strip()).path).rsplit("/", 1)[-1]
    return "." in name and name.rsplit(".", 1)[1].lower() in _MEDIA_SUFFIXES


def canonical_url(url: str) -> str:
    """One spelling per article: lower-case scheme and host, no default port, no fragment,
    no tracking parameters, sorted query, no trailing slash, http and https alike."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme == "file":
        return urlunsplit(("file", "", quote(unquote(parts.path)), "", ""))
    if scheme in DEFAULT_PORTS:
        scheme = "https"  # the same article is served on both
    host = (parts.hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    port = parts.port
    netloc = host if port is None or port in DEFAULT_PORTS.values() else f"{host}:{port}"
    path = quote(unquote(parts.path), safe="/:@!$&'()*+,;=-._~%")
    path = path.rstrip("/")
    for index_page in ("/index.html", "/index.htm", "/index.php"):
        if path.endswith(index_page):
            path = path[: -len(index_page)]
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() not in TRACKING_PARAMS and not key.lower().startswith(TRACKING_PREFIXES)
    ]
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))


def article_id(canonical: str) -> str:
    """Stable 12-hex-digit id of an article, from its canonical URL."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


UNNAMED = "Unnamed outlet"


def outlet_name(site_name: str, url: str) -> str:
    """An article's outlet as a reader knows it: the name of its site, else its web host, else,
    for a local file that names no site, the file's name ("c00962aa....html": the user's own);
    never "" (a story's outlets read "1 outlet ()" with one)."""
    if site_name.strip():
        return site_name.strip()
    if "\\" in url and "://" not in url:  # a Windows path: "C:\\Users\\ada\\page.html"
        return PureWindowsPath(url).name or UNNAMED
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # "http://[::1": no host to read
        return UNNAMED
    if host:
        return host.lower()
    if parts.scheme in ("", "file") or len(parts.scheme) == 1:  # a path, a drive letter
        return PurePosixPath(unquote(parts.path)).name or UNNAMED
    return UNNAMED  # mailto:, data:, ...


def is_url(text: str) -> bool:
    """An http(s) URL that parses, port included."""
    try:
        parts = urlsplit(text.strip())
        _ = parts.port  # raises ValueError for a port out of range or not a number
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)
