"""Benchmark: search by meaning, its relevance floor and its first query.

    python -m benchmarks.search_meaning floor         # similarities of relevant and unrelated turns
    python -m benchmarks.search_meaning first-query   # the first search by meaning, cold and warmed

`floor`: the dev corpus's reference transcripts (../shared/eval/dev, 13 English and 3 Chinese
calls) as the index stage makes turns and vectors of them (`searchable_turns`: a party's
consecutive speech, a vector per turn of 3+ words, by the call language's encoder); 14 queries
a QA team asks (the recording disclosure, a customer who threatens to complain, a lost card...),
each with the utterances judged relevant by hand below (in both languages: USE compares a query
with Chinese turns across languages). It prints, per encoder, the similarities of relevant and of
unrelated turns, and for each candidate floor the share of relevant hits kept and of unrelated
turns still returned. The chosen floor (`search_similarity_floor`) is in docs/search.md.

`first-query`: a fresh API process over a database of indexed calls, as after a restart: the
first and second searches by meaning through the API with the warm-up off, then, in another
fresh process, the start, the warm-up thread and the first search with it on
(`search_warm_encoders`). Each process is new, so each starts cold.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from asr.transcript import Segment, Transcript
from models.embeddings import meaning_encoder
from scoring.phrases import turns
from scoring.semantic import MIN_UNIT_WORDS, size_in_words

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "eval" / "dev"
RECORDING = {f"d{n:02d}": [1] for n in (1, 3, 5, 6, 7, 8, 10, 12, 13, 14)} | {"d11": [2]}
QUERIES: dict[str, dict[str, list[int]]] = {
    # query: {call: relevant utterance indexes}
    "the call is being recorded": RECORDING | {"d04": [1], "d09": [1], "d15": [1]},
    "we keep a recording of this conversation": RECORDING | {"d04": [1], "d09": [1], "d15": [1]},
    "the customer threatens to complain or switch supplier": {
        "d05": [11],
        "d12": [11],
        "d14": [9],
        "d09": [13],
    },
    "the customer cannot afford the payment": {"d05": [2, 8], "d12": [2, 9, 11], "d09": [2, 9]},
    "the agent asks for the date of birth": {
        "d01": [5],
        "d03": [3],
        "d05": [5],
        "d11": [3],
        "d12": [5],
        "d16": [4],
    },
    "I lost my prepayment card": {"d06": [2, 3, 8], "d14": [2, 4, 5], "d04": [2, 6, 7, 8]},
    "there is a power cut on my street": {"d02": [1, 8], "d10": [2, 6, 8]},
    "the bill used an estimated meter reading": {
        "d01": [2, 8, 9, 10],
        "d08": [2, 6],
        "d16": [1, 7, 9],
    },
    "I am moving house and want to close my account": {"d03": [2, 8], "d11": [1, 5]},
    "the agent is rude and dismissive": {"d05": [7, 10], "d14": [8], "d09": [10, 12]},
    "本次通话会被录音": RECORDING | {"d04": [1], "d09": [1], "d15": [1]},
    "我的信用卡丢了": {"d04": [2, 6, 7, 8], "d06": [2], "d14": [2]},
    "客户要投诉": {"d09": [13], "d05": [11], "d12": [11], "d14": [9]},
    "分期还款的手续费": {"d09": [2, 6, 8, 11]},
}
FLOORS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45)
PER_QUERY = (0.25, 0.3, 0.35)


def corpus_turns() -> list[tuple[str, set[int], str, np.ndarray]]:
    """(call, its utterance indexes, encoder, vector) per embedded turn, as the index stage makes them."""
    out: list[tuple[str, set[int], str, np.ndarray]] = []
    for path in sorted((DEV / "calls").glob("*.json")):
        call = json.loads(path.read_text())
        segments = [
            Segment(
                speaker=u["speaker"], channel=None, start=u["start"], end=u["end"], text=u["text"], words=[]
            )
            for u in call["utterances"]
        ]
        index_of = {id(s): n for n, s in enumerate(segments)}
        encoder = meaning_encoder(call["language"])
        said = [
            turn
            for turn in turns(Transcript(language=call["language"], duration_s=call["duration_s"],
                                         layout="mono", model="reference", asr_version="reference",
                                         segments=segments).segments)
            if size_in_words(" ".join(s.text for s in turn)) >= MIN_UNIT_WORDS
        ]  # fmt: skip
        vectors = encoder.encode([" ".join(s.text for s in turn) for turn in said])
        for turn, vector in zip(said, vectors, strict=True):
            out.append((call["id"], {index_of[id(s)] for s in turn}, encoder.name, vector))
    return out


def floor() -> None:
    found = corpus_turns()
    scores: dict[str, tuple[list[float], list[float]]] = {}
    print("per query, at floors " + " / ".join(f"{f:.2f}" for f in PER_QUERY) + ": relevant, unrelated hits")
    for query, relevant in QUERIES.items():
        queries = {name: meaning_encoder(lang).encode([query])[0] for lang, name in _encoders(found)}
        pairs = []
        for call, utterances, name, vector in found:
            similarity = float(vector @ queries[name])
            hit = bool(utterances & set(relevant.get(call, [])))
            scores.setdefault(name, ([], []))[0 if hit else 1].append(similarity)
            pairs.append((similarity, hit))
        best = max(s for s, hit in pairs if hit)
        counts = [
            f"{sum(hit and s >= f for s, hit in pairs)}, {sum(not hit and s >= f for s, hit in pairs)}"
            for f in PER_QUERY
        ]
        print(f"  {query[:48]:48} best relevant {best:.2f}  " + " / ".join(counts))
    for name, (relevant_scores, unrelated) in scores.items():
        print(f"\n{name}: {len(relevant_scores)} relevant (query, turn) pairs, {len(unrelated)} unrelated")
        for label, values in (("relevant", relevant_scores), ("unrelated", unrelated)):
            q = np.percentile(values, [5, 25, 50, 75, 95, 99])
            print(f"  {label:9} p5 {q[0]:.2f} p25 {q[1]:.2f} median {q[2]:.2f} p75 {q[3]:.2f} "
                  f"p95 {q[4]:.2f} p99 {q[5]:.2f} max {max(values):.2f}")  # fmt: skip
        for value in FLOORS:
            kept = np.mean(np.array(relevant_scores) >= value)
            noise = np.mean(np.array(unrelated) >= value)
            print(f"  floor {value:.2f}: relevant kept {kept:6.1%}, unrelated returned {noise:6.1%}")


def _encoders(found: list[tuple[str, set[int], str, np.ndarray]]) -> set[tuple[str, str]]:
    names = {name for _, _, name, _ in found}
    return {
        (lang, meaning_encoder(lang).name) for lang in ("en", "zh") if meaning_encoder(lang).name in names
    }


CHILD = """
import json, sys, time
started = time.perf_counter()
from fastapi.testclient import TestClient
from api.http.app import create_app
from runtime.settings import Settings
from tests.support.api import token
warm = sys.argv[2] == "on"
settings = Settings(data_dir=sys.argv[1], scorecard_dir=None, queues={}, search_warm_encoders=warm)
out = {"import_s": time.perf_counter() - started}
with TestClient(create_app(settings)) as client:
    out["start_s"] = time.perf_counter() - started - out["import_s"]
    warming = getattr(client.app.state, "encoders_warming", None)
    if warming is not None:
        began = time.perf_counter()
        warming.join()
        out["warm_up_s"] = time.perf_counter() - began
    boss = token(client, "supervisor")
    for n in ("first", "second", "third"):
        began = time.perf_counter()
        query = {"q": "the customer wants to close the account", "semantic": "true"}
        answer = client.get("/search", params=query, headers=boss)
        out[f"{n}_query_s"] = time.perf_counter() - began
        assert answer.status_code == 200 and answer.json()["hits"], answer.text
print(json.dumps(out))
"""


def first_query() -> None:
    from runtime.services import Services
    from runtime.settings import Settings
    from tests.support.search import three_calls

    with tempfile.TemporaryDirectory() as folder:
        services = Services(Settings(data_dir=Path(folder), scorecard_dir=None, queues={}))
        three_calls(services)  # English and Chinese calls, scored and indexed with vectors
        services.close()
        for mode in ("off", "on"):
            child = subprocess.run(
                [sys.executable, "-c", CHILD, folder, mode], capture_output=True, text=True, cwd=ROOT
            )
            if child.returncode != 0:
                raise SystemExit(f"the API process with the warm-up {mode} failed:\n{child.stderr[-3000:]}")
            figures = json.loads(child.stdout.strip().splitlines()[-1])
            print(f"warm-up {mode}: " + ", ".join(f"{k} {v * 1000:,.0f} ms" for k, v in figures.items()))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("what", choices=("floor", "first-query"))
    started = time.perf_counter()
    if parser.parse_args().what == "floor":
        floor()
    else:
        first_query()
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
