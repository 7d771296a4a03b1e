"""The sequential part of matching, compiled: decide a sub-batch of attempts one after another.

Everything that can be done for all attempts at once is done by numpy in reid.matching (the
scores against every profile and the attempts' Gram matrix, two matrix products). What is left is
inherently in order: attempt i must see the profiles that attempts 0..i-1 created or moved. That
loop runs here, compiled by numba, at a few microseconds per attempt.

A profile changed inside the sub-batch is a "slot" with the unnormalised centroid
u = s * (a * c0 + sum of beta_r * x_r) over the attempts x_r it absorbed (a = 1 for an existing
profile, 0 for one created here), so its current score for attempt i is
s * (a * S[i, col] + sum of beta_r * G[i, r]) / |u|; acc[i, k] holds the sum, kept up to date for
the attempts still to come. An unchanged profile's score is S[i, col] as computed by numpy.
"""

import math

import numpy as np
from numba import njit

LINK, REVIEW, CREATE, UNMATCHED = 0, 1, 2, 3


@njit(cache=True, nogil=True)
def _insert(buf_s, buf_c, filled, score, col):
    """Keep buf (descending, `filled` entries) the top len(buf) scores; ties keep the earlier entry first."""
    size = len(buf_s)
    if filled == size and score <= buf_s[size - 1]:
        return filled
    pos = filled if filled < size else size - 1
    while pos > 0 and buf_s[pos - 1] < score:
        buf_s[pos] = buf_s[pos - 1]
        buf_c[pos] = buf_c[pos - 1]
        pos -= 1
    buf_s[pos] = score
    buf_c[pos] = col
    return filled + 1 if filled < size else size


@njit(cache=True, nogil=True)
def _scan(scores_row, cols, first, stop, slot_of, buf_s, buf_c):
    """Top K of scores_row over the columns cols[first:stop] that no slot holds; returns how many."""
    top_k = len(buf_s)
    filled = 0
    floor = np.float32(-np.inf)
    for j in range(first, stop):
        col = cols[j]
        score = scores_row[col]
        if score > floor and slot_of[col] < 0:
            filled = _insert(buf_s, buf_c, filled, score, col)
            if filled == top_k:
                floor = np.float32(buf_s[top_k - 1])
    return filled


@njit(cache=True, nogil=True)
def decide(
    scores,
    gram,
    embeddings,
    codes,
    weights,
    centroids,
    sexes,
    by_sex,
    sex_start,
    counts,
    threshold,
    review_threshold,
    auto_create,
    unknown,
    kind,
    chosen,
    top_cols,
    top_scores,
    n_top,
):
    """Decide every row of `scores` (attempts x the n0 existing profiles; -inf = rejected) in order.

    Candidates are the profiles of the attempt's sex (any sex for `unknown`); the existing ones of
    sex c are the columns by_sex[sex_start[c]:sex_start[c + 1]]. centroids/sexes/counts are the
    profile index's arrays, updated in place, with room after the n0 existing profiles for one new
    profile per attempt (a created profile takes column n0, n0 + 1, ...). Writes, per attempt, the
    kind, the chosen column (or -1) and the top K (columns, scores, how many). Returns the number of
    profiles created.
    """
    rows, n0 = scores.shape
    dim = embeddings.shape[1]
    top_k = top_cols.shape[1]
    acc = np.zeros((rows, rows))  # acc[i, k]: slot k's sum of beta_r * G[i, r] so far
    slot_col = np.empty(rows, np.int64)
    slot_s = np.empty(rows)  # the scale s
    slot_scale = np.empty(rows)  # s / |u|
    slot_of = np.full(n0 + rows, -1, np.int64)
    slots = 0
    created = 0
    buf_s = np.empty(top_k)
    buf_c = np.empty(top_k, np.int64)
    every_col = np.arange(n0)
    for row in range(rows):
        code = codes[row]
        filled = 0
        scores_row = scores[row]
        any_sex = code == unknown
        # unchanged profiles: their score is exact
        if any_sex:
            filled = _scan(scores_row, every_col, 0, n0, slot_of, buf_s, buf_c)
        else:
            filled = _scan(scores_row, by_sex, sex_start[code], sex_start[code + 1], slot_of, buf_s, buf_c)
        for k in range(slots):  # changed or new profiles: their current score
            col = slot_col[k]
            if not any_sex and sexes[col] != code:
                continue
            stale = scores_row[col] if col < n0 else 0.0
            if stale == -np.inf:  # rejected by a reviewer
                continue
            filled = _insert(buf_s, buf_c, filled, slot_scale[k] * (stale + acc[row, k]), col)
        n_top[row] = filled
        for t in range(filled):
            top_cols[row, t] = buf_c[t]
            top_scores[row, t] = buf_s[t]
        best = buf_s[0] if filled else -np.inf
        w = weights[row]
        if filled and best >= threshold:
            col = buf_c[0]
            k = slot_of[col]
            if k < 0:  # an existing profile moves for the first time in this sub-batch
                k = slots
                slots += 1
                slot_of[col] = k
                slot_col[k], slot_s[k], slot_scale[k] = col, 1.0, 1.0
            n = counts[col]
            # running mean, renormalised: u <- n * u / |u| + w * x
            slot_s[k] = n * slot_scale[k]
            norm = math.sqrt(n * n + 2.0 * n * w * best + w * w)
            slot_scale[k] = slot_s[k] / norm
            a, b = np.float32(n / norm), np.float32(w / norm)
            c_row = centroids[col]
            e_row = embeddings[row]
            for d in range(dim):
                c_row[d] = c_row[d] * a + e_row[d] * b
            counts[col] = n + w
            kind[row], chosen[row] = LINK, col
        elif filled and best >= review_threshold:
            kind[row], chosen[row] = REVIEW, -1
            continue
        elif code == unknown:  # an unknown-sex attempt never creates a profile of a guessed sex
            kind[row], chosen[row] = UNMATCHED, -1
            continue
        elif auto_create:
            col = n0 + created
            created += 1
            sexes[col], counts[col] = code, w
            k = slots
            slots += 1
            slot_of[col] = k
            slot_col[k], slot_s[k], slot_scale[k] = col, 1.0, 1.0 / w
            centroids[col] = embeddings[row]
            kind[row], chosen[row] = CREATE, col
        else:
            kind[row], chosen[row] = REVIEW, -1
            continue
        # the attempt joins slot k: later attempts of its sex (or unknown) see it through the Gram matrix
        beta = w / slot_s[k]
        sex = sexes[col]
        for r in range(row + 1, rows):
            if codes[r] == sex or codes[r] == unknown:
                acc[r, k] += beta * gram[row, r]
    return created
