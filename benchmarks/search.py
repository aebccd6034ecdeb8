"""Benchmark: transcript search over 100,000 calls (about 5 million words, English and Chinese).

    python benchmarks/search.py [--calls 100000] [--database-url postgresql://...] [--queries 200]
                                [--data-dir DIR]   # keep the SQLite database; run again: queries only
                                [--retokenise]     # then time making every call's terms again

Generates call-centre conversations (templates with products, amounts, card numbers and filler
drawn from a Zipf-distributed vocabulary, 70% English and 30% Chinese, about 50 words a call)
and stores the call rows. Two paths write the index, both through the index stage's own code
(`searchable_turns`, then `SearchIndex`):

- the bulk load, to have 100,000 calls to query in reasonable time: all but the sample,
  `--batch` calls per transaction (`replace_calls`). Its rate is printed but is not the goal's.
- the indexing rate, the goal's figure: the last `--index-sample` calls one transaction each
  (`replace_call`, as when a call is scored), into the index the bulk load filled. The goal:
  keep pace with 100,000 calls a day, 1.2 calls a second.

Vectors are timed apart on a sample (`--embed-sample`), since the two encoders dominate that
cost. Then it times filtered phrase queries through `run_search` (the API's path: filters, the
masked view for some, highlights) and prints the median and the 95th percentile. The goal: a
filtered phrase query under 100 ms at the 95th percentile. With `--data-dir` the database is
kept, and a second run over it times the queries again (when the first ran under a high load).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update

from asr.transcript import Segment, Transcript
from models.embeddings import english_encoder, shared_encoder
from runtime.services import Services
from runtime.settings import Settings
from scoring.pii import Redaction, numbers_said, redact_transcript
from services.search import SearchRequest, run_search
from services.search_index import retokenise_outdated, searchable_turns
from store.search import CallFacts, IndexedCall, SearchFilter
from store.tables import Call, CallStatus, SearchCall

PRODUCTS = ["broadband", "mobile plan", "energy tariff", "insurance policy", "tv package", "router"]
EN_AGENT = [
    "Thank you for calling Contoso, my name is {name}, how can I help you today?",
    "Can I take your account number and your date of birth please?",
    "I understand, let me check that for you right now.",
    "I can offer you a {n} percent discount on your {product} for the next six months.",
    "Your refund of {n} pounds will be processed within five business days.",
    "I am sorry about the trouble with your {product}, I will raise a ticket for an engineer.",
    "Is there anything else I can help you with today?",
    "Please be advised that this call is recorded for training and monitoring.",
]
EN_CUSTOMER = [
    "I want to cancel my {product} because the price went up again.",
    "I was charged twice for my {product} this month and I want a refund.",
    "My {product} stopped working yesterday and nobody called me back.",
    "The card number is {card} and the expiry is next year.",
    "If this is not fixed I will switch to another provider.",
    "Thanks, that sounds fine, goodbye.",
    "Can I speak to your manager please, this is the third time I call.",
]
ZH_AGENT = [
    "您好，这里是客服中心，我是{name}，请问有什么可以帮您？",
    "请提供一下您的账户号码和身份证号码。",
    "非常抱歉给您带来不便，我马上为您查询。",
    "我们可以为您的{product}提供{n}折优惠。",
    "退款会在五个工作日内退回您的银行卡。",
    "本次通话可能会被录音，用于服务质量监控。",
    "请问还有其他可以帮您的吗？",
]
ZH_CUSTOMER = [
    "我要取消{product}，价格又涨了。",
    "这个月{product}被重复扣费了，我要退款。",
    "{product}昨天坏了，一直没有人联系我。",
    "我的卡号是{card}。",
    "再不解决我就投诉到消费者协会。",
    "好的，谢谢，再见。",
]
ZH_PRODUCTS = ["宽带", "手机套餐", "电费套餐", "保险", "电视套餐", "路由器"]
NAMES = ["Grace", "Maria", "Tom", "Aisha", "Chen", "Lukas"]
FILLER = [f"w{n}" for n in range(20_000)]
PHRASES = [
    '"cancel my"',
    '"charged twice"',
    '"account number"',
    '"switch to another provider"',
    '"stopped working"',
    '"your manager"',
    "refund NEAR/5 processed",
    '"退款"',
    '"重复扣费"',
    '"取消宽带"',
    '"消费者协会"',
]


def conversation(rng: random.Random, chinese: bool) -> Transcript:
    """About 50 words: alternating agent and customer lines, some with filler words."""
    agent, customer = (ZH_AGENT, ZH_CUSTOMER) if chinese else (EN_AGENT, EN_CUSTOMER)
    products = ZH_PRODUCTS if chinese else PRODUCTS
    segments: list[Segment] = []
    words = 0
    t = 0.5
    while words < 50:
        speaker = "agent" if len(segments) % 2 == 0 else "customer"
        line = rng.choice(agent if speaker == "agent" else customer).format(
            name=rng.choice(NAMES),
            n=rng.randint(5, 90),
            product=rng.choice(products),
            card="4111 1111 1111 1111",
        )
        if not chinese and rng.random() < 0.5:
            line += " " + " ".join(FILLER[int(rng.paretovariate(1.1)) % len(FILLER)] for _ in range(4))
        words += size(line, "zh" if chinese else "en")
        segments.append(
            Segment(speaker=speaker, channel=0 if speaker == "agent" else 1, start=t, end=t + 4, text=line)
        )
        t += 5
    return Transcript(
        language="zh" if chinese else "en", duration_s=t, layout="agent_left", model="b", asr_version="b",
        segments=segments,
    )  # fmt: skip


def size(text: str, language: str) -> int:
    """Words; a Chinese word is taken as two characters."""
    return len(text) // 2 if language == "zh" else len(text.split())


Seeded = list[tuple[str, Transcript, Redaction]]


def seed_calls(services: Services, count: int, rng: random.Random) -> Seeded:
    """The call rows (scored, with metadata), written in batches; the transcripts and their
    redactions (made by the analysis, before indexing), for indexing."""
    start = datetime(2026, 8, 1, tzinfo=UTC)
    made: Seeded = []
    rows: list[Call] = []
    for n in range(count):
        chinese = rng.random() < 0.3
        call_id = uuid.uuid4().hex
        score = round(rng.uniform(30, 100), 1)
        rows.append(
            Call(
                id=call_id, sha256=uuid.uuid4().hex + uuid.uuid4().hex, audio_key="-", filename=f"{n}.wav",
                size_bytes=1, agent_id=f"A{rng.randrange(500)}", team=f"team{rng.randrange(20)}",
                queue=f"queue{rng.randrange(10)}", language="zh" if chinese else "en",
                started_at=start + timedelta(seconds=rng.randrange(90 * 86_400)), status=CallStatus.SCORED,
                score_total=score, verdict="pass" if score >= 80 else "fail",
                customer_sentiment=rng.choice(["negative", "neutral", "positive"]),
            )
        )  # fmt: skip
        said = conversation(rng, chinese)
        made.append((call_id, said, redact_transcript(said)))
        if len(rows) == 5_000 or n == count - 1:
            with services.calls.sessions.begin() as session:
                session.add_all(rows)
            rows = []
    return made


def facts(rng: random.Random, transcript: Transcript, redaction: Redaction) -> CallFacts:
    numbers = frozenset(numbers_said(transcript, redaction))
    return CallFacts(rng.random() < 0.1, rng.uniform(0, 30), rng.uniform(0, 10), ("greeting",), numbers)


def bulk_load(services: Services, calls: Seeded, rng: random.Random, batch: int) -> float:
    """Index `calls` `batch` at a time, one transaction each; returns calls per second."""
    started = time.perf_counter()
    for n in range(0, len(calls), batch):
        services.search.replace_calls(
            [
                IndexedCall(
                    call_id,
                    tuple(searchable_turns(transcript, redaction, None)),
                    facts(rng, transcript, redaction),
                )
                for call_id, transcript, redaction in calls[n : n + batch]
            ]
        )
        done = n + len(calls[n : n + batch])
        if done % 10_000 < batch:
            print(f"  loaded {done}: {done / (time.perf_counter() - started):.0f} calls/s", flush=True)
    return len(calls) / max(time.perf_counter() - started, 1e-9)


def index_one_by_one(services: Services, calls: Seeded, rng: random.Random) -> float:
    """Index every call as the stage does, one transaction each (no vectors); returns calls per second."""
    started = time.perf_counter()
    for call_id, transcript, redaction in calls:
        turns = searchable_turns(transcript, redaction, None)
        services.search.replace_call(call_id, turns, facts(rng, transcript, redaction))
    return len(calls) / max(time.perf_counter() - started, 1e-9)


def embedding_rate(calls: Seeded) -> str:
    english_encoder(), shared_encoder()  # loaded before the clock starts
    rates = []
    for chinese, encoder in ((False, english_encoder()), (True, shared_encoder())):
        sample = [(t, r) for _, t, r in calls if (t.language == "zh") == chinese]
        started = time.perf_counter()
        for transcript, redaction in sample:
            searchable_turns(transcript, redaction, encoder)
        rates.append(f"{encoder.name} {len(sample) / (time.perf_counter() - started):.1f} calls/s")
    return ", ".join(rates)


def time_queries(services: Services, count: int, rng: random.Random) -> list[float]:
    """Filtered phrase queries (a team, a month, or one agent, sometimes one party, a verdict),
    half of them in the masked view; milliseconds each."""
    timings = []
    for n in range(count + 10):
        day = datetime(2026, 8, 1, tzinfo=UTC) + timedelta(days=rng.randrange(60))
        choice = rng.randrange(3)
        filters = SearchFilter(
            team=f"team{rng.randrange(20)}" if choice == 0 else None,
            agent_id=f"A{rng.randrange(500)}" if choice == 1 else None,
            started_from=day if choice == 2 else None,
            started_to=day + timedelta(days=30) if choice == 2 else None,
            speaker=rng.choice([None, "agent", "customer"]),
            verdict=rng.choice([None, "fail"]),
        )
        request = SearchRequest(rng.choice(PHRASES), filters, redacted=rng.random() < 0.5, limit=25)
        started = time.perf_counter()
        run_search(services, request)
        if n >= 10:  # the first few warm the caches
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def main() -> None:
    layout = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=layout)
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--database-url", default=None, help="default: SQLite in --data-dir")
    parser.add_argument("--data-dir", type=Path, default=None, help="default: a temporary folder")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--batch", type=int, default=2_000, help="calls per transaction in the bulk load")
    parser.add_argument("--index-sample", type=int, default=2_000, help="calls indexed one by one")
    parser.add_argument("--embed-sample", type=int, default=200, help="calls whose vectors are timed")
    parser.add_argument(
        "--retokenise", action="store_true", help="then time making every call's terms again (migration 0023)"
    )
    arguments = parser.parse_args()
    rng = random.Random(12)
    with tempfile.TemporaryDirectory() as folder:
        data_dir = arguments.data_dir or Path(folder)
        settings = Settings(data_dir=data_dir, database_url=arguments.database_url, queues={})
        services = Services(settings)
        backend = services.engine.dialect.name
        with services.search.sessions() as session:
            indexed = session.query(SearchCall).count()
        if indexed:
            print(f"{backend}: {indexed} calls indexed already: timing the queries only")
        else:
            load(services, arguments, rng)
        print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        timings = time_queries(services, arguments.queries, rng)
        p95 = statistics.quantiles(timings, n=20)[-1]
        print(
            f"filtered phrase queries: {len(timings)}, median {statistics.median(timings):.1f} ms, "
            f"p95 {p95:.1f} ms, max {max(timings):.1f} ms"
        )
        print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        if arguments.retokenise:
            retokenise(services)
        services.close()


def retokenise(services: Services) -> None:
    """Every call marked as indexed by TERMS_VERSION 1, as migration 0023 leaves an index, and
    the scheduled job's work timed: the terms made again from the stored text."""
    with services.search.sessions.begin() as session:
        session.execute(update(SearchCall).values(terms_version=1))
    started = time.perf_counter()
    calls = retokenise_outdated(services, budget_s=None)
    seconds = time.perf_counter() - started
    print(f"terms made again: {calls} calls in {seconds:.1f} s, {calls / seconds:.0f} calls/s")
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def load(services: Services, arguments: argparse.Namespace, rng: random.Random) -> None:
    backend = services.engine.dialect.name
    calls = seed_calls(services, arguments.calls, rng)
    words = sum(size(s.text, t.language) for _, t, _ in calls for s in t.segments)
    print(f"{backend}: {len(calls)} calls, {words:,} words ({words / len(calls):.0f} per call)")
    bulk, sample = calls[: -arguments.index_sample], calls[-arguments.index_sample :]
    rate = bulk_load(services, bulk, rng, arguments.batch)
    print(f"bulk load (to have calls to query; not the goal's figure): {len(bulk)} calls, {rate:.0f} calls/s")
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    rate = index_one_by_one(services, sample, rng)
    print(
        f"indexing, one call per transaction: {len(sample)} calls, {rate:.0f} calls/s "
        "(100,000 calls a day is 1.2 calls/s)"
    )
    if arguments.embed_sample:
        print(f"vectors: {embedding_rate(calls[: arguments.embed_sample])}")


if __name__ == "__main__":
    main()
