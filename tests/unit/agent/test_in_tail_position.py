"""The pos_file on its own: Fluentd's exact line format, in-place updates,
unwatched entries and compaction."""

from __future__ import annotations

from pathlib import Path

from dplat.agent.plugins.tail.position import UNWATCHED, PositionFile


def test_new_entries_updates_and_unwatch_in_fluentd_format(tmp_path: Path) -> None:
    pos = tmp_path / "deep" / "dir" / "tail.pos"
    positions = PositionFile.load(str(pos), follow_inodes=False)
    entry = positions.entry("/var/log/a.log", 77)
    assert pos.read_bytes() == b"/var/log/a.log\t0000000000000000\t0000000000000000\n"
    entry.update(0xA3F1C2, 1234)
    other = positions.entry("/var/log/b.log", 5)
    other.update_pos(16)
    assert positions.entry("/var/log/a.log", 99) is entry
    assert pos.read_bytes() == (b"/var/log/a.log\t00000000000004d2\t0000000000a3f1c2\n"
                                b"/var/log/b.log\t0000000000000010\t0000000000000000\n")
    positions.unwatch("/var/log/a.log")
    assert pos.read_bytes().startswith(b"/var/log/a.log\tffffffffffffffff\t0000000000a3f1c2\n")
    positions.close()
    reloaded = PositionFile.load(str(pos), follow_inodes=False)
    assert reloaded.keys() == ["/var/log/b.log"]
    assert pos.read_bytes() == b"/var/log/b.log\t0000000000000010\t0000000000000000\n"
    reloaded.close()


def test_load_compacts_duplicates_garbage_and_missing_files(tmp_path: Path) -> None:
    pos = tmp_path / "tail.pos"
    pos.write_bytes(b"/a\t0000000000000001\t0000000000000002\n"
                    b"not a pos line\n"
                    b"/a\t0000000000000009\t0000000000000002\n"
                    b"/gone\t0000000000000003\t0000000000000004\n"
                    b"/b\t00000000000000FF\t3\n")
    positions = PositionFile.load(str(pos), follow_inodes=False, existing={"/a", "/b"})
    assert pos.read_bytes() == (b"/a\t0000000000000009\t0000000000000002\n"
                                b"/b\t00000000000000ff\t0000000000000003\n")
    entry = positions.entry("/b", 3)
    assert (entry.pos, entry.ino) == (255, 3)
    entry.update_pos(256)
    assert pos.read_bytes().endswith(b"/b\t0000000000000100\t0000000000000003\n")
    positions.close()


def test_follow_inodes_keys_by_inode_and_live_compaction(tmp_path: Path) -> None:
    pos = tmp_path / "tail.pos"
    positions = PositionFile.load(str(pos), follow_inodes=True)
    first = positions.entry("/logs/app.log", 10)
    first.update(10, 5)
    second = positions.entry("/logs/app.log", 11)  # same path, another file
    second.update(11, 7)
    assert first is not second and positions.keys() == [10, 11]
    positions.unwatch(10)
    assert UNWATCHED == 0xFFFFFFFFFFFFFFFF
    positions.compact()
    assert pos.read_bytes() == b"/logs/app.log\t0000000000000007\t000000000000000b\n"
    second.update_pos(8)  # seeks were moved by the compaction
    assert pos.read_bytes() == b"/logs/app.log\t0000000000000008\t000000000000000b\n"
    positions.close()
