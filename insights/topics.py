"""Complaint topics (投诉溯源): complaint turns clustered by meaning into named topics.

The vectors are the ones the search index stored per turn (L2-normalised, from the masked text, by
the call language's encoder: MiniLM for English, the multilingual USE otherwise), so clustering
embeds nothing. Topics are found per language: vectors of two encoders do not share a space, and
a topic named in one language is read by the people who work that language's queues.

KMeans on the normalised vectors (so Euclidean distance orders like cosine), with k chosen by the
cosine silhouette between 2 and `max_topics`; one topic where no split separates the turns
clearly (`min_silhouette`). Seeded, so the same turns give the same topics. A turn joins the
nearest topic only when it is close enough (`min_similarity`); clusters under `min_cluster_size`
are dropped, so a handful of odd turns stays "other" instead of naming a topic.

Names come from the topic's most typical words: terms (English words and word pairs without
stop words; Chinese character bigrams) ranked by how many of the topic's turns use them, weighted
by how rare they are in the language's other topics (a class-based TF-IDF), and its typical
phrases are the turns nearest its centre. Both are made from the masked text, so no topic name or
phrase can show a card or phone number to anyone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]

_PLACEHOLDER = re.compile(r"\[[A-Z_]+\]")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
_WORD = re.compile(r"[a-z][a-z']+")
_ZH_STOP = set("的了是我你他她它们吗呢吧啊呀这那就都也还在和有个么嘛哦喂")
"""Characters too common to name a topic by: a bigram holding one is not a term."""


@dataclass(frozen=True)
class TopicParams:
    """Tunables of a topic run (stored with it, so a run says how its topics were found).

    The defaults suit a centre's month of complaints: topics of at least 3 turns, at most 12 per
    language (more is more than a QA lead reads), a fit on at most 4,000 turns (KMeans and the
    silhouette grow with it; the rest are assigned to the nearest centre)."""

    min_cluster_size: int = 3
    max_topics: int = 12
    min_silhouette: float = 0.1
    """Below this for every k >= 2, the turns are one topic: a split that separates nothing."""
    min_similarity: float = 0.3
    """A turn's cosine to its topic's centre, at least: below it the turn is "other"."""
    match_similarity: float = 0.8
    """A new topic keeps an earlier topic's id when their centres are at least this similar."""
    max_fit: int = 4000
    silhouette_sample: int = 2000
    phrases: int = 3
    name_terms: int = 3
    seed: int = 0


@dataclass(frozen=True)
class FoundTopic:
    name: str
    phrases: tuple[str, ...]
    """The distinct turns nearest the centre, most typical first."""
    centroid: Matrix
    members: tuple[int, ...]
    """Indices into the turns given, of those that belong to it."""
    similarities: tuple[float, ...]
    """Each member's cosine to the centre."""


def find_topics(
    texts: Sequence[str], vectors: Matrix, language: str, params: TopicParams = TopicParams()
) -> list[FoundTopic]:
    """Topics of one language's complaint turns (`texts` masked, `vectors` their stored vectors),
    the largest first."""
    if len(texts) < params.min_cluster_size:
        return []
    unit = _normalised(vectors)
    rng = np.random.default_rng(params.seed)
    if len(texts) > params.max_fit:
        unit_fit = unit[np.sort(rng.choice(len(texts), params.max_fit, replace=False))]
    else:
        unit_fit = unit
    centres = _centres(unit_fit, params)
    labels, _ = nearest(unit, centres, params.min_similarity)
    groups = [np.flatnonzero(labels == k) for k in range(len(centres))]
    groups = [g for g in groups if len(g) >= params.min_cluster_size]
    centroids = [_normalised(unit[g].mean(axis=0, keepdims=True))[0] for g in groups]
    names = _names([[texts[int(i)] for i in g] for g in groups], language, params.name_terms)
    topics = []
    for group, centroid, name in zip(groups, centroids, names, strict=True):
        closeness = unit[group] @ centroid
        order = group[np.argsort(-closeness, kind="stable")]
        phrases = tuple(dict.fromkeys(texts[int(i)] for i in order))[: params.phrases]
        topics.append(
            FoundTopic(
                name=name,
                phrases=phrases,
                centroid=centroid.astype(np.float32),
                members=tuple(int(i) for i in group),
                similarities=tuple(round(float(s), 4) for s in closeness),
            )
        )
    return sorted(topics, key=lambda t: (-len(t.members), t.name))


def nearest(
    vectors: Matrix, centroids: Sequence[Matrix] | Matrix, min_similarity: float
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Each vector's nearest centre by cosine and the cosine; -1 where none reaches `min_similarity`."""
    if len(centroids) == 0 or len(vectors) == 0:
        return np.full(len(vectors), -1, dtype=np.int64), np.zeros(len(vectors), dtype=np.float32)
    similarity = _normalised(vectors) @ _normalised(np.asarray(centroids, dtype=np.float32)).T
    best = similarity.argmax(axis=1)
    score = similarity[np.arange(len(vectors)), best].astype(np.float32)
    return np.where(score >= min_similarity, best, -1).astype(np.int64), score


def match_previous(
    centroids: Sequence[Matrix], previous: Sequence[Matrix], min_similarity: float
) -> list[int | None]:
    """For each new centre, the index of the earlier centre it continues (None: a new topic).

    Greedy on the most similar pair first, one to one, so two new topics never take one id and a
    topic that split keeps its id on the half nearest its old centre."""
    matched: list[int | None] = [None] * len(centroids)
    if not centroids or not previous:
        return matched
    similarity = _normalised(np.asarray(centroids)) @ _normalised(np.asarray(previous)).T
    taken: set[int] = set()
    for flat in np.argsort(-similarity, axis=None, kind="stable"):
        new, old = divmod(int(flat), similarity.shape[1])
        if similarity[new, old] < min_similarity:
            break
        if matched[new] is None and old not in taken:
            matched[new] = old
            taken.add(old)
    return matched


def _centres(unit: Matrix, params: TopicParams) -> Matrix:
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    best: tuple[float, Matrix] = (params.min_silhouette, _normalised(unit.mean(axis=0, keepdims=True)))
    for k in range(2, min(params.max_topics, len(unit) // params.min_cluster_size) + 1):
        model = KMeans(n_clusters=k, n_init=4, random_state=params.seed).fit(unit)
        if len(set(model.labels_)) < 2:
            continue
        score = float(
            silhouette_score(
                unit,
                model.labels_,
                metric="cosine",
                sample_size=min(len(unit), params.silhouette_sample),
                random_state=params.seed,
            )
        )
        if score > best[0]:
            best = (score, _normalised(model.cluster_centers_.astype(np.float32)))
    return best[1]


def _names(groups: list[list[str]], language: str, size: int) -> list[str]:
    """Each group's name: its `size` highest-ranked terms that do not overlap one taken before."""
    terms = [[_terms(text, language) for text in texts] for texts in groups]
    turns_with: dict[str, int] = {}
    for group in terms:
        for turn in group:
            for term in turn:
                turns_with[term] = turns_with.get(term, 0) + 1
    total = sum(len(group) for group in terms)
    names = []
    for texts, group in zip(groups, terms, strict=True):
        counts: dict[str, int] = {}
        for turn in group:
            for term in turn:
                counts[term] = counts.get(term, 0) + 1
        ranked = sorted(
            counts, key=lambda t: (-counts[t] / len(group) * np.log(1 + total / turns_with[t]), -len(t), t)
        )
        chosen: list[str] = []
        for term in ranked:
            if language == "zh" and _extended(chosen, term, counts, texts):
                continue
            if len(chosen) == size:
                break
            if not any(_overlap(term, taken, language) for taken in chosen):
                chosen.append(term)
        names.append((" · " if language != "zh" else "·").join(chosen) or "other")
    return names


def _extended(chosen: list[str], term: str, counts: dict[str, int], texts: list[str]) -> bool:
    """Chinese words run over bigrams (领导 + 导来 in 叫你们领导来): a bigram continuing a chosen
    run in every turn that has the run extends it, instead of naming the topic by half a word."""
    for index, taken in enumerate(chosen):
        longer = taken + term[1] if taken[-1] == term[0] else term[0] + taken if term[-1] == taken[0] else ""
        same = counts[term] == counts.get(taken, 0)
        if longer and same and sum(longer in t for t in texts) == counts[term]:
            chosen[index] = longer
            counts[longer] = counts[term]
            return True
    return False


def _terms(text: str, language: str) -> set[str]:
    """The distinct terms of a turn: Chinese character bigrams, else words and word pairs."""
    text = _PLACEHOLDER.sub(" ", text)
    if language == "zh":
        return {
            run[i : i + 2]
            for run in _HAN_RUN.findall(text)
            for i in range(len(run) - 1)
            if not set(run[i : i + 2]) & _ZH_STOP
        }
    words = [w.strip("'") for w in _WORD.findall(text.lower())]
    words = [w if w not in _EN_STOP else "" for w in words]
    pairs = {f"{a} {b}" for a, b in pairwise(words) if a and b}
    return {w for w in words if w} | pairs


def _overlap(term: str, taken: str, language: str) -> bool:
    if language == "zh":
        return bool(set(term) & set(taken))
    return bool(set(term.split()) & set(taken.split()))


def _normalised(matrix: npt.ArrayLike) -> Matrix:
    values = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(values, axis=-1, keepdims=True)
    return values / np.maximum(norms, 1e-12)


_EN_STOP_WORDS = """a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can can't could couldn't did didn't do does doesn't doing don't
    down during each few for from further get got had hadn't has hasn't have haven't having he her
    here hers herself him himself his how i i'd i'll i'm i've if in into is isn't it it's its itself
    just let's me more most much my myself no nor not now of off on once only or other our ours out
    over own really same she should so some such than that that's the their theirs them then there
    these they this those through to too under until up very was wasn't we were weren't what when
    where which while who whom why will with won't would wouldn't you you're your yours yourself
    yeah yes okay ok oh um uh hello hi please thanks thank sorry well like want need know said say
    told tell just still even also one two again already every time going go im dont ive"""
_EN_STOP = frozenset(_EN_STOP_WORDS.split())
"""Function words and call filler: a topic named "the · my · is" says nothing."""
