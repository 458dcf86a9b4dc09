"""RSS, Atom, JSON feeds and XML sitemaps to links with dates (pure).

Feed discovery on an HTML page uses trafilatura's ``determine_feed``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

from lxml import etree
from trafilatura.feeds import FeedParameters, determine_feed

from citebrief.errors import FeedError
from citebrief.ingest.urls import host_of


@dataclass(frozen=True, slots=True)
class Link:
    url: str
    published: date | None = None


@dataclass(frozen=True, slots=True)
class Sitemap:
    pages: list[Link]
    sitemaps: list[str]  # nested sitemaps (a sitemap index)


def parse_date(value: str | None) -> date | None:
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value).astimezone(UTC).date()
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _child_text(element: etree._Element, *names: str) -> str | None:
    for child in element:
        if _local(child.tag) in names and child.text and child.text.strip():
            return str(child.text.strip())
    return None


def _xml(text: str, what: str) -> etree._Element:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, recover=False, huge_tree=False
    )
    try:
        root = etree.fromstring(text.strip().encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"malformed {what}: {str(exc).splitlines()[0][:120]}") from exc
    if root is None:
        raise FeedError(f"malformed {what}: empty document")
    return root


def parse_feed(text: str, base_url: str) -> list[Link]:
    """Items of an RSS 2.0, RSS 1.0 (RDF), Atom or JSON feed, newest information kept."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            items = json.loads(stripped).get("items")
            if not isinstance(items, list):
                raise TypeError("'items' is not a list")
            return [
                Link(
                    urljoin(base_url, str(item.get("url") or item.get("id"))),
                    parse_date(item.get("date_published") or item.get("date_modified")),
                )
                for item in items
                if isinstance(item, dict) and (item.get("url") or item.get("id"))
            ]
        except (ValueError, AttributeError, TypeError) as exc:
            raise FeedError(f"malformed JSON feed: {exc}") from exc
    root = _xml(text, "feed")
    links: list[Link] = []
    for element in root.iter():
        name = _local(element.tag)
        if name == "item":  # RSS 2.0 and RSS 1.0
            href = _child_text(element, "link") or element.get(
                "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"
            )
            when = _child_text(element, "pubdate", "date", "published", "updated")
        elif name == "entry":  # Atom
            href = None
            for child in element:
                if _local(child.tag) == "link" and child.get("rel", "alternate") == "alternate":
                    href = child.get("href")
                    break
            when = _child_text(element, "published", "updated")
        else:
            continue
        if href:
            links.append(Link(urljoin(base_url, href.strip()), parse_date(when)))
    if not links and _local(root.tag) not in ("rss", "feed", "rdf"):
        raise FeedError(f"not a feed: the document is <{_local(root.tag)}>")
    return links


def parse_sitemap(text: str, base_url: str) -> Sitemap:
    """Pages (with lastmod) and nested sitemaps of an XML sitemap or a plain-text one."""
    if not text.lstrip().startswith("<"):
        lines = [line.strip() for line in text.splitlines()]
        return Sitemap([Link(line) for line in lines if line.startswith("http")], [])
    root = _xml(text, "sitemap")
    kind = _local(root.tag)
    pages: list[Link] = []
    nested: list[str] = []
    for element in root:
        loc = _child_text(element, "loc")
        if not loc:
            continue
        url = urljoin(base_url, loc)
        if kind == "sitemapindex":
            nested.append(url)
        else:
            pages.append(Link(url, parse_date(_child_text(element, "lastmod"))))
    if kind not in ("urlset", "sitemapindex"):
        raise FeedError(f"not a sitemap: the document is <{kind}>")
    return Sitemap(pages, nested)


def discover_feeds(html: str, base_url: str) -> list[str]:
    """Feed URLs an HTML page advertises (trafilatura's discovery)."""
    params = FeedParameters(base_url, host_of(base_url), base_url, external=True)
    return list(determine_feed(html, params))
