"""stats_manager.py: examples/stats/main.c in Python 3.11's multiprocessing, for the README's comparison.

Four processes count hits into one shared dict through a Manager, a Lock around each read-modify-write
(`d[k] += 1` is a get then a set: two round trips another process can come between). Managers have no
watches, so the parent polls the count and prints what it sees. The final state is exact.
"""
import multiprocessing as mp

WORKERS, HITS = 4, 1000


def worker(n, stats, per_key, log, lock):
    key = f"worker{n}"
    for _ in range(HITS):
        with lock:
            stats["hits"] += 1
        with lock:
            per_key[key] = per_key.get(key, 0) + 1
    log.append(key)


def main():
    with mp.Manager() as manager:
        stats, per_key, log, lock = manager.dict(hits=0), manager.dict(), manager.list(), manager.Lock()
        procs = [mp.Process(target=worker, args=(n, stats, per_key, log, lock)) for n in range(WORKERS)]
        for p in procs:
            p.start()
        shown = 0
        while shown < WORKERS * HITS:
            hits = stats["hits"]
            if hits // 500 > shown // 500:
                print(f"hits = {hits}")
            shown = hits
        for p in procs:
            p.join()
        for key, value in sorted(per_key.items()):
            print(f"{key}: {value}")
        print(f"log: {len(log)} entries")
        print(f"hits: {stats['hits']} (expected {WORKERS * HITS})")
        return int(stats["hits"] != WORKERS * HITS or any(v != HITS for v in per_key.values()) or len(log) != WORKERS)


if __name__ == "__main__":
    raise SystemExit(main())
