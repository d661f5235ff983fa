"""Reading the classic test collections that ``scripts/eval_external.py`` measures search on.

Two kinds of source, each file checked against the SHA-256 of the copy measured here:

- the University of Glasgow IR group's distribution archives, unchanged (``med.tar.gz``,
  ``cisi.tar.gz``, ``cran.tar.gz``, ``adi.tar.gz``), as kept in the public repository
  ``lailaglez/belief-network-irs`` at commit ``9094e4c``: SMART-format records;
- collections kept as loose files in the public repository
  ``lorainemg/information-retrieval-system`` at commit ``c87a743``
  (``resources/corpus/npl/`` and ``resources/corpus/lisa/``), each in its own format: NPL
  (11,429 electronics and physics abstracts, 93 queries) and LISA (6,004 library and
  information science abstracts, 35 queries). They go in ``DIR/npl/`` and ``DIR/lisa/``.
"""

from __future__ import annotations

import hashlib
import random
import re
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

MAX_QUERY_CHARS = 1000  # the API's limit on a question
SEED = 20261205


@dataclass
class Collection:
    key: str
    name: str
    documents: dict[str, str]  # id -> text (title, blank line, abstract)
    queries: dict[str, str]  # id -> text, only the judged ones
    relevant: dict[str, set[str]]  # query id -> relevant document ids
    truncated: int = 0


# What a reader returns: documents, queries (id, text) in order, judgments.
Parsed = tuple[dict[str, str], list[tuple[str, str]], dict[str, set[str]]]
Files = Callable[[str], str]


@dataclass(frozen=True)
class Source:
    """Where a collection's files are, their SHA-256, and how to read them."""

    name: str
    # An archive's name in DIR, or a folder of DIR holding the files.
    location: str
    sha256: dict[str, str]  # file (the archive itself, or each file of the folder) -> digest
    read: Callable[[Files], Parsed]

    def open(self, data: Path) -> Files:
        place = data / self.location
        for name, expected in self.sha256.items():
            path = place if name == self.location else place / name
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest != expected:
                print(f"warning: {path} differs from the copy measured here (sha256 {digest})")
        if place.is_dir():
            return lambda name: (place / name).read_text("latin-1").replace("\r", "")
        with tarfile.open(place) as tar:  # a few megabytes: read whole
            members = {
                m.name: found.read().decode("latin-1").replace("\r", "")
                for m in tar.getmembers()
                if (found := tar.extractfile(m)) is not None
            }
        return members.__getitem__


# -- SMART format (MED, CISI, Cranfield, ADI) ---------------------------------------------------


def _fields(text: str) -> Iterator[tuple[str, dict[str, str]]]:
    """SMART-format records: ``.I id`` then fields ``.T``, ``.A``, ``.W``, ... each to the next."""
    for record in re.split(r"^\.I[ \t]+", text, flags=re.M)[1:]:
        head, _, body = record.partition("\n")
        parts = re.split(r"^\.([A-Z])[ \t]*$", body, flags=re.M)
        fields: dict[str, str] = {}
        for tag, value in zip(parts[1::2], parts[2::2], strict=True):
            fields[tag] = (fields.get(tag, "") + " " + " ".join(value.split())).strip()
        yield head.strip(), fields


def _title_and_text(fields: dict[str, str]) -> str:
    title, text = fields.get("T", ""), fields.get("W", "")
    if title and not text.lower().startswith(title.lower()[:40]):
        return f"{title}\n\n{text}".strip()
    return text or title


def _smart(
    documents: str, queries: str, judgments: str, columns: tuple[int, int], by_position: bool
) -> Callable[[Files], Parsed]:
    """``columns``: the query id's and the document id's cells in a judgment line.
    ``by_position``: Cranfield numbers its queries 001, 002, 004 ... while its judgments
    number them 1..225 in order, so judgments name a query by its position."""

    def read(files: Files) -> Parsed:
        docs = {
            doc_id: body
            for doc_id, fields in _fields(files(documents))
            if (body := _title_and_text(fields))
        }
        asked = [
            (str(position) if by_position else str(int(query_id)), _title_and_text(fields))
            for position, (query_id, fields) in enumerate(_fields(files(queries)), start=1)
        ]
        relevant: dict[str, set[str]] = {}
        for line in files(judgments).splitlines():
            cells = line.split()
            if len(cells) < 3 or cells[-1] == "-1":  # Cranfield's -1: of no interest
                continue
            query, doc = (cells[i] for i in columns)
            relevant.setdefault(str(int(query)), set()).add(str(int(doc)))
        return docs, asked, relevant

    return read


# -- NPL and LISA ---------------------------------------------------------------------------


def _slashed(text: str) -> Iterator[tuple[str, str]]:
    """NPL's records: an id line, the text, then a line holding only "/"."""
    for record in re.split(r"^\s*/\s*$", text, flags=re.M):
        head, _, body = record.strip().partition("\n")
        if head.strip().isdigit():
            yield head.strip(), " ".join(body.split())


def _npl(files: Files) -> Parsed:
    docs = {doc_id: body for doc_id, body in _slashed(files("doc-text")) if body}
    relevant = {q: set(ids.split()) for q, ids in _slashed(files("rlv-ass"))}
    return docs, list(_slashed(files("query-text"))), relevant


# The documents come in parts to be read in this order.
LISA_PARTS = (
    "LISA0.001",
    "LISA0.501",
    "LISA1.001",
    "LISA1.501",
    "LISA2.001",
    "LISA2.501",
    "LISA3.001",
    "LISA3.501",
    "LISA4.001",
    "LISA4.501",
    "LISA5.001",
    "LISA5.501",
    "LISA5.627",
    "LISA5.850",
)


def _lisa(files: Files) -> Parsed:
    docs: dict[str, str] = {}
    for part in LISA_PARTS:
        # "Document  12", the title to the first blank line, the abstract, a line of stars.
        for record in re.split(r"^\*+\s*$", files(part), flags=re.M):
            found = re.match(r"\s*Document\s+(\d+)\s*\n(.*)", record, flags=re.S)
            if found is None:
                continue
            title, _, abstract = found.group(2).strip().partition("\n\n")
            body = "\n\n".join(" ".join(p.split()) for p in (title, abstract) if p.strip())
            if body:
                docs[found.group(1)] = body
    asked = [
        (m.group(1), " ".join(m.group(2).split()))
        for m in re.finditer(r"^\s*(\d+)\s*\n(.*?)#", files("LISA.QUE"), flags=re.M | re.S)
    ]
    # Each judgment states how many references it lists: in this copy query 21's states 21,
    # lists 15 and runs into a list without a query (22 and 23 are missing), so a judgment
    # whose count does not match is left out rather than guessed at.
    relevant: dict[str, set[str]] = {}
    for m in re.finditer(
        r"Query\s+(\d+)\s*\n\s*(\d+)\s+Relevant Refs:\s*\n([\d\s]*?)-1", files("LISA.REL")
    ):
        listed = m.group(3).split()
        if len(listed) == int(m.group(2)):
            relevant[m.group(1)] = set(listed)
    return docs, asked, relevant


SOURCES = {
    "med": Source(
        "MEDLINE abstracts",
        "med.tar.gz",
        {"med.tar.gz": "07478afc5370ba3dfa66c8c1994ea56a2341cea8584af619a63eb51c31f26f1e"},
        _smart("MED.ALL", "MED.QRY", "MED.REL", (0, 2), False),
    ),
    "cisi": Source(
        "CISI library science abstracts",
        "cisi.tar.gz",
        {"cisi.tar.gz": "bddb284e19369d153dad90770ae897e19221b0bc50e1329b5a702aa56f5e8483"},
        _smart("CISI.ALL", "CISI.QRY", "CISI.REL", (0, 1), False),
    ),
    "cran": Source(
        "Cranfield aeronautics abstracts",
        "cran.tar.gz",
        {"cran.tar.gz": "8c48a8412e4a7e6e0dd5af99c959f8d75fdf88135602adc1a56aa22770652d64"},
        _smart("cran.all.1400", "cran.qry", "cranqrel", (0, 1), True),
    ),
    "adi": Source(
        "ADI documentation abstracts",
        "adi.tar.gz",
        {"adi.tar.gz": "68c1867824cbad9e28ce498fafa644d5ac1a7a8a41cde0bffaf402095bbc7aa6"},
        _smart("ADI.ALL", "ADI.QRY", "ADI.REL", (0, 1), False),
    ),
    "npl": Source(
        "NPL electronics abstracts",
        "npl",
        {
            "doc-text": "9a9a396da453eb0a6c659b1399ae6c551d11d04a68b6f0a4e21fc757e77c398f",
            "query-text": "0f5e9a179334183cc3b04fe24d9bdfc3f656b08330e6798d8df5dc621bf8e6d5",
            "rlv-ass": "1af78732abed49055218c1548c27cfa354c5d02a9b6c9cb854b9d0b74fcce24c",
        },
        _npl,
    ),
    "lisa": Source(
        "LISA library abstracts",
        "lisa",
        {
            "LISA.QUE": "0807676e427fd000143f1d87f2e47868273d92f00d284fdb854bda84c4eb0710",
            "LISA.REL": "52de9681282e94fa194c3a65a86b99471ea4d233f05459a429674c14296a8068",
            "LISA0.001": "f65d26f88eaebdc9b93f71c593cb12cfd56aeb8af96a35e6ae84f1d1cc921d05",
            "LISA0.501": "bd05125114beadc1855746a155e5c0acc4931b03335e1ced5ec92510dd3b89be",
            "LISA1.001": "5b7c505748017871a9ce9df0c08af11620f00ab4c4a4275cf6b73fa686c68060",
            "LISA1.501": "6c5c2afeee5914d93aee602dfcb29bdc9128f881006b8e2f27f5fc49d58e917a",
            "LISA2.001": "368017d7dcb1f89d2c687d899aca44bc142b73c5a90e4836dc4a777753a2daac",
            "LISA2.501": "b5261978dc1cacfb5135241bc23d22f8d4cdd79d4d05227b6184001bfe523e5f",
            "LISA3.001": "1a72b02bdebb51d40cc99b94d1a6d0a19d6f5622b5ea11530762f1e7a7579275",
            "LISA3.501": "ba1f6d9afd116da5f0e648de8660dae3fddd1e992896012eb90830025fdab147",
            "LISA4.001": "4286019ff5892883b61c6ca90feaac365504a38856ca8c74da8f3d0aee56cd57",
            "LISA4.501": "8920e83f5fea55f9303181627cf6a70e1bfee68471a8181ba5d2e1c493eee91c",
            "LISA5.001": "d3200853b34587f14988fbfe716e90317919c0c5fba5289a72f53956c9b3ded9",
            "LISA5.501": "2c93176398637fdf08b9ce0ebbf40522df8e3f6564c4bbee2c3949f5cc1a1223",
            "LISA5.627": "c763b4a71b070de5d91e2232b752a4c6a89bf94286e8fd440cdf10bea549cf8b",
            "LISA5.850": "67c9db89f87255bf1e741ea4d00252fe2ce1acc00d24bff1bd7a6087fee8589b",
        },
        _lisa,
    ),
}


def read_collection(data: Path, key: str, max_docs: int | None = None) -> Collection:
    source = SOURCES[key]
    documents, asked, relevant = source.read(source.open(data))
    queries: dict[str, str] = {}
    truncated = 0
    for query_id, text in asked:
        if query_id not in relevant:
            continue
        text = text.replace("\n\n", " ")
        if len(text) > MAX_QUERY_CHARS:
            text, truncated = text[: text.rfind(" ", 0, MAX_QUERY_CHARS)], truncated + 1
        queries[query_id] = text
    relevant = {q: docs for q, docs in relevant.items() if q in queries}
    if max_docs is not None and len(documents) > max_docs:
        documents = _subsample(documents, relevant, max_docs)
    return Collection(key, source.name, documents, queries, relevant, truncated)


def _subsample(
    documents: dict[str, str], relevant: dict[str, set[str]], max_docs: int
) -> dict[str, str]:
    """Every judged document, and a fixed-seed sample of the others up to ``max_docs``."""
    judged = {d for docs in relevant.values() for d in docs if d in documents}
    others = sorted(set(documents) - judged, key=int)
    random.Random(SEED).shuffle(others)
    kept = judged | set(others[: max(0, max_docs - len(judged))])
    return {d: t for d, t in documents.items() if d in kept}
