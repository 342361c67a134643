"""The page fetch against the local test site: limits kept, and our own network out of reach."""

from __future__ import annotations

import ipaddress

import pytest

from bot.articles.fetch import (
    FetchRefusal,
    FetchResult,
    SafeResolver,
    allow_only,
    fetch_page,
    is_public_address,
    public_only,
)
from tests.articles.site import BOMB_SIZE, HOST_NAME, HUGE_SIZE, FakeResolver, gzip_bomb


async def test_a_normal_page_is_fetched_through_the_resolved_name(site):
    result = await fetch_page(site.url("/article"), **site.fetch_options())
    assert isinstance(result, FetchResult), result
    assert result.status == 200
    assert result.content_type == "text/html"
    assert result.charset == "utf-8"
    assert b"og:title" in result.body
    assert not result.truncated
    assert site.resolver.asked == [HOST_NAME]
    assert site.hits["/article"] == 1


async def test_a_chain_of_two_redirects_is_followed(site):
    result = await fetch_page(site.url("/hop/2"), **site.fetch_options())
    assert isinstance(result, FetchResult), result
    assert result.url == site.url("/article")
    assert site.hits["/hop/2"] == site.hits["/hop/1"] == site.hits["/article"] == 1


async def test_three_redirects_are_the_most_followed(site):
    result = await fetch_page(site.url("/hop/3"), **site.fetch_options())
    assert isinstance(result, FetchResult), result
    assert result.url == site.url("/article")


async def test_a_chain_of_four_redirects_is_refused_without_reading_the_end(site):
    result = await fetch_page(site.url("/hop/4"), **site.fetch_options())
    assert result == FetchRefusal("too_many_redirects", site.url("/hop/1"), {"limit": 3})
    assert site.hits["/article"] == 0


async def test_a_huge_page_is_cut_at_the_cap_and_not_read_further(site):
    result = await fetch_page(site.url("/huge"), max_bytes=1_000_000, **site.fetch_options())
    assert isinstance(result, FetchResult), result
    assert result.truncated
    assert len(result.body) == 1_000_000 < HUGE_SIZE
    assert result.body.startswith(b"<html><head><title>A very long page</title>")


async def test_the_cap_counts_inflated_bytes_so_a_gzip_bomb_is_cut(site):
    assert len(gzip_bomb()) < 1_000_000 < BOMB_SIZE
    result = await fetch_page(site.url("/bomb"), **site.fetch_options())
    assert isinstance(result, FetchResult), result
    assert result.truncated
    assert len(result.body) == 1_000_000
    assert result.body.startswith(b"<html><head><title>bomb</title>")


async def test_a_page_exactly_at_the_cap_is_whole(site):
    result = await fetch_page(site.url("/article"), **site.fetch_options())
    assert isinstance(result, FetchResult)
    exact = await fetch_page(site.url("/article"), max_bytes=len(result.body), **site.fetch_options())
    assert isinstance(exact, FetchResult)
    assert exact.body == result.body
    assert not exact.truncated


@pytest.mark.parametrize(
    ("path", "content_type"), [("/paper.pdf", "application/pdf"), ("/no-type", "application/octet-stream")]
)
async def test_only_html_is_accepted(site, path, content_type):
    result = await fetch_page(site.url(path), **site.fetch_options())
    assert result == FetchRefusal("content_type", site.url(path), {"content_type": content_type})


async def test_a_slow_page_times_out(site):
    result = await fetch_page(site.url("/slow"), timeout=0.3, **site.fetch_options())
    assert result == FetchRefusal("timeout", site.url("/slow"), {"seconds": 0.3})


async def test_an_error_status_is_refused(site):
    result = await fetch_page(site.url("/missing"), **site.fetch_options())
    assert result == FetchRefusal("http_status", site.url("/missing"), {"status": 404})


async def test_not_modified_counts_only_as_the_answer_to_a_conditional_request(site):
    result = await fetch_page(site.url("/always-304"), **site.fetch_options())
    assert result == FetchRefusal("http_status", site.url("/always-304"), {"status": 304})


async def test_a_redirect_to_loopback_on_another_port_is_refused(site, only_local_connections):
    result = await fetch_page(site.url("/to-loopback"), **site.fetch_options())
    target = f"http://127.0.0.1:{site.other_port}/article"
    assert result == FetchRefusal("address_refused", target, {"host": "127.0.0.1"})
    # Refused before connecting: the other server, which would have answered, was never reached.
    assert all(address[1] == site.port for address in only_local_connections)


async def test_the_allowed_name_on_another_port_is_refused(site, only_local_connections):
    url = f"http://{HOST_NAME}:{site.other_port}/article"
    result = await fetch_page(url, **site.fetch_options())
    assert result == FetchRefusal("address_refused", url, {"host": HOST_NAME})
    assert only_local_connections == []


async def test_a_redirect_to_another_scheme_is_refused(site):
    result = await fetch_page(site.url("/to-file"), **site.fetch_options())
    assert isinstance(result, FetchRefusal)
    assert result.code == "bad_url"


async def test_a_malformed_redirect_is_refused(site):
    result = await fetch_page(site.url("/bad-location"), **site.fetch_options())
    assert result == FetchRefusal("bad_redirect", site.url("/bad-location"))


async def test_the_system_resolver_is_filtered_too(site, only_local_connections):
    """``localhost`` comes from the machine's own resolver: loopback, so refused by default."""
    url = f"http://localhost:{site.port}/article"
    result = await fetch_page(url)
    assert result == FetchRefusal("address_refused", url, {"host": "localhost"})
    assert site.hits["/article"] == 0
    assert only_local_connections == []


async def test_the_default_rule_refuses_the_test_site_itself(site):
    """The test site is reachable only because its rule says so: loopback is not allowed in general."""
    result = await fetch_page(site.url("/article"), resolver=site.resolver)
    assert result == FetchRefusal("address_refused", site.url("/article"), {"host": HOST_NAME})
    assert site.hits["/article"] == 0


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "127.8.9.10", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254",
                "100.64.0.1", "0.0.0.0", "224.0.0.1", "240.0.0.1", "::1", "::", "fe80::1", "fc00::1",
                "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "2002:a00:1::", "64:ff9b::a9fe:a9fe"],
)
async def test_the_default_rule_refuses_names_that_resolve_inside(only_local_connections, address):
    resolver = FakeResolver({"inside.test": [address]})
    result = await fetch_page("http://inside.test/", resolver=resolver)
    assert result == FetchRefusal("address_refused", "http://inside.test/", {"host": "inside.test"})
    assert resolver.asked == ["inside.test"]
    assert only_local_connections == []


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1/", "http://10.0.0.1:8080/", "http://169.254.169.254/latest/meta-data/",
            "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/"],
)
async def test_the_default_rule_refuses_addresses_typed_in_the_link(only_local_connections, url):
    resolver = FakeResolver({})
    result = await fetch_page(url, resolver=resolver)
    assert isinstance(result, FetchRefusal)
    assert result.code == "address_refused"
    assert resolver.asked == []
    assert only_local_connections == []


async def test_a_name_with_one_inside_address_connects_only_to_the_outside_one():
    resolver = SafeResolver(public_only, FakeResolver({"mixed.test": ["10.1.2.3", "93.184.215.14"]}))
    results = await resolver.resolve("mixed.test", 443)
    assert [result["host"] for result in results] == ["93.184.215.14"]


async def test_an_unknown_name_is_a_lookup_failure(site):
    result = await fetch_page(f"http://nowhere.test:{site.port}/", **site.fetch_options())
    assert result == FetchRefusal("dns", f"http://nowhere.test:{site.port}/")


def test_allow_only_allows_exactly_one_port():
    rule = allow_only(("127.0.0.1", 8080))
    assert rule(ipaddress.ip_address("127.0.0.1"), 8080)
    assert not rule(ipaddress.ip_address("127.0.0.1"), 8081)
    assert not rule(ipaddress.ip_address("127.0.0.2"), 8080)


@pytest.mark.parametrize(
    ("address", "public"),
    [("93.184.215.14", True), ("2606:4700:4700::1111", True), ("8.8.8.8", True),
     ("192.0.2.1", False), ("198.18.0.1", False), ("::ffff:8.8.8.8", True), ("2002:808:808::", True)],
)
def test_public_addresses(address, public):
    assert is_public_address(ipaddress.ip_address(address)) is public
