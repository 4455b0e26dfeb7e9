"""The platform registry: validated with lines, extended by the operator, used by the linker."""

import pytest

from vigil.link.identifiers import extract_mentions, platform_names
from vigil.platforms import RegistryError, default_registry, load_registry, parse_registry


def test_shipped_registry_knows_aliases_hosts_and_subdomains():
    reg = default_registry()
    assert reg.find("X").name == reg.find("twt").name == "twitter"
    assert reg.find("IG").name == "instagram"
    assert reg.by_host("mobile.twitter.com").name == "twitter"
    assert reg.by_host("uk.linkedin.com").handle_from_path("/in/jane-doe/") == "jane-doe"
    assert reg.by_host("example.com") is None


def test_bad_entries_are_named_with_their_line():
    text = "version: 1\nplatforms:\n  - name: foo\n    hosts: [not a host]\n  - aliases: [a]\n  - name: foo\n    colour: red\n"
    with pytest.raises(RegistryError) as e:
        parse_registry(text, "ops.yaml")
    msg = str(e.value)
    assert "ops.yaml" in msg and "line 4" in msg and "missing `name`" in msg
    assert "duplicate name" in msg and "unknown field `colour`" in msg


def test_operator_file_overrides_and_extends(tmp_path):
    f = tmp_path / "mine.yaml"
    f.write_text("version: 1\nplatforms:\n  - name: twitter\n    aliases: [birdsite]\n    hosts: [x.com]\n"
                 "    profile: ['{h}']\n  - name: chirp\n    aliases: [ch]\n    hosts: [chirp.social]\n"
                 "    profile: ['u/{h}']\n", encoding="utf-8")
    reg = load_registry(f)
    assert reg.find("birdsite").name == "twitter" and reg.find("twt") is None
    assert reg.find("instagram") is not None  # the shipped entries stay
    names = platform_names({"chirp"}, reg)
    m = extract_mentions("ch: @zoe_b", ["https://chirp.social/u/zoe_b2"], names)
    assert {("chirp", "zoe_b"), ("chirp", "zoe_b2")} <= m.pointers


def test_export_platform_names_map_onto_entries():
    names = platform_names({"twitter", "instagram", "linkedin"})
    m = extract_mentions("X: @sells_mo · ig: sells.mo · t.me/sells_mo8",
                         ["https://mobile.twitter.com/other_one", "instagr.am/foo.bar/",
                          "https://uk.linkedin.com/in/jane-doe-1/", "https://x.com/someone/status/123"], names)
    assert m.pointers == {("twitter", "sells_mo"), ("instagram", "sells.mo"), ("twitter", "other_one"),
                          ("instagram", "foo.bar"), ("linkedin", "jane-doe-1")}
    assert "sellsmo8" in m.identifiers  # telegram is not in the export: a contact, not a pointer


def test_handle_rules_reject_impossible_handles():
    names = platform_names({"twitter"})
    m = extract_mentions("X: @way_too_long_for_twitter_handles", None, names)
    assert not m.pointers


def test_invented_platform_keeps_host_label_rule():
    m = extract_mentions("chirp @abcd", ["https://m.chirp.example/zed"], platform_names({"chirp"}))
    assert m.pointers == {("chirp", "abcd"), ("chirp", "zed")}
