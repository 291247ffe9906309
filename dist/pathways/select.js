export function rankBySimilarity(embedding, candidates) {
    return candidates
        .map((c) => {
        let dot = 0;
        for (let i = 0; i < embedding.length; i++)
            dot += embedding[i] * c.embedding[i];
        return { item: c.item, text: c.text, similarity: dot };
    })
        .sort((a, b) => b.similarity - a.similarity);
}
/**
 * One pathway from router logits [stages, K] (row-major): the argmax of each stage, 1-based. With
 * `sizes` (alternatives per stage), stage s takes the argmax of its first min(K, sizes[s]) logits,
 * so a router padded to the widest stage never picks an alternative a stage does not have.
 */
export function pathwayFromLogits(logits, stages, k, sizes) {
    const pathway = [];
    for (let s = 0; s < stages; s++) {
        let best = 0;
        const n = Math.min(k, sizes?.[s] ?? k);
        for (let a = 1; a < n; a++)
            if (logits[s * k + a] > logits[s * k + best])
                best = a;
        pathway.push(best + 1);
    }
    return pathway;
}
