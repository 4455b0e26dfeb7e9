"""Video matching on generated abstract animations (ffmpeg lavfi sources) and their copies.

Clips are made once per session in a tmp folder (never committed): 6 s at 192x144, 10 fps, so the
whole module hashes in about a second. vPDQ keeps one frame hash per second.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from vigil.media import HashBank, load_banks, run_media
from vigil.media.video import hash_video, is_video_path, match_vpdq

from .conftest import make_workspace

pytest.importorskip("vpdq", reason="vpdq is not installed (scripts/setup builds it against FFmpeg)")
if shutil.which("ffmpeg") is None:
    pytest.skip("ffmpeg is not installed (scripts/setup installs Debian's)", allow_module_level=True)

SIZE, RATE, SECONDS = "192x144", 10, 6
SOURCES = {  # abstract animations only
    "grid": f"testsrc2=size={SIZE}:rate={RATE}",
    "fractal": f"mandelbrot=size={SIZE}:rate={RATE}",
    "life": f"life=size={SIZE}:rate={RATE}:seed=7:mold=10:ratio=0.3:life_color=#ff8800:death_color=#002244",
    "cells": f"cellauto=size={SIZE}:rate={RATE}:rule=110:seed=3",
}
# name -> ffmpeg output arguments applied to an original
COPIES = {
    "mpeg4": (["-c:v", "mpeg4", "-q:v", "10"], "avi"),  # another codec and container
    "vp8": (["-c:v", "libvpx", "-b:v", "150k"], "webm"),
    "crf38": (["-c:v", "libx264", "-crf", "38"], "mp4"),  # heavy H.264 recompression
    "first_half": (["-t", str(SECONDS // 2), "-c:v", "libx264"], "mp4"),
    "second_half": (["-ss", str(SECONDS // 2), "-c:v", "libx264"], "mp4"),
    "crop98": (["-vf", "crop=iw*0.98:ih*0.98", "-c:v", "libx264"], "mp4"),
}


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


@pytest.fixture(scope="session")
def clips(tmp_path_factory):
    """{name: path} of the originals and of every copy of `grid` and `fractal`."""
    root = tmp_path_factory.mktemp("clips")
    out = {}
    for name, src in SOURCES.items():
        out[name] = root / f"{name}.mp4"
        ffmpeg("-f", "lavfi", "-i", src, "-t", str(SECONDS), "-c:v", "libx264", "-crf", "20", "-pix_fmt", "yuv420p",
               str(out[name]))
    for name in ("grid", "fractal"):
        for copy, (args, ext) in COPIES.items():
            target = root / f"{name}_{copy}.{ext}"
            if args[0] == "-ss":  # seek before the input: the copy starts at the midpoint
                ffmpeg(*args[:2], "-i", str(out[name]), *args[2:], str(target))
            else:
                ffmpeg("-i", str(out[name]), *args, str(target))
            out[f"{name}_{copy}"] = target
    smooth = root / "smooth.mp4"  # gradients are too flat for PDQ: every frame has quality < 50
    ffmpeg("-f", "lavfi", "-i", f"gradients=size={SIZE}:rate={RATE}:seed=5:speed=0.05", "-t", "3",
           "-c:v", "libx264", "-pix_fmt", "yuv420p", str(smooth))
    out["smooth"] = smooth
    return out


@pytest.fixture(scope="session")
def hashes(clips):
    return {name: hash_video(p) for name, p in clips.items()}


def bank_csv(path, rows):
    import csv

    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["signal_type", "signal", "bank", "category"])
        w.writerows(rows)
    return path


def video_bank(tmp_path, hashes, names):
    return load_banks([bank_csv(tmp_path / "bank.csv", [("vpdq", hashes[n].vpdq, "videos", n) for n in names])])


def test_clips_are_videos_with_one_frame_hash_a_second(clips, hashes):
    assert all(is_video_path(p) for p in clips.values())
    assert hashes["grid"].frames == SECONDS and hashes["grid_first_half"].frames == SECONDS // 2
    assert len(json.loads(hashes["grid"].vpdq)) == SECONDS


@pytest.mark.parametrize("original", ["grid", "fractal"])
def test_reencoded_and_half_copies_match_their_original(tmp_path, hashes, original):
    bank = video_bank(tmp_path, hashes, SOURCES)
    for copy in ("mpeg4", "vp8", "crf38", "first_half", "second_half"):
        found = match_vpdq(bank, hashes[f"{original}_{copy}"].vpdq)
        assert [bank.vpdq[m.entry][2] for m in found] == [original], copy
        m = found[0]
        assert m.query_match_percent >= 80 and m.distance <= 31
        if copy.endswith("half"):  # every frame of the half is in the original; half of the original's
            assert m.query_match_percent == 100 and m.bank_match_percent == 50
            assert (m.query_frames, m.bank_frames) == (SECONDS // 2, SECONDS)


def test_the_original_does_not_match_a_half_length_bank_entry(tmp_path, hashes):
    """The reference rule: 80% of the query's frames must be in the bank video (here 50%)."""
    bank = video_bank(tmp_path, hashes, ["grid_first_half"])
    assert match_vpdq(bank, hashes["grid"].vpdq) == []


def test_unrelated_videos_never_match(tmp_path, hashes):
    names = list(SOURCES)
    for i, name in enumerate(names):
        bank = video_bank(tmp_path, hashes, [n for n in names if n != name])
        queries = [name] + [q for q in hashes if q.startswith(f"{name}_")]
        for q in queries:
            assert match_vpdq(bank, hashes[q].vpdq) == [], (q, "matched an unrelated video")


def test_low_quality_videos_are_rejected_from_banks_and_never_match(tmp_path, hashes):
    bank = load_banks([bank_csv(tmp_path / "b.csv", [("vpdq", hashes["smooth"].vpdq, "videos", "flat"),
                                                      ("vpdq", "not json", "videos", "x"),
                                                      ("vpdq", hashes["grid"].vpdq, "videos", "grid")])])
    assert len(bank.vpdq) == 1
    reasons = [r["reason"] for r in bank.rejects]
    assert any("quality >= 50" in r for r in reasons) and any("not a vPDQ signal" in r for r in reasons)
    assert all(r["line"] in (2, 3) for r in bank.rejects)
    assert match_vpdq(bank, hashes["smooth"].vpdq) == []
    fetched = HashBank()  # entries added without the CSV checks (an exchange's bank) are skipped, not fatal
    fetched.add([("vpdq", hashes["smooth"].vpdq, "x", "flat"), ("vpdq", hashes["grid"].vpdq, "x", "grid")])
    assert [m.entry for m in match_vpdq(fetched, hashes["grid_mpeg4"].vpdq)] == [1]


def test_saved_bank_keeps_video_entries(tmp_path, hashes):
    bank = load_banks([bank_csv(tmp_path / "b.csv", [("vpdq", hashes["grid"].vpdq, "videos", "grid"),
                                                      ("video_md5", hashes["life"].md5, "videos", "life")])])
    bank.save(tmp_path)
    again = load_banks([tmp_path])
    assert again.vpdq == bank.vpdq and again.video_md5 == bank.video_md5 and again.banks() == ["videos"]
    assert [m.entry for m in match_vpdq(again, hashes["grid_mpeg4"].vpdq)] == [0]


def test_stage_matches_video_posts_with_frame_evidence(tmp_path, clips, hashes):
    export = tmp_path / "export"
    (export / "media").mkdir(parents=True)
    for name in ("grid_first_half", "fractal_mpeg4", "life", "cells"):
        shutil.copy(clips[name], export / "media" / clips[name].name)
    (export / "media" / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypisom" + b"not a video" * 10)
    bank = load_banks([bank_csv(tmp_path / "bank.csv", [
        ("vpdq", hashes["grid"].vpdq, "videos", "pack-1"),
        ("vpdq", hashes["fractal"].vpdq, "videos", "pack-2"),
        ("video_md5", hashes["life"].md5, "video-md5s", "pack-3"),
        ("md5", hashes["fractal_mpeg4"].md5, "md5s", "pack-4"),
    ])])
    posts = [
        {"platform": "p", "post_id": "1", "account_id": "seller",
         "media": [{"media_id": "v1", "path": f"media/{clips['grid_first_half'].name}"},
                   {"media_id": "v2", "path": f"media/{clips['fractal_mpeg4'].name}"}]},
        {"platform": "p", "post_id": "2", "account_id": "other", "media": [{"media_id": "v3", "path": "media/life.mp4"}]},
        {"platform": "p", "post_id": "3", "account_id": "clean", "media": [{"media_id": "v4", "path": "media/cells.mp4"},
                                                                           {"media_id": "v5", "path": "media/broken.mp4"}]},
        {"platform": "p", "post_id": "4", "account_id": "hashonly",  # the export gives the vPDQ, no file
         "media": [{"media_id": "v6", "vpdq": hashes["fractal_second_half"].vpdq}]},
    ]
    ws = make_workspace(tmp_path, [{"platform": "p", "account_id": a} for a in ("seller", "other", "clean", "hashonly")], posts)
    stats = run_media(ws, export, bank)
    rows = {(r["media_id"], r["signal_type"]): r for r in ws.read("media_matches").to_pylist()}
    assert set(rows) == {("v1", "vpdq"), ("v2", "vpdq"), ("v2", "md5"), ("v3", "video_md5"), ("v6", "vpdq")}
    half = rows[("v1", "vpdq")]
    assert (half["category"], half["query_match_percent"], half["bank_match_percent"]) == ("pack-1", 100.0, 50.0)
    assert half["signal"] == hashes["grid_first_half"].md5 and half["source"] == "file"
    assert rows[("v6", "vpdq")]["source"] == "export" and rows[("v6", "vpdq")]["signal"] is None
    assert all("[" not in (r["signal"] or "") + (r["bank_signal"] or "") for r in rows.values())  # no frame hashes
    acc = {r["account_id"]: r for r in ws.read("media_accounts").to_pylist()}
    assert set(acc) == {"seller", "other", "hashonly"}
    assert "vPDQ: 100% of query frames, 100% of bank frames" in acc["seller"]["evidence"]
    assert "2 video matches" in acc["seller"]["evidence"]
    problems = ws.read("media_problems").to_pylist()
    assert [p["path"] for p in problems] == ["media/broken.mp4"] and "cannot hash video" in problems[0]["reason"]
    assert stats["video_files"] == 5 and stats["video_files_hashed"] == 4 and stats["video_frames_hashed"] == 21


def test_ingest_keeps_a_given_vpdq_and_rejects_a_bad_one(tmp_path, hashes):
    from vigil.ingest.export import ingest_export
    from vigil.workspace import Workspace

    export = tmp_path / "export"
    export.mkdir()
    (export / "accounts.jsonl").write_text('{"platform": "p", "account_id": "a"}\n')
    good = {"platform": "p", "post_id": "1", "account_id": "a", "media": [{"media_id": "m", "vpdq": hashes["grid"].vpdq}]}
    bad = {"platform": "p", "post_id": "2", "account_id": "a", "media": [{"media_id": "m", "vpdq": '["zz,1,0"]'}]}
    (export / "posts.jsonl").write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    ws = Workspace(tmp_path / "ws")
    ingest_export(export, ws, tmp_path / "rejects.jsonl")
    posts = ws.read("posts").to_pylist()
    assert [p["post_id"] for p in posts] == ["1"] and posts[0]["media"][0]["vpdq"] == hashes["grid"].vpdq
    rejects = [json.loads(line) for line in (tmp_path / "rejects.jsonl").read_text().splitlines()]
    assert len(rejects) == 1 and rejects[0]["line"] == 2 and "bad vpdq" in rejects[0]["reason"]


def test_video_matches_reach_cybertipline_files_and_exports_as_the_video_md5(tmp_path, clips, hashes):
    from vigil.report.exports import signal_bundle
    from vigil.report.results import Results, _files_by_account

    export = tmp_path / "export"
    export.mkdir()
    shutil.copy(clips["grid_mpeg4"], export / "v.avi")
    bank = video_bank(tmp_path, hashes, ["grid"])
    posts = [{"platform": "p", "post_id": "1", "account_id": "s", "media": [{"media_id": "v", "path": "v.avi"}]}]
    ws = make_workspace(tmp_path, [{"platform": "p", "account_id": "s"}], posts)
    run_media(ws, export, bank)
    res = Results(root=tmp_path, accounts=[{"platform": "p", "account_id": "s", "role": "seller", "score": 0.9}],
                  links=[], audit={}, mitigations={}, summary={}, terms=[], ws=ws)
    files = _files_by_account(res, {("p", "s")}, {("p", "s")})[("p", "s")]
    assert [(f.media_id, f.md5, f.pdq) for f in files] == [("v", hashes["grid_mpeg4"].md5, None)]
    assert [(h["signal_type"], h["signal"]) for h in signal_bundle(res)["hashes"]] == [("video_md5", hashes["grid_mpeg4"].md5)]
