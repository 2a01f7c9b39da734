#!/usr/bin/env python3
"""Writes a deterministic JSONL corpus with exact and near duplicates spread over files.

usage: gen_corpus.py OUT_DIR FILES DOCS [SEED]
Every doc has a unique "id"; about 15% are exact copies and 15% near copies
(a few words changed) of an earlier doc, usually from another file.
"""
import json, os, random, sys

out, files, docs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
seed = int(sys.argv[4]) if len(sys.argv) > 4 else 7
rng = random.Random(seed)
# Letters only: datatrove's simplify_text maps digits to 0.
vocab = sorted({"".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9)))
                for _ in range(8000)})
os.makedirs(out, exist_ok=True)
texts = []
handles = [open(os.path.join(out, "part-%03d.jsonl" % f), "w") for f in range(files)]
for i in range(docs):
    r = rng.random()
    if texts and r < 0.15:
        text = rng.choice(texts)
    elif texts and r < 0.30:
        words = rng.choice(texts).split()
        for _ in range(max(1, len(words) // 60)):
            words[rng.randrange(len(words))] = rng.choice(vocab)
        text = " ".join(words)
    else:
        text = " ".join(rng.choice(vocab) for _ in range(rng.randint(80, 300)))
    texts.append(text)
    f = rng.randrange(files)
    handles[f].write(json.dumps({"id": "doc%06d" % i, "text": text}) + "\n")
for h in handles:
    h.close()
