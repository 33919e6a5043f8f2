"""Webhooks reach public https receivers only: no SSRF into the server's own network."""

import pytest

from hooks.models import Webhook
from hooks.services import webhook_create
from hooks.targets import WebhookHostUnresolved, WebhookUrlRefused, target_check

pytestmark = pytest.mark.django_db

PUBLIC_IP = "93.184.216.34"


@pytest.fixture(autouse=True)
def private_refused(settings):
    settings.LOTIX_WEBHOOKS_ALLOW_PRIVATE = False


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/",
    "https://169.254.169.254/latest/meta-data/",
    "https://[fe80::1]/hook",
    "https://[fd00:ec2::254]/latest",
    "https://0.0.0.0/hook",
    "https://[::ffff:169.254.169.254]/hook",
])
def test_it_refuses_link_local_and_metadata_addresses_even_when_private_ones_are_allowed(
    url, settings
):
    for allowed in (False, True):
        settings.LOTIX_WEBHOOKS_ALLOW_PRIVATE = allowed
        with pytest.raises(WebhookUrlRefused) as refused:
            target_check(url)
        assert "webhook" in refused.value.message.lower() or "address" in refused.value.message


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/hook", "https://10.1.2.3/hook", "https://192.168.0.7/hook",
    "https://172.16.5.4/hook", "https://[::1]/hook", "https://[::ffff:127.0.0.1]/hook",
    "https://100.64.0.1/hook", "https://localhost/hook",
])
def test_it_refuses_private_and_loopback_receivers_unless_the_operator_allows_them(
    url, settings
):
    with pytest.raises(WebhookUrlRefused, match="LOTIX_WEBHOOKS_ALLOW_PRIVATE"):
        target_check(url)
    settings.LOTIX_WEBHOOKS_ALLOW_PRIVATE = True
    assert target_check(url).port == 443


def test_it_says_which_address_a_host_name_resolves_to_when_it_refuses_it():
    with pytest.raises(WebhookUrlRefused, match=r"localhost resolves to 127\.0\.0\.1\."):
        target_check("https://localhost/hook")


@pytest.mark.parametrize("url, words", [
    ("ftp://example.org/file", "https://"),
    (f"http://{PUBLIC_IP}/hook", "https://"),
    (f"https://user:pass@{PUBLIC_IP}/hook", "user name and password"),
    ("https:///nohost", "no host"),
    ("", "Enter the URL"),
    ("https://" + "a" * 600 + ".com/", "500 characters"),
    ("https://[::1/hook", "not a valid URL"),
])
def test_it_refuses_urls_that_are_not_plain_https_with_a_reason(url, words):
    with pytest.raises(WebhookUrlRefused, match=words):
        target_check(url)


def test_it_allows_plain_http_only_to_private_addresses_when_the_operator_allows_them(settings):
    settings.LOTIX_WEBHOOKS_ALLOW_PRIVATE = True
    assert target_check("http://127.0.0.1:8080/in").address == "127.0.0.1"
    with pytest.raises(WebhookUrlRefused, match="use https:// for this host"):
        target_check(f"http://{PUBLIC_IP}/hook")


def test_it_says_when_a_host_cannot_be_found():
    with pytest.raises(WebhookHostUnresolved, match="could not find the host"):
        target_check("https://lotix-receiver.invalid/hook")


def test_it_pins_the_checked_address_and_keeps_the_host_name_for_the_request():
    target = target_check(f"https://{PUBLIC_IP}:8443/hooks?team=edit")
    assert target.pinned_url == f"https://{PUBLIC_IP}:8443/hooks?team=edit"
    assert target.host_header == f"{PUBLIC_IP}:8443"
    v6 = target_check("https://[2606:4700:4700::1111]/in")
    assert v6.pinned_url == "https://[2606:4700:4700::1111]:443/in"
    assert v6.host_header == "[2606:4700:4700::1111]"


def test_it_keeps_nothing_when_a_refused_url_is_saved(owner_membership):
    with pytest.raises(WebhookUrlRefused):
        webhook_create(membership=owner_membership, url="https://169.254.169.254/",
                       events=["take.decided"])
    assert not Webhook.objects.exists()
