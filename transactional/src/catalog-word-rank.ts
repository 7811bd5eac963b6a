import { type Base, type CatalogRow, rowAt, type Vocabulary } from './catalog-columns.js';

/** Hits ranked per search, in the order the walk finds them: the rest of a very common word's products are not looked at. */
const RANKED = 1000;
const PER_GROUP = 1_000_000;

/**
 * How a name ranks for a search (lower first): names where more of the term groups start a word
 * come first, then shorter names. `starts` counts the groups one of whose terms starts a word.
 */
export function rankOf(groups: number, starts: number, nameLength: number): number {
  return (groups - starts) * PER_GROUP + nameLength;
}

/** A search term the walk answers: letters and digits only (it then lies inside one word of a name). */
export const INDEXED_TERM = /^[\p{L}\p{N}]+$/u;

/** A product written since the base was read, as read then (the base's entry for it is ignored). */
export interface ChangedProduct {
  readonly words: Int32Array;
  readonly length: number;
  readonly product: CatalogRow;
  readonly codes: readonly string[];
}

/**
 * The best `want` products by `rankOf` whose names hold, for every group, a word containing one of
 * the group's terms: the changed products, then the base, walking the rarest group's words (those a
 * term starts first), each word's products shortest name first, until nothing left can outrank the
 * page or RANKED matches were seen.
 */
export function bestHolding(
  base: Base,
  vocabulary: Vocabulary,
  changedProducts: ReadonlyMap<number, ChangedProduct>,
  groups: readonly (readonly string[])[],
  want: number,
): CatalogRow[] {
  const vocabularySize = vocabulary.spelled.length;
  // Per group: which words hold one of its terms (1 = a term starts the word, 2 = inside it).
  const marks = groups.map((terms) => {
    const mark = new Uint8Array(vocabularySize);
    for (let w = 0; w < vocabularySize; w++) {
      const word = vocabulary.spelled[w] as string;
      for (const t of terms) {
        if (word.startsWith(t)) mark[w] = 1;
        else if (mark[w] === 0 && word.includes(t)) mark[w] = 2;
      }
    }
    return mark;
  });
  const { ids, starts, words, lengths, postings } = base;
  /** The rank of a product whose words are held[from..to), or -1 when a group has no word in them. */
  const rank = (held: ArrayLike<number>, from: number, to: number, length: number): number => {
    let starting = 0;
    for (const mark of marks) {
      let best = 0;
      for (let k = from; k < to && best !== 1; k++) {
        const m = mark[held[k] as number] as number;
        if (m > 0 && (best === 0 || m < best)) best = m;
      }
      if (best === 0) return -1;
      if (best === 1) starting++;
    }
    return rankOf(marks.length, starting, length);
  };
  // The best `want` hits so far, best first (rank, then id), with their base position (-1: a changed product).
  const topRank = new Float64Array(want);
  const topId = new Int32Array(want);
  const topPos = new Int32Array(want);
  let kept = 0;
  const offer = (r: number, id: number, pos: number) => {
    const last = kept - 1;
    if (kept === want && (r > (topRank[last] as number) || (r === topRank[last] && id > (topId[last] as number)))) return;
    let k = kept < want ? kept++ : last;
    for (; k > 0 && ((topRank[k - 1] as number) > r || (topRank[k - 1] === r && (topId[k - 1] as number) > id)); k--) {
      topRank[k] = topRank[k - 1] as number;
      topId[k] = topId[k - 1] as number;
      topPos[k] = topPos[k - 1] as number;
    }
    topRank[k] = r;
    topId[k] = id;
    topPos[k] = pos;
  };
  for (const [id, { words: held, length }] of changedProducts) {
    const r = rank(held, 0, held.length, length);
    if (r >= 0) offer(r, id, -1);
  }
  // Walk the group whose words the fewest products hold, words starting with a term first.
  let walk = 0;
  let least = Number.POSITIVE_INFINITY;
  marks.forEach((mark, g) => {
    let count = 0;
    for (let w = 0; w < mark.length; w++) if (mark[w]) count += postings[w]?.length ?? 0;
    if (count < least) [least, walk] = [count, g];
  });
  const mark = marks[walk] as Uint8Array;
  // When a word is walked, the step it was walked at: a product holding a word walked before is not looked at twice.
  const walkedAt = new Int32Array(vocabularySize).fill(0x7fffffff);
  let step = 0;
  const changed = changedProducts.size > 0 ? changedProducts : undefined;
  let hits = 0;
  for (const kind of [1, 2]) {
    // The best rank a product of this pass can have: a word of the walked group starts with a term only in the first.
    const floor = kind === 1 ? 0 : PER_GROUP;
    for (let w = 0; w < mark.length && hits < RANKED; w++) {
      const list = mark[w] === kind ? postings[w] : undefined;
      if (!list) continue;
      const now = step++;
      walkedAt[w] = now;
      candidates: for (let i = 0; i < list.length && hits < RANKED; i++) {
        const pos = list[i] as number;
        // Names only get longer down the list: once the best kept are better than any to come, stop.
        if (kept === want && floor + (lengths[pos] as number) > (topRank[kept - 1] as number)) break;
        const id = ids[pos] as number;
        if (changed?.has(id)) continue;
        for (let k = starts[pos] as number; k < (starts[pos + 1] as number); k++) if ((walkedAt[words[k] as number] as number) < now) continue candidates;
        const r = rank(words, starts[pos] as number, starts[pos + 1] as number, lengths[pos] as number);
        if (r >= 0) {
          hits++;
          offer(r, id, pos);
        }
      }
    }
  }
  return Array.from(topPos.subarray(0, kept), (pos, k) => (pos >= 0 ? rowAt(base, pos) : (changedProducts.get(topId[k] as number) as ChangedProduct).product));
}
