"""Issue 10, items 5, 8 and 12: nothing a person types or a file holds breaks the database.

Everything runs the installed `zwgk` in a subprocess against real files: export over the
database, full disks and unwritable folders (item 5), hostile import files under a memory
limit (item 8), and the ordinary commands that printed tracebacks or English (item 12).
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import SEED_TODAY, Runner, json_of, zwgk_command, zwgk_env

from zwgk.store.context import Context
from zwgk.store.db import Store
from zwgk.store.errors import InputError
from zwgk.store.filters import TaskFilter
from zwgk.store.service import Service
from zwgk.tui.chat import parse
from zwgk.tui.views import view_filter

CJK = re.compile(r"[\u4e00-\u9fff]")


def one_sentence(proc: subprocess.CompletedProcess[str], code: int) -> str:
    """The process failed with `code` and said so in one Chinese line, no traceback."""
    err = proc.stderr.strip()
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and "Error" not in proc.stderr, proc.stderr
    assert len(err.splitlines()) == 1 and err.startswith("zwgk："), err
    assert CJK.search(err), err
    return err


def state(zwgk: Runner) -> object:
    """What people see of the database: every task and the whole audit trail."""
    return [json_of(zwgk("list", "--json")), json_of(zwgk("log", "--json"))]


def env_for(db_path: Path, tmp_path: Path) -> dict[str, str]:
    return zwgk_env(
        tmp_path, ZWGK_DB=str(db_path), ZWGK_USER="tester", ZWGK_TODAY=SEED_TODAY.isoformat()
    )


def run(
    args: list[str],
    env: dict[str, str],
    *,
    cwd: Path | None = None,
    prefix: list[str] | None = None,
    preexec_fn: Callable[[], None] | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*(prefix or []), *zwgk_command(), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=env,
        cwd=cwd,
        preexec_fn=preexec_fn,
        timeout=timeout,
    )


def without_dac_override(tmp_path: Path) -> list[str]:
    """A command prefix under which file modes apply to us, or skip saying why.

    As root, `setpriv` drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the bounding set:
    the process keeps uid 0 but the kernel checks modes as for anyone (a real refusal, not a
    mock). Switching to another user is not used because the interpreter may live in a home
    only root can enter."""
    if os.geteuid() != 0:
        prefix: list[str] = []
    elif shutil.which("setpriv"):
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    else:
        pytest.skip("running as root without setpriv: cannot make file modes apply")
    probe = tmp_path / "probe"
    probe.mkdir(mode=0o000)
    try:
        refused = subprocess.run([*prefix, "ls", str(probe)], capture_output=True).returncode
    finally:
        probe.rmdir()
    if refused == 0:
        pytest.skip("file modes are not enforced here (capabilities could not be dropped)")
    return prefix


# -- item 5: export never overwrites the database; existing files only with --force ---------
def test_export_refuses_the_database_and_every_file_beside_it(
    zwgk: Runner, db_path: Path, tmp_path: Path
) -> None:
    assert zwgk("mark", "3", "doing", "--note", "开始").returncode == 0
    assert (
        zwgk("import", str(Path(__file__).parent.parent / "data" / "seed_plan.txt")).returncode == 0
    )
    before, raw = state(zwgk), db_path.read_bytes()
    events = db_path.with_name(db_path.name + ".events.jsonl")
    backups = db_path.with_name(db_path.name + ".backups")
    link, hard = tmp_path / "link.json", tmp_path / "hard.json"
    link.symlink_to(db_path)
    os.link(events, hard)
    targets = [
        db_path,
        events,
        db_path.with_name(db_path.name + ".lock"),
        backups / "x.json",
        link,
        hard,
        tmp_path / "sub" / ".." / db_path.name,
    ]
    (tmp_path / "sub").mkdir()
    for target in targets:
        for extra in ((), ("--force",)):
            err = one_sentence(zwgk("export", str(target), *extra), 2)
            assert "不能导出到" in err, err
    # Relative, from the data folder (`/export zwgk.json` in the app).
    err = one_sentence(run(["export", db_path.name], env_for(db_path, tmp_path), cwd=tmp_path), 2)
    assert "数据库本身" in err
    assert db_path.read_bytes() == raw and state(zwgk) == before
    assert os.path.samefile(hard, events) and link.resolve() == db_path.resolve()


def test_export_replaces_an_existing_file_only_with_force(
    zwgk: Runner, db_path: Path, tmp_path: Path
) -> None:
    env = env_for(db_path, tmp_path)
    out = tmp_path / "台账.csv"
    first = run(["export", out.name], env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert str(out) in first.stdout  # the full path, though a bare name was typed
    out.write_text("别人的文件", encoding="utf-8")
    err = one_sentence(run(["export", out.name], env, cwd=tmp_path), 2)
    assert "--force" in err and str(out) in err
    assert out.read_text(encoding="utf-8") == "别人的文件"
    forced = run(["export", out.name, "--force"], env, cwd=tmp_path)
    assert forced.returncode == 0 and str(out) in forced.stdout
    assert out.read_text(encoding="utf-8-sig").startswith("序号,")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_service_export_file_raises_what_the_app_can_ask_about(tmp_path: Path) -> None:
    from zwgk.store.export import ExportExists, ExportRefused

    service = Service.open(Context(tmp_path / "zwgk.json", SEED_TODAY, user="tester"))
    out = tmp_path / "x.md"
    assert service.export_file(out) == 29
    with pytest.raises(ExportExists) as caught:
        service.export_file(out)
    assert caught.value.path == out and isinstance(caught.value, InputError)
    assert service.export_file(out, force=True) == 29
    with pytest.raises(ExportRefused):
        service.export_file(tmp_path / "zwgk.json", force=True)


def _no_partial_files(folder: Path, keep: set[str]) -> None:
    left = {p.name for p in folder.iterdir()} - keep
    assert not left, f"left behind: {left}"


def test_export_into_a_folder_we_may_not_write(zwgk: Runner, db_path: Path, tmp_path: Path) -> None:
    assert zwgk("list").returncode == 0
    folder = tmp_path / "只读"
    folder.mkdir()
    (folder / "旧.csv").write_text("x")
    folder.chmod(0o555)
    try:
        prefix = without_dac_override(tmp_path)
        proc = run(["export", str(folder / "台账.xlsx")], env_for(db_path, tmp_path), prefix=prefix)
        err = one_sentence(proc, 3)
        assert str(folder / "台账.xlsx") in err
    finally:
        folder.chmod(0o755)
    _no_partial_files(folder, {"旧.csv"})


def _limit_file_size(limit: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_export_that_does_not_fit_leaves_the_old_file(
    zwgk: Runner, db_path: Path, tmp_path: Path
) -> None:
    """A real write failure: the kernel's file-size limit (EFBIG, as a full disk gives
    ENOSPC) stops the write half way; the old file stays and no temp file is left."""
    assert zwgk("list").returncode == 0
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "台账.xlsx"
    out.write_bytes(b"old")
    env = env_for(db_path, tmp_path)
    proc = run(["export", str(out), "--force"], env, preexec_fn=_limit_file_size(4096))
    err = one_sentence(proc, 3)
    assert str(out) in err
    assert out.read_bytes() == b"old"
    _no_partial_files(out_dir, {out.name})
    proc = run(["export", str(out_dir / "新.json")], env, preexec_fn=_limit_file_size(4096))
    one_sentence(proc, 3)
    _no_partial_files(out_dir, {out.name})


@pytest.fixture
def tiny_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs: a disk that really fills up (root only)."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small tmpfs needs root")
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", str(mnt)],
        capture_output=True,
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.decode(errors='replace').strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_export_to_a_full_disk(
    zwgk: Runner, db_path: Path, tmp_path: Path, tiny_tmpfs: Path
) -> None:
    assert zwgk("list").returncode == 0
    fd = os.open(tiny_tmpfs / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        with pytest.raises(OSError):
            while True:
                os.write(fd, b"\0" * 4096)
    finally:
        os.close(fd)
    before = state(zwgk)
    proc = run(["export", str(tiny_tmpfs / "台账.xlsx")], env_for(db_path, tmp_path))
    err = one_sentence(proc, 3)
    assert "磁盘空间" in err
    _no_partial_files(tiny_tmpfs, {"filler"})
    assert state(zwgk) == before


# -- item 12: ordinary cases end in a Chinese sentence, or just work --------------------------
def test_huge_day_counts_and_the_last_day_of_the_calendar(zwgk: Runner) -> None:
    proc = zwgk("list", "--due-within", "3000000")
    assert proc.returncode == 0 and "共 21 项" in proc.stdout, proc.stderr
    assert zwgk("list", "--due-within", "99999999999999999999").returncode == 0
    proc = zwgk("--today", "9999-12-31", "list", "--due-within", "5")
    assert proc.returncode == 0 and "共 0 项" in proc.stdout, proc.stderr
    assert zwgk("--today", "9999-12-31", "digest", "--no-record").returncode == 0


def test_views_and_filters_clamp_at_the_end_of_the_calendar(store: Store) -> None:
    """The app's `/today 9999-12-31` then `30天内` (and 本周, 本月): no OverflowError."""
    snap = store.snapshot()
    last = date(9999, 12, 31)
    for words in ("30天内", "本周", "本月", "9999年12月", "逾期"):
        flt = view_filter(parse(words), last)
        assert isinstance(flt.apply(snap, last), list), words
    assert TaskFilter.due_within(last, 30).due_to == date.max
    assert TaskFilter.due_within(date(2020, 12, 15), 10**9).due_to == date.max
    assert [t.id for t in view_filter(parse("30天内"), date(2020, 12, 15)).apply(snap, SEED_TODAY)]


def test_a_database_folder_we_may_not_enter(zwgk: Runner, tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    db = folder / "zwgk.json"
    env = env_for(db, tmp_path)
    assert run(["list"], env).returncode == 0
    folder.chmod(0o000)
    try:
        prefix = without_dac_override(tmp_path)
        for args in (["list"], ["mark", "3", "done"], ["show", "3"], ["doctor"], ["undo"]):
            err = one_sentence(run(args, env, prefix=prefix), 3)
            assert str(db) in err and "权限" in err, err
    finally:
        folder.chmod(0o755)


def test_a_home_that_does_not_exist(zwgk: Runner) -> None:
    name = f"nouser{uuid.uuid4().hex[:8]}"
    err = one_sentence(zwgk("list", env={"ZWGK_DB": f"~{name}/x.json"}), 2)
    assert "~" in err or name in err
    one_sentence(zwgk("--db", f"~{name}/x.json", "list"), 2)
    one_sentence(zwgk("export", f"~{name}/x.csv"), 2)


def test_notes_that_start_with_a_dash(zwgk: Runner) -> None:
    assert zwgk("mark", "3", "done", "--note", "-已上报").returncode == 0
    assert json_of(zwgk("show", "3", "--json"))["note"] == "-已上报"  # type: ignore[index]
    proc = zwgk("note", "3", "-初稿", "-第二稿")
    assert proc.returncode == 0, proc.stderr
    assert json_of(zwgk("show", "3", "--json"))["note"] == "-初稿 -第二稿"  # type: ignore[index]
    assert zwgk("note", "4", "--", "-x").returncode == 0
    assert json_of(zwgk("show", "4", "--json"))["note"] == "-x"  # type: ignore[index]
    assert zwgk("confirm", "3", "--note", "-同意").returncode == 0
    assert zwgk("sendback", "3", "--reason", "-材料不全").returncode == 0
    # Where a dash still cannot be told from an option, the sentence says how to write it.
    err = one_sentence(zwgk("list", "--unit", "-x"), 2)
    assert "--unit=-" in err
    err = one_sentence(zwgk("search", "-初稿"), 2)
    assert "--" in err


ENGLISH = re.compile(
    r"usage|error|argument|expected|invalid|required|unrecognized|choose|options|positional"
)


@pytest.mark.parametrize(
    "args",
    [
        ("show",),
        ("note",),
        ("mark", "3"),
        ("frobnicate",),
        ("list", "--role", "boss"),
        ("list", "--due-within"),
        ("list", "--due-within", "abc"),
        ("list", "--bogus"),
        ("import", "x.txt", "--year", "abc"),
        ("sendback", "3"),
        ("search",),
    ],
)
def test_argument_errors_are_chinese(zwgk: Runner, args: tuple[str, ...]) -> None:
    err = one_sentence(zwgk(*args), 2)
    assert not ENGLISH.search(err.lower()), err


def test_help_is_chinese(zwgk: Runner) -> None:
    for args in ((), ("mark",), ("export",)):
        proc = zwgk(*args, "--help")
        assert proc.returncode == 0
        assert proc.stdout.startswith("用法：zwgk") and "选项：" in proc.stdout, proc.stdout
        assert not re.search(r"usage:|options:|show this help", proc.stdout), proc.stdout


def test_import_year_is_validated(zwgk: Runner, tmp_path: Path) -> None:
    seed = Path(__file__).parent.parent / "data" / "seed_plan.txt"
    before = state(zwgk)
    for year in ("99999", "0", "1999", "-5"):
        err = one_sentence(zwgk("import", str(seed), "--year", year), 2)
        assert "年份" in err, err
    assert state(zwgk) == before
    # An exchange file with an impossible plan year is refused the same way.
    out = tmp_path / "x.json"
    assert zwgk("export", str(out)).returncode == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    data["plans"][0]["year"] = 99999
    out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    one_sentence(zwgk("--db", str(tmp_path / "new.json"), "import", str(out)), 2)
    assert zwgk("import", str(seed), "--year", "2021").returncode == 0


# -- item 8: hostile import files: one sentence, database unchanged, bounded time and memory --
HEADER = ("序号", "具体事项", "牵头单位", "完成时间")
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
WORD_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MB = 1 << 20


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _small_xlsx() -> bytes:
    import io

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(HEADER))
    ws.append([1, "梳理清单", "区编办", "2021年6月底前"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _rezip(src: bytes, dst: Path, part: str, write: Callable[[Any], None]) -> Path:
    """`src` (a zip) copied to `dst` with `part` written by `write(fh)`, streamed, so a
    gigabyte inside costs the test no memory."""
    import io
    import zipfile

    with (
        zipfile.ZipFile(io.BytesIO(src)) as zin,
        zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout,
    ):
        for info in zin.infolist():
            if info.filename != part:
                zout.writestr(info.filename, zin.read(info.filename))
        with zout.open(part, "w", force_zip64=True) as fh:
            write(fh)
    return dst


def _repeat(fh: Any, byte: bytes, size: int) -> None:
    chunk = byte * MB
    for _ in range(size // MB):
        fh.write(chunk)


def xlsx_with_cell(dst: Path, size: int) -> Path:
    """One cell of `size` bytes (the 311 KB file holding a 300 MB cell)."""

    def write(fh: Any) -> None:
        fh.write(f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1">'.encode())
        fh.write("".join(_inline(f"{c}1", h) for c, h in zip("ABCD", HEADER, strict=True)).encode())
        fh.write(b'</row><row r="2"><c r="A2"><v>1</v></c><c r="B2" t="inlineStr"><is><t>')
        _repeat(fh, b"a", size)
        fh.write(b"</t></is></c></row></sheetData></worksheet>")

    return _rezip(_small_xlsx(), dst, "xl/worksheets/sheet1.xml", write)


def xlsx_with_sheet_tail(dst: Path, before: str = "", after: str = "") -> Path:
    """The small plan with XML added inside sheetData (`before`) or after it (`after`)."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(_small_xlsx())) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    sheet = sheet.replace("</sheetData>", f"{before}</sheetData>{after}")
    return _rezip(
        _small_xlsx(), dst, "xl/worksheets/sheet1.xml", lambda fh: fh.write(sheet.encode())
    )


def _small_docx() -> bytes:
    import io

    import docx

    document = docx.Document()
    document.add_paragraph("测试工作方案")
    table = document.add_table(rows=2, cols=4)
    for i, text in enumerate(HEADER):
        table.cell(0, i).text = text
    for i, text in enumerate(("1", "梳理清单", "区编办", "2021年6月底前")):
        table.cell(1, i).text = text
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def docx_with_document(dst: Path, body: Callable[[Any], None]) -> Path:
    def write(fh: Any) -> None:
        fh.write(f'<w:document xmlns:w="{WORD_NS}"><w:body><w:tbl>'.encode())
        fh.write(b"<w:tr>")
        for h in HEADER:
            fh.write(f"<w:tc><w:p><w:r><w:t>{h}</w:t></w:r></w:p></w:tc>".encode())
        fh.write(b"</w:tr>")
        body(fh)
        fh.write(b"</w:tbl></w:body></w:document>")

    return _rezip(_small_docx(), dst, "word/document.xml", write)


def docx_with_run(dst: Path, size: int) -> Path:
    """A 1 MB .docx whose one run holds `size` bytes of text."""

    def body(fh: Any) -> None:
        fh.write(b"<w:tr><w:tc><w:p><w:r><w:t>1</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>")
        _repeat(fh, b"a", size)
        fh.write(b"</w:t></w:r></w:p></w:tc></w:tr>")

    return docx_with_document(dst, body)


def docx_with_span(dst: Path) -> Path:
    def body(fh: Any) -> None:
        fh.write(
            b'<w:tr><w:tc><w:tcPr><w:gridSpan w:val="1000000000"/></w:tcPr>'
            b"<w:p><w:r><w:t>1</w:t></w:r></w:p></w:tc></w:tr>"
        )

    return docx_with_document(dst, body)


def xlsx_with_many_cells(dst: Path, cells: int, length: int) -> Path:
    """Within every per-part bound, but more text than a plan: `cells` cells of `length`."""

    def write(fh: Any) -> None:
        fh.write(f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1">'.encode())
        fh.write("".join(_inline(f"{c}1", h) for c, h in zip("ABCD", HEADER, strict=True)).encode())
        fh.write(b"</row>")
        text = "政" * length
        for r in range(2, cells + 2):
            fh.write(
                f'<row r="{r}"><c r="A{r}"><v>{r}</v></c>{_inline(f"B{r}", text)}</row>'.encode()
            )
        fh.write(b"</sheetData></worksheet>")

    return _rezip(_small_xlsx(), dst, "xl/worksheets/sheet1.xml", write)


def _bounded(limit_mb: int = 600) -> Callable[[], None]:
    def apply() -> None:
        limit = limit_mb * MB
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


HOSTILE: dict[str, Callable[[Path], Path]] = {
    "xlsx_300mb_cell": lambda d: xlsx_with_cell(d / "cell.xlsx", 300 * MB),
    "xlsx_1gb_cell": lambda d: xlsx_with_cell(d / "gb.xlsx", 1024 * MB),
    "xlsx_merged_A2_XFD1048576": lambda d: xlsx_with_sheet_tail(
        d / "merged.xlsx",
        after='<mergeCells count="1"><mergeCell ref="A2:XFD1048576"/></mergeCells>',
    ),
    "xlsx_cell_at_XFD1048576": lambda d: xlsx_with_sheet_tail(
        d / "far.xlsx", before='<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    ),
    "xlsx_too_much_text": lambda d: xlsx_with_many_cells(d / "text.xlsx", 600, 8000),
    "docx_1gb_run": lambda d: docx_with_run(d / "run.docx", 1024 * MB),
    "docx_grid_span": lambda d: docx_with_span(d / "span.docx"),
    "csv_long_cell": lambda d: _write(
        d / "long.csv", "序号,具体事项,牵头单位,完成时间\n1," + "政" * 120_000 + ",区编办,2021年\n"
    ),
}


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile")


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_import_is_refused_in_bounded_memory_and_time(
    kind: str, zwgk: Runner, db_path: Path, tmp_path: Path, hostile_dir: Path
) -> None:
    path = HOSTILE[kind](hostile_dir)
    assert path.stat().st_size < 8 * MB  # small files, huge insides
    assert zwgk("mark", "3", "doing").returncode == 0
    before = state(zwgk)
    import time

    started = time.monotonic()
    proc = run(["import", str(path)], env_for(db_path, tmp_path), preexec_fn=_bounded(), timeout=30)
    elapsed = time.monotonic() - started
    err = one_sentence(proc, 2)
    assert "拒绝导入" in err or "超过" in err or "过大" in err, err
    assert elapsed < 10, elapsed
    assert state(zwgk) == before
    assert zwgk("doctor").returncode == 0


def test_an_import_never_writes_what_loading_would_refuse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The result is measured before commit: with the load limit lowered below what the
    bundled plan needs, its import is refused and the database left as it was."""
    from zwgk.store import dbfile

    seed = Path(__file__).parent.parent / "data" / "seed_plan.txt"
    service = Service.open(Context(tmp_path / "zwgk.json", SEED_TODAY, user="tester"))
    before = [t.to_record() for t in service.tasks()], len(service.log())
    monkeypatch.setattr(dbfile, "MAX_DB_BYTES", 32 * 1024)
    with pytest.raises(InputError, match="超过上限"):
        service.import_file(seed, title="另一份方案")
    monkeypatch.undo()
    assert ([t.to_record() for t in service.tasks()], len(service.log())) == before
    assert service.import_file(seed, title="另一份方案").report.added == 29
