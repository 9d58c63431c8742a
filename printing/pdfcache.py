"""A cache of rendered PDFs by content, shared by receipts and posters.

Keyed by the document's data digest, its size and the renderer's version
(templates, stylesheets, translations), so changed content or a new template
renders again and nothing else does. Kept in memory (LRU) and, when
`directory` is set, on disk as `<stem>-<key>.pdf` (older versions of the same
document removed), so a restarted process does not render either.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

KEY_CHARS = 24


@dataclass
class PdfCache:
    directory: Path | None = None
    max_items: int = 64
    renderer: object | None = None  # has .pdf(data, size) and .version
    _memory: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # What a kind of document supplies.
    def default_renderer(self):
        raise NotImplementedError

    def check_size(self, size: str) -> str:
        raise NotImplementedError

    def stem(self, data, size: str) -> str:
        """The file name of this document and size, without the key."""
        raise NotImplementedError

    def __post_init__(self):
        if self.directory is not None:
            self.directory = Path(self.directory)

    def _renderer(self):
        return self.renderer or self.default_renderer()

    def key(self, data, size: str) -> str:
        size = self.check_size(size)
        blob = f"{data.digest()}:{size}:{self._renderer().version}".encode()
        return hashlib.sha256(blob).hexdigest()[:KEY_CHARS]

    def pdf(self, data, size: str) -> bytes:
        size = self.check_size(size)
        key = self.key(data, size)
        stem = self.stem(data, size)
        slot = (stem, key)
        with self._lock:
            if slot in self._memory:
                self._memory.move_to_end(slot)
                return self._memory[slot]
        pdf = None
        if self.directory is not None:
            try:
                pdf = (self.directory / f"{stem}-{key}.pdf").read_bytes()
            except FileNotFoundError:
                pdf = None
        if pdf is None:
            pdf = self._renderer().pdf(data, size)
            if self.directory is not None:
                self._store(stem, key, pdf)
        with self._lock:
            self._memory[slot] = pdf
            self._memory.move_to_end(slot)
            while len(self._memory) > self.max_items:
                self._memory.popitem(last=False)
        return pdf

    def _store(self, stem: str, key: str, pdf: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{stem}-{key}.pdf"
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".pdf")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pdf)
            os.replace(tmp, path)  # readers never see half a file
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        # Older versions of this very document (same stem, another key) go.
        for old in self.directory.glob(f"{stem}-*.pdf"):
            if old != path and len(old.stem) == len(path.stem):
                old.unlink(missing_ok=True)
