"""PlyerNotifier on Windows, through a double of plyer's balloon that fails as the real one does.

plyer's Windows backend loads the icon with LoadImageW (ICO only) and raises "Could not load
icon" in a thread; these tests check that the failure reaches on_failed, on the event loop, for
each popup, and that the .ico the bundle carries is one LoadImageW reads.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import threading
from pathlib import Path

import pytest

from algomesh_tray.notify.notification import Notification
from algomesh_tray.notify.plyer_backend import PlyerNotifier
from algomesh_tray.platform.resources import icon_path, notification_icon

from ...windows_doubles import PlyerWindowsBalloon, loads_as_icon
from ..conftest import wait_until

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "packaging"))

import metadata  # noqa: E402

#: A 1x1 PNG: what render_icons puts in each .ico entry.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def ico_file(folder: Path) -> Path:
    """An .ico written by packaging/render_icons.py's writer (PNG entries at 16 and 256 px)."""
    import render_icons

    path = folder / "algomesh-tray.ico"
    path.write_bytes(render_icons.ico({16: PNG, 256: PNG}))
    return path


def test_an_svg_icon_fails_in_plyers_thread_and_reaches_on_failed() -> None:
    """The old default (the .svg): each popup fails as on Windows; on_failed hears of each, on the loop."""
    balloon = PlyerWindowsBalloon()
    failures: list[tuple[str, Notification, threading.Thread]] = []

    async def main() -> None:
        icon = str(icon_path("algomesh-tray"))
        notifier = PlyerNotifier(
            app_name="AlgoMesh Tray",
            app_icon=icon,
            on_failed=lambda reason, n: failures.append((reason, n, threading.current_thread())),
            balloon=balloon.balloon_tip,
        )
        first, second = Notification("BUY BTCUSDT", "0.05 @ 64320.5"), Notification("SELL ETHUSDT", "1 @ 3000")
        notifier.show(first)
        notifier.show(second)
        await wait_until(lambda: len(failures) == 2, what="two failures reported")
        notifier.close()
        assert {f[1] for f in failures} == {first, second}
        assert all(f[0] == f"Could not load icon {icon}" for f in failures)
        assert all(f[2] is threading.main_thread() for f in failures)  # the loop's thread, not plyer's

    asyncio.run(main())
    assert balloon.shown == []
    assert threading.main_thread() not in balloon.threads  # the balloon ran in threads of its own


def test_the_ico_shows_and_popups_do_not_wait_for_each_other(tmp_path: Path) -> None:
    """With an .ico both balloons go up at once (each stays up for its timeout), and nothing fails."""
    balloon = PlyerWindowsBalloon()
    failures: list[str] = []
    icon = ico_file(tmp_path)

    async def main() -> None:
        notifier = PlyerNotifier(
            app_name="AlgoMesh Tray",
            app_icon=str(icon),
            on_failed=lambda reason, n: failures.append(reason),
            balloon=balloon.balloon_tip,
        )
        notifier.show(Notification("BUY BTCUSDT", "0.05 <b>@</b> R&D 64320.5"))
        notifier.show(Notification("SELL ETHUSDT", "1 @ 3000"))
        await wait_until(lambda: len(balloon.shown) == 2, what="both balloons up while the first is still shown")
        balloon.release.set()
        notifier.close()

    asyncio.run(main())
    assert failures == []
    assert {shown["title"] for shown in balloon.shown} == {"BUY BTCUSDT", "SELL ETHUSDT"}
    # A balloon reads no markup: the body as it is, not "&lt;b&gt;" or "&amp;".
    assert {shown["message"] for shown in balloon.shown} == {"0.05 <b>@</b> R&D 64320.5", "1 @ 3000"}
    assert all(shown["app_icon"] == str(icon) and shown["app_name"] == "AlgoMesh Tray" for shown in balloon.shown)


def test_a_missing_icon_file_is_reported_too(tmp_path: Path) -> None:
    """LoadImageW gives NULL for a file that is not there: reported like any other failure."""
    balloon = PlyerWindowsBalloon()
    failures: list[str] = []

    async def main() -> None:
        notifier = PlyerNotifier(
            app_name="AlgoMesh Tray",
            app_icon=str(tmp_path / "gone.ico"),
            on_failed=lambda reason, n: failures.append(reason),
            balloon=balloon.balloon_tip,
        )
        notifier.show(Notification("BUY BTCUSDT", "x"))
        await wait_until(lambda: failures, what="the failure reported")
        notifier.close()

    asyncio.run(main())
    assert failures == [f"Could not load icon {tmp_path / 'gone.ico'}"]


def test_the_icon_writer_makes_an_ico_loadimage_reads_and_an_svg_it_does_not(tmp_path: Path) -> None:
    """The double's LoadImageW check accepts render_icons' .ico and rejects the shipped .svg."""
    assert loads_as_icon(str(ico_file(tmp_path)))
    assert not loads_as_icon(str(icon_path("algomesh-tray")))
    assert not loads_as_icon(str(tmp_path / "missing.ico"))


def test_the_windows_bundle_carries_the_ico_where_the_resources_helper_looks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lay a bundle out from the spec's datas as PyInstaller does: notification_icon finds the .ico."""
    root = tmp_path / "repo"
    (root / "build" / "icons").mkdir(parents=True)
    (root / "resources").symlink_to(ROOT / "resources")
    ico_file(root / "build" / "icons")
    bundle = tmp_path / "_internal"
    for source, destination in metadata.bundle_datas(root, "win"):
        target = bundle / destination
        if Path(source).is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            target.mkdir(parents=True, exist_ok=True)
            (target / Path(source).name).write_bytes(Path(source).read_bytes())
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    found = notification_icon("win32")
    assert found == str(bundle / "resources" / "icons" / "algomesh-tray.ico") and loads_as_icon(found)
    assert notification_icon("linux").endswith("algomesh-tray.svg")
    assert [destination for _source, destination in metadata.bundle_datas(root, "linux")] == ["resources"]


def test_without_the_ico_windows_popups_use_the_stock_icon() -> None:
    """A wheel installed by hand has no .ico: "" makes plyer use Windows' stock icon, not fail."""
    assert notification_icon("win32") == ""
